"""`copar check`: exit codes and the exact text people and programs read.

Exit 0 without error (warnings allowed), 1 with errors, 2 when the input can't be read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from pipeline.workbook.codes import CODES

DATA = Path(__file__).resolve().parent / "data"
WORKBOOKS = DATA / "workbooks"
UNREADABLE = sorted(p for p in (WORKBOOKS / "unreadable").iterdir() if not p.name.endswith(".expected.txt"))
CORPUS = sorted((WORKBOOKS / "corpus").glob("*.xlsx"))
CORPUS_CODES = json.loads((WORKBOOKS / "corpus" / "exit-codes.json").read_text(encoding="utf-8"))

Copar = Callable[..., Result]


def test_valid_workbook(copar: Copar) -> None:
    result = copar("check", WORKBOOKS / "valid.xlsx")
    assert result.exit_code == 0
    assert result.stdout == "Aucun problème : le classeur est prêt.\n"
    assert result.stderr == ""


def test_errors_table(copar: Copar) -> None:
    result = copar("check", WORKBOOKS / "bad-email.xlsx")
    assert result.exit_code == 1
    assert result.stdout == (
        "[erreur] Étudiant·es, ligne 2, colonne Courriel (D) — valeur : « aissatou.diallo@etu »\n"
        "    Adresse électronique mal formée. Corrigez l'adresse électronique "
        "(forme attendue : prenom.nom@domaine.fr).\n"
        "\n"
        "1 erreur, 0 avertissement\n"
    )
    assert result.stderr == ""


def test_errors_and_warnings_table(copar: Copar) -> None:
    result = copar("check", WORKBOOKS / "bad-value-without-header.xlsx")
    assert result.exit_code == 1
    assert result.stdout == (
        "[erreur] Jurys, ligne 2, colonne G — valeur : « à confirmer »\n"
        "    Valeur dans une colonne sans en-tête : donnez un en-tête à la colonne ou déplacez la valeur "
        "dans la bonne colonne.\n"
        "\n"
        "1 erreur, 0 avertissement\n"
    )


def test_warnings_only_exit_0(copar: Copar) -> None:
    result = copar("check", WORKBOOKS / "warn-short-stage.xlsx")
    assert result.exit_code == 0
    assert result.stdout == (
        "[avertissement] Étudiant·es, ligne 2, colonne Heures prévues (R) — valeur : « 300 »\n"
        "    Stage de 300 heures : le livret demande 420 heures au minimum sur 6 mois. "
        "Vérifiez la durée avec la structure.\n"
        "\n"
        "0 erreur, 1 avertissement\n"
    )


def test_json(copar: Copar) -> None:
    result = copar("check", WORKBOOKS / "bad-note-range.xlsx", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "severity": "error",
            "code": "note-range",
            "sheet": "Soutenances",
            "row": 5,
            "column": "Note soutenance",
            "value": "25",
            "message": "Note 25 hors de l'échelle : une note va de 0 à 20.",
        }
    ]


@pytest.mark.parametrize("name", ["valid", "bad-missing-sheet", "bad-grille-total", "warn-unknown-sheet",
                                  "bad-date-impossible"])
def test_json_keys(copar: Copar, name: str) -> None:
    result = copar("check", WORKBOOKS / f"{name}.xlsx", "--format", "json")
    problems = json.loads(result.stdout)
    assert result.exit_code == (1 if name.startswith("bad-") else 0)
    for problem in problems:
        assert list(problem) == ["severity", "code", "sheet", "row", "column", "value", "message"]
        assert problem["severity"] in CODES[problem["code"]].severities


def test_csv_folder(copar: Copar) -> None:
    result = copar("check", DATA / "csv" / "cp1252-pointvirgule")
    assert (result.exit_code, result.stdout) == (0, "Aucun problème : le classeur est prêt.\n")


# --- unreadable inputs: exit 2, one French sentence on stderr, nothing on stdout ---------------------


@pytest.mark.parametrize("path", UNREADABLE, ids=[p.name for p in UNREADABLE])
def test_unreadable_file(copar: Copar, path: Path) -> None:
    result = copar("check", path)
    assert result.exit_code == 2
    assert result.stderr == path.with_suffix(".expected.txt").read_text(encoding="utf-8")
    assert result.stdout == ""


def test_missing_path(copar: Copar, tmp_path: Path) -> None:
    path = tmp_path / "promotion.xlsx"
    result = copar("check", path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : Entrée introuvable : {path}. Indiquez un classeur .xlsx ou un dossier (par défaut inputs/).\n"
    )


def test_folder_without_workbook(copar: Copar, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("rien à voir", encoding="utf-8")
    result = copar("check", tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Erreur : Aucun classeur promotion.xlsx ni fichier CSV dans {tmp_path}. Créez-en un avec « copar init ».\n"
    )


def test_workbook_locked_by_excel(copar: Copar, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On Windows a workbook open in Excel can't be read: say so, don't crash (exit 3)."""
    locked = tmp_path / "promotion.xlsx"
    shutil.copyfile(WORKBOOKS / "valid.xlsx", locked)
    real_open = Path.open

    def open_(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", open_)
    result = copar("check", locked)
    assert result.exit_code == 2
    assert result.stderr == (
        "Erreur : Impossible d'ouvrir promotion.xlsx (Permission denied) : s'il est ouvert dans Excel, "
        "fermez-le, puis relancez la commande.\n"
    )


# --- odd real-world workbooks: never a crash ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_never_crashes(copar: Copar, path: Path) -> None:
    """Not promotion workbooks: missing sheets (exit 1) or unreadable (exit 2), never a bug (exit 3)."""
    result = copar("check", path)
    assert result.exit_code in (0, 1, 2)
    assert result.exit_code == CORPUS_CODES[path.name]
    assert "Traceback" not in result.output
    assert "erreur inattendue" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("Erreur : ") and result.stdout == ""


def test_corpus_codes_cover_the_corpus() -> None:
    assert sorted(CORPUS_CODES) == [p.name for p in CORPUS]


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [WORKBOOKS / "unreadable" / "mot-de-passe.xlsx", WORKBOOKS / "corpus" / "date-serial-overflow-year10099.xlsx",
     WORKBOOKS / "corpus" / "strict-ooxml_openpyxl-reads-0-sheets.xlsx", WORKBOOKS / "corpus" / "BAD_pivot-table.xlsx"],
    ids=lambda p: p.name,
)
def test_real_process_prints_no_traceback_nor_warning(path: Path) -> None:
    """As the secretary runs it: a real process, real stderr (openpyxl's warnings included)."""
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "check", str(path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
    assert "Warning" not in proc.stderr
