"""One worksheet part patched as bytes: the target `<c>`/`<row>` elements rewritten, the rest verbatim.

See `xlsxpatch` for the package around it. Rows are found with regular expressions on the
bytes and the scan stops after the last row to change; text is always an inline string; dates
and times are serial numbers with a date (time) style from styles.xml (`Styles`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

Value = str | int | float | bool | dt.date | dt.datetime | dt.time

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
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


# --- styles -------------------------------------------------------------------------


class Styles:
    """The cellXfs of styles.xml, to know which style shows a date or a time, and to add one if none does."""

    def __init__(self, zin: zipfile.ZipFile, part: str, replaced: dict[str, bytes]) -> None:
        self.part = part  # "" when the package has no styles
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


def patch_sheet(data: bytes | bytearray, name: str, cells: dict[tuple[int, int], Value], styles: Styles,
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
    styles: Styles
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
