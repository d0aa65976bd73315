"""Rows → typed records, collecting every problem of the workbook in one pass."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Callable

from pipeline.workbook import parse, validate_sheets
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import Issue, RawSheet, RawWorkbook, Row, load
from pipeline.workbook.report import ERROR, WARNING, Problem, Report
from pipeline.workbook.schema import (
    DATE,
    EMAIL,
    INT,
    MISSION_TYPE,
    MISSION_TYPES,
    NUMBER,
    PERIODE,
    PUBLIC,
    PUBLICS,
    SHEETS_BY_KEY,
    STATUT,
    STATUTS,
    TIME,
    Column,
)
from pipeline.workbook.validate_sheets import has_column

REQUIRED_SHEETS = ("promotion", "calendrier", "etudiants")

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

# List kinds: their values in clear, to name the interpretation of a doubtful value.
_LABELS: dict[str, dict[str, str]] = {STATUT: STATUTS, MISSION_TYPE: MISSION_TYPES, PUBLIC: PUBLICS}

_HOW_TO_FIX = {
    "bad-date": "Écrivez une date réelle au format JJ/MM/AAAA (par exemple 22/01/2024).",
    "bad-time": "Écrivez l'heure au format HH:MM (par exemple 14:30).",
    "bad-number": "Écrivez un nombre, sans unité (par exemple 420 ou 7,5).",
    "bad-email": "Corrigez l'adresse électronique (forme attendue : prenom.nom@domaine.fr).",
    "unknown-statut": "Choisissez dans la liste : " + ", ".join(STATUTS.values()) + " (un service civique compte comme un stage).",
    "unknown-mission-type": "Choisissez dans la liste : " + ", ".join(MISSION_TYPES.values()) + ".",
    "bad-periode": "Indiquez un numéro de période de 1 à 6.",
    "unknown-public": "Choisissez : tous, stage ou formation continue (ou laissez vide pour tous).",
}


def check(path: Path) -> tuple[Dataset | None, Report]:
    """Read and validate the workbook or CSV folder at `path`."""
    return validate(load(path))


def validate(raw: RawWorkbook, *, tolerate: Callable[[Problem], bool] | None = None) -> tuple[Dataset | None, Report]:
    """The dataset (None while an error remains) and every problem found.

    `tolerate` names errors a command can live with (`copar planning jurys` fills the Heure cells
    whose absence is an error): those are left out of the report, and their rows out of the dataset.
    """
    v = _Validator(raw)
    dataset = v.run()
    if tolerate is not None:
        v.report = Report([p for p in v.report.problems if not (p.severity == ERROR and tolerate(p))])
    return (dataset if v.report.valid else None), v.report


class _Validator:
    """The state of one validation: the report, and what later sheets check their references against.

    The per-sheet checks are in validate_sheets.py; they report through `at` and `problem`.
    """

    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw
        self.report = Report()
        self.student_numeros: set[str] = set()
        self.jury_names: set[str] = set()
        self.annee = ""  # the promotion's « Année universitaire », once read
        self.year: tuple[dt.date, dt.date] | None = None  # its first and last day

    # --- reporting ---------------------------------------------------------------

    def problem(self, severity: str, code: str, sheet: str, row: int | None, column: str, letter: str, value: Any, message: str) -> None:
        self.report.add(Problem(severity, code, sheet, row, column, value, message, letter))

    def at(self, severity: str, code: str, sheet: RawSheet, row: Row | None, key: str | None, value: Any, message: str) -> None:
        header, letter = "", ""
        if key is not None:
            header, letter = sheet.columns.get(key, (sheet.spec.column(key).header, ""))
        self.problem(severity, code, sheet.name, row.number if row else None, header, letter, value, message)

    # --- driver ------------------------------------------------------------------

    def run(self) -> Dataset | None:
        self._structure()
        sheets = self.raw.sheets
        promotion = validate_sheets.promotion(self, sheets.get("promotion"))
        calendar = validate_sheets.calendar(self, sheets.get("calendrier"))
        students = validate_sheets.students(self, sheets.get("etudiants"))
        # every N° typed in Étudiant·es, even on a row with errors: one cause, one problem
        numeros = self.student_numeros if has_column(sheets.get("etudiants"), "numero") else None
        reviews = validate_sheets.reviews(self, sheets.get("bilans"), numeros)
        tripartites = validate_sheets.tripartites(self, sheets.get("tripartites"), numeros)
        juries = validate_sheets.juries(self, sheets.get("jurys"))
        # likewise every jury named in Jurys (an absent Jurys sheet leaves every jury unknown)
        jury_names = self.jury_names if "jurys" not in sheets or has_column(sheets["jurys"], "jury") else None
        defenses = validate_sheets.defenses(self, sheets.get("soutenances"), numeros, jury_names)
        criteria = validate_sheets.criteria(self, sheets.get("grille"))
        unavailabilities = validate_sheets.unavailabilities(self, sheets.get("disponibilites"))
        notes = validate_sheets.notes(self, sheets.get("notes"), numeros, criteria, defenses)
        validate_sheets.reviews_due(self, sheets.get("bilans"), reviews, students, calendar)
        if promotion is None:
            return None
        return Dataset(promotion, calendar, students, reviews, tripartites, juries, defenses, criteria,
                       unavailabilities=unavailabilities, notes=notes)

    def _structure(self) -> None:
        for issue in self.raw.issues:
            self._issue(issue)
        for name in self.raw.unknown_sheets:
            self.problem(WARNING, "unknown-sheet", name, None, "", "", name,
                         f"Feuille « {name} » inconnue : elle est ignorée. Renommez-la si elle devait "
                         "correspondre à une feuille attendue (voir la feuille Instructions).")
        for key in SHEETS_BY_KEY:
            sheet = self.raw.sheets.get(key)
            if sheet is not None and not sheet.columns and not sheet.extra_columns and not sheet.rows:
                del self.raw.sheets[key]  # a blank sheet: the same as no sheet at all
                sheet = None
            if sheet is not None:
                self._columns(sheet)
            elif not SHEETS_BY_KEY[key].optional:
                spec = SHEETS_BY_KEY[key]
                severity = ERROR if key in REQUIRED_SHEETS else WARNING
                effect = "elle est obligatoire" if severity == ERROR else "les documents qui en dépendent seront vides"
                self.problem(severity, "missing-sheet", spec.name, None, "", "", None,
                             f"Feuille « {spec.name} » absente : {effect}. Ajoutez-la avec ses en-têtes "
                             "(« copar init » crée un classeur modèle).")

    def _issue(self, issue: Issue) -> None:
        messages = {
            "merged-cells": (ERROR, f"Cellules fusionnées ({issue.value}) : annulez la fusion "
                             "(Accueil > Fusionner et centrer) et recopiez la valeur dans chaque cellule."),
            "formula-without-value": (ERROR, "Formule sans valeur calculée : ouvrez le classeur dans Excel ou "
                                      "LibreOffice, laissez-le recalculer et enregistrez-le, ou remplacez la "
                                      "formule par sa valeur."),
            "formula-error": (ERROR, f"Cellule en erreur ({issue.value}) : la formule ne donne pas de valeur "
                              "(référence introuvable, division par zéro, date hors limites…). Corrigez la formule "
                              "ou remplacez-la par la valeur voulue."),
            "duplicate-column": (ERROR, f"Colonne en double : elle désigne la même donnée que « {issue.detail} ». "
                                 "Supprimez ou renommez l'une des deux."),
            "duplicate-sheet": (ERROR, f"Deux feuilles désignent la même donnée (« {issue.detail} » et "
                                f"« {issue.sheet} ») : supprimez ou renommez l'une des deux."),
            "value-without-header": (ERROR, "Valeur dans une colonne sans en-tête : donnez un en-tête à la "
                                     "colonne ou déplacez la valeur dans la bonne colonne."),
            "newer-workbook": (WARNING, f"Classeur {issue.sheet} plus récent que {self.raw.source.name}, qui est "
                               f"pourtant celui que copar lit : si {issue.sheet} contient vos dernières "
                               f"modifications, {issue.detail}"),
        }
        severity, message = messages[issue.code]
        self.problem(severity, issue.code, issue.sheet, issue.row, issue.column, issue.letter, issue.value, message)

    def _columns(self, sheet: RawSheet) -> None:
        for column in sheet.spec.columns:
            if column.required and column.key not in sheet.columns:
                aliases = f" (ou l'un de : {', '.join(column.aliases)})" if column.aliases else ""
                self.problem(ERROR, "missing-column", sheet.name, sheet.header_row, column.header, "", None,
                             f"Colonne obligatoire « {column.header} » absente : ajoutez-la à la ligne "
                             f"d'en-tête{aliases}.")
        for header, letter in sheet.extra_columns:
            self.problem(WARNING, "extra-column", sheet.name, sheet.header_row, header, letter, header,
                         f"Colonne « {header} » inconnue : ses valeurs sont conservées mais aucun document ne "
                         "les utilise. Vérifiez son nom si elle devait correspondre à une colonne attendue "
                         "(voir la feuille Instructions).")

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
        if column.kind == DATE and self.year is not None:
            parser = functools.partial(parse.parse_date, years=(self.year[0].year, self.year[1].year))
        try:
            value = parser(raw)
        except ValueError as exc:
            self.at(ERROR, code, sheet, row, column.key, parse.text(raw),
                    f"{_sentence(exc)} {_HOW_TO_FIX[code]}")
            return None, False
        if column.kind == DATE:
            self.within_year(sheet, row, column.key, raw, value)
        if column.kind in _LABELS and (dropped := parse.ignored_characters(raw)):
            label = _LABELS[column.kind].get(value, value)
            self.at(WARNING, "doubtful-value", sheet, row, column.key, parse.text(raw),
                    f"Valeur lue comme « {label} » en ignorant « {dropped} » : vérifiez-la et, si c'est bien "
                    f"cela, écrivez « {label} » (liste déroulante de la colonne).")
        if column.kind == PERIODE and not 1 <= value <= 6:
            self.at(ERROR, code, sheet, row, column.key, raw, f"Période {value} hors limites. {_HOW_TO_FIX[code]}")
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
                self.at(ERROR, "bad-email", sheet, row, "valeur", raw, f"{_sentence(exc)} {_HOW_TO_FIX['bad-email']}")
                return ""
        if param.kind == DATE:
            try:
                return parse.parse_date(raw)
            except ValueError as exc:
                self.at(ERROR, "bad-date", sheet, row, "valeur", parse.text(raw),
                        f"{_sentence(exc)} {_HOW_TO_FIX['bad-date']}")
                return None
        return parse.text(raw)


def _sentence(exc: ValueError) -> str:
    """A parser's reason as the start of a message: first letter up, the rest as written (JJ/MM/AAAA)."""
    reason = str(exc)
    return f"{reason[:1].upper()}{reason[1:]}."


__all__ = ["check", "validate"]
