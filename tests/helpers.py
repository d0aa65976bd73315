"""Small helpers shared by the integration tests."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "inputs"
DATA = Path(__file__).resolve().parent / "data"


def pdf_text(path: Path) -> str:
    """The text of a PDF as a reader sees it: ligatures undone, whitespace collapsed."""
    reader = PdfReader(path)
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip()


def pdf_lines(path: Path) -> list[str]:
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return [unicodedata.normalize("NFKC", line).strip() for line in text.splitlines() if line.strip()]


def edited_sample(folder: Path, edit: Callable[[Any], None], name: str = "promotion.xlsx") -> Path:
    """The sample promotion workbook, changed by `edit(workbook)` (openpyxl), saved in `folder`."""
    import openpyxl

    workbook = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    edit(workbook)
    path = folder / name
    workbook.save(path)
    return path


def find_row(sheet: Any, column: int, value: object) -> int:
    """The row of `sheet` whose cell in `column` (1-based) holds `value`."""
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, column).value == value)
