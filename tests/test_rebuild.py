"""Rebuilding over earlier outputs: nothing stale is left, nothing false is recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest

from .helpers import INPUTS, run


def workbook_copy(tmp_path: Path, edit=None) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    wb = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    if edit:
        edit(wb)
    wb.save(folder / "promotion.xlsx")
    return folder


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]


def drop_student(numero: str):  # type: ignore[no-untyped-def]
    def edit(wb: openpyxl.Workbook) -> None:
        for ws in wb.worksheets:
            if ws.title in ("Instructions", "Promotion", "Calendrier", "Jurys", "Grille"):
                continue
            for row in range(ws.max_row, 1, -1):
                if str(ws.cell(row, 1).value) == numero:
                    ws.delete_rows(row)
    return edit


def broken_fiche(folder: Path, expression: str) -> Path:
    folder.mkdir(exist_ok=True)
    document = docx.Document()
    document.add_paragraph(f"Fiche : {expression}")
    document.save(folder / "fiche.docx")
    return folder


def test_a_runtime_template_error_fails_that_document_only(tmp_path: Path) -> None:
    templates = broken_fiche(tmp_path / "modeles", "{{ etudiant.nom / 2 }}")
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche,livret",
                               "--etudiant", "22001843", "--templates", str(templates))
    assert code == 1, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "erreur en remplissant le modèle (TypeError" in stdout
    folder = next((out / "etudiants").glob("22001843-*"))
    assert sorted(p.name for p in folder.iterdir()) == ["livret-de-bilans.docx"]
    assert (out / "rapport-de-construction.txt").exists()
    code, checked, _ = run("templates", "check", str(templates))
    assert code == 1
    assert "fiche.docx : 1 problème" in checked and "Échec d'un essai avec la promotion d'exemple" in checked


def test_a_failed_rerender_leaves_no_stale_document(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche", "--etudiant", "22001843")[0] == 0
    key = next(k for k in manifest(out) if k.endswith("/fiche-alternance"))
    templates = broken_fiche(tmp_path / "modeles", "{{ etudiant.inconnu }}")
    code, stdout, _ = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche", "--etudiant",
                          "22001843", "--templates", str(templates))
    assert code == 1 and "variable inconnue" in stdout
    assert not (out / f"{key}.docx").exists()  # the old version is not left as if it were current
    assert key not in manifest(out)


def test_people_no_longer_in_the_workbook_lose_their_documents(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(INPUTS), "-o", str(out), "--no-pdf")[0] == 0
    assert any((out / "etudiants").glob("22004587-*"))
    inputs = workbook_copy(tmp_path, drop_student("22004587"))
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--no-pdf")
    assert code == 0, stdout + stderr
    assert not any((out / "etudiants").glob("22004587-*"))
    assert not any("22004587" in key for key in manifest(out))
    assert "11 fichiers obsolètes supprimés" in stdout  # 11 documents, each a DOCX
    report = (out / "rapport-de-construction.txt").read_text(encoding="utf-8")
    assert "etudiants/22004587-le-bihan-mael/fiche-alternance.docx" in report


def test_only_removes_obsolete_outputs_of_the_families_it_built_and_no_other(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche,livret")[0] == 0
    inputs = workbook_copy(tmp_path, drop_student("22004587"))
    code, stdout, _ = run("build", str(inputs), "-o", str(out), "--no-pdf", "--only", "fiche")
    assert code == 0
    assert "1 fichier obsolète supprimé" in stdout
    (folder,) = (out / "etudiants").glob("22004587-*")
    assert sorted(p.name for p in folder.iterdir()) == ["livret-de-bilans.docx"]  # not a family it built
    assert [k for k in manifest(out) if "22004587" in k] == ["etudiants/22004587-le-bihan-mael/livret-de-bilans"]


def test_etudiant_finds_the_tutor_whatever_the_case_of_the_email(tmp_path: Path) -> None:
    def shout(wb: openpyxl.Workbook) -> None:
        ws = wb["Étudiant·es"]
        for row in range(2, ws.max_row + 1):
            if str(ws.cell(row, 1).value) == "22004587":
                ws.cell(row, 11).value = str(ws.cell(row, 11).value).upper()

    inputs = workbook_copy(tmp_path, shout)
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--no-pdf", "--only", "invitation",
                               "--etudiant", "22004587")
    assert code == 0, stdout + stderr
    assert [p.name for p in (out / "reunion-tuteurs" / "invitations").iterdir()] == ["invitation-l-hote-gaelle.docx"]


@pytest.mark.parametrize("kind", ["file", "readonly"])
def test_unusable_output_folder(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
    else:
        out.mkdir()
        out.chmod(0o500)
    try:
        code, stdout, stderr = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche")
    finally:
        if kind == "readonly":
            out.chmod(0o700)
    if kind == "readonly" and code == 0:
        pytest.skip("running as root: permissions do not stop writes")
    assert code == 1
    assert "Dossier de sortie" in stderr and "-o" in stderr
    assert "Traceback" not in stderr


@pytest.mark.soffice
def test_packet_follows_a_changed_note(tmp_path: Path) -> None:
    """--etudiant rebuilds the jury packet that holds that student, with the new note."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", inputs / "promotion.xlsx")
    out = tmp_path / "out"
    assert run("build", str(inputs), "-o", str(out), "--only", "jurys")[0] == 0

    def lower_note(wb: openpyxl.Workbook) -> None:
        ws = wb["Soutenances"]
        for row in range(2, ws.max_row + 1):
            if str(ws.cell(row, 1).value) == "22004512":
                ws.cell(row, 4).value, ws.cell(row, 5).value = 3, 4

    workbook_copy(tmp_path, lower_note)
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--etudiant", "22004512")
    assert code == 0, stdout + stderr
    assert "Dossier de jury (PDF) : 1 écrit" in stdout
    from .helpers import pdf_text

    text = pdf_text(out / "jurys" / "jury-a" / "dossier-jury-a.pdf")
    assert "7 / 20" in text


@pytest.mark.soffice
def test_a_failed_part_becomes_a_placeholder_in_the_packet(tmp_path: Path) -> None:
    """A broken grille template: every grille fails, the packets are still produced and say so."""
    templates = tmp_path / "modeles"
    templates.mkdir()
    document = docx.Document()
    document.add_paragraph("{{ jury.nom / 2 }}")
    document.save(templates / "grille.docx")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", inputs / "promotion.xlsx")
    out = tmp_path / "out"
    code, stdout, _ = run("build", str(inputs), "-o", str(out), "--only", "jurys", "--templates", str(templates))
    assert code == 1
    assert "ÉCHEC (26 documents : Grille d'évaluation — " in stdout
    assert "Dossier de jury (PDF) : 3 écrits" in stdout
    from pypdf import PdfReader

    from .helpers import pdf_text

    reader = PdfReader(out / "jurys" / "jury-b" / "dossier-jury-b.pdf")
    first_part = reader.outline[2][0]  # [cover, first student, [their parts], …]
    assert first_part.title == "Grille d'évaluation"
    page = reader.pages[reader.get_destination_page_number(first_part)].extract_text()
    assert "Grille d'évaluation non disponible" in page
    assert "n'a pas pu être produit" in " ".join(page.split())
    assert "Livret de bilans" in pdf_text(out / "jurys" / "jury-b" / "dossier-jury-b.pdf")
