"""Jury packets on paper: every page shows the packet's own page number, where the sommaire sends you."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from pipeline.pdf.assemble import PacketPart, PacketSection, assemble_packet
from pipeline.pdf.stamp import BOTTOM_MM, MM, page_labels, roman


def _pdf(path: Path, title: str, pages: int, size: tuple[float, float] = (595.3, 841.9)) -> Path:
    canvas = Canvas(str(path), pagesize=size)
    for n in range(pages):
        canvas.setFont("Helvetica", 12)
        canvas.drawString(72, size[1] - 200, f"{title} {n + 1}")
        canvas.showPage()
    canvas.save()
    return path


def _rotated(path: Path, source: Path) -> Path:
    writer = PdfWriter(clone_from=source)
    for page in writer.pages:
        page.rotate(90)
    writer.write(path)
    return path


def _positions(page: object) -> list[tuple[str, float, float, tuple[float, ...]]]:
    found: list[tuple[str, float, float, tuple[float, ...]]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            found.append((text.strip(), tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
                          tuple(cm[:4])))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


def test_every_packet_page_shows_its_packet_page_number(tmp_path: Path) -> None:
    front = _pdf(tmp_path / "front.pdf", "Sommaire", 2)
    grille = _pdf(tmp_path / "grille.pdf", "Grille", 2)
    rapport = _rotated(tmp_path / "rapport.pdf", _pdf(tmp_path / "r.pdf", "Rapport", 3))
    sections = [PacketSection(f"9 h 0{i} — Étudiant·e {i}", (PacketPart("Grille d'évaluation", grille),
                                                            PacketPart("Rapport de mission", rapport)))
                for i in (1, 2)]
    out = tmp_path / "dossier.pdf"
    assemble_packet(front, sections, out, title="Jury A")
    reader = PdfReader(out)
    assert len(reader.pages) == 12
    assert reader.page_labels == ["i", "ii"] + [str(n) for n in range(1, 11)]
    for page, label in zip(reader.pages, reader.page_labels, strict=True):
        text = page.extract_text()
        assert f"Dossier de jury — p. {label}" in text
        assert text.count("Dossier de jury") == 1
    # page 16 of a longer packet says « p. 16 »: the sommaire's numbers are on the printed pages
    assert "Dossier de jury — p. 6" in reader.pages[7].extract_text()  # 2nd student's grille, page 1


def test_stamp_is_in_the_bottom_margin_as_the_page_is_shown(tmp_path: Path) -> None:
    front = _pdf(tmp_path / "front.pdf", "Sommaire", 1)
    rapport = _rotated(tmp_path / "rapport.pdf", _pdf(tmp_path / "r.pdf", "Rapport", 1))
    out = tmp_path / "dossier.pdf"
    assemble_packet(front, [PacketSection("Étudiant·e", (PacketPart("Rapport de mission", rapport),))], out,
                    title="Jury A")
    upright, rotated = PdfReader(out).pages
    stamp = [p for p in _positions(upright) if "Dossier" in p[0]]
    assert len(stamp) == 1 and abs(stamp[0][2] - BOTTOM_MM * MM) < 1  # baseline 5 mm above the bottom edge
    content = [p for p in _positions(upright) if "Dossier" not in p[0]]
    assert all(y > 15 * MM for _, _, y, _ in content)  # nothing of the page under it
    # on a page shown rotated by 90°, the stamp runs along the shown bottom edge: the page's right side
    (_, x, _, matrix), = [p for p in _positions(rotated) if "Dossier" in p[0]]
    width = float(rotated.mediabox.width)
    assert abs(x - (width - BOTTOM_MM * MM)) < 1 and matrix[:2] == (0.0, 1.0)


def test_page_labels_follow_the_packet() -> None:
    assert page_labels(5, 2) == ["i", "ii", "1", "2", "3"]
    assert [roman(n) for n in (1, 4, 9, 14, 40)] == ["i", "iv", "ix", "xiv", "xl"]


def test_stamp_embeds_its_only_font_so_packets_stay_pdfa(tmp_path: Path) -> None:
    import subprocess

    from pipeline.pdf.stamp import stamp_pages

    writer = PdfWriter()
    writer.add_blank_page(595.3, 841.9)
    stamp_pages(writer, 0)
    writer.write(tmp_path / "blank.pdf")
    rows = subprocess.run(["pdffonts", str(tmp_path / "blank.pdf")], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert len(rows) == 1 and "Carlito" in rows[0] and rows[0].split()[-5] == "yes"  # emb


def test_recto_verso_starts_every_student_on_a_recto_and_marks_blank_versos(tmp_path: Path) -> None:
    from pipeline.pdf.assemble import BLANK_TEXT, section_start_pages

    front = _pdf(tmp_path / "front.pdf", "Couverture", 1)
    sections = [PacketSection("9 h — A", (PacketPart("Grille", _pdf(tmp_path / "a.pdf", "A", 3)),)),
                PacketSection("9 h 30 — B", (PacketPart("Grille", _pdf(tmp_path / "b.pdf", "B", 2)),)),
                PacketSection("10 h — C", (PacketPart("Grille", _pdf(tmp_path / "c.pdf", "C", 1)),))]
    assert section_start_pages(sections, 1) == [1, 4, 6]
    assert section_start_pages(sections, 1, recto=True) == [1, 5, 7]
    info = assemble_packet(front, sections, tmp_path / "packet.pdf", title="Dossier", recto=True)
    reader = PdfReader(info.path)
    texts = [page.extract_text() for page in reader.pages]
    # cover, blank verso; A on pages 1-3, blank verso; B on 5-6; C on 7
    assert [BLANK_TEXT in t for t in texts] == [False, True, False, False, False, True, False, False, False]
    assert [t.split("\n")[0] for t in texts if "Dossier de jury" in t and BLANK_TEXT not in t][1:] == \
        ["A 1", "A 2", "A 3", "B 1", "B 2", "C 1"]
    assert reader.page_labels == ["i", "ii", "1", "2", "3", "4", "5", "6", "7"]
    assert [(title, reader.page_labels[page]) for level, title, page in info.outline if level == 1][1:] == \
        [("9 h — A", "1"), ("9 h 30 — B", "5"), ("10 h — C", "7")]
    assert "Dossier de jury — p. 4" in texts[5]  # the blank verso has its number too, like every page
    plain = assemble_packet(front, sections, tmp_path / "plain.pdf", title="Dossier")
    assert plain.pages == 7  # without the option, no blank page
