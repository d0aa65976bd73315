"""The .ics files as other programs read them: the Europe/Paris VTIMEZONE read from its own rules by
icalendar and by vobject (Radicale and other CalDAV servers), and the mail attachment's MIME type."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from pipeline.sending import calendars as ical
from pipeline.workbook.model import Dataset
from pipeline.workbook.validate import check
from tests.helpers import INPUTS
from tests.sending_helpers import read_eml

UTC = dt.UTC
# (local time in Paris, the same instant in UTC): summer, winter, and the days of both changes
TIMES = [
    (dt.datetime(2024, 6, 25, 9, 0), dt.datetime(2024, 6, 25, 7, 0)),
    (dt.datetime(2023, 12, 12, 9, 0), dt.datetime(2023, 12, 12, 8, 0)),
    (dt.datetime(2024, 3, 31, 14, 0), dt.datetime(2024, 3, 31, 12, 0)),
    (dt.datetime(2023, 10, 29, 14, 0), dt.datetime(2023, 10, 29, 13, 0)),
    (dt.datetime(2024, 3, 30, 23, 30), dt.datetime(2024, 3, 30, 22, 30)),
    (dt.datetime(2024, 1, 15, 14, 0), dt.datetime(2024, 1, 15, 13, 0)),
]


@pytest.fixture(scope="module")
def sample() -> Dataset:
    ds, report = check(INPUTS / "promotion.xlsx")
    assert ds is not None and report.valid
    return ds


@pytest.fixture(scope="module")
def ics(sample: Dataset) -> bytes:
    entries = [ical.Entry(f"e{n}", f"Événement {n}", local.replace(tzinfo=ical.PARIS),
                          local.replace(tzinfo=ical.PARIS) + dt.timedelta(hours=1))
               for n, (local, _) in enumerate(TIMES)]
    return ical.to_ics(sample, entries, "test", "Essai")


def test_vtimezone_is_two_yearly_rules(ics: bytes) -> None:
    text = ics.decode("utf-8")
    assert "RDATE" not in text
    zone = Calendar.from_ical(ics).walk("VTIMEZONE")
    assert [z["TZID"] for z in zone] == ["Europe/Paris"]
    parts = {p.name: p for p in zone[0].subcomponents}
    assert set(parts) == {"DAYLIGHT", "STANDARD"}
    daylight, standard = parts["DAYLIGHT"], parts["STANDARD"]
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    assert (daylight["TZOFFSETFROM"].to_ical(), daylight["TZOFFSETTO"].to_ical()) == ("+0100", "+0200")
    assert (standard["TZOFFSETFROM"].to_ical(), standard["TZOFFSETTO"].to_ical()) == ("+0200", "+0100")
    assert daylight["DTSTART"].dt == dt.datetime(1970, 3, 29, 2) and standard["DTSTART"].dt == dt.datetime(1970, 10, 25, 3)
    assert re.search(r"^METHOD:PUBLISH\r$", text, re.M)


def test_icalendar_reads_the_times_from_the_vtimezone_itself(ics: bytes) -> None:
    cal = Calendar.from_ical(ics)
    zone = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)  # from the rules written, not from zoneinfo
    starts = [e["DTSTART"].dt.replace(tzinfo=zone).astimezone(UTC) for e in cal.walk("VEVENT")]
    assert starts == [utc.replace(tzinfo=UTC) for _, utc in TIMES]


def test_vobject_reads_the_same_times(ics: bytes) -> None:
    cal = vobject.readOne(ics.decode("utf-8"))
    starts = [event.dtstart.value.astimezone(UTC) for event in cal.vevent_list]
    assert starts == [utc.replace(tzinfo=UTC) for _, utc in TIMES]
    assert [event.dtend.value.astimezone(UTC) for event in cal.vevent_list] == [
        utc.replace(tzinfo=UTC) + dt.timedelta(hours=1) for _, utc in TIMES]


def test_a_calendar_without_timed_events_has_no_vtimezone(sample: Dataset) -> None:
    day = ical.Entry("jour", "Rendu", dt.date(2024, 6, 25), dt.date(2024, 6, 26))
    cal = Calendar.from_ical(ical.to_ics(sample, [day], "test", "Essai"))
    assert cal.walk("VTIMEZONE") == [] and len(cal.walk("VEVENT")) == 1


@pytest.mark.slow
def test_mail_attachment_says_charset_and_method(tmp_path: Path, copar) -> None:
    result = copar("mails", INPUTS, "-o", tmp_path, "--pour", "reunion-tuteurs")
    assert result.exit_code == 1, result.output  # no build ran: the PDFs are missing, the .ics is there
    draft = next((tmp_path / "courriels" / "reunion-tuteurs").glob("*.eml"))
    raw = draft.read_bytes()
    assert re.search(rb'\r\nContent-Type: text/calendar; charset="utf-8"; method="?PUBLISH"?\r\n', raw)
    parts = [p for p in read_eml(draft).iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_filename() == "reunion-tuteurs.ics"
    assert part.get_param("charset") == "utf-8" and part.get_param("method") == "PUBLISH"
    text = part.get_content()  # decoded with the declared charset
    assert "X-WR-CALNAME:Réunion des tuteur·rices" in text
    assert "METHOD:PUBLISH" in text
    assert part.get_payload(decode=True).decode("utf-8") == text  # the bytes are the UTF-8 .ics, CRLF kept
    assert b"\r\nEND:VCALENDAR\r\n" in part.get_payload(decode=True)
