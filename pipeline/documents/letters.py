"""Letters that go out of the university: the date they carry, and what is wrong with it."""

from __future__ import annotations

import datetime as dt

from pipeline.documents.formats import long_date
from pipeline.workbook.model import Dataset


def letter_day(ds: Dataset, letter_date: dt.date | None, today: dt.date) -> tuple[dt.date, bool]:
    """The date letters carry, and whether someone chose it (--date-courrier, then « Date des courriers »)."""
    chosen = letter_date or ds.promotion.date_courriers
    return (chosen, True) if chosen else (today, False)


def letter_warnings(ds: Dataset, letter_date: dt.date | None, today: dt.date) -> list[str]:
    """French warnings about the invitations: dated after the meeting, or announcing a past meeting."""
    meeting = ds.calendar.get("reunion_tuteurs")
    if meeting is None:
        return []
    day, chosen = letter_day(ds, letter_date, today)
    warnings = []
    if chosen and day > meeting.debut:
        warnings.append(f"Les invitations sont datées du {long_date(day)}, après la réunion qu'elles annoncent "
                        f"({long_date(meeting.debut)}) : corrigez « Date des courriers » (feuille Promotion) "
                        "ou l'option --date-courrier.")
    if meeting.debut < today:
        warnings.append(f"La réunion des tuteur·rices du {long_date(meeting.debut)} est déjà passée : les "
                        "invitations l'annoncent quand même. Vérifiez la date (feuille Calendrier, clé "
                        "reunion_tuteurs) avant de les envoyer.")
    return warnings
