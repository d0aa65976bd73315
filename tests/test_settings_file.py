"""copar.toml beside the workbook: the university's templates and folders stick between builds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from pipeline.sending.smtp import read_smtp_settings
from pipeline.workbook.config import SETTINGS_TEXT, read_settings_file
from tests.helpers import INPUTS

ROOT = Path(__file__).resolve().parent.parent
STUDENT = "22004512"


def _promotion(tmp_path: Path, settings: str) -> Path:
    folder = tmp_path / "promo"
    folder.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    (folder / "copar.toml").write_text(settings, encoding="utf-8")
    return folder


def _marked_templates(folder: Path, mark: str) -> Path:
    folder.mkdir()
    doc = Document(str(ROOT / "templates_docx" / "fiche.docx"))
    doc.add_paragraph(mark)
    doc.save(str(folder / "fiche.docx"))
    return folder


def _fiche_text(out: Path) -> str:
    path = next((out / "etudiants").glob(f"{STUDENT}-*/fiche-alternance.docx"))
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_university_templates_stick_from_the_settings_file(tmp_path: Path, copar: Any) -> None:
    folder = _promotion(tmp_path, 'modeles = "mes-modeles"\nsorties = "../sorties"\n')
    _marked_templates(folder / "mes-modeles", "MODÈLE DE L'UNIVERSITÉ")
    result = copar("build", folder, "--only", "fiche", "--etudiant", STUDENT, "--no-pdf")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == (f"Modèles : modèles de {folder / 'mes-modeles'} ; réglages : {folder / 'copar.toml'} "
                     "(modeles, sorties) ; les options de la commande priment.")
    assert "MODÈLE DE L'UNIVERSITÉ" in _fiche_text(tmp_path / "sorties")


def test_command_line_options_override_the_settings_file(tmp_path: Path, copar: Any) -> None:
    folder = _promotion(tmp_path, 'modeles = "mes-modeles"\n')
    _marked_templates(folder / "mes-modeles", "MODÈLE DU FICHIER")
    other = _marked_templates(tmp_path / "autres", "MODÈLE DE LA COMMANDE")
    out = tmp_path / "out"
    result = copar("build", folder, "-o", out, "--templates", other, "--only", "fiche", "--etudiant", STUDENT,
                   "--no-pdf")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"Modèles : modèles de {other} ;")
    assert "(aucun réglage actif)" in result.stdout.splitlines()[0]
    assert "MODÈLE DE LA COMMANDE" in _fiche_text(out)


def test_build_without_settings_file_says_so(tmp_path: Path, copar: Any) -> None:
    folder = tmp_path / "promo"
    folder.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    result = copar("build", folder, "-o", tmp_path / "out", "--only", "fiche", "--etudiant", STUDENT, "--no-pdf")
    assert result.stdout.splitlines()[0] == ("Modèles : modèles fournis avec copar ; pas de fichier de réglages "
                                             "copar.toml (valeurs par défaut).")


@pytest.mark.slow
def test_init_writes_commented_settings_that_change_nothing(tmp_path: Path, copar: Any) -> None:
    result = copar("init", tmp_path / "promotion.xlsx")
    assert result.exit_code == 0
    assert (tmp_path / "copar.toml").read_text(encoding="utf-8") == SETTINGS_TEXT
    assert read_settings_file(tmp_path / "promotion.xlsx").values == {}
    # an existing settings file is never replaced
    (tmp_path / "copar.toml").write_text("workers = 1\n", encoding="utf-8")
    copar("init", tmp_path / "promotion.xlsx", "--force")
    assert (tmp_path / "copar.toml").read_text(encoding="utf-8") == "workers = 1\n"


def test_every_commented_setting_is_valid_when_enabled(tmp_path: Path) -> None:
    (tmp_path / "mes-modeles").mkdir()
    enabled = "\n".join(line[2:] if (" = " in line or line.startswith("# [")) and line.startswith("# ") else line
                        for line in SETTINGS_TEXT.splitlines())
    (tmp_path / "copar.toml").write_text(enabled, encoding="utf-8")
    values = read_settings_file(tmp_path).values
    assert sorted(values) == ["backups_kept", "letter_date", "output", "pdfa", "templates", "timeout", "workers"]
    smtp = read_smtp_settings(tmp_path)
    assert (smtp.serveur, smtp.port, smtp.securite, smtp.sender_address) == (
        "smtp.univ-exemple.fr", 587, "starttls", "prenom.nom@univ-exemple.fr")


def test_wrong_setting_is_one_french_sentence(tmp_path: Path, copar: Any) -> None:
    folder = _promotion(tmp_path, "ouvriers = 2\n")
    result = copar("build", folder, "--no-pdf")
    assert result.exit_code == 2
    assert result.stderr == (f"Erreur : Réglage « ouvriers » inconnu dans {folder / 'copar.toml'} : réglages "
                             "possibles : modeles, sorties, date_courrier, workers, pdfa, delai, sauvegardes.\n")


@pytest.mark.slow
def test_templates_check_uses_the_settings_files_templates(tmp_path: Path, copar: Any, monkeypatch: Any) -> None:
    (tmp_path / "inputs" / "mes-modeles").mkdir(parents=True)
    shutil.copy(ROOT / "templates_docx" / "fiche.docx", tmp_path / "inputs" / "mes-modeles" / "fiche.docx")
    (tmp_path / "inputs" / "copar.toml").write_text('modeles = "mes-modeles"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = copar("templates", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"Modèles de {Path('inputs') / 'mes-modeles'} (réglage « modeles » de "
                             f"{Path('inputs') / 'copar.toml'}) :\nfiche.docx : OK\n")
