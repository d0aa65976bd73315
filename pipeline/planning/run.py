"""`copar planning`: read and check the workbook, plan, then write the slots into it (unless simulating).

The workbook is held through `pipeline.workbook.writer.Writing` from its reading to its
replacement (exclusive lock, hash compared before the replacement, dated backup in sauvegardes/,
cells patched in place, atomic save, refused while Excel or LibreOffice has it open).
Only empty cells are filled: a date, an hour or a Participants text already typed is never replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.planning.jurys import Pending, plan_juries
from pipeline.planning.plan import Placement, Plan, table_lines
from pipeline.planning.tripartites import TripartiteOptions, plan_tripartites
from pipeline.workbook import parse
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import RawSheet, RawWorkbook, load, resolve_input
from pipeline.workbook.schema import SOUTENANCES, TRIPARTITES, Sheet
from pipeline.workbook.validate import checked, missing_hour
from pipeline.workbook.writer import Saved, Writing
from pipeline.workbook.xlsxpatch import CellEdit, column_index

BACKUP_LABEL = "avant-planning"


@dataclass(frozen=True)
class PlanningOutcome:
    plan: Plan
    source: Path
    saved: Saved | None  # None for a simulation or when nothing was placed


def tripartites(path: Path, options: TripartiteOptions, *, simulate: bool, when: dt.datetime | None = None) -> PlanningOutcome:
    with Writing(resolve_input(path), active=not simulate) as hold:
        raw, ds = _checked(hold.path)
        plan = plan_tripartites(ds, options)

        def cells(p: Placement) -> dict[str, Any]:
            return {"numero": p.numero, "date": p.day, "heure": p.start, "participants": p.participants or None}

        return _finish(hold, raw, TRIPARTITES, plan, cells, simulate, when)


def juries(path: Path, start: int, duration: int, *, simulate: bool, when: dt.datetime | None = None) -> PlanningOutcome:
    with Writing(resolve_input(path), active=not simulate) as hold:
        raw, ds = _checked(hold.path, tolerate=missing_hour)
        plan = plan_juries(ds, _pending(raw.sheets.get("soutenances"), ds), start, duration)

        def cells(p: Placement) -> dict[str, Any]:
            return {"heure": p.start}

        return _finish(hold, raw, SOUTENANCES, plan, cells, simulate, when)


def outcome_lines(outcome: PlanningOutcome, group_header: str, simulation: bool) -> list[str]:
    """The plan as a table, then what happened to the workbook, in French (CLI and web page)."""
    lines = table_lines(outcome.plan, group_header)
    if outcome.saved is not None:
        backup = outcome.saved.backup
        lines.append(f"Classeur mis à jour : {outcome.saved.path} (sauvegarde : {backup.parent.name}/{backup.name} ; "
                     f"pour annuler : copar sauvegardes --restaurer {backup.name})")
    elif not outcome.plan.placed and not outcome.plan.unplaced:
        lines.append("Rien à planifier : chaque étudiant·e a déjà son heure. Le classeur n'a pas été modifié.")
    else:
        lines.append("Simulation : le classeur n'a pas été modifié." if simulation else "Le classeur n'a pas été modifié.")
    return lines


def to_json(outcome: PlanningOutcome) -> dict[str, Any]:
    return {**outcome.plan.to_json(), "sauvegarde": str(outcome.saved.backup) if outcome.saved else None}


def _checked(path: Path, tolerate: Any = None) -> tuple[RawWorkbook, Dataset]:
    raw = load(path)
    return raw, checked(raw, tolerate=tolerate)[0]


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


def _finish(hold: Writing, raw: RawWorkbook, spec: Sheet, plan: Plan, cells: Any, simulate: bool,
            when: dt.datetime | None) -> PlanningOutcome:
    if simulate or not plan.placed:
        return PlanningOutcome(plan, raw.source, None)
    edits = _edits(spec, raw.sheets.get(spec.key), [(p, cells(p)) for p in plan.placed])
    if not edits:
        return PlanningOutcome(plan, raw.source, None)
    written = sum(1 for e in edits if not isinstance(e, _Header))
    saved = hold.write_cells(edits, cause=BACKUP_LABEL, when=when)
    return PlanningOutcome(plan, raw.source, Saved(saved.path, saved.backup, written))


class _Header(CellEdit):
    """A header put back (not counted as a cell written)."""


def _edits(spec: Sheet, sheet: RawSheet | None, items: list[tuple[Placement, dict[str, Any]]]) -> list[CellEdit]:
    """The placements' empty cells to fill (new rows at the end)."""
    if sheet is None:
        name, header_row, columns, last, used = spec.name, 1, {}, 1, 0
        current: dict[int, dict[str, Any]] = {}
    else:
        name, header_row = sheet.name, sheet.header_row
        columns = {key: column_index(letter) for key, (_, letter) in sheet.columns.items()}
        last = max((r.number for r in sheet.rows), default=header_row)
        used = max([*columns.values(), *(column_index(x) for _, x in sheet.extra_columns), 0])
        current = {r.number: {k: r.value(k) for k in r.cells} for r in sheet.rows}
    out: list[CellEdit] = []
    for placement, values in items:
        row = placement.row
        if row is None:
            last += 1
            row = last
        for key, value in values.items():
            if value is None:
                continue
            if key not in columns:  # an optional column the staff removed: put it back at the end
                used += 1
                columns[key] = used
                out.append(_Header(name, header_row, used, spec.column(key).header))
            if current.get(row, {}).get(key) not in (None, ""):
                continue
            out.append(CellEdit(name, row, columns[key], value))
    return out
