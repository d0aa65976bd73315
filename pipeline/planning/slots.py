"""Days, windows and slots: the time grid a plan is drawn on, and who is busy when.

Times are minutes since midnight. A person is busy during their declared unavailabilities
(sheet Disponibilités) and during every review or passage they already have; two reviews of
one person are kept `pause` minutes apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.documents.formats import time_fr
from pipeline.errors import CoparError
from pipeline.workbook import parse

DEFAULT_WINDOWS = "9h00-12h30,14h00-17h30"


class PlanningOptionError(CoparError):
    """Raised when --jours, --creneaux, --debut or the calendar cannot give a valid grid."""


@dataclass(frozen=True, order=True)
class Slot:
    day: dt.date
    start: int
    end: int
    window: int  # index of the window in the day: consecutive slots share it

    @property
    def time(self) -> dt.time:
        return minutes_to_time(self.start)


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def minutes_to_time(m: int) -> dt.time:
    return dt.time(m // 60, m % 60)


def hhmm(m: int) -> str:
    """« 9 h 30 »: documents.formats.time_fr, the one way copar writes an hour."""
    return time_fr(m)


def parse_day(text: str, option: str) -> dt.date:
    try:
        return parse.parse_date(text.strip())
    except ValueError:
        raise PlanningOptionError(f"Date « {text} » illisible dans {option} : écrivez JJ/MM/AAAA, par exemple "
                                  "06/06/2024.") from None


def parse_days(text: str) -> list[dt.date]:
    days = [parse_day(part, "--jours") for part in _parts(text)]
    if not days:
        raise PlanningOptionError("Aucun jour dans --jours : indiquez par exemple 06/06/2024,07/06/2024.")
    return sorted(set(days))


def parse_time(text: str, option: str) -> int:
    try:
        return minutes(parse.parse_time(text.strip()))
    except ValueError:
        raise PlanningOptionError(f"Heure « {text} » illisible dans {option} : écrivez par exemple 9h00 ou 14:30.") from None


def parse_windows(text: str) -> list[tuple[int, int]]:
    windows = []
    for part in _parts(text):
        first, sep, last = part.partition("-")
        if not sep:
            raise PlanningOptionError(f"Plage « {part} » illisible dans --creneaux : écrivez début-fin, par exemple "
                                      "9h00-12h30,14h00-17h30.")
        a, b = parse_time(first, "--creneaux"), parse_time(last, "--creneaux")
        if a >= b:
            raise PlanningOptionError(f"Plage « {part} » de --creneaux : la fin doit suivre le début.")
        windows.append((a, b))
    windows.sort()
    for (_, previous_end), (next_start, _) in zip(windows, windows[1:], strict=False):
        if next_start < previous_end:
            raise PlanningOptionError(f"Les plages de --creneaux se chevauchent ({text}) : séparez-les.")
    if not windows:
        raise PlanningOptionError(f"Aucune plage dans --creneaux : indiquez par exemple {DEFAULT_WINDOWS}.")
    return windows


def _parts(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def grid(days: list[dt.date], windows: list[tuple[int, int]], duration: int, pause: int) -> list[Slot]:
    """Every slot of `duration` minutes in each window of each day, `pause` minutes apart, in time order."""
    slots = []
    for day in sorted(days):
        for index, (start, end) in enumerate(windows):
            t = start
            while t + duration <= end:
                slots.append(Slot(day, t, t + duration, index))
                t += duration + pause
    return slots


FIXED = -1  # the window of a slot already written in the workbook, wherever it lies


def adjacent(a: Slot, b: Slot, duration: int, pause: int) -> bool:
    same_window = a.window == b.window or FIXED in (a.window, b.window)
    return a.day == b.day and same_window and abs(a.start - b.start) == duration + pause


@dataclass(frozen=True)
class Busy:
    day: dt.date
    start: int
    end: int
    what: str  # "indisponible" or the review or passage that holds the person
    review: bool  # a review or passage (kept `pause` apart), not an unavailability


@dataclass
class Agenda:
    """When each person (by key) is busy."""

    pause: int = 0
    busy: dict[str, list[Busy]] = field(default_factory=dict)

    def add(self, key: str, item: Busy) -> None:
        self.busy.setdefault(key, []).append(item)

    def conflict(self, key: str, day: dt.date, start: int, end: int) -> Busy | None:
        """What keeps `key` from a review on `day` from `start` to `end`, or None when free."""
        for item in self.busy.get(key, ()):
            gap = self.pause if item.review else 0
            if item.day == day and start < item.end + gap and item.start < end + gap:
                return item
        return None


def unavailable(day: dt.date, de: dt.time | None, a: dt.time | None) -> Busy:
    return Busy(day, minutes(de) if de else 0, minutes(a) if a else 24 * 60, "indisponible", False)
