"""The sheet Équipe: people in one place. Jury cells and Participants name them, the addresses come
from there (or from the tutors' and Promotion's columns), and no address is ever printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest

from pipeline.documents import contexts as cx
from pipeline.workbook.validate import check
from tests.helpers import INPUTS, edited_sample, find_row, invoke
from tests.sending_helpers import addresses, attachments, bodies, read_eml

pytestmark = pytest.mark.slow  # whole promotions through the CLI or a real SMTP server: not the fast tier

GUILLOU = ("Claire Guillou", "claire.guillou@univ-exemple.fr")


def test_the_sample_has_its_team_and_checks_clean() -> None:
    ds, report = check(INPUTS)
    assert report.problems == [] and ds is not None
    assert [(m.nom, m.civilite) for m in ds.equipe][:4] == [
        ("Yves Bonny", "Monsieur"), ("Pascale Perron", "Madame"), ("Nadia Le Gall", ""), ("Claire Guillou", "Madame")]
    assert ds.promotion.secretariat == "Nadia Le Gall" and ds.promotion.signataire == "Pascale Perron"


def test_team_problems_name_sheet_row_column_and_fix(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        ws = wb["Équipe"]
        ws.cell(5, 4).value = "Docteur"  # Civilité of Claire Guillou (row 5)
        ws.cell(5, 3).value = "claire.guillou@"
        ws.append(["GUILLOU Claire", "enseignante", "c.guillou@example.org"])

    workbook = edited_sample(tmp_path, edit)
    result = invoke("check", workbook, "--format", "json")
    assert result.exit_code == 1

    found = json.loads(result.stdout)
    problems = [(p["sheet"], p["row"], p["column"], p["code"]) for p in found]
    assert problems == [("Équipe", 5, "Courriel", "bad-email"), ("Équipe", 5, "Civilité", "unknown-civilite"),
                        ("Équipe", 10, "Nom", "duplicate-member")]
    messages = [p["message"] for p in found]
    assert "Écrivez Madame ou Monsieur, ou laissez vide pour les formules inclusives." in messages[1]
    assert messages[2] == ("« GUILLOU Claire » figure déjà ligne 5 de la feuille Équipe : gardez une seule ligne par "
                           "personne.")


def _addressed_jury(tmp_path: Path) -> Path:
    """Jury A's cells typed as the tool once advised: « Nom <adresse> »."""
    def edit(wb: Any) -> None:
        ws = wb["Jurys"]
        row = find_row(ws, 1, "Jury A")
        ws.cell(row, 4).value = "Claire Guillou <claire.guillou@univ-exemple.fr>"
        ws.cell(row, 5).value = "Karim Haddad <karim.haddad@example.org>, maître de conférences\nHélène Marchetti"

    folder = tmp_path / "inputs"
    folder.mkdir()
    return edited_sample(folder, edit)


def test_a_jury_address_typed_in_the_cell_is_used_never_printed(tmp_path: Path) -> None:
    workbook = _addressed_jury(tmp_path)
    ds, report = check(workbook)
    assert ds is not None and report.valid
    jury = cx.jury(ds.jury("Jury A"))
    assert jury["president"] == "Claire Guillou"
    assert jury["membres"] == ["Karim Haddad, maître de conférences", "Hélène Marchetti"]
    out = tmp_path / "sorties"
    built = invoke("build", workbook, "-o", out, "--only", "grille", "--etudiant", "22004512", "--no-pdf")
    assert built.exit_code == 0, built.output
    [grille] = out.glob("etudiants/22004512-*/grille*.docx")
    text = "\n".join(p.text for p in docx.Document(str(grille)).paragraphs)
    text += "\n".join(c.text for t in docx.Document(str(grille)).tables for row in t.rows for c in row.cells)
    assert "Claire Guillou" in text and "Karim Haddad" in text
    assert "@" not in text and "<" not in text
    # the mails use the typed address (it wins over Équipe's) and Équipe's for the others
    result = invoke("mails", workbook, "-o", out, "--pour", "jurys")
    msg = read_eml(out / "courriels" / "jurys" / "jury-a.eml")
    assert addresses(msg, "To") == [GUILLOU, ("Karim Haddad", "karim.haddad@example.org"),
                                    ("Hélène Marchetti", "helene.marchetti@example.org")]
    assert "n'a pas d'adresse valide" not in result.stdout


def test_drafts_come_from_the_secretariat_signed_by_the_signataire(promo: Path, tmp_path: Path) -> None:
    result = invoke("mails", promo, "-o", tmp_path / "sorties", "--pour", "compte-rendu")
    assert "n'a pas d'adresse valide" not in result.stdout
    folder = tmp_path / "sorties" / "courriels" / "compte-rendu"
    kerjean = read_eml(next(folder.glob("22005071-*.eml")))
    assert addresses(kerjean, "From") == [("Nadia Le Gall", "secretariat.copar@univ-exemple.fr")]
    # the teacher of her bilan tripartite (Participants: Claire Guillou) is in copy, with the agenda attached
    assert GUILLOU in addresses(kerjean, "Cc")
    assert "bilan-tripartite.ics" in attachments(kerjean)
    text, _ = bodies(kerjean)
    assert text.endswith("Bien cordialement,\nPascale Perron, accompagnement de l'alternance\nUniversité Rennes 2\n")


def test_grille_reminders_are_sendable_on_the_sample(promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "sorties"
    assert invoke("forms", promo, "-o", out, "--type", "grille").exit_code == 0
    result = invoke("mails", promo, "-o", out, "--pour", "relance", "--type", "grille")
    assert result.exit_code == 0, result.output
    assert "[attention]" not in result.stdout
    jury_c = read_eml(out / "courriels" / "relance-grille" / "jury-c.eml")
    assert [a for _, a in addresses(jury_c, "To")] == [
        "sophie.kervella@univ-exemple.fr", "claire.guillou@univ-exemple.fr", "mathieu.renaud@example.org"]
