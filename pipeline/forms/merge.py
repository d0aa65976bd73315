"""Answers checked like the workbook, compared with it, and written into it.

A checked return becomes `Change`s, one per answer: *ajouté* (the cell was empty), *identique*,
*conflit* (the cell holds something else: the workbook keeps it, both values are reported) or
*remplacé* (the same, with --remplacer). Only ajouté and remplacé are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from pipeline.documents import formats as fmt
from pipeline.forms import spec
from pipeline.forms.read import Return
from pipeline.workbook import parse
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import RawWorkbook
from pipeline.workbook.schema import BILANS, NOTES, SOUTENANCES, TRIPARTITES, Sheet, normalize
from pipeline.workbook.validate_sheets import GRILLE_TOTAL
from pipeline.workbook.xlsxpatch import CellEdit, column_index

ADDED, SAME, CONFLICT, REPLACED = "ajouté", "identique", "conflit", "remplacé"
TO_CHECK = "à vérifier"  # an answer left out because it is not valid; the rest of the return goes in
ANSWER_MAX = 32_767  # characters in one answer: what an Excel cell holds
EMPTY_FORM = "formulaire vide : aucune réponse"


@dataclass(frozen=True)
class Change:
    sheet: Sheet
    match: tuple[tuple[str, Any], ...]  # the row: (column key, value), e.g. N° étudiant and Période
    column: str  # column key
    old: Any
    new: Any
    status: str

    @property
    def header(self) -> str:
        return self.sheet.column(self.column).header


@dataclass(frozen=True)
class Invalid:
    """An answer that could not be taken (« à vérifier »): where it goes, what was typed, why."""

    key: str
    label: str  # the form's label of the field
    value: Any  # as found in the form
    reason: str  # French

    def describe(self) -> str:
        return f"« {self.label[:60]} » : {self.reason} (valeur « {show(self.value)[:80]} »)"


def check_return(ret: Return, ds: Dataset) -> tuple[dict[str, Any], list[str], list[Invalid]]:
    """Typed answers, the French problems that make the whole return unusable, and the answers to check.

    An answer that is not valid is left out and reported; its neighbours are still taken.
    """
    i = ret.identity
    if i.type not in spec.TYPES:
        return {}, [f"type de formulaire inconnu « {i.type[:40]} »"], []
    if i.annee and i.annee != ds.promotion.annee:
        return {}, [f"formulaire de la promotion {i.annee}, pas de {ds.promotion.annee}"], []
    if not any(s.numero == i.numero for s in ds.students):
        return {}, [f"n° étudiant « {i.numero} » absent de la feuille Étudiant·es : l'identité ne correspond pas "
                    "au classeur"], []
    if i.version and i.version != spec.version(i.type, ds):
        return {}, ["formulaire d'une autre version (la grille ou copar a changé depuis son envoi) : "
                    "renvoyez un formulaire produit par « copar forms » aujourd'hui"], []
    if i.type == spec.BILAN and (i.periode is None or not 1 <= i.periode <= 6):
        return {}, ["période absente ou hors limites : une période va de 1 à 6"], []
    if i.type == spec.GRILLE and ds.defense_of(i.numero) is None:
        return {}, [f"pas de soutenance pour le n° {i.numero} dans la feuille Soutenances"], []
    typed: dict[str, Any] = {}
    invalid: list[Invalid] = []
    labels = {}
    for f in spec.fields(i.type, ds):
        labels[f.key] = f.label
        raw = ret.answers.get(f.key)
        if raw is None:
            continue
        try:
            typed[f.key] = _typed(f, raw)
        except ValueError as exc:
            invalid.append(Invalid(f.key, f.label, raw, str(exc)))
        except (TypeError, OverflowError) as exc:
            invalid.append(Invalid(f.key, f.label, raw, f"valeur illisible ({type(exc).__name__})"))
    if not typed and not invalid:
        return {}, [EMPTY_FORM], []
    if i.type == spec.GRILLE:
        sums = _sums(typed, ds, i.numero)
        if sums:  # which note is wrong cannot be told: every note waits, the rest goes in
            for key in [k for k in typed if k.startswith(spec.NOTE_PREFIX) or k in ("note_rapport", "note_soutenance")]:
                invalid.append(Invalid(key, labels[key], typed.pop(key), sums[0]))
    return typed, [], invalid


def _typed(f: spec.Field, raw: Any) -> Any:
    if isinstance(raw, str) and len(raw) > ANSWER_MAX:
        raise ValueError(f"réponse de {len(raw)} caractères, plus que les {ANSWER_MAX} qu'une cellule Excel peut "
                         "contenir : raccourcissez-la")
    if f.kind == spec.DATE:
        return parse.parse_date(raw)
    if f.kind == spec.TIME:
        return parse.parse_time(raw)
    if f.kind == spec.NUMBER:
        value = parse.parse_number(raw)
        if not 0 <= value <= (f.maximum or GRILLE_TOTAL):
            raise ValueError(f"note hors limites, de 0 à {f.maximum:g}")
        return value
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise ValueError("une date ou une valeur qui n'est pas du texte, dans un champ de texte")
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def typed_or_text(f: spec.Field, raw: Any) -> Any:
    """An answer as the workbook would hold it, or its trimmed text when it is not valid."""
    try:
        return _typed(f, raw)
    except (ValueError, TypeError, OverflowError):
        return normalize_text(raw)


def _sums(typed: dict[str, Any], ds: Dataset, numero: str) -> list[str]:
    notes = [typed.get(f"{spec.NOTE_PREFIX}{n}") for n in range(1, len(ds.criteria) + 1)]
    d = ds.defense_of(numero)
    rapport = typed.get("note_rapport", d.note_rapport if d else None)
    soutenance = typed.get("note_soutenance", d.note_soutenance if d else None)
    if rapport is not None and soutenance is not None and rapport + soutenance > GRILLE_TOTAL:
        return [f"note du rapport et note de la soutenance font {rapport + soutenance:g}, plus que {GRILLE_TOTAL:g}"]
    if None in notes or rapport is None or soutenance is None:
        return []
    total = sum(n for n in notes if n is not None)
    if abs(total - rapport - soutenance) > 1e-6:
        return [f"les notes par critère font {fmt.number_fr(total)}, mais rapport + soutenance font "
                f"{fmt.number_fr(rapport + soutenance)} : corrigez l'un ou l'autre"]
    return []


def target(i: spec.Identity, key: str, ds: Dataset) -> tuple[Sheet, str, Any]:
    """The sheet, the column header and the current value where answer `key` of `i` goes."""
    sheet, _, column, old = _target(i, key, ds)
    return sheet, sheet.column(column).header, old


def _target(i: spec.Identity, key: str, ds: Dataset) -> tuple[Sheet, tuple[tuple[str, Any], ...], str, Any]:
    """Where an answer goes, and what the workbook holds there now."""
    if i.type == spec.BILAN:
        r = ds.reviews_of(i.numero).get(i.periode or 0)
        return BILANS, (("numero", i.numero), ("periode", i.periode)), key, getattr(r, key) if r else None
    if i.type == spec.COMPTE_RENDU:
        t = ds.tripartite_of(i.numero)
        return TRIPARTITES, (("numero", i.numero),), key, getattr(t, key) if t else None
    if key.startswith(spec.NOTE_PREFIX):
        critere = ds.criteria[int(key[len(spec.NOTE_PREFIX):]) - 1].critere
        return NOTES, (("numero", i.numero), ("critere", critere)), "note", ds.notes_of(i.numero).get(critere)
    d = ds.defense_of(i.numero)
    return SOUTENANCES, (("numero", i.numero),), key, getattr(d, key) if d else None


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, float) and isinstance(old, (int, float)):
        return abs(old - new) < 1e-9
    if isinstance(new, str):
        return normalize_text(old) == new
    return bool(old == new)


def normalize_text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def cell_key(change: Change) -> str:
    """The cell a change writes, named stably (sheet, row, column): « Bilans intermédiaires|numero=…|periode=2|apports »."""
    return "|".join([change.sheet.name, *(f"{k}={show(v)}" for k, v in change.match), change.column])


def plan(i: spec.Identity, typed: dict[str, Any], ds: Dataset, replace: bool | AbstractSet[str]) -> list[Change]:
    """What each answer does to its cell. `replace`: True replaces every differing cell, a set only the cells
    named in it (by `cell_key`: the page's choice per cell), False none (a conflict)."""
    changes = []
    for key, new in typed.items():
        sheet, match, column, old = _target(i, key, ds)
        if old is None or old == "":
            status = ADDED
        elif _same(old, new):
            status = SAME
        else:
            status = CONFLICT
            if replace is True or (not isinstance(replace, bool)
                                   and cell_key(Change(sheet, match, column, old, new, status)) in replace):
                status = REPLACED
        changes.append(Change(sheet, match, column, old, new, status))
    return changes


def show(value: Any) -> str:
    """A value as people read it in the table and the conflict report."""
    if isinstance(value, dt.date):
        return fmt.short_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return fmt.number_fr(value)
    return "" if value is None else str(value)


# --- the cells to write ----------------------------------------------------------------


def edits(raw: RawWorkbook, changes: list[Change]) -> list[CellEdit]:
    """The cells that the added and replaced answers go to, in the workbook as read now.

    A row is found by its match (N° étudiant, and Période or Critère); a student without one
    gets a new row after the sheet's last row that holds anything; a column the staff removed
    comes back after the last one; a missing sheet (Notes, in older workbooks) is created.
    """
    out: list[CellEdit] = []
    layouts: dict[str, _Layout] = {}
    for c in changes:
        if c.status not in (ADDED, REPLACED):
            continue
        layout = layouts.get(c.sheet.key)
        if layout is None:
            layout = layouts[c.sheet.key] = _Layout.of(raw, c.sheet, out)
        row = layout.row(c.match, out)
        out.append(CellEdit(layout.name, row, layout.column(c.column, out), c.new))
    return out


@dataclass
class _Layout:
    """Where one sheet's columns and rows are, updated as edits add rows and columns."""

    spec: Sheet
    name: str
    header_row: int
    columns: dict[str, int]
    rows: list[tuple[int, dict[str, Any]]]
    last: int
    used: int

    @classmethod
    def of(cls, raw: RawWorkbook, spec: Sheet, out: list[CellEdit]) -> _Layout:
        sheet = raw.sheets.get(spec.key)
        if sheet is None:  # created, with every header, like `copar init` would
            columns = {col.key: n for n, col in enumerate(spec.columns, start=1)}
            out.extend(CellEdit(spec.name, 1, n, col.header) for n, col in enumerate(spec.columns, start=1))
            return cls(spec, spec.name, 1, columns, [], 1, len(columns))
        columns = {key: column_index(letter) for key, (_, letter) in sheet.columns.items()}
        used = max([*columns.values(), *(column_index(x) for _, x in sheet.extra_columns), 0])
        rows = [(r.number, {k: r.value(k) for k in r.cells}) for r in sheet.rows]
        last = max([sheet.header_row, *(n for n, _ in rows)])
        return cls(spec, sheet.name, sheet.header_row, columns, rows, last, used)

    def column(self, key: str, out: list[CellEdit]) -> int:
        if key not in self.columns:
            self.used += 1
            self.columns[key] = self.used
            out.append(CellEdit(self.name, self.header_row, self.used, self.spec.column(key).header))
        return self.columns[key]

    def row(self, match: tuple[tuple[str, Any], ...], out: list[CellEdit]) -> int:
        wanted = [(k, _key(k, v)) for k, v in match]
        for number, values in self.rows:
            if all(_key(k, values.get(k)) == v for k, v in wanted):
                return number
        self.last += 1
        values = dict(match)
        for k, v in match:
            out.append(CellEdit(self.name, self.last, self.column(k, out), v))
        self.rows.append((self.last, values))
        return self.last


def _key(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "numero":
        return parse.identifier(value)
    if key == "periode":
        try:
            return parse.parse_int(value)
        except ValueError:
            return None
    return normalize(value)


__all__ = ["ADDED", "CONFLICT", "REPLACED", "SAME", "TO_CHECK", "Change", "Invalid", "check_return", "edits", "plan",
           "show", "target", "typed_or_text"]
