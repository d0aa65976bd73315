"""Bounding what reading an .xlsx may cost, before openpyxl sees it.

Decisions:

- Sizes: the declared uncompressed size of every part of the zip is checked first: a
  part above PART_MAX, all parts above WORKBOOK_MAX or more than MAX_PARTS parts make the
  workbook « trop volumineux » (exit code 2). Python's zipfile never inflates a part
  past its declared size, so a lying header is a damaged file, not a memory blow-up.
- Empty rows: a sheet formatted down to row 1,048,576 stores one element per empty cell
  and row; openpyxl would build an object for each (minutes, gigabytes). Before openpyxl
  reads it, the worksheet XML keeps only the rows that hold a value or a formula, without
  their empty cells: a run of empty rows is skipped with one byte search (from one value
  to the next), not read row by row, and no value anywhere in the sheet is lost.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import IO

from pipeline.errors import InputError
from pipeline.files import megabytes

PART_MAX = 256 * 2**20  # one part (a sheet, the shared strings…), uncompressed
WORKBOOK_MAX = 512 * 2**20  # all parts, uncompressed
MAX_PARTS = 10_000
CHUNK = 4 * 2**20
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml$")
# A cell without content (<c r="A5" s="1"/> or <c r="A5" s="1"></c>); the rows' container.
# Only cells with their reference (r="B5"): without it, a cell's place is its rank in the row.
_EMPTY_CELL = re.compile(rb"<(?:\w+:)?c\s(?=[^<>]*\br=)[^<>]*?(?:/>|>\s*</(?:\w+:)?c>)")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^<>]*>")


def too_large(path: Path, what: str) -> InputError:
    return InputError(f"Classeur trop volumineux : {path.name} — {what}. Supprimez les lignes et colonnes "
                      "inutiles (ou les mises en forme appliquées à des feuilles entières), puis enregistrez-le à "
                      "nouveau.")


def check_sizes(path: Path, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The parts of the workbook, or InputError « classeur trop volumineux »."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise too_large(path, f"{len(infos)} parties dans l'archive (limite : {MAX_PARTS})")
    for info in infos:
        if info.file_size > PART_MAX:
            raise too_large(path, f"la partie {info.filename} occupe {megabytes(info.file_size)} Mo une fois "
                                  f"décompressée (limite : {megabytes(PART_MAX)} Mo par partie)")
    total = sum(info.file_size for info in infos)
    if total > WORKBOOK_MAX:
        raise too_large(path, f"{megabytes(total)} Mo une fois décompressé (limite : {megabytes(WORKBOOK_MAX)} Mo)")
    return infos


def compact_copy(path: Path) -> io.BytesIO:
    """The workbook with its sizes checked and its empty cells and rows dropped, in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in check_sizes(path, archive):
            with archive.open(info) as part, copy.open(_fresh(info), "w") as target:
                if _SHEET.match(info.filename):
                    _drop_empty(read_part(archive, info), target)
                else:
                    while data := part.read(CHUNK):
                        target.write(data)
    out.seek(0)
    return out


def read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytearray:
    """A part's bytes in one buffer of its declared size (ZipFile.read holds them twice while joining)."""
    buffer = bytearray(info.file_size)
    view = memoryview(buffer)
    done = 0
    with archive.open(info) as fh:
        while done < info.file_size:
            n = fh.readinto(view[done:done + CHUNK])  # type: ignore[attr-defined]  # a ZipExtFile
            if not n:
                break
            done += n
        if done != info.file_size or fh.read(1):
            raise InputError(f"La partie {info.filename} du classeur n'a pas la taille annoncée : le classeur est "
                             "endommagé. Ouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau.")
    return buffer


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fresh = zipfile.ZipInfo(info.filename, info.date_time)
    fresh.compress_type = zipfile.ZIP_DEFLATED
    return fresh


def _drop_empty(xml: bytes | bytearray, target: IO[bytes]) -> None:
    """Write the worksheet `xml` to `target` with only the rows that hold something, without their empty cells.

    Only <sheetData> is touched. Rather than one step per row, it jumps from one value
    (`<v`), inline string (`<is`) or formula (`<f`) to the next and keeps the row around
    each: a million empty rows cost a few byte searches.
    """
    found = _SHEET_DATA.search(xml)
    if found is None or found.group(0).endswith(b"/>"):
        target.write(xml)
        return
    prefix = found.group(1) or b""
    begin = found.end()
    end = xml.find(b"</" + prefix + b"sheetData>", begin)
    end = len(xml) if end == -1 else end
    row = b"<" + prefix + b"row"
    first = xml.find(row, begin, end)
    if first != -1 and not re.match(rb"[^<>]*\br=", xml[first + len(row):first + 200]):
        target.write(xml)  # rows without their number (r="5"): a row's place is its rank, keep them all
        return
    target.write(xml[:begin])
    nexts = {marker: xml.find(marker, begin, end) for marker in (b"<" + prefix + tag for tag in (b"v", b"is", b"f"))}
    while live := [at for at in nexts.values() if at != -1]:
        at = min(live)
        start = max(xml.rfind(row, begin, at), begin)
        stop = xml.find(row, at, end)
        stop = end if stop == -1 else stop
        target.write(_EMPTY_CELL.sub(b"", xml[start:stop]))
        nexts = {marker: xml.find(marker, stop, end) if -1 < pos < stop else pos for marker, pos in nexts.items()}
    target.write(xml[end:])
