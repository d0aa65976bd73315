"""Small helpers shared by the test modules: where things are, `copar` run in-process, documents
made on the fly and PDF text as a reader sees it.

Plain functions, so that fixtures of any scope can use them; conftest.py wraps the CLI runner as
the `copar` fixture for tests.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from click.testing import CliRunner, Result
from pypdf import PdfReader

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "inputs"
DATA = Path(__file__).resolve().parent / "data"
PAGE_BREAK = "\f"  # a paragraph of make_docx that is a page break


def invoke(*args: object) -> Result:
    """`copar ARGS…` in-process; stdout and stderr are kept apart (result.stdout, result.stderr)."""
    return CliRunner().invoke(cli, [str(a) for a in args], obj={}, prog_name="copar")


def run(*args: object) -> tuple[int, str, str]:
    """`copar ARGS…` in-process: its exit code, stdout and stderr."""
    result = invoke(*args)
    return result.exit_code, result.stdout, result.stderr


def make_docx(path: Path, *paragraphs: str | list[str], heading: str | None = None) -> Path:
    """A .docx: an optional heading, then paragraphs given as text, as a list of runs (to split a
    Jinja tag the way Word does), or PAGE_BREAK."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for para in paragraphs:
        if para == PAGE_BREAK:
            document.add_page_break()
            continue
        p = document.add_paragraph()
        for text in [para] if isinstance(para, str) else para:
            p.add_run(text)
    document.save(str(path))
    return path


def make_docx_pages(path: Path, *pages: list[str], heading: str | None = None) -> Path:
    """A .docx of several pages, each a list of lines."""
    paragraphs: list[str | list[str]] = []
    for number, lines in enumerate(pages):
        paragraphs += [PAGE_BREAK] * bool(number) + list(lines)
    return make_docx(path, *paragraphs, heading=heading)


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


def alive(pid: int) -> bool:
    """Whether a process runs: a killed one nobody has reaped yet (a zombie) counts as dead.

    An orphaned LibreOffice is reparented to the machine's init, which may reap it late or never."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
