"""copar calendriers: .ics parsed back with icalendar — one event per row, local times across DST, stable UIDs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar

from pipeline.documents.variables import example_dataset
from pipeline.sending import calendars as ical
from pipeline.workbook.model import Dataset, Event, TripartiteReview

PARIS = ical.PARIS


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return example_dataset()


def events(path: Path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


@pytest.mark.slow
def test_promotion_calendar_one_event_per_row(sample: Dataset, tmp_path: Path, copar) -> None:
    result = copar("calendriers", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"57 agendas écrits dans {tmp_path / 'calendriers'}/ "
                             "(dont promotion.ics, l'agenda de toute la promotion).\n")
    cal = Calendar.from_ical((tmp_path / "calendriers" / "promotion.ics").read_bytes())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    found = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert sorted(found) == sorted(e.evenement for e in sample.calendar.values())
    meeting = found[sample.calendar["reunion_tuteurs"].evenement]
    assert meeting.decoded("DTSTART") == dt.datetime(2023, 12, 5, 14, 0, tzinfo=PARIS)
    assert meeting.decoded("DTEND") == dt.datetime(2023, 12, 5, 16, 30, tzinfo=PARIS)
    assert meeting["DTSTART"].params["TZID"] == "Europe/Paris"
    # date-only rows are all-day events; a range ends the day after its last day (exclusive end)
    tripartites = found[sample.calendar["bilan_tripartite"].evenement]
    assert tripartites.decoded("DTSTART") == dt.date(2024, 6, 6) and tripartites.decoded("DTEND") == dt.date(2024, 6, 8)
    assert str(tripartites["DESCRIPTION"]) == "environ 45 min"


def test_student_calendar_has_tripartite_slot_and_soutenance(sample: Dataset, tmp_path: Path) -> None:
    ical.write_calendars(sample, tmp_path)
    found = {str(e["SUMMARY"]): e for e in events(tmp_path / "calendriers" / "etudiants" / "22004512-n-diaye-aissatou.ics")}
    slot = found["Bilan tripartite — Aïssatou N'Diaye"]
    assert slot.decoded("DTEND") - slot.decoded("DTSTART") == dt.timedelta(minutes=45)
    defense = found["Soutenance — Aïssatou N'Diaye (Jury A)"]
    assert defense.decoded("DTSTART") == dt.datetime(2024, 6, 25, 9, 0, tzinfo=PARIS)
    assert defense.decoded("DTEND") == dt.datetime(2024, 6, 25, 9, 30, tzinfo=PARIS)  # the next passage
    assert str(defense["LOCATION"]) == "Université Rennes 2, campus Villejean, bâtiment B, salle B 224"
    tutor = {str(e["SUMMARY"]) for e in events(tmp_path / "calendriers" / "tuteurs" / "tuteur-l-hote-gaelle.ics")}
    assert {"Bilan tripartite — Aïssatou N'Diaye", "Soutenance — Maël Le Bihan (Jury A)",
            "Soutenance — Aïssatou N'Diaye (Jury A)"} <= tutor


def test_local_times_across_the_end_of_daylight_saving(sample: Dataset, tmp_path: Path) -> None:
    """27 October 2023 is in summer time (UTC+2), 30 October in winter time (UTC+1)."""
    before = Event("periode_1", "Période autour du changement d'heure", dt.date(2023, 10, 27), horaire="14h–16h")
    after = Event("point_etape", "Point d'étape", dt.date(2023, 10, 30), horaire="14h00-16h00")
    student = sample.students[0]
    ds = dataclasses.replace(sample, calendar={"periode_1": before, "point_etape": after},
                             tripartites=[TripartiteReview(student.numero, dt.date(2024, 3, 31), dt.time(10, 0))])
    path = tmp_path / "dst.ics"
    path.write_bytes(ical.to_ics(ds, ical.student_entries(ds, student), "x", "x"))
    starts = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in events(path)}
    summer, winter = starts[before.evenement], starts[after.evenement]
    assert (summer.hour, winter.hour) == (14, 14)
    assert summer.utcoffset() == dt.timedelta(hours=2) and winter.utcoffset() == dt.timedelta(hours=1)
    assert summer.astimezone(dt.UTC).hour == 12 and winter.astimezone(dt.UTC).hour == 13
    spring = starts[f"Bilan tripartite — {student.nom_complet}"]  # 31 March 2024: the change to summer time
    assert spring.astimezone(dt.UTC) == dt.datetime(2024, 3, 31, 8, 0, tzinfo=dt.UTC)


def test_uids_stable_between_runs_and_unique(sample: Dataset, tmp_path: Path) -> None:
    first = ical.write_calendars(sample, tmp_path / "a")
    second = ical.write_calendars(sample, tmp_path / "b")
    uids = [[str(e["UID"]) for e in events(p)] for p in first]
    assert uids == [[str(e["UID"]) for e in events(p)] for p in second]
    every = [u for file in uids for u in file]
    assert len(every) == len(set(every))  # a person's events never share a UID with another's


@pytest.mark.parametrize(("text", "expected"), [
    ("14h–16h30", (dt.time(14), dt.time(16, 30))),
    ("9 h 00 - 12 h 30", (dt.time(9), dt.time(12, 30))),
    ("de 9h à 17h", (dt.time(9), dt.time(17))),
    ("environ 45 min", None),
    ("", None),
    ("16h–14h", None),
])
def test_hours(text: str, expected: tuple[dt.time, dt.time] | None) -> None:
    assert ical.hours(text) == expected


def test_each_teacher_gets_their_reviews_and_juries(tmp_path: Path, copar) -> None:
    """Sheet Équipe: Claire Guillou sits in Louise Kerjean's bilan tripartite (its Participants name her),
    presides Jury A and is a member of Jury C; nobody's agenda prints an address."""
    assert copar("calendriers", "-o", tmp_path).exit_code == 0
    folder = tmp_path / "calendriers" / "equipe"
    assert sorted(p.name for p in folder.iterdir()) == [
        "claire-guillou.ics", "helene-marchetti.ics", "karim-haddad.ics", "mathieu-renaud.ics", "pascale-perron.ics",
        "sophie-kervella.ics"]
    summaries = sorted(str(e["SUMMARY"]) for e in events(folder / "claire-guillou.ics"))
    assert summaries == ["Bilan tripartite — Louise Kerjean", "Jury A — soutenances", "Jury C — soutenances"]
    tripartites = [str(e["SUMMARY"]) for e in events(folder / "pascale-perron.ics")]
    assert tripartites == ["Bilan tripartite — Aïssatou N'Diaye", "Bilan tripartite — Inès Moreau",
                           "Bilan tripartite — Camille Da Silva", "Bilan tripartite — Christophe Lebrun"]
    unfolded = [p.read_bytes().replace(b"\r\n ", b"") for p in (tmp_path / "calendriers").rglob("*.ics")]
    assert not any(b"@" in data.replace(b"@copar\r\n", b"") for data in unfolded)
