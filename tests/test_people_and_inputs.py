"""People typed twice, lenient values that hide doubt, workbooks of other formats, empty or short data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.workbook.validate import check
from tests.helpers import INPUTS, edited_sample, find_row

STAGE, OTHER_STAGE = "22004512", "22001843"  # two students in a stage, with different tutors


def _cell(ws: Any, numero: str, header: str) -> Any:
    return _cell_at(ws, find_row(ws, 1, numero), header)


def _cell_at(ws: Any, row: int, header: str) -> Any:
    return ws.cell(row, next(c for c in range(1, ws.max_column + 1) if ws.cell(1, c).value == header))


def _students(edit: Any) -> Any:
    return lambda wb: edit(wb["Étudiant·es"])


def _problems(report: Any) -> list[tuple[str, str, int | None, str]]:
    return [(p.code, p.sheet, p.row, p.column) for p in report.problems]


@pytest.mark.slow
def test_value_matched_only_by_dropping_punctuation_is_warned(tmp_path: Path) -> None:
    path = edited_sample(tmp_path, _students(lambda ws: setattr(_cell(ws, STAGE, "Statut"), "value", "stagiaire ???")))
    dataset, report = check(path)
    assert dataset is not None and dataset.student(STAGE).statut == "stage"
    row = find_row(edited_sample_sheet(path), 1, STAGE)
    assert _problems(report) == [("doubtful-value", "Étudiant·es", row, "Statut")]
    assert report.problems[0].message == ("Valeur lue comme « Stage » en ignorant « ??? » : vérifiez-la et, si "
                                          "c'est bien cela, écrivez « Stage » (liste déroulante de la colonne).")


@pytest.mark.slow
def test_usual_separators_are_dropped_without_a_word(tmp_path: Path) -> None:
    path = edited_sample(tmp_path, _students(
        lambda ws: setattr(_cell(ws, STAGE, "Statut"), "value", "contrat-d’apprentissage")))
    dataset, report = check(path)
    assert dataset is not None and dataset.student(STAGE).statut == "apprentissage"
    assert report.problems == []


def edited_sample_sheet(path: Path) -> Any:
    import openpyxl

    return openpyxl.load_workbook(path)["Étudiant·es"]


@pytest.mark.slow
def test_tutor_with_two_emails_is_a_likely_duplicate(tmp_path: Path) -> None:
    def edit(ws: Any) -> None:
        for header in ("Tuteur·rice nom", "Tuteur·rice prénom"):
            _cell(ws, OTHER_STAGE, header).value = _cell(ws, STAGE, header).value
    path = edited_sample(tmp_path, _students(edit))
    _, report = check(path)
    row = find_row(edited_sample_sheet(path), 1, OTHER_STAGE)
    assert _problems(report) == [("tutor-two-emails", "Étudiant·es", row, "Tuteur·rice courriel")]
    assert "deux invitations et deux lignes d'émargement seront faites" in report.problems[0].message


@pytest.mark.slow
def test_one_spelling_of_a_tutor_is_printed_everywhere(tmp_path: Path) -> None:
    def edit(ws: Any) -> None:
        email = _cell(ws, STAGE, "Tuteur·rice courriel").value
        for row in range(2, ws.max_row + 1):  # every student of this tutor
            if _cell_at(ws, row, "Tuteur·rice courriel").value == email:
                _cell_at(ws, row, "Tuteur·rice nom").value = "DUPONT"
                _cell_at(ws, row, "Tuteur·rice prénom").value = "Marie Claire"
        _cell(ws, OTHER_STAGE, "Tuteur·rice nom").value = "Dupont"
        _cell(ws, OTHER_STAGE, "Tuteur·rice prénom").value = "Marie-Claire"
        _cell(ws, OTHER_STAGE, "Tuteur·rice courriel").value = _cell(ws, STAGE, "Tuteur·rice courriel").value
    path = edited_sample(tmp_path, _students(edit))
    dataset, report = check(path)
    assert dataset is not None
    names = {dataset.student(n).tuteur.nom_complet for n in (STAGE, OTHER_STAGE)}
    assert names == {"Marie Claire DUPONT"}
    first = find_row(edited_sample_sheet(path), 1, STAGE)
    assert [p.code for p in report.problems] == ["tutor-spelling"]
    assert (f"tous les documents écrivent « Marie Claire DUPONT » (première orthographe rencontrée, ligne {first})"
            in report.problems[0].message)


@pytest.mark.slow
def test_student_typed_twice_with_two_numbers_is_warned(tmp_path: Path) -> None:
    def edit(ws: Any) -> None:
        for header in ("Nom", "Prénom"):
            _cell(ws, OTHER_STAGE, header).value = _cell(ws, STAGE, header).value.upper()
    _, report = check(edited_sample(tmp_path, _students(edit)))
    assert [p.code for p in report.problems] == ["student-twice"]


def test_folder_with_only_an_ods_workbook_says_how_to_save_it(tmp_path: Path, copar: Any) -> None:
    (tmp_path / "promotion.ods").write_bytes(b"PK")
    result = copar("check", tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : Aucun classeur .xlsx dans {tmp_path}, mais promotion.ods : ouvrez-le dans LibreOffice Calc et "
        "enregistrez-le au format Excel (Fichier > Enregistrer sous > type « Excel 2007-365 (.xlsx) »), sous le "
        "nom promotion.xlsx.\n")


def test_folder_with_only_one_csv_file_is_not_a_promotion(tmp_path: Path, copar: Any) -> None:
    (tmp_path / "promotion.csv").write_text("a;b\n", encoding="utf-8")
    result = copar("check", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Erreur : Seul fichier trouvé dans {tmp_path} : promotion.csv, un fichier CSV")


def test_newer_workbook_of_another_format_beside_the_xlsx_is_warned(tmp_path: Path, copar: Any) -> None:
    shutil.copy(INPUTS / "promotion.xlsx", tmp_path / "promotion.xlsx")
    os.utime(tmp_path / "promotion.xlsx", (1_700_000_000, 1_700_000_000))
    (tmp_path / "promotion.numbers").write_bytes(b"x")
    result = copar("check", tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "[avertissement] promotion.numbers\n    Classeur promotion.numbers plus récent que promotion.xlsx, qui est "
        "pourtant celui que copar lit : si promotion.numbers contient vos dernières modifications, ouvrez-le dans "
        "Numbers et exportez-le au format Excel (Fichier > Exporter vers > Excel), sous le nom promotion.xlsx.\n")


@pytest.mark.slow
def test_empty_grille_sheet_is_warned(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        ws = wb["Grille"]
        ws.delete_rows(2, ws.max_row)
    _, report = check(edited_sample(tmp_path, edit))
    assert _problems(report) == [("empty-grille", "Grille", None, "")]


@pytest.mark.slow
def test_short_stage_warning_is_in_the_build_summary(tmp_path: Path, copar: Any) -> None:
    path = edited_sample(tmp_path, _students(lambda ws: setattr(_cell(ws, STAGE, "Heures prévues"), "value", 300)))
    (tmp_path / "rapports").mkdir()
    result = copar("build", path, "-o", tmp_path / "out", "--only", "fiche", "--etudiant", STAGE, "--no-pdf")
    assert result.exit_code == 0, result.output
    row = find_row(edited_sample_sheet(path), 1, STAGE)
    assert ("1 avertissement du classeur :\n"
            f"  - Étudiant·es, ligne {row}, colonne Heures prévues (R) : Stage de 300 heures : le livret demande "
            "420 heures au minimum sur 6 mois. Vérifiez la durée avec la structure.\n") in result.stdout
