"""pypdf: jury packets — covers, bookmarks, page labels.

A packet is the front matter (cover + sommaire, already a PDF) followed by one
section per student, each made of parts (grille, compte rendu, livret, rapport).

Decisions:

- Page labels: the front matter is numbered i, ii, … and the content restarts at 1,
  so the page numbers printed in the sommaire (`section_start_pages`) do not depend
  on how many pages the cover and sommaire take.
- Form fields: every part's fields are grouped under a parent field `p{j}` and each
  section's under `s{i}`, so a field "nom" of the second part of the first student
  becomes "s1.p2.nom": two students' filled forms never share a value.
- Active content (scripts, launch actions, attachments) is removed from the whole packet
  (`pipeline.pdf.active`); links stay.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from pipeline.errors import AssemblyError
from pipeline.files import write_atomically
from pipeline.pdf.active import strip_active_content
from pipeline.pdf.fonts import house_fonts
from pipeline.pdf.pdfinfo import UnusablePdf, damage_reason, load_pdf, page_count, quiet_pypdf
from pipeline.pdf.stamp import stamp_pages

FRONT_TITLE = "Couverture et sommaire"


@dataclass(frozen=True)
class PacketPart:
    """One document of a section, e.g. "Grille d'évaluation"."""

    title: str
    pdf: Path


@dataclass(frozen=True)
class PacketSection:
    """One student's documents, e.g. "9 h 00 — Aïssatou N'Diaye"."""

    title: str
    parts: tuple[PacketPart, ...]


@dataclass(frozen=True)
class PacketInfo:
    """A written packet. `outline` items are (level from 1, title, 0-based page index)."""

    path: Path
    pages: int
    size: int
    outline: list[tuple[int, str, int]]


# ---------------------------------------------------------------- packets


def section_start_pages(sections: Sequence[PacketSection], front_pages: int, *, recto: bool = False) -> list[int]:
    """The page label (1-based, content numbering) where each section starts.

    Content pages are labelled from 1 after the roman-numbered front matter, so the
    result does not depend on `front_pages`; it is accepted so that callers state
    the layout they build and fails fast on a negative count. With `recto`, every
    section starts on an odd page (a recto), after a blank verso when needed.
    """
    if front_pages < 0:
        raise ValueError("front_pages must be >= 0")
    starts: list[int] = []
    label = 1
    for section in sections:
        if recto and label % 2 == 0:
            label += 1
        starts.append(label)
        label += sum(page_count(part.pdf) for part in section.parts)
    return starts


def assemble_packet(
    front: Path, sections: Sequence[PacketSection], out: Path, *, title: str, pdfa: bool = False,
    recto: bool = False,
) -> PacketInfo:
    """Write the packet `out` atomically: front matter, then each section's parts.

    `pdfa=True` makes the packet claim PDF/A-2b (XMP identification and the front's
    output intent); the caller asks for it only when every part is PDF/A-2b itself.
    `recto=True` (printing double-sided) starts the content and every section on a recto:
    a verso left over gets a page saying « Page laissée blanche intentionnellement ».
    """
    with quiet_pypdf():
        readers = _load_all(front, sections, title)
        writer = PdfWriter()
        outline, front_pages = _build(writer, readers, sections, recto)
        strip_active_content(writer)  # rapports come from students: no scripts, launches or attachments
        _finish(writer, front_pages, title)
        stamp_pages(writer, front_pages)
        if pdfa:
            _claim_pdfa(writer, readers[0], title)
        _write(writer, out, title)
    return PacketInfo(out, len(writer.pages), out.stat().st_size, outline)


XMP_PDFA = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{producer}</pdf:Producer>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>copar</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
PRODUCER = "copar (pypdf)"


def _claim_pdfa(writer: PdfWriter, front: PdfReader, title: str) -> None:
    """XMP identification matching the document information, and the front's output intent."""
    from xml.sax.saxutils import escape

    intents = front.root_object.get("/OutputIntents")
    if intents is None:
        raise AssemblyError(f"Dossier « {title} » : la couverture n'est pas au format PDF/A (pas d'OutputIntent).")
    writer.root_object[NameObject("/OutputIntents")] = intents.clone(writer)
    stream = StreamObject()
    stream.set_data(XMP_PDFA.format(title=escape(title), producer=PRODUCER).encode("utf-8"))
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    writer.add_metadata({"/Producer": PRODUCER})


def _write(writer: PdfWriter, out: Path, title: str) -> None:
    """Deduplicate identical objects and write `out` atomically."""
    try:
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        write_atomically(out, lambda tmp: writer.write(tmp))
    except OSError as exc:
        raise AssemblyError(f"Impossible d'écrire le dossier « {title} » ({out}) : {exc.strerror or exc}") from exc
    except Exception as exc:  # a damaged part found while writing
        raise AssemblyError(f"Impossible d'écrire le dossier « {title} » : {damage_reason(exc)}") from exc


def _load_all(front: Path, sections: Sequence[PacketSection], title: str) -> list[PdfReader]:
    """Readers for the front then every part, in order; every problem in one error."""
    readers: list[PdfReader] = []
    problems: list[str] = []
    labelled = [(FRONT_TITLE, front)] + [
        (f"{section.title} — {part.title}", part.pdf) for section in sections for part in section.parts
    ]
    problems += [f"la section « {s.title} » ne contient aucun document" for s in sections if not s.parts]
    for label, path in labelled:
        try:
            readers.append(load_pdf(path))
        except UnusablePdf as exc:
            problems.append(f"{label} : {exc} ({path})")
    if problems:
        raise AssemblyError(
            f"Impossible d'assembler le dossier « {title} » : "
            + " ; ".join(problems)
            + ". Remplacez chaque document inutilisable par une page qui le signale."
        )
    return readers


def _build(
    writer: PdfWriter, readers: list[PdfReader], sections: Sequence[PacketSection], recto: bool = False
) -> tuple[list[tuple[int, str, int]], int]:
    """Append every reader, group form fields and add the bookmarks; the outline and the front matter's
    page count (blank verso included)."""
    _append(writer, readers[0], FRONT_TITLE)
    writer.add_outline_item(title=FRONT_TITLE, page_number=0)
    outline = [(1, FRONT_TITLE, 0)]
    if recto and len(writer.pages) % 2:
        _blank_verso(writer)
    front_pages = len(writer.pages)
    parts = iter(readers[1:])
    for i, section in enumerate(sections, start=1):
        if recto and len(writer.pages) % 2:
            _blank_verso(writer)
        section_fields = len(_fields(writer))
        starts: list[int] = []
        for j, part in enumerate(section.parts, start=1):
            starts.append(len(writer.pages))
            part_fields = len(_fields(writer))
            _append(writer, next(parts), f"{section.title} — {part.title}")
            _group_fields(writer, part_fields, f"p{j}")
        _group_fields(writer, section_fields, f"s{i}")
        outline += _bookmark_section(writer, section, starts)
    return outline, front_pages


BLANK_TEXT = "Page laissée blanche intentionnellement"


def _blank_verso(writer: PdfWriter) -> None:
    """A page of the previous page's size saying it was left blank on purpose (grey, centred)."""
    from reportlab.pdfgen.canvas import Canvas

    last = writer.pages[-1]
    width, height = float(last.mediabox.width), float(last.mediabox.height)
    if (last.get("/Rotate") or 0) % 180:
        width, height = height, width
    buffer = io.BytesIO()
    font = house_fonts()[0]
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1, initialFontName=font, initialFontSize=11)
    canvas.setFont(font, 11)
    canvas.setFillColorRGB(110 / 255, 110 / 255, 110 / 255)
    canvas.drawCentredString(width / 2, height / 2, BLANK_TEXT)
    canvas.showPage()
    canvas.save()
    writer.append(PdfReader(io.BytesIO(buffer.getvalue())), import_outline=False)


def _bookmark_section(writer: PdfWriter, section: PacketSection, starts: list[int]) -> list[tuple[int, str, int]]:
    parent = writer.add_outline_item(title=section.title, page_number=starts[0])
    items = [(1, section.title, starts[0])]
    for part, start in zip(section.parts, starts, strict=True):
        writer.add_outline_item(title=part.title, page_number=start, parent=parent)
        items.append((2, part.title, start))
    return items


def _append(writer: PdfWriter, reader: PdfReader, label: str) -> None:
    try:
        writer.append(reader, import_outline=False)
        _merge_form_settings(writer, reader)
    except Exception as exc:  # a damaged part found late
        raise AssemblyError(f"{label} : {damage_reason(exc)}") from exc


def _fields(writer: PdfWriter) -> ArrayObject:
    form = writer.root_object.get("/AcroForm")
    fields = form.get_object().get("/Fields") if form is not None else None
    return fields.get_object() if fields is not None else ArrayObject()


def _group_fields(writer: PdfWriter, start: int, name: str) -> None:
    """Put the top-level fields added since `start` under one new parent field `name`."""
    fields = _fields(writer)
    kids = ArrayObject(fields[start:])
    if not kids:
        return
    parent = DictionaryObject({NameObject("/T"): TextStringObject(name), NameObject("/Kids"): kids})
    # pypdf has no public call to add a new indirect object to a writer.
    reference = writer._add_object(parent)
    for kid in kids:
        kid.get_object()[NameObject("/Parent")] = reference
    del fields[start:]
    fields.append(reference)


def _merge_form_settings(writer: PdfWriter, reader: PdfReader) -> None:
    """pypdf keeps the first document's /AcroForm settings: add the others' needs."""
    source = reader.root_object.get("/AcroForm")
    target = writer.root_object.get("/AcroForm")
    if source is None or target is None:
        return
    source, target = source.get_object(), target.get_object()
    if not isinstance(source, DictionaryObject) or not isinstance(target, DictionaryObject):
        return
    target.pop("/XFA", None)  # an XFA form would describe only one of the documents
    if source.get("/NeedAppearances"):
        target[NameObject("/NeedAppearances")] = BooleanObject(True)
    fonts = _get_dict(_get_dict(source, "/DR"), "/Font")
    if fonts:
        target_fonts = _set_dict(_set_dict(target, "/DR"), "/Font")
        for name, font in fonts.items():
            if name not in target_fonts:
                target_fonts[NameObject(name)] = font.clone(writer)


def _get_dict(parent: DictionaryObject, key: str) -> DictionaryObject:
    value = parent.get(key)
    value = value.get_object() if value is not None else None
    return value if isinstance(value, DictionaryObject) else DictionaryObject()


def _set_dict(parent: DictionaryObject, key: str) -> DictionaryObject:
    value = parent.get(key)
    value = value.get_object() if value is not None else None
    if not isinstance(value, DictionaryObject):
        value = DictionaryObject()
        parent[NameObject(key)] = value
    return value


def _finish(writer: PdfWriter, front_pages: int, title: str) -> None:
    """Page labels, metadata, bookmarks panel."""
    writer.set_page_label(0, front_pages - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
    if len(writer.pages) > front_pages:
        writer.set_page_label(front_pages, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, start=1)
    writer.add_metadata({"/Title": title, "/Creator": "copar"})
    writer.page_mode = "/UseOutlines"
    writer.create_viewer_preferences()[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    writer.root_object[NameObject("/Lang")] = TextStringObject("fr-FR")
