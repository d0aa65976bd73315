"""Small helpers shared by the integration tests."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

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
