"""Values put into the xlsx files copar writes (conflits.xlsx, suivi.xlsx, workbook forms): text stays text.

openpyxl turns any string starting with `=` into a live formula; Excel and LibreOffice turn a
text typed again after `=`, `+`, `-` or `@` into one. Every string copar puts in a cell of
these files is therefore a string cell, marked « quote prefix » when it starts with one of
those characters (or a tab or line break before them), so that editing the cell keeps it text.
Characters an xlsx cannot hold (controls) are dropped, and a text is cut at the 32,767
characters a cell holds, so that writing never fails on odd characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CELL_MAX = 32_767
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_value(value: Any) -> Any:
    """`value` as an xlsx cell may hold it: strings without control characters, at most CELL_MAX long."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = "".join(ch for ch in value if not 0xD800 <= ord(ch) <= 0xDFFF and ord(ch) & 0xFFFE != 0xFFFE)
    return value[:CELL_MAX]


def set_value(cell: Any, value: Any) -> Any:
    """Put `value` into the openpyxl `cell`, a string as a string cell; returns the cell."""
    cell.value = text_value(value)
    keep_text(cell)
    return cell


def keep_text(cell: Any) -> None:
    """Make the string in `cell` a string cell, quote-prefixed when it starts like a formula."""
    value = cell.value
    if not isinstance(value, str):
        return
    if cell.data_type == "f":
        cell.data_type = "s"
    if value.lstrip(" \t\r\n")[:1] in FORMULA_PREFIXES or value[:1] in FORMULA_PREFIXES:
        cell.quotePrefix = True


def append(ws: Any, values: Iterable[Any]) -> int:
    """`ws.append(values)` with every string kept as text; returns the row number."""
    cleaned = [text_value(v) for v in values]
    ws.append(cleaned)
    row = int(ws.max_row)
    for col, value in enumerate(cleaned, start=1):
        if isinstance(value, str):
            keep_text(ws.cell(row, col))
    return row
