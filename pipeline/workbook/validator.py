"""One validation's state and how a cell or a row is parsed and reported (the Validator).

Shared by the driver (validate.py) and the per-sheet checks (validate_sheets.py), which import it
instead of each other: the report, the references later sheets check against, cell parsing.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable

from pipeline.report import ERROR, WARNING, Problem, Report
from pipeline.workbook import parse
from pipeline.workbook.codes import CODES, lookup
from pipeline.workbook.reader import RawSheet, RawWorkbook, Row
from pipeline.workbook.schema import (
    CIVILITE,
    DATE,
    EMAIL,
    INT,
    MISSION_TYPE,
    MISSION_TYPES,
    NUMBER,
    PERIODE,
    PUBLIC,
    PUBLICS,
    STATUT,
    STATUTS,
    TEXT,
    TIME,
    Column,
)

_PARSERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    DATE: (parse.parse_date, "bad-date"),
    TIME: (parse.parse_time, "bad-time"),
    NUMBER: (parse.parse_number, "bad-number"),
    INT: (parse.parse_int, "bad-number"),
    EMAIL: (parse.parse_email, "bad-email"),
    STATUT: (parse.parse_statut, "unknown-statut"),
    MISSION_TYPE: (parse.parse_mission_type, "unknown-mission-type"),
    PERIODE: (parse.parse_int, "bad-periode"),
    PUBLIC: (parse.parse_public, "unknown-public"),
    CIVILITE: (parse.parse_civilite, "unknown-civilite"),
}

# List kinds: their values in clear, to name the interpretation of a doubtful value.
_LABELS: dict[str, dict[str, str]] = {STATUT: STATUTS, MISSION_TYPE: MISSION_TYPES, PUBLIC: PUBLICS}


class Validator:
    """One validation in progress: every problem goes into `report` through `at` or `problem`."""

    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw
        self.report = Report()
        self.student_numeros: set[str] = set()
        self.jury_names: set[str] = set()
        self.annee = ""  # the promotion's « Année universitaire », once read
        self.year: tuple[dt.date, dt.date] | None = None  # its first and last day

    # --- reporting ---------------------------------------------------------------

    def problem(self, severity: str, code: str, sheet: str, row: int | None, column: str, letter: str, value: Any, message: str) -> None:
        lookup(code, severity)
        self.report.add(Problem(severity, code, sheet, row, column, value, message, letter))

    def at(self, severity: str, code: str, sheet: RawSheet, row: Row | None, key: str | None, value: Any, message: str) -> None:
        header, letter = "", ""
        if key is not None:
            header, letter = sheet.columns.get(key, (sheet.spec.column(key).header, ""))
        self.problem(severity, code, sheet.name, row.number if row else None, header, letter, value, message)

    # --- cells ---------------------------------------------------------------------

    def fields(self, sheet: RawSheet, row: Row) -> tuple[dict[str, Any], bool]:
        """Typed values of one row; ok is False when a required value is missing or wrong."""
        values: dict[str, Any] = {}
        ok = True
        for column in sheet.spec.columns:
            value, good = self.cell(sheet, row, column)
            values[column.key] = value
            ok = ok and good
        return values, ok

    def cell(self, sheet: RawSheet, row: Row, column: Column) -> tuple[Any, bool]:
        raw = row.value(column.key)
        if raw is None:
            if column.key in sheet.columns and sheet.already_reported(row.number, sheet.columns[column.key][1]):
                return None, False  # merged cell or formula: reported once by the reader
            if column.required and column.key in sheet.columns:
                self.at(ERROR, "required", sheet, row, column.key, None,
                        f"Valeur obligatoire manquante : renseignez la colonne « {column.header} ».")
            return None, not column.required
        if column.kind not in _PARSERS:
            if column.key == "numero":
                return parse.identifier(raw), True
            return self.text(sheet, row, column, "", parse.text(raw)), True
        parser, code = _PARSERS[column.kind]
        if column.kind == DATE and self.year is not None:
            parser = functools.partial(parse.parse_date, years=(self.year[0].year, self.year[1].year))
        try:
            value = parser(raw)
        except ValueError as exc:
            self.at(ERROR, code, sheet, row, column.key, parse.text(raw),
                    f"{_sentence(exc)} {CODES[code].fix}")
            return None, False
        if column.kind == DATE:
            self.within_year(sheet, row, column.key, raw, value)
        if column.kind in _LABELS and (dropped := parse.ignored_characters(raw)):
            label = _LABELS[column.kind].get(value, value)
            self.at(WARNING, "doubtful-value", sheet, row, column.key, parse.text(raw),
                    f"Valeur lue comme « {label} » en ignorant « {dropped} » : vérifiez-la et, si c'est bien "
                    f"cela, écrivez « {label} » (liste déroulante de la colonne).")
        if column.kind == PERIODE and not 1 <= value <= 6:
            self.at(ERROR, code, sheet, row, column.key, raw, f"Période {value} hors limites. {CODES[code].fix}")
            return None, False
        return value, True

    def within_year(self, sheet: RawSheet, row: Row, key: str, raw: Any, day: dt.date) -> None:
        """Warn about a date outside the promotion's academic year, with the date probably meant."""
        if self.year is None or self.year[0] <= day <= self.year[1]:
            return
        start, end = self.year
        likely = parse.likely_in_year(day, start, end)
        fix = (f"vouliez-vous écrire {likely:%d/%m/%Y} ? Corrigez l'année" if likely
               else "vérifiez le jour, le mois et l'année")
        self.at(WARNING, "date-outside-year", sheet, row, key, parse.text(raw),
                f"La date {day:%d/%m/%Y} est hors de l'année universitaire {self.annee} (du {start:%d/%m/%Y} "
                f"au {end:%d/%m/%Y}) : {fix}.")

    def dates_in_order(self, sheet: RawSheet, row: Row, start: Any, end: Any) -> bool:
        if start and end and start > end:
            self.at(ERROR, "date-order", sheet, row, "fin", parse.text(row.value("fin")),
                    f"La fin ({end:%d/%m/%Y}) précède le début ({start:%d/%m/%Y}) : vérifiez les colonnes "
                    "Début et Fin (jour et mois inversés ?).")
            return False
        return True

    def known_student(self, sheet: RawSheet, row: Row, numero: str | None, numeros: set[str] | None) -> bool:
        if numero is not None and numeros is not None and numero not in numeros:
            self.at(ERROR, "unknown-student", sheet, row, "numero", numero,
                    f"Aucun·e étudiant·e n° {numero} dans la feuille Étudiant·es : corrigez le numéro ou "
                    "ajoutez l'étudiant·e.")
            return False
        return numero is not None

    def duplicate(self, sheet: RawSheet, row: Row, key: str, value: Any, first: Row, what: str) -> None:
        self.at(ERROR, f"duplicate-{key}" if key != "numero" else "duplicate-numero", sheet, row, key, value,
                f"{what} déjà présent·e à la ligne {first.number} : supprimez ou fusionnez l'une des deux lignes.")

    def parameter(self, sheet: RawSheet, row: Row, param: Column) -> Any:
        """The Valeur of one Promotion parameter: text ("" when empty or wrong), or a date (None)."""
        raw = row.value("valeur")
        if raw is None:
            return ""
        if param.kind == EMAIL:
            try:
                return parse.parse_email(raw)
            except ValueError as exc:
                self.at(ERROR, "bad-email", sheet, row, "valeur", raw, f"{_sentence(exc)} {CODES['bad-email'].fix}")
                return ""
        if param.kind == DATE:
            try:
                return parse.parse_date(raw)
            except ValueError as exc:
                self.at(ERROR, "bad-date", sheet, row, "valeur", parse.text(raw),
                        f"{_sentence(exc)} {CODES['bad-date'].fix}")
                return None
        return self.text(sheet, row, param, "valeur", parse.text(raw))

    def text(self, sheet: RawSheet, row: Row, column: Column, key: str, value: str) -> str:
        """A text value, folded to one line (with a warning) unless its column keeps line breaks."""
        if column.kind != TEXT or not parse.has_line_break(value):
            return value
        self.at(WARNING, "line-break-folded", sheet, row, key or column.key, value,
                CODES["line-break-folded"].message)
        return parse.one_line(value)


def has_column(sheet: RawSheet | None, key: str) -> bool:
    """False when the sheet or its column is missing: that is reported once, and references to it
    are then not checked (else every row of every other sheet would be reported too)."""
    return sheet is not None and key in sheet.columns


def _sentence(exc: ValueError) -> str:
    """A parser's reason as the start of a message: first letter up, the rest as written (JJ/MM/AAAA)."""
    reason = str(exc)
    return f"{reason[:1].upper()}{reason[1:]}."
