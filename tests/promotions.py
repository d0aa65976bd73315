"""Small promotions cut from the sample, for tests that build many times."""

from __future__ import annotations

import functools
import io
import shutil
from pathlib import Path

import openpyxl

from .helpers import INPUTS


def small_promotion(folder: Path, keep: tuple[str, ...] = ("22004512", "22001843"), jury: str = "Jury A",
                    edit=None) -> Path:  # type: ignore[no-untyped-def]
    """The sample cut down to the students `keep` (with their rapports) and one jury; `edit(wb)` then."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "promotion.xlsx").write_bytes(_cut(keep, jury))
    if edit is not None:
        wb = openpyxl.load_workbook(folder / "promotion.xlsx")
        edit(wb)
        wb.save(folder / "promotion.xlsx")
    (folder / "rapports").mkdir(exist_ok=True)
    for numero in keep:
        rapport = INPUTS / "rapports" / f"{numero}-rapport-mission.pdf"
        if rapport.exists():
            shutil.copy(rapport, folder / "rapports")
    return folder


@functools.cache
def _cut(keep: tuple[str, ...], jury: str) -> bytes:
    wb = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    for ws in wb.worksheets:
        if ws.title == "Instructions" or ws.cell(1, 1).value != "N° étudiant":
            continue  # a sheet of the whole promotion, not one row per student
        for row in range(ws.max_row, 1, -1):
            value = ws.cell(row, 1).value
            if value is not None and str(value) not in keep:
                ws.delete_rows(row)
    ws = wb["Jurys"]
    for row in range(ws.max_row, 1, -1):
        if ws.cell(row, 1).value not in (None, jury):
            ws.delete_rows(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
