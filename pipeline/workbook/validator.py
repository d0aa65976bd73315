"""One validation's state and how a cell or a row is parsed and reported (the Validator).

Shared by the driver (validate.py) and the per-sheet checks (validate_sheets.py), which import it
instead of each other: the report, the references later sheets check against, cell parsing.
"""

from __future__ import annotations

from typing import Any, Callable

from pipeline.workbook import parse
from pipeline.workbook.codes import CODES, lookup
from pipeline.workbook.reader import RawSheet, RawWorkbook, Row
from pipeline.workbook.report import ERROR, Problem, Report
from pipeline.workbook.schema import (
    DATE,
    EMAIL,
    INT,
    MISSION_TYPE,
    NUMBER,
    PERIODE,
    PUBLIC,
    STATUT,
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
}




class Validator:
    """One validation in progress: every problem goes into `report` through `at` or `problem`."""

    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw
        self.report = Report()
        self.student_numeros: set[str] = set()
        self.jury_names: set[str] = set()

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
            return (parse.identifier(raw) if column.key == "numero" else parse.text(raw)), True
        parser, code = _PARSERS[column.kind]
        try:
            value = parser(raw)
        except ValueError as exc:
            self.at(ERROR, code, sheet, row, column.key, parse.text(raw),
                    f"{_sentence(exc)} {CODES[code].fix}")
            return None, False
        if column.kind == PERIODE and not 1 <= value <= 6:
            self.at(ERROR, code, sheet, row, column.key, raw, f"Période {value} hors limites. {CODES[code].fix}")
            return None, False
        return value, True

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

    def parameter(self, sheet: RawSheet, row: Row, param: Column) -> str:
        """The Valeur of one Promotion parameter, as text ("" when empty or wrong)."""
        raw = row.value("valeur")
        if raw is None:
            return ""
        if param.kind == EMAIL:
            try:
                return parse.parse_email(raw)
            except ValueError as exc:
                self.at(ERROR, "bad-email", sheet, row, "valeur", raw, f"{_sentence(exc)} {CODES['bad-email'].fix}")
                return ""
        return parse.text(raw)



def has_column(sheet: RawSheet | None, key: str) -> bool:
    """False when the sheet or its column is missing: that is reported once, and references to it
    are then not checked (else every row of every other sheet would be reported too)."""
    return sheet is not None and key in sheet.columns


def _sentence(exc: ValueError) -> str:
    """A parser's reason as the start of a message: first letter up, the rest as written (JJ/MM/AAAA)."""
    reason = str(exc)
    return f"{reason[:1].upper()}{reason[1:]}."
