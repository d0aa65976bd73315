"""pipeline.assemble: packets built from PDFs made by the real LibreOffice and from
the hostile PDFs of tests/data/pdf (see tests/data/SOURCES.md)."""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from pipeline.errors import AssemblyError
from pipeline.libreoffice.calls import find_soffice
from pipeline.libreoffice.stream import convert_many
from pipeline.pdf.assemble import (
    PacketInfo,
    PacketPart,
    PacketSection,
    assemble_packet,
    section_start_pages,
)
from pipeline.pdf.pdfinfo import page_count, probe_pdf
from pipeline.workbook.rapports import find_rapports

from .helpers import make_docx_pages

DATA = Path(__file__).parent / "data" / "pdf"
FORM = DATA / "form_libreoffice-9-widgets.pdf"
HAS_CRYPTOGRAPHY = importlib.util.find_spec("cryptography") is not None
DAMAGED = "PDF endommagé, illisible"

# Every file of tests/data/pdf and what probe_pdf must say about it.
EXPECTED_PROBES: dict[str, str | None] = {
    "annot_uri-link-libreoffice.pdf": None,  # its /OpenAction is removed from packets (test_untrusted_rapports)
    "attach_embedded-file.pdf": None,  # its attachment is removed from packets (test_untrusted_rapports)
    "dmg_fuzzed-no-startxref-deep-nesting.pdf": f"{DAMAGED} (données tronquées ou corrompues)",
    "dmg_page-tree-cycle.pdf": f"{DAMAGED} (arborescence des pages en boucle)",
    "dmg_page-tree-depth-101.pdf": f"{DAMAGED} (structure trop profonde ou trop volumineuse)",
    "dmg_pages-without-Type.pdf": f"{DAMAGED} (structure interne invalide)",
    "dmg_startxref-oops.pdf": f"{DAMAGED} (structure interne invalide)",
    "dmg_stream-line-enders.pdf": f"{DAMAGED} (données tronquées ou corrompues)",
    "dmg_xref-prev-loop.pdf": None,  # pypdf repairs the looping xref chain
    "enc_libreoffice-writer-password.pdf": "PDF protégé par un mot de passe",
    "enc_r2-empty-user-password.pdf": None,  # opens with the empty password
    "enc_r6-aes256-empty-user-password.pdf": (
        None if HAS_CRYPTOGRAPHY else "PDF chiffré (AES) : illisible sans le paquet Python « cryptography »"
    ),
    "form_libreoffice-9-widgets.pdf": None,
    "odd_zero-pages.pdf": "PDF sans aucune page",
    "outl_cycle.pdf": None,  # its own bookmarks loop, but they are never imported
}


@pytest.fixture(scope="session")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small PDFs made once by LibreOffice: a 2-page front, two 1-page grilles and a
    3-page compte rendu that has bookmarks of its own."""
    folder = tmp_path_factory.mktemp("pdfs")
    sources = [
        make_docx_pages(folder / "front.docx", ["Jury 1 — couverture"], ["Sommaire"]),
        make_docx_pages(folder / "grille-1.docx", ["Grille de Aïssatou N'Diaye"]),
        make_docx_pages(folder / "grille-2.docx", ["Grille de Jean Dupont"]),
        make_docx_pages(folder / "cr.docx", ["Réalisations"], ["Processus"], ["Apprentissages"], heading="Compte rendu"),
    ]
    results = convert_many(sources, soffice=find_soffice())
    assert [r.error for r in results] == [None] * len(sources)
    return {s.stem: s.with_suffix(".pdf") for s in sources}


@pytest.fixture
def forms(tmp_path: Path) -> tuple[Path, Path]:
    """Two students' copies of the same form: same field names."""
    return Path(shutil.copy(FORM, tmp_path / "rapport-1.pdf")), Path(shutil.copy(FORM, tmp_path / "rapport-2.pdf"))


def read_outline(reader: PdfReader, items: list[Any] | None = None, level: int = 1) -> list[tuple[int, str, int]]:
    found: list[tuple[int, str, int]] = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += read_outline(reader, item, level + 1)
        else:
            found.append((level, item.title, reader.get_destination_page_number(item)))
    return found


def full_name(field: Any) -> str:
    names = []
    while field is not None:
        field = field.get_object()
        if "/T" in field:
            names.append(str(field["/T"]))
        field = field.get("/Parent")
    return ".".join(reversed(names))


@pytest.mark.soffice
def test_section_start_pages_counts_content_pages_from_1(pdfs: dict[str, Path]) -> None:
    sections = [
        PacketSection("A", (PacketPart("Grille", pdfs["grille-1"]), PacketPart("CR", pdfs["cr"]))),
        PacketSection("B", (PacketPart("Grille", pdfs["grille-2"]), PacketPart("Rapport", FORM))),
        PacketSection("C", (PacketPart("Grille", pdfs["grille-1"]),)),
    ]
    assert section_start_pages(sections, front_pages=2) == [1, 5, 7]
    assert section_start_pages(sections, front_pages=5) == [1, 5, 7]


@pytest.mark.soffice
def test_packet_pages_bookmarks_and_labels(pdfs: dict[str, Path], forms: tuple[Path, Path], tmp_path: Path) -> None:
    sections = [
        PacketSection(
            f"{time} — {name}",
            (
                PacketPart("Grille d'évaluation", pdfs[grille]),
                PacketPart("Compte rendu du bilan tripartite", pdfs["cr"]),
                PacketPart("Rapport de mission", form),
            ),
        )
        for time, name, grille, form in [
            ("9 h 00", "Aïssatou N'Diaye", "grille-1", forms[0]),
            ("9 h 45", "Jean Dupont", "grille-2", forms[1]),
        ]
    ]
    out = tmp_path / "jury" / "dossier-jury-1.pdf"
    started = time.monotonic()
    info = assemble_packet(pdfs["front"], sections, out, title="Jury 1 — 18 juin 2024")
    assert time.monotonic() - started < 10

    reader = PdfReader(out)
    parts = [part.pdf for section in sections for part in section.parts]
    assert info.pages == len(reader.pages) == 2 + sum(map(page_count, parts)) == 12
    assert info == PacketInfo(out, 12, out.stat().st_size, info.outline)
    assert info.outline == [
        (1, "Couverture et sommaire", 0),
        (1, "9 h 00 — Aïssatou N'Diaye", 2),
        (2, "Grille d'évaluation", 2),
        (2, "Compte rendu du bilan tripartite", 3),
        (2, "Rapport de mission", 6),
        (1, "9 h 45 — Jean Dupont", 7),
        (2, "Grille d'évaluation", 7),
        (2, "Compte rendu du bilan tripartite", 8),
        (2, "Rapport de mission", 11),
    ]
    assert PdfReader(pdfs["cr"]).outline, "the compte rendu should carry bookmarks of its own"
    assert read_outline(reader) == info.outline  # and they were not imported
    assert reader.page_labels == ["i", "ii"] + [str(n) for n in range(1, 11)]
    section_targets = [page for level, _, page in info.outline[1:] if level == 1]
    assert [reader.page_labels[p] for p in section_targets] == [str(n) for n in section_start_pages(sections, 2)]
    assert "Grille de Jean Dupont" in reader.pages[7].extract_text()
    assert reader.metadata is not None and reader.metadata.title == "Jury 1 — 18 juin 2024"
    assert reader.page_mode == "/UseOutlines"
    assert sorted(p.name for p in out.parent.iterdir()) == ["dossier-jury-1.pdf"]


def test_same_form_in_two_sections_gets_distinct_field_names(forms: tuple[Path, Path], tmp_path: Path) -> None:
    original = set(PdfReader(FORM).get_fields() or {})
    sections = [
        PacketSection(f"Étudiant·e {i}", (PacketPart("Rapport de mission", form),)) for i, form in enumerate(forms, 1)
    ]
    front = shutil.copy(FORM, tmp_path / "front.pdf")  # a front page with fields of its own
    assemble_packet(Path(front), sections, tmp_path / "packet.pdf", title="Jury")

    reader = PdfReader(tmp_path / "packet.pdf")
    names = set(reader.get_fields() or {})
    expected = {f"s{i}.p1.{name}" for i in (1, 2) for name in original}
    assert expected <= names
    assert names - expected == original | {"s1", "s2", "s1.p1", "s2.p1"}
    acroform = reader.trailer["/Root"]["/AcroForm"]
    assert "/DR" in acroform
    # Every widget of page k (section k) belongs to that section's fields.
    for index, prefix in [(1, "s1.p1."), (2, "s2.p1.")]:
        widgets = [a.get_object() for a in reader.pages[index].get("/Annots", [])]
        widgets = [w for w in widgets if w.get("/Subtype") == "/Widget"]
        assert widgets
        assert all(full_name(w).startswith(prefix) for w in widgets)


@pytest.mark.soffice
def test_unusable_part_raises_and_keeps_the_previous_packet(pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    out.write_bytes(b"%PDF-1.7 previous packet")
    locked = DATA / "enc_libreoffice-writer-password.pdf"
    sections = [PacketSection("9 h 00 — Aïssatou N'Diaye", (PacketPart("Rapport de mission", locked),))]
    with pytest.raises(AssemblyError, match="Rapport de mission : PDF protégé par un mot de passe"):
        assemble_packet(pdfs["front"], sections, out, title="Jury 1")
    assert out.read_bytes() == b"%PDF-1.7 previous packet"
    assert [p.name for p in tmp_path.iterdir()] == ["packet.pdf"]


def test_every_test_pdf_has_an_expected_probe() -> None:
    assert sorted(p.name for p in DATA.glob("*.pdf")) == sorted(EXPECTED_PROBES)


@pytest.mark.soffice
@pytest.mark.parametrize("name", sorted(EXPECTED_PROBES))
def test_probe_pdf_of_hostile_files(name: str, pdfs: dict[str, Path], tmp_path: Path) -> None:
    started = time.monotonic()
    reason = probe_pdf(DATA / name)
    assert time.monotonic() - started < 5
    assert reason == EXPECTED_PROBES[name]
    # A usable file assembles; any other is refused with the same reason.
    sections = [PacketSection("S", (PacketPart("Rapport", DATA / name),))]
    if reason is None:
        info = assemble_packet(pdfs["front"], sections, tmp_path / "p.pdf", title="T")
        assert info.pages == 2 + page_count(DATA / name)
    else:
        with pytest.raises(AssemblyError, match=reason.replace("(", r"\(").replace(")", r"\)")):
            assemble_packet(pdfs["front"], sections, tmp_path / "p.pdf", title="T")


@pytest.mark.soffice
def test_probe_pdf_of_ordinary_problems(pdfs: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "vide.pdf").write_bytes(b"")
    (tmp_path / "notes.pdf").write_text("Rapport à venir\n")
    docx_named_pdf = shutil.copy(pdfs["cr"].with_suffix(".docx"), tmp_path / "rapport.docx")
    assert probe_pdf(tmp_path / "absent.pdf") == "fichier absent"
    assert probe_pdf(tmp_path / "vide.pdf") == "fichier vide"
    assert probe_pdf(tmp_path / "notes.pdf") == "ce n'est pas un PDF (fichier texte)"
    assert probe_pdf(Path(docx_named_pdf)) == "ce n'est pas un PDF (document Word)"
    assert probe_pdf(pdfs["cr"]) is None


def test_find_rapports_matches_whole_student_numbers(tmp_path: Path) -> None:
    names = [
        "22004512.pdf",
        "22004512-rapport-final.PDF",
        "122004512.pdf",
        "220045123.pdf",
        "rapport_22004512.docx",
        ".22004512.pdf",
        "~$22004512.docx",
        "Rapport 21000001 v2.pdf",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert find_rapports(tmp_path, ["22004512", "21000001", "20000000"]) == {
        "22004512": [
            tmp_path / "22004512-rapport-final.PDF",
            tmp_path / "22004512.pdf",
            tmp_path / "rapport_22004512.docx",
        ],
        "21000001": [tmp_path / "Rapport 21000001 v2.pdf"],
        "20000000": [],
    }
    assert find_rapports(tmp_path / "absent", ["22004512"]) == {"22004512": []}
