"""Dates a tutor or student reads: periods due, the academic year, the date of letters."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.documents import catalogue
from pipeline.workbook.model import Dataset, period_concerns
from pipeline.workbook.validate import check
from tests.helpers import edited_sample, find_row

SAMPLE = Path(__file__).resolve().parent.parent / "inputs" / "promotion.xlsx"
TODAY = dt.date(2023, 11, 1)


@pytest.fixture(scope="module")
def sample() -> Dataset:
    dataset, _ = check(SAMPLE)
    assert dataset is not None
    return dataset


def _with_student(ds: Dataset, **changes: object) -> tuple[Dataset, str]:
    students = list(ds.students)
    students[0] = dataclasses.replace(students[0], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(ds, students=students), students[0].numero


def test_periods_before_arrival_get_no_blank_bilan(sample: Dataset) -> None:
    # periods 1 (20/11–01/12) and 2 (11/12–22/12) end before a start on 8 January
    ds, numero = _with_student(sample, debut=dt.date(2024, 1, 8))
    bilans = [u.path.name for u in catalogue.units(ds, {"bilan"}, TODAY) if u.numero == numero]
    assert bilans == [f"bilan-periode-{n}" for n in range(3, 7)]
    assert ds.students[0].periods_due(ds.calendar) == [3, 4, 5, 6]


def test_periods_after_departure_are_not_concerned_in_livret(sample: Dataset) -> None:
    ds, numero = _with_student(sample, fin=dt.date(2024, 3, 10))  # leaves before periods 5 and 6
    livret = next(u for u in catalogue.units(ds, {"livret"}, TODAY) if u.numero == numero)
    assert [p["concerne"] for p in livret.context["periodes"]] == [True] * 4 + [False] * 2


def test_period_without_dates_is_due(sample: Dataset) -> None:
    assert period_concerns(sample.students[0], None)


def _set(sheet_name: str, key: object, column: int, value: object) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        ws = wb[sheet_name]
        ws.cell(find_row(ws, 1, key), column, value)
    return edit


def test_date_outside_academic_year_is_warned_with_the_likely_date(tmp_path: Path) -> None:
    # the meeting typed as text with a two-digit year of the previous year
    path = edited_sample(tmp_path, _set("Calendrier", "reunion_tuteurs", 3, "5/12/22"))
    dataset, report = check(path)
    assert dataset is not None and dataset.calendar["reunion_tuteurs"].debut == dt.date(2022, 12, 5)
    assert report.to_table() == (
        "[avertissement] Calendrier, ligne 3, colonne Début (C) — valeur : « 5/12/22 »\n"
        "    La date 05/12/2022 est hors de l'année universitaire 2023-2024 (du 01/09/2023 au 30/09/2024) : "
        "vouliez-vous écrire 05/12/2023 ? Corrigez l'année.\n\n0 erreur, 1 avertissement\n")


def test_two_digit_year_is_read_within_the_promotions_years(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        _set("Promotion", "Année universitaire", 2, "2098-2099")(wb)
        _set("Calendrier", "reunion_tuteurs", 3, "5/12/98")(wb)
    dataset, report = check(edited_sample(tmp_path, edit))
    assert dataset is not None and dataset.calendar["reunion_tuteurs"].debut == dt.date(2098, 12, 5)
    assert ("Calendrier", 3) not in [(p.sheet, p.row) for p in report.problems]


def test_september_juries_are_within_the_academic_year(sample: Dataset) -> None:
    assert sample.calendar["jury_septembre"].debut == dt.date(2024, 9, 9)
    assert not check(SAMPLE)[1].problems


def test_unreadable_academic_year_is_warned(tmp_path: Path) -> None:
    _, report = check(edited_sample(tmp_path, _set("Promotion", "Année universitaire", 2, "année 23")))
    assert [(p.code, p.sheet, p.column) for p in report.problems] == [("bad-annee", "Promotion", "Valeur")]


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    body = [p.text for p in doc.paragraphs]
    footers = [p.text for s in doc.sections for p in s.footer.paragraphs]
    return "\n".join(body + footers)


@pytest.mark.slow
def test_letters_carry_the_chosen_date_and_warn_about_a_past_meeting(tmp_path: Path, copar: Any) -> None:
    out = tmp_path / "out"
    result = copar("build", SAMPLE, "-o", out, "--only", "invitation", "--no-pdf", "--date-courrier", "20/12/2023")
    assert result.exit_code == 0, result.output
    letter = _docx_text(next((out / "reunion-tuteurs" / "invitations").glob("*.docx")))
    assert "Le mercredi 20 décembre 2023" in letter
    assert "Document généré le" not in letter  # a letter going out of the university
    assert ("Les invitations sont datées du mercredi 20 décembre 2023, après la réunion qu'elles annoncent "
            "(mardi 5 décembre 2023)") in result.stdout
    assert "La réunion des tuteur·rices du mardi 5 décembre 2023 est déjà passée" in result.stdout


@pytest.mark.slow
def test_letter_date_from_the_promotion_sheet(tmp_path: Path, copar: Any) -> None:
    path = edited_sample(tmp_path, _set("Promotion", "Date des courriers", 2, dt.datetime(2023, 11, 24)))
    (tmp_path / "rapports").mkdir()
    result = copar("build", path, "-o", tmp_path / "out", "--only", "invitation", "--no-pdf")
    assert result.exit_code == 0, result.output
    letter = _docx_text(next((tmp_path / "out" / "reunion-tuteurs" / "invitations").glob("*.docx")))
    assert "Le vendredi 24 novembre 2023" in letter
    assert "après la réunion" not in result.stdout


def test_bad_letter_date_option_is_one_french_sentence(copar: Any) -> None:
    result = copar("build", SAMPLE, "--date-courrier", "32/13/2023")
    assert result.exit_code == 1
    assert result.stderr == ("Erreur : date illisible pour --date-courrier : « 32/13/2023 ». Écrivez-la JJ/MM/AAAA, "
                             "par exemple 20/11/2024.\n")


MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"


@pytest.mark.slow
def test_instructions_of_a_new_workbook_hard_code_no_date(tmp_path: Path) -> None:
    import re

    import openpyxl

    from pipeline.workbook.init import write_workbook

    workbook = openpyxl.load_workbook(write_workbook(tmp_path / "promotion.xlsx"))
    texts = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]
    texts += [c.comment.text for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.comment]
    dated = [t for t in texts if re.search(rf"\b\d{{1,2}}(er)? ({MONTHS})\b|\b(lundi|mardi|mercredi|jeudi|vendredi)\b",
                                           t, re.IGNORECASE)]
    assert dated == []


@pytest.mark.slow
def test_livret_says_non_concerne_for_periods_before_arrival(tmp_path: Path, copar: Any) -> None:
    from docx import Document

    def edit(wb: Any) -> None:
        ws = wb["Étudiant·es"]
        column = next(c for c in range(1, ws.max_column + 1) if ws.cell(1, c).value == "Début")
        ws.cell(find_row(ws, 1, "22004512"), column, dt.datetime(2024, 1, 8))
    path = edited_sample(tmp_path, edit)
    (tmp_path / "rapports").mkdir()
    out = tmp_path / "out"
    result = copar("build", path, "-o", out, "--only", "livret,bilan", "--etudiant", "22004512", "--no-pdf")
    assert result.exit_code == 0, result.output
    # the sample has bilans for periods 1 and 2 of this student: now outside her dates, they are pointed out
    assert "2 avertissements du classeur :" in result.stdout
    assert ("Bilan de la période 1 pour Aïssatou N'Diaye, dont l'alternance va du 08/01/2024 au 30/04/2024 : la "
            "période est hors de ces dates") in result.stdout
    folder = next((out / "etudiants").glob("22004512-*"))
    assert sorted(p.name for p in folder.glob("bilan-*.docx")) == [f"bilan-periode-{n}.docx" for n in range(3, 7)]
    table = Document(str(folder / "livret-de-bilans.docx")).tables[1]
    rows = [[cell.text for cell in row.cells] for row in table.rows][1:]
    assert [(r[0], r[2]) for r in rows[:3]] == [("Période 1", "non concerné·e"), ("Période 2", "non concerné·e"),
                                                ("Période 3", "vendredi 19 janvier 2024")]
    headings = [p.text for p in Document(str(folder / "livret-de-bilans.docx")).paragraphs if p.style.name == "Heading 1"]
    assert [h.split(" — ")[0] for h in headings] == [f"Période {n}" for n in range(3, 7)]
