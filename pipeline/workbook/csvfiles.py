"""Read a folder of CSV files, one per sheet, as the same tables an .xlsx gives.

The text is decoded whatever program exported it (UTF-8 with or without BOM, UTF-16,
Windows cp1252) and split on whichever delimiter the header line uses.

Decisions:

- A file that is UTF-8 except for a few stray bytes (a value pasted from an old
  program) is read as UTF-8, each stray byte as Windows-1252, and the first stray byte
  is reported with its line and column: decoding the whole file as cp1252 would turn
  every accented header into « Ã© » and report columns as missing.
- A file with no valid UTF-8 sequence beyond ASCII is Windows-1252, silently.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError
from pipeline.workbook.table import Table

UTF8_BOM = b"\xef\xbb\xbf"
_FALLBACK = "copar-cp1252-fallback"


@dataclass(frozen=True)
class StrayByte:
    """The first byte of a UTF-8 file that is not UTF-8, where it is and how it was read."""

    line: int
    column: int
    byte: int
    read_as: str
    count: int  # stray bytes in the whole file

    def message(self, file: str) -> str:
        others = f" (et {self.count - 1} autre{'s' if self.count > 2 else ''} plus loin)" if self.count > 1 else ""
        return (f"{file} est lu comme UTF-8, mais l'octet 0x{self.byte:02X} ligne {self.line}, colonne {self.column} "
                f"n'est pas de l'UTF-8{others} : il a été lu en Windows-1252, comme « {self.read_as} ». "
                "Vérifiez la valeur, puis enregistrez le fichier en « CSV UTF-8 ».")


def read_csv_folder(folder: Path) -> Iterable[tuple[str, Table, StrayByte | None]]:
    for path in sorted(folder.glob("*.csv")):
        table, stray = _read(path)
        yield path.stem, table, stray


def decode(data: bytes) -> str:
    """Text of a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252."""
    return decode_bytes(data)[0]


def decode_bytes(data: bytes) -> tuple[str, StrayByte | None]:
    """The text, and the first stray byte of a UTF-8 file that holds some (None when there are none)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first = exc.start
    codecs.register_error(_FALLBACK, _as_cp1252)
    text = body.decode("utf-8", errors=_FALLBACK)
    stray = _stray(body, first)
    utf8_chars = sum(1 for ch in body.decode("utf-8", errors="ignore") if ord(ch) > 127)
    if not data.startswith(UTF8_BOM) and utf8_chars < stray.count:
        return data.decode("cp1252", errors="replace"), None  # a Windows-1252 file
    return text, stray


def _as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


def _stray(body: bytes, first: int) -> StrayByte:
    start_of_line = body.rfind(b"\n", 0, first) + 1
    column = len(body[start_of_line:first].decode("utf-8", errors="replace")) + 1
    count = len(body) - len(body.decode("utf-8", errors="ignore").encode("utf-8"))
    return StrayByte(body.count(b"\n", 0, first) + 1, column, body[first],
                     body[first:first + 1].decode("cp1252", errors="replace"), count)


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
    return _read(path)[0]


def _read(path: Path) -> tuple[Table, StrayByte | None]:
    try:
        text, stray = decode_bytes(path.read_bytes())
    except OSError as exc:
        raise InputError(f"Impossible de lire {path.name} : {exc.strerror}.") from exc
    text = text.replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    return [(i, list(record)) for i, record in enumerate(reader, start=1)], stray
