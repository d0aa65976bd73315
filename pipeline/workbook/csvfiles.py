"""Read a folder of CSV files, one per sheet, as the same tables an .xlsx gives.

The text is decoded whatever program exported it (UTF-8 with or without BOM, UTF-16,
Windows cp1252) and split on whichever delimiter the header line uses.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

from pipeline.errors import InputError
from pipeline.workbook.table import Table


def read_csv_folder(folder: Path) -> Iterable[tuple[str, Table]]:
    for path in sorted(folder.glob("*.csv")):
        yield path.stem, read_csv(path)


def decode(data: bytes) -> str:
    """Text of a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """`;`, `,` or tab, whichever splits the header line (outside quotes) the most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, count = ";", -1
    for delim in (";", ",", "\t"):
        n = len(next(csv.reader([first], delimiter=delim), [])) - 1
        if n > count:
            best, count = delim, n
    return best


def read_csv(path: Path) -> Table:
    try:
        text = decode(path.read_bytes()).replace("\x00", "")
    except OSError as exc:
        raise InputError(f"Impossible de lire {path.name} : {exc.strerror}.") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    return [(i, list(record)) for i, record in enumerate(reader, start=1)]
