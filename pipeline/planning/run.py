"""`copar planning`: read and check the workbook, plan, then write the slots into it (unless simulating).

The workbook is held through `pipeline.workbook.writer.Writing` from its reading to its
replacement (exclusive lock, hash compared before the replacement, dated backup in sauvegardes/,
cells patched in place, atomic save, refused while Excel or LibreOffice has it open).
Only empty cells are filled: a date, an hour or a Participants text already typed is never replaced.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import CoparError, InputError
from pipeline.planning import slots
from pipeline.planning.jurys import SESSIONS, JurySchedule, Pending, plan_juries
from pipeline.planning.plan import Placement, Plan, table_lines
from pipeline.planning.slots import PlanningOptionError, hhmm
from pipeline.planning.tripartites import TripartiteOptions, plan_tripartites
from pipeline.workbook import parse
from pipeline.workbook.config import settings_path
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import RawSheet, RawWorkbook, load, resolve_input
from pipeline.workbook.schema import SOUTENANCES, TRIPARTITES, Sheet
from pipeline.workbook.validate import checked, missing_hour
from pipeline.workbook.validate_sheets import jury_key
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


def juries(path: Path, start: int | None = None, duration: int | None = None, *, simulate: bool,
           when: dt.datetime | None = None, end: int | None = None, lunch: tuple[int, int] | None = None,
           sessions: dict[str, str] | None = None) -> PlanningOutcome:
    """Fill the empty Heure cells; the day's shape is copar.toml's [jurys] table, then the arguments given."""
    schedule = jury_schedule(path, start=start, duration=duration, end=end, lunch=lunch, sessions=sessions)
    with Writing(resolve_input(path), active=not simulate) as hold:
        raw, ds = _checked(hold.path, tolerate=missing_hour)
        plan = plan_juries(ds, _pending(raw.sheets.get("soutenances"), ds), schedule)

        def cells(p: Placement) -> dict[str, Any]:
            return {"heure": p.start}

        return _finish(hold, raw, SOUTENANCES, plan, cells, simulate, when)


JURY_KEYS = {"debut": "l'heure du premier passage, par exemple \"9h00\"",
             "fin": "l'heure où finit le dernier passage, par exemple \"18h00\"",
             "pause": "la pause déjeuner, par exemple \"12h00-13h30\"",
             "duree": "la durée d'un passage en minutes, de 5 à 480",
             "sessions": "une table jury = « matin », « apres-midi » ou « journee »"}


def jury_schedule(path: Path, *, start: int | None = None, duration: int | None = None, end: int | None = None,
                  lunch: tuple[int, int] | None = None, sessions: dict[str, str] | None = None) -> JurySchedule:
    """The [jurys] table of copar.toml beside the workbook, then the options given (None: not given)."""
    file = settings_path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"Fichier de réglages {file} illisible ({exc}) : corrigez-le.") from exc
    table = data.get("jurys", {})
    values: dict[str, Any] = {}
    for key, raw in (table.items() if isinstance(table, dict) else ()):
        if key not in JURY_KEYS:
            raise InputError(f"Réglage « {key} » inconnu dans la section [jurys] de {file} : réglages possibles : "
                             f"{', '.join(JURY_KEYS)}.")
        try:
            values[key] = _jury_value(key, raw)
        except (CoparError, ValueError, TypeError):
            raise InputError(f"Réglage « {key} » de la section [jurys] de {file} incorrect ({raw!r}) : il faut "
                             f"{JURY_KEYS[key]}.") from None
    given = {"debut": start, "duree": duration, "fin": end, "pause": lunch, "sessions": sessions}
    values.update({k: v for k, v in given.items() if v is not None})
    default = JurySchedule()
    schedule = JurySchedule(values.get("debut", default.start), values.get("duree", default.duration),
                            values.get("fin", default.end), values.get("pause", default.lunch),
                            {**values.get("sessions", {})})
    if schedule.end <= schedule.start:
        raise PlanningOptionError(f"La fin des jurys ({hhmm(schedule.end)}) doit suivre leur début "
                                  f"({hhmm(schedule.start)}) : corrigez --fin ou --debut.")
    return schedule


def _jury_value(key: str, raw: Any) -> Any:
    if key in ("debut", "fin"):
        return slots.parse_time(str(raw), key)
    if key == "pause":
        return parse_lunch(str(raw))
    if key == "duree":
        if isinstance(raw, bool) or not isinstance(raw, int) or not 5 <= raw <= 480:
            raise ValueError(key)
        return raw
    if not isinstance(raw, dict):
        raise ValueError(key)
    return {str(name): parse_session(str(value)) for name, value in raw.items()}


def parse_lunch(text: str) -> tuple[int, int]:
    """« 12h00-13h30 » → (720, 810); « aucune » or « 0 » → no break."""
    if text.strip().casefold() in ("aucune", "0", ""):
        return (0, 0)
    first, sep, last = text.partition("-")
    a, b = slots.parse_time(first, "--pause"), slots.parse_time(last, "--pause") if sep else -1
    if not a < b:
        raise PlanningOptionError(f"Pause « {text} » illisible : écrivez début-fin, par exemple 12h00-13h30, ou "
                                  "« aucune ».")
    return a, b


def parse_session(text: str) -> str:
    """« matin », « après-midi », « journée » (any case, accents or not)."""
    plain = text.strip().casefold().replace("è", "e").replace("é", "e").replace(" ", "-")
    if plain not in SESSIONS:
        raise PlanningOptionError(f"Session « {text} » inconnue : écrivez matin, après-midi ou journée.")
    return plain


def parse_sessions(items: tuple[str, ...]) -> dict[str, str]:
    """--session « Jury A=matin » (repeatable) → {"Jury A": "matin"}."""
    sessions = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise PlanningOptionError(f"--session « {item} » illisible : écrivez par exemple --session \"Jury A=matin\".")
        sessions[name.strip()] = parse_session(value)
    return sessions


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
    names = {jury_key(j.jury): j.jury for j in ds.juries}
    found = []
    for row in sheet.rows:
        numero, jury = row.value("numero"), row.value("jury")
        if row.value("heure") is None and numero is not None and jury is not None:
            numero = parse.identifier(numero)
            if numero in numeros:
                typed = parse.text(jury)
                found.append(Pending(row.number, numero, names.get(jury_key(typed), typed)))
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
