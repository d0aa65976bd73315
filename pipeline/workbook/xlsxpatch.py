"""Surgical edits of an .xlsx package: only the changed cells' XML is rewritten.

Re-saving a workbook through openpyxl drops what openpyxl does not model (cached values of
formulas, drawings, text boxes, some extensions) and costs memory in proportion to the sheet.
Here a list of `CellEdit`s becomes byte edits of the sheet parts that hold them:

- every other member of the zip is copied with the same name, order, compression and
  decompressed bytes; inside a patched sheet everything but the target `<c>`/`<row>` elements
  (and the `<dimension>`) is kept verbatim;
- the sheet's rows are scanned as bytes, with regular expressions, and the scan stops after the
  last row to change: appending to a sheet of 1,000,000 formatted empty rows costs no more than
  the rows before the append point;
- text is always an inline string (`t="inlineStr"`), never a formula, whatever it starts with;
  dates and times are serial numbers with a date (time) style already in styles.xml when there
  is one (the cell's own, else the first such style), else one appended to `cellXfs`;
- a cell holding a formula is never replaced, and rows without an `r` attribute are refused:
  both end in `PatchError` and nothing is written.

A sheet that does not exist is created (workbook.xml, its relationships and [Content_Types].xml
each get one element inserted). openpyxl is never used here.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

from pipeline.errors import InputError
from pipeline.workbook.xlsxsheet import (
    MAIN,
    CellEdit,
    PatchError,
    Styles,
    Value,
    column_index,
    column_letter,
    patch_sheet,
    serial,
)
from pipeline.workbook.xlsxsize import read_part

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_TYPE = REL + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
OFFICE_DOCUMENT = REL + "/officeDocument"


# --- the package ----------------------------------------------------------------------


@dataclass
class _Book:
    part: str  # xl/workbook.xml
    sheets: dict[str, str]  # sheet name -> part name
    date1904: bool


def _part_of(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_name(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _book(zin: zipfile.ZipFile) -> _Book:
    root_rels = ET.fromstring(zin.read("_rels/.rels"))
    part = next((_part_of("", r.get("Target", "")) for r in root_rels if r.get("Type") == OFFICE_DOCUMENT),
                "xl/workbook.xml")
    wb = ET.fromstring(zin.read(part))
    targets = {r.get("Id"): _part_of(part, r.get("Target", "")) for r in ET.fromstring(zin.read(_rels_name(part)))}
    sheets = {}
    for s in wb.iter(f"{{{MAIN}}}sheet"):
        rid = s.get(f"{{{REL}}}id")
        if rid in targets:
            sheets[s.get("name", "")] = targets[rid]
    pr = wb.find(f"{{{MAIN}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    return _Book(part, sheets, date1904)


def _styles_part(zin: zipfile.ZipFile, book: _Book) -> str:
    rels = ET.fromstring(zin.read(_rels_name(book.part)))
    return next((_part_of(book.part, r.get("Target", "")) for r in rels if r.get("Type", "").endswith("/styles")), "")


def sheet_parts(source: IO[bytes] | str) -> dict[str, str]:
    """Each sheet's name and the zip member that holds it."""
    with zipfile.ZipFile(source) as zin:
        return dict(_book(zin).sheets)


def patch(source: IO[bytes], out: IO[bytes], edits: Iterable[CellEdit]) -> None:
    """Write into `out` the package read from `source` with `edits` applied (see the module docstring)."""
    with zipfile.ZipFile(source) as zin:
        names = zin.namelist()
        if len(names) != len(set(names)):
            raise PatchError("le classeur contient deux fois la même partie : ouvrez-le dans Excel ou LibreOffice "
                             "et enregistrez-le à nouveau au format .xlsx.")
        book = _book(zin)
        by_sheet: dict[str, dict[tuple[int, int], Value]] = {}
        for e in edits:
            if e.row < 1 or not 1 <= e.column <= 16384:
                raise ValueError(f"cellule hors de la feuille : ligne {e.row}, colonne {e.column}")
            by_sheet.setdefault(e.sheet, {})[(e.row, e.column)] = e.value
        replaced: dict[str, bytes] = {}
        added: list[tuple[str, bytes]] = []
        for name in by_sheet:
            if name not in book.sheets:
                part = _new_sheet(zin, book, name, replaced)
                added.append((part, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                    b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData/></worksheet>'))
        styles = Styles(zin, _styles_part(zin, book), replaced)
        patched: dict[str, list[bytes | memoryview]] = {}
        for name, cells in by_sheet.items():
            part = book.sheets[name]
            data = dict(added).get(part) or _read_member(zin, part)
            patched[part] = patch_sheet(data, name, cells, styles, book.date1904)
        styles.finish()
        with zipfile.ZipFile(out, "w", allowZip64=True) as zout:
            for info in zin.infolist():
                clone = copy.copy(info)
                if info.filename in patched:
                    _write_pieces(zout, clone, patched[info.filename])
                else:
                    zout.writestr(clone, replaced.get(info.filename) or zin.read(info.filename))
            for part, _ in added:
                new = zipfile.ZipInfo(part, (2024, 1, 1, 0, 0, 0))
                new.compress_type = zipfile.ZIP_DEFLATED
                _write_pieces(zout, new, patched[part])


def _write_pieces(zout: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: list[bytes | memoryview]) -> None:
    # Zip64 headers only when needed: some readers of .xlsx dislike them on small parts.
    size = sum(len(p) for p in pieces)
    with zout.open(info, "w", force_zip64=size > 0xFFFF0000) as fh:
        for piece in pieces:
            fh.write(piece)


def _read_member(zin: zipfile.ZipFile, part: str) -> bytearray:
    try:
        return read_part(zin, zin.getinfo(part))
    except InputError as exc:
        raise PatchError(str(exc)) from exc


def _insert_before(data: bytes, closing: bytes, element: bytes, where: str) -> bytes:
    at = data.rfind(closing)
    if at < 0:
        raise PatchError(f"{where} : structure inattendue, la feuille ne peut pas être ajoutée.")
    return data[:at] + element + data[at:]


def _new_sheet(zin: zipfile.ZipFile, book: _Book, name: str, replaced: dict[str, bytes]) -> str:
    """Declare a new, empty sheet `name`; its part name (content written by the caller)."""
    existing = set(zin.namelist())
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in existing or f"xl/worksheets/sheet{n}.xml" in book.sheets.values():
        n += 1
    part = f"xl/worksheets/sheet{n}.xml"
    rels_part = _rels_name(book.part)
    rels = replaced.get(rels_part) or zin.read(rels_part)
    ids = {r.get("Id") for r in ET.fromstring(rels)}
    k = len(ids) + 1
    while f"rId{k}" in ids:
        k += 1
    rid = f"rId{k}"
    target = posixpath.relpath(part, posixpath.dirname(book.part))
    replaced[rels_part] = _insert_before(rels, b"</Relationships>", (
        f'<Relationship Id="{rid}" Type="{WORKSHEET_TYPE}" Target="{target}"/>').encode(), rels_part)
    wb = replaced.get(book.part) or zin.read(book.part)
    ids_taken = [int(x) for x in re.findall(rb'sheetId="(\d+)"', wb)]
    closing = re.search(rb"</(\w+:)?sheets>", wb)
    if closing is None:
        raise PatchError(f"{book.part} : pas de liste de feuilles, la feuille « {name} » ne peut pas être ajoutée.")
    prefix = closing.group(1) or b""
    element = (b"<" + prefix + b"sheet xmlns:r=\"" + REL.encode() + b"\" name=" + quoteattr(name).encode("utf-8")
               + f' sheetId="{max(ids_taken, default=0) + 1}" r:id="{rid}"/>'.encode())
    replaced[book.part] = wb[:closing.start()] + element + wb[closing.start():]
    types = replaced.get("[Content_Types].xml") or zin.read("[Content_Types].xml")
    replaced["[Content_Types].xml"] = _insert_before(types, b"</Types>", (
        f'<Override PartName="/{part}" ContentType="{WORKSHEET_CT}"/>').encode(), "[Content_Types].xml")
    book.sheets[name] = part
    return part


__all__ = ["MAIN", "CellEdit", "PatchError", "Value", "column_index", "column_letter", "patch", "serial", "sheet_parts"]
