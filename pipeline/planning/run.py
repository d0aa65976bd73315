"""`copar planning`: read and check the workbook, plan, then write the slots into it (unless simulating).

The workbook is written through `pipeline.workbook.writer.update_workbook` (dated backup
`promotion.avant-planning-….xlsx`, atomic save, refused while Excel or LibreOffice has it open).
Only empty cells are filled: a date, an hour or a Participants text already typed is never replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ValidationFailed
from pipeline.planning.jurys import Pending, plan_juries
from pipeline.planning.plan import Placement, Plan
from pipeline.planning.tripartites import Options, plan_tripartites
from pipeline.workbook import parse
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import RawSheet, RawWorkbook, load
from pipeline.workbook.report import Problem
from pipeline.workbook.schema import DATE, LONGTEXT, SOUTENANCES, TIME, TRIPARTITES, Sheet, normalize
from pipeline.workbook.validate import validate
from pipeline.workbook.writer import Saved, update_workbook

BACKUP_LABEL = "avant-planning"
_FORMATS = {DATE: "DD/MM/YYYY", TIME: "HH:MM"}


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    source: Path
    saved: Saved[int] | None  # None for a simulation or when nothing was placed


def tripartites(path: Path, options: Options, *, simulate: bool, when: dt.datetime | None = None) -> Outcome:
    raw, ds = _checked(path)
    plan = plan_tripartites(ds, options)

    def cells(p: Placement) -> dict[str, Any]:
        return {"numero": p.numero, "date": p.day, "heure": p.start, "participants": p.participants or None}

    return _finish(raw, TRIPARTITES, plan, cells, simulate, when)


def juries(path: Path, start: int, duration: int, *, simulate: bool, when: dt.datetime | None = None) -> Outcome:
    raw, ds = _checked(path, tolerate=missing_hour)
    plan = plan_juries(ds, _pending(raw.sheets.get("soutenances"), ds), start, duration)

    def cells(p: Placement) -> dict[str, Any]:
        return {"heure": p.start}

    return _finish(raw, SOUTENANCES, plan, cells, simulate, when)


def missing_hour(problem: Problem) -> bool:
    """An empty Heure in Soutenances: what `planning jurys` is there to fill."""
    return (problem.code == "required" and normalize(problem.sheet) in SOUTENANCES.names()
            and normalize(problem.column) in SOUTENANCES.column("heure").names())


def _checked(path: Path, tolerate: Any = None) -> tuple[RawWorkbook, Dataset]:
    raw = load(path)
    ds, report = validate(raw, tolerate=tolerate)
    if ds is None:
        raise ValidationFailed(report)
    return raw, ds


def _pending(sheet: RawSheet | None, ds: Dataset) -> list[Pending]:
    """Rows of Soutenances with a known student and a jury but no hour."""
    if sheet is None:
        return []
    numeros = {s.numero for s in ds.students}
    found = []
    for row in sheet.rows:
        numero, jury = row.value("numero"), row.value("jury")
        if row.value("heure") is None and numero is not None and jury is not None:
            numero = parse.identifier(numero)
            if numero in numeros:
                found.append(Pending(row.number, numero, parse.text(jury)))
    return found


def _finish(raw: RawWorkbook, spec: Sheet, plan: Plan, cells: Any, simulate: bool,
            when: dt.datetime | None) -> Outcome:
    if simulate or not plan.placed:
        return Outcome(plan, raw.source, None)
    sheet = raw.sheets.get(spec.key)

    def edit(workbook: Any) -> int:
        return _write(workbook, spec, sheet, [(p, cells(p)) for p in plan.placed])

    return Outcome(plan, raw.source, update_workbook(raw.source, edit, label=BACKUP_LABEL, when=when))


def _write(workbook: Any, spec: Sheet, sheet: RawSheet | None, items: list[tuple[Placement, dict[str, Any]]]) -> int:
    """Fill the placements' empty cells (new rows at the end); the number of cells written."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import column_index_from_string, get_column_letter

    if sheet is None:
        ws = workbook.create_sheet(spec.name)
        header_row, letters, last = 1, {}, 1
    else:
        ws = workbook[sheet.name]
        header_row = sheet.header_row
        letters = {key: letter for key, (_, letter) in sheet.columns.items()}
        last = max((r.number for r in sheet.rows), default=header_row)
    used = [column_index_from_string(x) for x in letters.values()] + \
        ([column_index_from_string(x) for _, x in sheet.extra_columns] if sheet else [])
    written = 0
    for placement, values in items:
        row = placement.row
        if row is None:
            last += 1
            row = last
        for key, value in values.items():
            if value is None:
                continue
            if key not in letters:  # an optional column the staff removed: put it back at the end
                letters[key] = get_column_letter(max(used, default=0) + 1)
                used.append(column_index_from_string(letters[key]))
                ws[f"{letters[key]}{header_row}"] = spec.column(key).header
            cell = ws[f"{letters[key]}{row}"]
            if cell.value not in (None, ""):
                continue
            cell.value = value
            column = spec.column(key)
            if column.kind in _FORMATS:
                cell.number_format = _FORMATS[column.kind]
            if column.kind == LONGTEXT:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            written += 1
    return written
