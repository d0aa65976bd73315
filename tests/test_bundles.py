"""copar lots and copar archive on stand-in PDFs: order, bookmarks, recto padding, missing files, zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from pipeline.documents.catalogue import Layout
from pipeline.documents.variables import example_dataset
from pipeline.workbook.model import Dataset
from tests.helpers import INPUTS


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return example_dataset()


def fake_pdf(path: Path, pages: int) -> None:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer.write(fh)


def outline(path: Path) -> list[tuple[str, int]]:
    reader = PdfReader(path)
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]


@pytest.mark.slow
def test_grilles_by_jury_then_time_recto_padded(sample: Dataset, tmp_path: Path, copar) -> None:
    layout = Layout.of(sample)
    sizes = {}
    for i, s in enumerate(sample.students):
        sizes[s.numero] = 1 + i % 3  # 1, 2 or 3 pages
        fake_pdf(tmp_path / layout.student_dir(s) / "grille-evaluation.pdf", sizes[s.numero])
    result = copar("lots", INPUTS, "-o", tmp_path, "--famille", "grille")
    assert result.exit_code == 0, result.output
    marks = outline(tmp_path / "impression" / "grille.pdf")
    expected = [(f"{j.jury}, {d.heure.hour} h {d.heure.minute:02d}", d.numero) for j in sample.juries
                for d in sample.defenses_of(j.jury)]
    placed = {n for _, n in expected}
    assert len(marks) == len(sample.students)  # one bookmark per student, those without a jury last
    assert [title for title, _ in marks][:len(expected)] == [
        f"{sample.student(n).nom_complet} ({where})" for where, n in expected]
    assert all(title.endswith("(sans jury)") for title, _ in marks[len(expected):])
    assert len(placed) == len(expected)
    # each person starts on a recto: an even 0-based index, right after the previous person's (padded) pages
    assert all(page % 2 == 0 for _, page in marks)
    order = [n for _, n in expected] + [s.numero for s in sample.students if s.numero not in placed]
    starts, page = [], 0
    for numero in order:
        starts.append(page)
        page += sizes[numero] + sizes[numero] % 2
    assert [p for _, p in marks] == starts
    assert len(PdfReader(tmp_path / "impression" / "grille.pdf").pages) == page
    blanks = sum(sizes[n] % 2 for n in order)
    assert f"{len(order)} documents, {page} pages dont {blanks} blanches" in result.stdout
    one = copar("lots", INPUTS, "-o", tmp_path, "--famille", "grille", "--jury", "Jury B")
    assert one.exit_code == 0, one.output
    assert [t for t, _ in outline(tmp_path / "impression" / "grille-jury-b.pdf")] == [
        f"{sample.student(d.numero).nom_complet} (Jury B, {d.heure.hour} h {d.heure.minute:02d})"
        for d in sample.defenses_of("Jury B")]
    unknown = copar("lots", INPUTS, "-o", tmp_path, "--famille", "grille", "--jury", "Jury Z")
    assert unknown.exit_code == 1
    assert unknown.stderr == "Erreur : Jury inconnu pour --jury : Jury Z. Jurys de la feuille Jurys : Jury A, Jury B, Jury C.\n"


def test_missing_documents_listed_and_bilan_needs_a_period(sample: Dataset, tmp_path: Path, copar) -> None:
    layout = Layout.of(sample)
    first, *others = [s for s in sample.students if not s.en_emploi]
    fake_pdf(tmp_path / layout.student_dir(first) / "cahier-des-charges.pdf", 3)
    result = copar("lots", INPUTS, "-o", tmp_path, "--famille", "cahier")
    assert result.exit_code == 1
    assert result.stdout.count("[attention]") == len(others)
    assert f"[attention] {others[0].nom_complet} (tuteur·rice {others[0].tuteur.nom_complet}) : " in result.stdout
    assert "manque — lancez « copar build --only cahier »." in result.stdout
    assert outline(tmp_path / "impression" / "cahier.pdf") == [
        (f"{first.nom_complet} (tuteur·rice {first.tuteur.nom_complet})", 0)]
    no_period = copar("lots", INPUTS, "-o", tmp_path, "--famille", "bilan")
    assert no_period.exit_code == 1
    assert no_period.stderr == "Erreur : Indiquez la période des bilans à imprimer : --periode N (1 à 6).\n"
    nothing = copar("lots", INPUTS, "-o", tmp_path, "--famille", "fiche")
    assert nothing.stderr == (f"Erreur : Aucun document « fiche » à imprimer dans {tmp_path} : "
                              "lancez d'abord « copar build --only fiche ».\n")


def test_archive_selection_stable_order_and_lisezmoi(tmp_path: Path, copar) -> None:
    out = tmp_path / "outputs"
    for rel in ["impression/cahier.pdf", "reunion-tuteurs/invitations/b.pdf", "reunion-tuteurs/invitations/a.pdf",
                "reunion-tuteurs/feuille-emargement.docx", "etudiants/x/fiche.pdf", "manifest.json"]:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(rel.encode())
    result = copar("archive", "-o", out, "--only", "reunion-tuteurs", "--only", "impression")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"4 fichiers, et LISEZMOI.txt qui les liste, dans {tmp_path / 'outputs.zip'}\n"
    with zipfile.ZipFile(tmp_path / "outputs.zip") as zf:
        names = zf.namelist()
        assert names == ["LISEZMOI.txt", "impression/cahier.pdf", "reunion-tuteurs/feuille-emargement.docx",
                         "reunion-tuteurs/invitations/a.pdf", "reunion-tuteurs/invitations/b.pdf"]
        assert zf.read("reunion-tuteurs/invitations/b.pdf") == b"reunion-tuteurs/invitations/b.pdf"
        readme = zf.read("LISEZMOI.txt").decode("utf-8")
    assert [line.split()[0] for line in readme.splitlines() if line.startswith("  ")] == names[1:]
    first = (tmp_path / "outputs.zip").read_bytes()
    copar("archive", "-o", out, "--only", "impression", "--only", "reunion-tuteurs")
    assert (tmp_path / "outputs.zip").read_bytes() == first  # same selection, same bytes
    everything = copar("archive", "-o", out, "--fichier", tmp_path / "tout.zip")
    with zipfile.ZipFile(tmp_path / "tout.zip") as zf:
        assert "manifest.json" not in zf.namelist() and "etudiants/x/fiche.pdf" in zf.namelist()
    assert everything.exit_code == 0
    wrong = copar("archive", "-o", out, "--only", "jurys")
    assert wrong.exit_code == 1
    assert "Rien ne correspond à « jurys »" in wrong.stderr
