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
import datetime as dt
import math
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from pipeline.errors import InputError
from pipeline.workbook.xlsxsize import read_part

Value = str | int | float | bool | dt.date | dt.datetime | dt.time

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = REL + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
OFFICE_DOCUMENT = REL + "/officeDocument"

DATE_FORMATS = {14, 15, 16, 17, 22}  # built-in number formats that show a date (22: date and time)
TIME_FORMATS = {18, 19, 20, 21, 45, 46, 47}
_NEW_FORMAT = {"date": 14, "time": 20}  # added when the workbook has no such style: d/m/yyyy, h:mm
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class PatchError(Exception):
    """Raised when the package cannot be patched safely; the message is French and names the cell."""


@dataclass(frozen=True)
class CellEdit:
    sheet: str  # the sheet's name as in the workbook
    row: int  # 1-based
    column: int  # 1-based
    value: Value


def column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


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
        styles = _Styles(zin, replaced)
        patched: dict[str, list[bytes | memoryview]] = {}
        for name, cells in by_sheet.items():
            part = book.sheets[name]
            data = dict(added).get(part) or _read_member(zin, part)
            patched[part] = _patch_sheet(data, name, cells, styles, book.date1904)
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


# --- styles -------------------------------------------------------------------------


class _Styles:
    """The cellXfs of styles.xml, to know which style shows a date or a time, and to add one if none does."""

    def __init__(self, zin: zipfile.ZipFile, replaced: dict[str, bytes]) -> None:
        book = _book(zin)
        rels = ET.fromstring(zin.read(_rels_name(book.part)))
        self.part = next((_part_of(book.part, r.get("Target", "")) for r in rels
                          if r.get("Type", "").endswith("/styles")), "")
        self.zin, self.replaced = zin, replaced
        self.xfs: list[dict[str, str]] = []
        self.codes: dict[int, str] = {}
        self.new: list[bytes] = []
        if self.part and self.part in zin.namelist():
            root = ET.fromstring(zin.read(self.part))
            for f in root.iter(f"{{{MAIN}}}numFmt"):
                self.codes[int(f.get("numFmtId", "-1"))] = f.get("formatCode", "")
            xfs = root.find(f"{{{MAIN}}}cellXfs")
            self.xfs = [dict(x.attrib) for x in (xfs if xfs is not None else [])]

    def kind(self, s: int) -> str:
        if not 0 <= s < len(self.xfs):
            return ""
        fmt = int(self.xfs[s].get("numFmtId", "0"))
        if fmt in DATE_FORMATS:
            return "date"
        if fmt in TIME_FORMATS:
            return "time"
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", self.codes.get(fmt, "")).lower()
        if "y" in code or "d" in code:
            return "date"
        if "h" in code or "s" in code:
            return "time"
        return ""

    def for_kind(self, kind: str, current: int) -> int:
        """`current` if it shows `kind`, else the first style that does, else a new one like `current`."""
        if self.kind(current) == kind:
            return current
        found = next((i for i in range(len(self.xfs)) if self.kind(i) == kind), None)
        if found is not None:
            return found
        if not self.part:
            raise PatchError("le classeur n'a pas de feuille de styles : ouvrez-le dans Excel ou LibreOffice et "
                             "enregistrez-le à nouveau au format .xlsx.")
        base = self.xfs[current] if 0 <= current < len(self.xfs) else {}
        attrs = {k: base.get(k, "0") for k in ("fontId", "fillId", "borderId")}
        xf = {"numFmtId": str(_NEW_FORMAT[kind]), **attrs, "xfId": base.get("xfId", "0"), "applyNumberFormat": "1"}
        self.xfs.append(xf)
        self.new.append(("<xf " + " ".join(f'{k}="{v}"' for k, v in xf.items()) + "/>").encode())
        return len(self.xfs) - 1

    def finish(self) -> None:
        if not self.new:
            return
        data = self.replaced.get(self.part) or self.zin.read(self.part)
        m = re.search(rb"<(\w+:)?cellXfs\b([^>]*)>", data)
        end = re.search(rb"</(\w+:)?cellXfs>", data)
        if m is None or end is None or (m.group(1) or b""):
            raise PatchError(f"{self.part} : styles inattendus, copar ne peut pas y ajouter un format de date.")
        attrs = re.sub(rb'\bcount="\d+"', f'count="{len(self.xfs)}"'.encode(), m.group(2))
        self.replaced[self.part] = (data[:m.start()] + b"<cellXfs" + attrs + b">" + data[m.end():end.start()]
                                    + b"".join(self.new) + data[end.start():])


# --- one sheet ------------------------------------------------------------------------


_R = re.compile(rb'\sr="([0-9]+)"')
_CELL_R = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_S = re.compile(rb'\ss="([0-9]+)"')
_CUSTOM_FORMAT = re.compile(rb'\scustomFormat="(1|true)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')


def _patch_sheet(data: bytes | bytearray, name: str, cells: dict[tuple[int, int], Value], styles: _Styles,
                 date1904: bool) -> list[bytes | memoryview]:
    """The sheet part as pieces to write one after the other: slices of `data` and the new rows."""
    start = re.search(rb"<(?:(\w+):)?sheetData\b[^>]*?(/?)>", data)
    if start is None:
        raise PatchError(f"feuille « {name} » : pas de données (sheetData) ; ouvrez le classeur dans Excel ou "
                         "LibreOffice et enregistrez-le à nouveau.")
    p = (start.group(1) + b":") if start.group(1) else b""
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    head_end = start.start()
    pieces.extend(_dimension(view[:head_end], cells))
    col_styles = _column_styles(data[:head_end])
    rows: dict[int, dict[int, Value]] = {}
    for (r, c), value in cells.items():
        rows.setdefault(r, {})[c] = value
    pending = sorted(rows)
    ctx = _Context(name, p, styles, date1904, col_styles)
    if start.group(2):  # <sheetData/>: no rows yet
        pieces.append(b"<" + p + b"sheetData>")
        pieces.extend(ctx.new_row(r, rows[r]) for r in pending)
        pieces.append(b"</" + p + b"sheetData>")
        pieces.append(view[start.end():])
        return pieces
    pieces.append(view[head_end:start.end()])
    end = data.find(b"</" + p + b"sheetData>", start.end())
    if end < 0:
        raise PatchError(f"feuille « {name} » incomplète (sheetData non fermé) : le classeur est endommagé.")
    row_re = re.compile(rb"<" + re.escape(p) + rb"row\b([^>]*?)(/?)>")
    close_row = b"</" + p + b"row>"
    pos = start.end()
    for m in row_re.finditer(data, start.end(), end):
        if not pending:
            break
        number = _R.search(m.group(1))
        if number is None:
            raise PatchError(f"feuille « {name} » : des lignes sans numéro (attribut r) ; ouvrez le classeur dans Excel "
                             "ou LibreOffice et enregistrez-le à nouveau, puis relancez la commande.")
        r = int(number.group(1))
        while pending and pending[0] < r:  # a row that does not exist yet goes before this one
            pieces.append(view[pos:m.start()])
            pos = m.start()
            pieces.append(ctx.new_row(pending[0], rows[pending.pop(0)]))
        if not pending or pending[0] != r:
            continue
        pending.pop(0)
        if m.group(2):
            row_end, inner = m.end(), b""
        else:
            close = data.find(close_row, m.end(), end)
            if close < 0:
                raise PatchError(f"feuille « {name} », ligne {r} non fermée : le classeur est endommagé.")
            row_end, inner = close + len(close_row), bytes(data[m.end():close])
        pieces.append(view[pos:m.start()])
        pieces.append(ctx.patched_row(r, m.group(1), inner, rows[r]))
        pos = row_end
    pieces.append(view[pos:end])
    pieces.extend(ctx.new_row(r, rows[r]) for r in pending)
    pieces.append(view[end:])
    return pieces


def _dimension(head: memoryview, cells: dict[tuple[int, int], Value]) -> Iterator[bytes | memoryview]:
    data = bytes(head)
    m = re.search(rb'(<(?:\w+:)?dimension\b[^>]*?\sref=")([A-Z]*)([0-9]*)(?::([A-Z]*)([0-9]*))?"', data)
    if m is None or not cells:
        yield head
        return
    c0 = column_index(m.group(2).decode()) if m.group(2) else 1
    r0 = int(m.group(3)) if m.group(3) else 1
    c1 = column_index(m.group(4).decode()) if m.group(4) else c0
    r1 = int(m.group(5)) if m.group(5) else r0
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    empty = m.group(2) == b"A" and r0 == 1 and m.group(4) is None  # "A1" also means "nothing yet"
    if empty:
        c0, r0, c1, r1 = min(cols), min(rows), max(cols), max(rows)
    else:
        c0, r0, c1, r1 = min(c0, *cols), min(r0, *rows), max(c1, *cols), max(r1, *rows)
    ref = f"{column_letter(c0)}{r0}" + ("" if (c0, r0) == (c1, r1) else f":{column_letter(c1)}{r1}")
    yield head[:m.start()]
    yield m.group(1) + ref.encode() + b'"'
    yield head[m.end():]


def _column_styles(head: bytes | bytearray) -> list[tuple[int, int, int]]:
    found = []
    for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*)/?>", head):
        attrs = dict((k.decode(), v.decode()) for k, v in re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        if "style" in attrs and "min" in attrs and "max" in attrs:
            found.append((int(attrs["min"]), int(attrs["max"]), int(attrs["style"])))
    return found


@dataclass
class _Context:
    sheet: str
    p: bytes
    styles: _Styles
    date1904: bool
    col_styles: list[tuple[int, int, int]]

    def new_row(self, r: int, values: dict[int, Value]) -> bytes:
        cells = b"".join(self.cell(r, c, values[c], self.column_style(c)) for c in sorted(values))
        return b"<" + self.p + f'row r="{r}">'.encode() + cells + b"</" + self.p + b"row>"

    def column_style(self, c: int) -> int:
        return next((s for lo, hi, s in self.col_styles if lo <= c <= hi), 0)

    def patched_row(self, r: int, attrs: bytes, inner: bytes, values: dict[int, Value]) -> bytes:
        row_style = _S.search(attrs) if _CUSTOM_FORMAT.search(attrs) else None
        cell_re = re.compile(rb"<" + re.escape(self.p) + rb"c\b([^>]*?)(/?)>")
        close = b"</" + self.p + b"c>"
        out: list[bytes] = []
        todo = sorted(values)
        pos = 0
        for m in cell_re.finditer(inner):
            ref = _CELL_R.search(m.group(1))
            if ref is None:
                raise PatchError(f"feuille « {self.sheet} », ligne {r} : des cellules sans référence (attribut r) ; "
                                 "ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le à nouveau.")
            c = column_index(ref.group(1).decode())
            cell_end = m.end() if m.group(2) else inner.index(close, m.end()) + len(close)
            while todo and todo[0] < c:
                out.append(inner[pos:m.start()])
                pos = m.start()
                col = todo.pop(0)
                out.append(self.cell(r, col, values[col], int(row_style.group(1)) if row_style else
                                     self.column_style(col)))
            if todo and todo[0] == c:
                todo.pop(0)
                if re.search(rb"<" + re.escape(self.p) + rb"f\b", inner[m.end():cell_end]):
                    raise PatchError(f"feuille « {self.sheet} », cellule {column_letter(c)}{r} : elle contient une "
                                     "formule, que copar ne remplace pas ; videz-la puis relancez la commande.")
                s = _S.search(m.group(1))
                out.append(inner[pos:m.start()])
                out.append(self.cell(r, c, values[c], int(s.group(1)) if s else 0))
                pos = cell_end
        out.append(inner[pos:])
        for col in todo:
            out.append(self.cell(r, col, values[col], int(row_style.group(1)) if row_style else self.column_style(col)))
        attrs = _SPANS.sub(b"", attrs)  # an optional hint that new cells could contradict
        return b"<" + self.p + b"row" + attrs + b">" + b"".join(out) + b"</" + self.p + b"row>"

    def cell(self, r: int, c: int, value: Value, style: int) -> bytes:
        ref = f"{column_letter(c)}{r}"
        p = self.p.decode()
        if isinstance(value, str):
            text = _ILLEGAL_XML.sub("", value)
            text = escape(text).replace("\r", "&#13;")
            s = f' s="{style}"' if style else ""
            return f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{text}</{p}t></{p}is></{p}c>'.encode()
        if isinstance(value, bool):
            s = f' s="{style}"' if style else ""
            return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode()
        kind = ""
        if isinstance(value, (dt.date, dt.time)):
            kind = "time" if isinstance(value, dt.time) else "date"
            number: float = serial(value, self.date1904)
            style = self.styles.for_kind(kind, style)
        elif isinstance(value, (int, float)):
            number = value
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"nombre impossible à écrire : {value}")
        else:
            raise TypeError(f"valeur de type {type(value).__name__} : ni texte, ni nombre, ni date")
        s = f' s="{style}"' if style else ""
        text = repr(number) if isinstance(number, float) and not number.is_integer() else str(int(number))
        return f'<{p}c r="{ref}"{s}><{p}v>{text}</{p}v></{p}c>'.encode()


def serial(value: dt.date | dt.time, date1904: bool = False) -> float:
    """Excel's serial number of a date, a date and time or a time of day."""
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    delta = moment.replace(tzinfo=None) - epoch
    return delta.days + delta.seconds / 86400 + delta.microseconds / 8.64e10
