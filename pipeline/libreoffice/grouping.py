"""Several DOCX in one: converted by LibreOffice once, split back into one PDF each.

LibreOffice's cost is mostly per document (loading ~800 kB of styles, setting up the
layout), not per page, so converting one merged document of a student's twelve
documents is far cheaper than twelve conversions. The merge keeps what the reader sees:

- each document is a section of its own, with its own header and footer parts and a
  page numbering that restarts at 1 (`pgNumType start=1`);
- « Page X sur Y »: PAGE follows the section, but NUMPAGES would count the whole merged
  file, and LibreOffice 7.4 has no per-section page count. So the footer's NUMPAGES is
  replaced by the page count we expect for that document (`expected`); after the
  conversion, a document whose real page count differs is reported, and the caller
  converts it again with the right count (the count has the same place in the footer,
  so the layout of the page body cannot change);
- where each document starts is not guessed from text: a bookmark `coparDocN` opens
  each document and LibreOffice exports it as a named destination
  (ExportBookmarksToPDFDestination), which gives the page of every start.

Only documents that share the same styles, numbering, settings, fonts and theme (byte
for byte: the default templates all do) and hold nothing but text, tables and the
PAGE/NUMPAGES fields in header and footer can be merged; `merge_key` returns None for any
other, which is then converted on its own. The DOCX files staff open stay one per
document: merged files only live in the conversion's temporary folder.
"""

from __future__ import annotations

import copy
import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, Fit, NameObject, NullObject, NumberObject

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
HEADER_TYPE = f"{R}/header"
FOOTER_TYPE = f"{R}/footer"
BOOKMARK = "coparDoc"  # letters and digits only: LibreOffice escapes the rest in destination names
# parts that must be identical for two documents to share one package
SHARED_PARTS = ("word/styles.xml", "word/numbering.xml", "word/settings.xml", "word/fontTable.xml",
                "word/theme/theme1.xml")
PAGE_FIELDS = {"PAGE", "NUMPAGES"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


@dataclass(frozen=True)
class Member:
    """One document of a merged file and the page count its footer will show."""

    docx: Path
    expected: int


def merge_key(docx: Path) -> str | None:
    """What a document must share with others to be merged with them; None if it cannot be."""
    try:
        with zipfile.ZipFile(docx) as z:
            names = set(z.namelist())
            if "word/document.xml" not in names or any(n.startswith("word/media/") for n in names):
                return None
            if {"word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"} & names:
                return None  # notes would be numbered across the merged file
            body = etree.fromstring(z.read("word/document.xml"), _PARSER)
            rels = _relationships(z, "word/_rels/document.xml.rels")
            if not _plain(body, rels, z):
                return None
            digest = hashlib.sha256()
            for part in SHARED_PARTS:
                digest.update(part.encode() + b"\0" + (z.read(part) if part in names else b"-") + b"\0")
            return digest.hexdigest()
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
        return None


def _plain(document: etree._Element, rels: dict[str, tuple[str, str]], z: zipfile.ZipFile) -> bool:
    """Only text and tables in the body; headers and footers with PAGE/NUMPAGES at most."""
    body = document.find(_w("body"))
    if body is None or body.find(_w("sectPr")) is None or len(body.findall(f".//{_w('sectPr')}")) != 1:
        return False
    if _fields(body) or any(k.startswith(f"{{{R}}}") for el in body.iter() for k in el.attrib
                            if el.tag not in (_w("headerReference"), _w("footerReference"))):
        return False
    for ref in _references(body.find(_w("sectPr"))):
        target = rels.get(ref.get(f"{{{R}}}id", ""))
        if target is None or target[0] not in (HEADER_TYPE, FOOTER_TYPE):
            return False
        part = etree.fromstring(z.read(f"word/{target[1]}"), _PARSER)
        if not _fields(part) <= PAGE_FIELDS or any(k.startswith(f"{{{R}}}") for el in part.iter() for k in el.attrib):
            return False
    return True


def _fields(root: etree._Element) -> set[str]:
    instructions = [el.text or "" for el in root.iter(_w("instrText"))]
    instructions += [el.get(_w("instr"), "") for el in root.iter(_w("fldSimple"))]
    return {(text.split() or [""])[0].upper() for text in instructions}


def _references(sect: etree._Element | None) -> list[etree._Element]:
    if sect is None:
        return []
    return [el for el in sect if el.tag in (_w("headerReference"), _w("footerReference"))]


def _relationships(z: zipfile.ZipFile, name: str) -> dict[str, tuple[str, str]]:
    root = etree.fromstring(z.read(name), _PARSER)
    return {el.get("Id"): (el.get("Type"), el.get("Target")) for el in root if el.get("TargetMode") != "External"}


def merge(members: Sequence[Member], out: Path) -> None:
    """Write one DOCX holding every member, each in its own section (see the module docstring)."""
    with zipfile.ZipFile(members[0].docx) as first:
        base = {name: first.read(name) for name in first.namelist()}
    document = etree.fromstring(base["word/document.xml"], _PARSER)
    body = document.find(_w("body"))
    assert body is not None
    for child in list(body):
        body.remove(child)
    rels_root = etree.fromstring(base["word/_rels/document.xml.rels"], _PARSER)
    types = etree.fromstring(base["[Content_Types].xml"], _PARSER)
    for el in list(rels_root):
        if el.get("Type") in (HEADER_TYPE, FOOTER_TYPE):
            base.pop(f"word/{el.get('Target')}", None)
            rels_root.remove(el)
    for el in list(types):
        if el.get("PartName", "").startswith(("/word/header", "/word/footer")):
            types.remove(el)
    parts: dict[str, bytes] = {}
    last = len(members) - 1
    for index, member in enumerate(members):
        content, sect = _member_body(member, index, rels_root, types, parts)
        if index < last:
            _close_section(content, sect)
        else:
            content.append(sect)
        body.extend(content)
    base.update(parts)
    base["word/document.xml"] = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)
    base["word/_rels/document.xml.rels"] = etree.tostring(rels_root, xml_declaration=True, encoding="UTF-8",
                                                          standalone=True)
    base["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in base.items():
            z.writestr(name, data)


def _member_body(member: Member, index: int, rels_root: etree._Element, types: etree._Element,
                 parts: dict[str, bytes]) -> tuple[list[etree._Element], etree._Element]:
    """The member's body elements (bookmarked) and its section properties, with its own header/footer parts."""
    with zipfile.ZipFile(member.docx) as z:
        document = etree.fromstring(z.read("word/document.xml"), _PARSER)
        rels = _relationships(z, "word/_rels/document.xml.rels")
        body = document.find(_w("body"))
        assert body is not None
        content = [el for el in body if el.tag != _w("sectPr")]
        sect = copy.deepcopy(body.find(_w("sectPr")))
        for number, ref in enumerate(_references(sect)):
            kind, target = rels[ref.get(f"{{{R}}}id")]
            part = etree.fromstring(z.read(f"word/{target}"), _PARSER)
            if kind == FOOTER_TYPE or kind == HEADER_TYPE:
                _fix_page_count(part, member.expected)
            name = f"{'header' if kind == HEADER_TYPE else 'footer'}-copar-{index}-{number}.xml"
            rid = f"rIdCopar{index}x{number}"
            parts[f"word/{name}"] = etree.tostring(part, xml_declaration=True, encoding="UTF-8", standalone=True)
            etree.SubElement(rels_root, f"{{{REL}}}Relationship", Id=rid, Type=kind, Target=name)
            content_type = f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind.rsplit('/', 1)[1]}+xml"
            etree.SubElement(types, f"{{{CT}}}Override", PartName=f"/word/{name}", ContentType=content_type)
            ref.set(f"{{{R}}}id", rid)
    _restart_numbering(sect)
    _bookmark(content, index)
    return content, sect


def _restart_numbering(sect: etree._Element) -> None:
    numbering = sect.find(_w("pgNumType"))
    if numbering is None:
        numbering = etree.Element(_w("pgNumType"))
        # schema order: after pgBorders/lnNumType when present, before cols
        anchor = sect.find(_w("cols"))
        if anchor is not None:
            anchor.addprevious(numbering)
        else:
            sect.append(numbering)
    numbering.set(_w("start"), "1")
    kind = sect.find(_w("type"))
    if kind is not None:
        kind.set(_w("val"), "nextPage")


def _bookmark(content: list[etree._Element], index: int) -> None:
    """A bookmark at the start of the member's first paragraph, exported as a PDF destination."""
    first = next((p for el in content for p in el.iter(_w("p"))), None)
    if first is None:
        first = etree.Element(_w("p"))
        content.insert(0, first)
    ident = str(900_000 + index)
    start = etree.Element(_w("bookmarkStart"), {_w("id"): ident, _w("name"): f"{BOOKMARK}{index}"})
    end = etree.Element(_w("bookmarkEnd"), {_w("id"): ident})
    position = 1 if len(first) and first[0].tag == _w("pPr") else 0
    first.insert(position, start)
    first.insert(position + 1, end)


def _close_section(content: list[etree._Element], sect: etree._Element) -> None:
    """End the member's section at its last paragraph, as Word does (no extra empty paragraph)."""
    last = content[-1] if content else None
    if last is None or last.tag != _w("p"):
        last = etree.Element(_w("p"))
        content.append(last)
    ppr = last.find(_w("pPr"))
    if ppr is None:
        ppr = etree.Element(_w("pPr"))
        last.insert(0, ppr)
    ppr.append(sect)


def _fix_page_count(part: etree._Element, pages: int) -> None:
    """Replace every NUMPAGES field (complex or simple) by the literal page count."""
    for simple in list(part.iter(_w("fldSimple"))):
        if (simple.get(_w("instr"), "").split() or [""])[0].upper() == "NUMPAGES":
            runs = simple.findall(_w("r"))
            run = copy.deepcopy(runs[0]) if runs else etree.Element(_w("r"))
            _set_text(run, str(pages))
            simple.addprevious(run)
            simple.getparent().remove(simple)
    for paragraph in part.iter(_w("p")):
        _fix_complex_fields(paragraph, pages)


def _fix_complex_fields(paragraph: etree._Element, pages: int) -> None:
    runs = [el for el in paragraph if el.tag == _w("r")]
    field: list[etree._Element] = []
    for run in runs:
        kind = run.find(_w("fldChar"))
        state = kind.get(_w("fldCharType")) if kind is not None else None
        if state == "begin":
            field = [run]
        elif field:
            field.append(run)
            if state == "end":
                _replace_field(field, pages)
                field = []


def _replace_field(field: list[etree._Element], pages: int) -> None:
    instruction = "".join(t.text or "" for run in field for t in run.iter(_w("instrText")))
    if (instruction.split() or [""])[0].upper() != "NUMPAGES":
        return
    shown = next((run for run in field if run.find(_w("t")) is not None), field[0])
    replacement = copy.deepcopy(shown)
    _set_text(replacement, str(pages))
    field[0].addprevious(replacement)
    for run in field:
        run.getparent().remove(run)


def _set_text(run: etree._Element, text: str) -> None:
    for child in list(run):
        if child.tag != _w("rPr"):
            run.remove(child)
    etree.SubElement(run, _w("t")).text = text


# --- splitting the merged PDF back ---------------------------------------------------------

CORE = {"/Title": "{http://purl.org/dc/elements/1.1/}title", "/Author": "{http://purl.org/dc/elements/1.1/}creator",
        "/Subject": "{http://purl.org/dc/elements/1.1/}subject",
        "/Keywords": "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords"}


class SplitError(Exception):
    """Raised when a merged PDF does not show where each of its documents starts."""


def page_ranges(reader: PdfReader, count: int) -> list[range]:
    """The pages of each member, from the bookmarks that open them."""
    starts: dict[int, int] = {}
    for name, destination in reader.named_destinations.items():
        text = str(name).lstrip("/")
        if text.startswith(BOOKMARK) and text[len(BOOKMARK):].isdigit():
            page = reader.get_destination_page_number(destination)
            if page is not None:
                starts[int(text[len(BOOKMARK):])] = page
    if sorted(starts) != list(range(count)):
        raise SplitError(f"débuts de documents introuvables dans le PDF groupé : {sorted(starts)}")
    bounds = [starts[i] for i in range(count)] + [len(reader.pages)]
    if bounds[0] != 0 or any(b <= a for a, b in zip(bounds, bounds[1:], strict=False)):
        raise SplitError(f"débuts de documents désordonnés dans le PDF groupé : {bounds}")
    return [range(bounds[i], bounds[i + 1]) for i in range(count)]


def write_part(reader: PdfReader, pages: range, docx: Path, target: Path) -> None:
    """One member's pages as a standalone PDF: outline, title and viewer settings as LibreOffice writes them."""
    writer = PdfWriter()
    for number in pages:
        writer.add_page(reader.pages[number])
    _copy_outline(reader, reader.outline, writer, pages, None)
    root = reader.root_object
    for key in ("/ViewerPreferences", "/Lang"):
        if key in root:
            writer._root_object[NameObject(key)] = copy.deepcopy(root[key])
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/XYZ"), NullObject(), NullObject(), NumberObject(0)])
    metadata = {k: v for k, v in (reader.metadata or {}).items() if k not in CORE}
    metadata |= _core_properties(docx)
    writer.add_metadata(metadata)
    with open(target, "wb") as handle:
        writer.write(handle)


def _copy_outline(reader: PdfReader, items: list[Any], writer: PdfWriter, pages: range, parent: Any) -> None:
    last = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                _copy_outline(reader, item, writer, pages, last)
            continue
        number = reader.get_destination_page_number(item)
        last = None
        if number is not None and number in pages:
            fit = Fit.xyz(item.get("/Left"), item.get("/Top"), item.get("/Zoom"))
            last = writer.add_outline_item(title=str(item.title), page_number=number - pages.start, parent=parent, fit=fit)


def _core_properties(docx: Path) -> dict[str, str]:
    try:
        with zipfile.ZipFile(docx) as z:
            core = etree.fromstring(z.read("docProps/core.xml"), _PARSER)
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
    found = {key: core.find(tag) for key, tag in CORE.items()}
    return {key: el.text for key, el in found.items() if el is not None and el.text}
