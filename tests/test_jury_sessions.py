"""The jury planner draws a day a person would accept: each jury in its session, nobody during the
lunch break, passages packed one after another; and its settings from copar.toml or the options."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.errors import CoparError
from pipeline.planning.jurys import APRES_MIDI, JOURNEE, MATIN, JurySchedule, Pending, plan_juries
from pipeline.planning.run import jury_schedule, parse_lunch, parse_sessions
from pipeline.workbook.model import Dataset, Defense, Jury, Promotion, Student, Tutor

DAY = dt.date(2024, 6, 25)
PROMOTION = Promotion("M2", "COPAR", "20e", "2023-2024", "Rennes 2", "Yves Bonny")


def _students(n: int) -> list[Student]:
    return [Student(f"2200{i:04d}", f"Nom{i}", f"Prénom{i}", f"e{i}@example.fr", "stage", "Structure",
                    Tutor(f"Tuteur{i}", "T", f"t{i}@example.org"), "Mission", dt.date(2023, 11, 20),
                    dt.date(2024, 4, 30)) for i in range(n)]


def _hours(plan, jury: str) -> list[str]:
    return [f"{p.start:%H:%M}" for p in plan.placed if p.group == jury]


def test_a_full_day_skips_the_lunch_break_and_stops_at_the_end() -> None:
    students = _students(9)
    ds = Dataset(PROMOTION, students=students, juries=[Jury("Jury A", DAY, "Claire Guillou", row=2)])
    schedule = JurySchedule(start=10 * 60, duration=45, end=15 * 60, lunch=(12 * 60, 13 * 60 + 30))
    plan = plan_juries(ds, [Pending(i + 2, s.numero, "Jury A") for i, s in enumerate(students)], schedule)
    assert _hours(plan, "Jury A") == ["10:00", "10:45", "13:30", "14:15"]  # 11:30 would run into lunch
    assert [u.numero for u in plan.unplaced] == [s.numero for s in students[4:]]
    assert "dans sa session (10 h – 12 h et 13 h 30 – 15 h)" in plan.unplaced[0].reason


def test_each_jury_sits_in_its_session_and_sessions_are_named_in_any_case() -> None:
    students = _students(4)
    juries = [Jury("Jury A", DAY, "Claire Guillou", row=2), Jury("Jury B", DAY, "Karim Haddad", row=3)]
    pending = [Pending(i + 2, s.numero, "Jury A" if i < 2 else "Jury B") for i, s in enumerate(students)]
    schedule = JurySchedule(sessions={"jury a": MATIN, "JURY B": APRES_MIDI})
    plan = plan_juries(Dataset(PROMOTION, students=students, juries=juries), pending, schedule)
    assert _hours(plan, "Jury A") == ["09:00", "09:30"]
    assert _hours(plan, "Jury B") == ["13:30", "14:00"]
    assert schedule.session("Jury C") == JOURNEE


def test_new_passages_join_the_passages_already_set_instead_of_standing_alone() -> None:
    students = _students(5)
    jury = Jury("Jury A", DAY, "Claire Guillou", row=2)
    typed = (dt.time(14, 15), dt.time(14, 45), dt.time(15, 45))  # off the 30-minute grid, a gap at 15:15
    timed = [Defense(s.numero, "Jury A", t, row=i + 2) for i, (s, t) in enumerate(zip(students, typed, strict=False))]
    pending = [Pending(10 + i, s.numero, "Jury A") for i, s in enumerate(students[3:])]
    plan = plan_juries(Dataset(PROMOTION, students=students, juries=[jury], defenses=timed), pending, JurySchedule())
    # right before the block, then the gap — never 9:00, alone in the morning, nor 16:00 a quarter-hour apart
    assert _hours(plan, "Jury A") == ["13:45", "15:15"]


def test_a_shared_member_moves_the_second_jury_after_the_first() -> None:
    students = _students(4)
    juries = [Jury("Jury A", DAY, "Claire Guillou", row=2), Jury("Jury B", DAY, "Sophie Kervella",
                                                                   membres=("Claire Guillou",), row=3)]
    pending = [Pending(i + 2, s.numero, "Jury A" if i < 2 else "Jury B") for i, s in enumerate(students)]
    plan = plan_juries(Dataset(PROMOTION, students=students, juries=juries), pending, JurySchedule())
    assert _hours(plan, "Jury A") == ["09:00", "09:30"]
    assert _hours(plan, "Jury B") == ["10:00", "10:30"]


def test_settings_come_from_copar_toml_and_the_options_win(tmp_path: Path) -> None:
    (tmp_path / "copar.toml").write_text('[jurys]\ndebut = "8h30"\nfin = "17h00"\npause = "12h30-14h00"\n'
                                         'duree = 40\nsessions = { "Jury A" = "après-midi" }\n', encoding="utf-8")
    workbook = tmp_path / "promotion.xlsx"
    schedule = jury_schedule(workbook)
    assert schedule == JurySchedule(8 * 60 + 30, 40, 17 * 60, (12 * 60 + 30, 14 * 60), {"Jury A": APRES_MIDI})
    given = jury_schedule(workbook, duration=30, lunch=parse_lunch("aucune"), sessions=parse_sessions(("Jury A=Matin",)))
    assert (given.duration, given.lunch, given.sessions, given.start) == (30, (0, 0), {"Jury A": MATIN}, 8 * 60 + 30)
    assert given.windows("Jury A") == [(8 * 60 + 30, 12 * 60)]  # no break: noon ends the morning
    (tmp_path / "copar.toml").write_text('[jurys]\npause = "13h30-12h00"\n', encoding="utf-8")
    with pytest.raises(CoparError, match=r"Réglage « pause » de la section \[jurys\]"):
        jury_schedule(workbook)
    with pytest.raises(CoparError, match="Session « soir » inconnue"):
        parse_sessions(("Jury A=soir",))
