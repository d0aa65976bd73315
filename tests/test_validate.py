"""validate.py: every kind of mistake in the workbook, compared with its golden.

The workbooks and their goldens are in tests/data/workbooks/ (written by make_workbooks.py there;
nothing is regenerated here). A golden is the compact list
report.flatten(["severity", "sheet", "row", "column", "code"]).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.report import ERROR, WARNING
from pipeline.workbook import parse
from pipeline.workbook.schema import CALENDAR_KEYS
from pipeline.workbook.validate import check

WORKBOOKS = Path(__file__).resolve().parent / "data" / "workbooks"
GOLDEN_KEYS = ["severity", "sheet", "row", "column", "code"]
ALL = sorted(WORKBOOKS.glob("*.xlsx"))


def golden(path: Path) -> list[list[object]]:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_workbook_gives_its_golden(path: Path) -> None:
    dataset, report = check(path)
    assert report.flatten(GOLDEN_KEYS) == golden(path)
    # a dataset exactly when there is no error (warnings don't block)
    assert (dataset is not None) == report.valid


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_names_say_what_to_expect(path: Path) -> None:
    """bad-* has errors, warn-* only warnings, valid* nothing at all."""
    severities = {row[0] for row in golden(path)}
    if path.stem.startswith("bad-"):
        assert ERROR in severities
    elif path.stem.startswith("warn-"):
        assert severities == {WARNING}
    else:
        assert path.stem.startswith("valid") and severities == set()


def test_every_kind_of_mistake_has_its_workbook() -> None:
    codes = {row[4] for path in ALL for row in golden(path)}
    assert codes >= {
        "required", "duplicate-numero", "unknown-statut", "unknown-mission-type", "bad-periode", "bad-date",
        "date-order", "bad-email", "unknown-student", "unknown-jury", "duplicate-review", "grille-total",
        "formula-without-value", "formula-error", "merged-cells", "missing-column", "missing-sheet",
        "duplicate-column", "note-range", "short-stage", "extra-column", "unknown-sheet", "missing-parameter",
        "duplicate-sheet", "value-without-header", "bad-time", "tutor-mismatch", "missing-calendar-key",
    }
    assert len([p for p in ALL if not p.stem.startswith("valid")]) >= 20


@pytest.mark.parametrize("path", [p for p in ALL if not p.stem.startswith("valid")],
                         ids=lambda p: p.stem)
def test_each_problem_is_located_and_explained(path: Path) -> None:
    _, report = check(path)
    for problem in report.problems:
        assert problem.sheet
        # a French sentence that ends like one, never a Python repr
        assert problem.message[0].isupper() and problem.message.endswith("."), problem.message
        assert "Error" not in problem.message and "None" not in problem.message, problem.message


def test_valid_promotion() -> None:
    dataset, report = check(WORKBOOKS / "valid.xlsx")
    assert report.problems == []
    assert dataset is not None
    assert [s.numero for s in dataset.students] == ["22004512", "21009132", "22001843", "22007719"]
    assert {s.statut for s in dataset.students} == {"stage", "apprentissage", "professionnalisation", "emploi"}
    civique = dataset.student("22004512")
    assert (civique.statut, civique.heures, civique.row) == ("stage", 480.0, 2)
    assert civique.debut == dt.date(2023, 11, 20)
    assert [len(students) for _, students in dataset.tutors()] == [1, 2, 1]
    assert set(dataset.calendar) == set(CALENDAR_KEYS)
    assert sum(c.points for c in dataset.criteria) == 20
    assert [d.heure for d in dataset.defenses_of("Jury A")] == [dt.time(9, 0), dt.time(9, 45), dt.time(10, 30),
                                                               dt.time(11, 15)]
    assert dataset.jury("Jury A").membres == ("Paul Rivière", "Nadia Benali")
    assert sorted(dataset.reviews_of("22004512")) == [1, 2]
    assert dataset.promotion.adresse == "Place de l'Université\nCS 00000\n35000 Rennes Cedex"


def test_warnings_alone_do_not_block() -> None:
    dataset, report = check(WORKBOOKS / "warn-short-stage.xlsx")
    assert report.valid and dataset is not None
    assert dataset.student("22004512").heures == 300


def test_one_cause_one_problem() -> None:
    """A wrong cell in Étudiant·es or Jurys is not reported again in the sheets that refer to it."""
    # 22004512 has a bad e-mail, and 2 bilans, a tripartite and a soutenance elsewhere
    _, report = check(WORKBOOKS / "bad-email.xlsx")
    assert [p.code for p in report.problems] == ["bad-email"]
    # Jury A has a bad date and 4 soutenances
    _, report = check(WORKBOOKS / "bad-jury-date.xlsx")
    assert [p.code for p in report.problems] == ["bad-date"]
    # merged cells and formulas: not also "missing value"
    for name in ("bad-merged-cells", "bad-formula-without-value", "bad-formula-error"):
        _, report = check(WORKBOOKS / f"{name}.xlsx")
        assert len(report.problems) == 1, name


def test_messages_name_the_value_and_the_fix() -> None:
    _, report = check(WORKBOOKS / "bad-date-impossible.xlsx")
    [problem] = report.problems
    assert (problem.sheet, problem.row, problem.column, problem.letter, problem.value) == (
        "Calendrier", 4, "Début", "C", "31/02/2024")
    assert problem.message == (
        "La date 31/02/2024 n'existe pas (jour ou mois impossible). "
        "Écrivez une date réelle au format JJ/MM/AAAA (par exemple 22/01/2024).")
    _, report = check(WORKBOOKS / "bad-periode-7.xlsx")
    assert report.problems[0].message == "Période 7 hors limites. Indiquez un numéro de période de 1 à 6."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22/01/2024", dt.date(2024, 1, 22)),
        ("2/1/24", dt.date(2024, 1, 2)),
        ("22.01.2024", dt.date(2024, 1, 22)),
        ("2024-01-22", dt.date(2024, 1, 22)),
        ("2024-01-22T00:00:00", dt.date(2024, 1, 22)),
        (45313, dt.date(2024, 1, 22)),  # an Excel serial number
        (dt.datetime(2024, 1, 22, 0, 0), dt.date(2024, 1, 22)),
    ],
)
def test_parse_date(text: object, expected: dt.date) -> None:
    assert parse.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("31/02/2024", "la date 31/02/2024 n'existe pas (jour ou mois impossible)"),
     ("2024-13-01", "la date 2024-13-01 n'existe pas (jour ou mois impossible)"),
     ("début septembre", "date illisible"),
     ("01/2024", "date illisible")],
)
def test_parse_date_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        parse.parse_date(text)
    assert str(info.value) == reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [("14:30", dt.time(14, 30)), ("14h30", dt.time(14, 30)), ("9h", dt.time(9, 0)), ("09:00:00", dt.time(9, 0)),
     (0.375, dt.time(9, 0))],
)
def test_parse_time(value: object, expected: dt.time) -> None:
    assert parse.parse_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("420", 420.0), ("7,5", 7.5), ("1 200 h", 1200.0), ("6 pts", 6.0), (6, 6.0)],
)
def test_parse_number(value: object, expected: float) -> None:
    assert parse.parse_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Service civique", "stage"), ("stagiaire", "stage"), ("CONTRAT D'APPRENTISSAGE", "apprentissage"),
     ("contrat pro", "professionnalisation"), ("Salarié·e", "emploi")],
)
def test_parse_statut(value: str, expected: str) -> None:
    assert parse.parse_statut(value) == expected


def test_service_civique_is_a_stage_that_says_so(tmp_path: Path) -> None:
    dataset, report = check(WORKBOOKS / "valid.xlsx")
    assert dataset is not None
    civique = [s for s in dataset.students if s.service_civique]
    assert civique and all(s.statut == "stage" for s in civique)
    assert civique[0].statut_libelle == "Stage (service civique)"


def test_a_blank_optional_sheet_counts_as_absent(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(WORKBOOKS / "valid.xlsx")
    wb.remove(wb["Bilans tripartites"])
    wb.create_sheet("Bilans tripartites")  # present but empty: no header row at all
    wb.save(tmp_path / "blank.xlsx")
    _, report = check(tmp_path / "blank.xlsx")
    assert report.flatten(["severity", "sheet", "code"]) == [[WARNING, "Bilans tripartites", "missing-sheet"]]
