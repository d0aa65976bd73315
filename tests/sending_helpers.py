"""Helpers for the sending tests: an edited copy of the sample workbook, parsed .eml files."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import openpyxl

from tests.helpers import INPUTS


def edited_sample(folder: Path, edits: dict[str, dict[int, dict[str, Any]]]) -> Path:
    """A copy of inputs/promotion.xlsx with cells replaced: {sheet: {data row (1 = first): {header: value}}}."""
    wb = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    for sheet, rows in edits.items():
        ws = wb[sheet]
        headers = [c.value for c in ws[1]]
        for row, values in rows.items():
            for header, value in values.items():
                ws.cell(row=row + 1, column=headers.index(header) + 1, value=value)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "promotion.xlsx"
    wb.save(path)
    return path


def read_eml(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        msg = BytesParser(policy=policy.default).parse(fh)
    assert isinstance(msg, EmailMessage)
    return msg


def bodies(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def attachments(msg: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename() or "": part.get_payload(decode=True) for part in msg.iter_attachments()}


def addresses(msg: EmailMessage, header: str) -> list[tuple[str, str]]:
    value = msg[header]
    return [] if value is None else [(a.display_name, a.addr_spec) for a in value.addresses]
