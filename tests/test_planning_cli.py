"""`copar planning tripartites|jurys` on the sample promotion: the plan, the workbook after the write."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import load_workbook

from pipeline.planning.people import participants
from pipeline.workbook.validate import check

from .helpers import INPUTS

Copar = Callable[..., Result]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "promotion.xlsx"
    shutil.copyfile(INPUTS / "promotion.xlsx", path)
    return path


def _values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = load_workbook(path)
    return {ws.title: [row for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]
            for ws in wb.worksheets}


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@pytest.mark.slow
def test_sample_all_26_placed_over_6_and_7_june(copar: Copar, workbook: Path) -> None:
    before = _values(workbook)
    original = workbook.read_bytes()
    result = copar("planning", "tripartites", workbook)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "20 étudiant·es placé·es, 0 non placé·e." in lines
    assert lines[-1].startswith(f"Classeur mis à jour : {workbook} (sauvegarde : sauvegardes/promotion-")
    assert lines[-1].endswith("-avant-planning.xlsx)")
    # the backup is the workbook as it was
    backups = list(workbook.parent.glob("sauvegardes/promotion-*-avant-planning.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    # every other sheet is untouched; the 6 rows typed by staff are kept as they were
    after = _values(workbook)
    assert {k: v for k, v in after.items() if k != "Bilans tripartites"} == \
        {k: v for k, v in before.items() if k != "Bilans tripartites"}
    assert after["Bilans tripartites"][:7] == before["Bilans tripartites"]
    assert len(after["Bilans tripartites"]) == 1 + 26
    # the workbook still checks, every student has a slot on 6 or 7 June, nobody is in two places
    ds, report = check(workbook)
    assert ds is not None and report.valid
    assert len(ds.tripartites) == 26
    slots = []
    for review in ds.tripartites:
        s = ds.student(review.numero)
        assert review.date in (dt.date(2024, 6, 6), dt.date(2024, 6, 7)) and review.heure is not None
        who = {s.numero, s.tuteur.key, *participants(review.participants)} - {s.nom_complet, s.tuteur.nom_complet}
        assert len(who) >= 3, review  # the student, the tutor and a member of the teaching team
        slots.append((review.date, _minutes(review.heure), who, s.nom_complet))
    for (d1, m1, w1, n1), (d2, m2, w2, n2) in combinations(slots, 2):
        assert d1 != d2 or not (w1 & w2) or abs(m1 - m2) >= 45, (n1, n2, w1 & w2)
    by_name = {name: (d, m) for d, m, _, name in slots}
    # Disponibilités: Sandrine Morvan away on 6 June, Claire Guillou on the afternoon of 7 June
    assert by_name["Mamadou Traoré"][0] == dt.date(2024, 6, 7)
    claire = [name for d, m, w, name in slots if "Claire Guillou" in w]
    assert all(not (by_name[n][0] == dt.date(2024, 6, 7) and by_name[n][1] >= 14 * 60) for n in claire)
    # the two students of Hélène Rouxel follow one another (Théo Lefèvre was already at 15h00 on 7 June)
    assert by_name["Sarah Belkacem"] == (dt.date(2024, 6, 7), 14 * 60)
    # a second run has nothing to do and writes nothing
    again = copar("planning", "tripartites", workbook)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == ["Rien à planifier : chaque étudiant·e a déjà son heure. Le classeur n'a pas été modifié."]
    assert len(list(workbook.parent.glob("sauvegardes/promotion-*-avant-planning.xlsx"))) == 1


def test_simulation_writes_nothing_and_json_is_the_same_plan(copar: Copar, workbook: Path) -> None:
    original = workbook.read_bytes()
    table = copar("planning", "tripartites", workbook, "--simulation")
    assert table.exit_code == 0
    assert table.stdout.splitlines()[-1] == "Simulation : le classeur n'a pas été modifié."
    data = json.loads(copar("planning", "tripartites", workbook, "--simulation", "--format", "json").stdout)
    assert len(data["places"]) == 20 and data["non_places"] == [] and data["sauvegarde"] is None
    assert {p["date"] for p in data["places"]} == {"2024-06-06", "2024-06-07"}
    assert workbook.read_bytes() == original
    assert not list(workbook.parent.glob("**/*avant-planning*"))


def test_one_day_too_few_slots_reports_who_was_not_free(copar: Copar, workbook: Path) -> None:
    result = copar("planning", "tripartites", workbook, "--jours", "06/06/2024", "--creneaux", "9h00-10h00",
                   "--simulation")
    assert result.exit_code == 1
    unplaced = [line for line in result.stdout.splitlines() if line.startswith("[non placé·e]")]
    assert len(unplaced) == 20 - 5  # one slot: one review for each of the five tuteur·rices mémoire
    morvan = next(line for line in unplaced if "Mamadou Traoré" in line)
    assert morvan == ("[non placé·e] Mamadou Traoré (n° 22002264) : le seul créneau possible ne convient pas à tout le "
                      "monde — Sandrine Morvan (tuteur·rice) indisponible sur 1 créneau. Ajoutez un jour ou une plage, "
                      "ou allégez les indisponibilités.")


def test_refuses_while_open_and_on_bad_options(copar: Copar, workbook: Path) -> None:
    (workbook.parent / ".~lock.promotion.xlsx#").write_text("x")
    busy = copar("planning", "tripartites", workbook)
    assert busy.exit_code == 1
    assert "est ouvert dans Excel ou LibreOffice" in busy.stderr
    bad = copar("planning", "tripartites", workbook, "--creneaux", "14h00-9h00")
    assert bad.exit_code == 1
    assert bad.stderr == "Erreur : Plage « 14h00-9h00 » de --creneaux : la fin doit suivre le début.\n"


@pytest.mark.slow
def test_jurys_fill_missing_hours_without_collisions(copar: Copar, workbook: Path) -> None:
    wb = load_workbook(workbook)
    ws = wb["Soutenances"]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 2).value in ("Jury B", "Jury C") or ws.cell(row, 1).value == "22006120":
            ws.cell(row, 3).value = None
    wb["Jurys"]["B4"].value = dt.datetime(2024, 6, 27)  # Jury C sits the same day as Jury B (Mathieu Renaud in both)
    wb.save(workbook)
    assert copar("check", workbook).exit_code == 1  # hours missing: the workbook is not ready for build
    result = copar("planning", "jurys", workbook, "--debut", "14h00", "--duree", "30")
    assert result.exit_code == 0, result.output
    assert "13 étudiant·es placé·es, 0 non placé·e." in result.stdout.splitlines()
    ds, report = check(workbook)
    assert ds is not None and report.valid
    a = {d.numero: d.heure for d in ds.defenses if d.jury == "Jury A"}
    assert a["22006120"] == dt.time(14, 0)  # Jury A's other passages kept their hours
    assert a["22004512"] == dt.time(9, 0)
    b = [d.heure for d in ds.defenses_of("Jury B")]
    c = [d.heure for d in ds.defenses_of("Jury C")]
    assert b == [dt.time(14, 0), dt.time(14, 30), dt.time(15, 0), dt.time(15, 30), dt.time(16, 0), dt.time(16, 30)]
    # Jury C shares Mathieu Renaud with Jury B that day: its passages come after Jury B's
    assert c == [dt.time(17, 0), dt.time(17, 30), dt.time(18, 0), dt.time(18, 30), dt.time(19, 0), dt.time(19, 30)]


@pytest.mark.slow
def test_disponibilites_sheet_is_checked_and_optional(workbook: Path) -> None:
    wb = load_workbook(workbook)
    ws = wb["Disponibilités"]
    for row, values in ((4, ["Karim Haddad", "31/06/2024", None, None]),
                        (5, ["Karim Haddad", dt.datetime(2024, 6, 6), dt.time(15, 0), dt.time(14, 0)])):
        for column, value in enumerate(values, start=1):
            ws.cell(row, column).value = value
    wb.save(workbook)
    ds, report = check(workbook)
    assert report.flatten(["sheet", "row", "column", "code"]) == [
        ["Disponibilités", 4, "Date", "bad-date"],
        ["Disponibilités", 5, "À", "time-order"],
    ]
    assert report.problems[1].message == ("L'heure de fin (14:00) ne suit pas l'heure de début (15:00) : corrigez "
                                          "les colonnes De et À.")
    del wb["Disponibilités"]
    wb.save(workbook)
    ds, report = check(workbook)
    assert ds is not None and report.problems == [] and ds.unavailabilities == []
