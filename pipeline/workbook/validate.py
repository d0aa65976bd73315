"""Rows → typed records, collecting every problem of the workbook in one pass.

The driver: structural problems first (sheets, columns, what the reader found), then each sheet
in the order its references need (validate_sheets.py), all reported through one `Validator`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pipeline.errors import ValidationFailed
from pipeline.report import ERROR, WARNING, Problem, Report
from pipeline.workbook import validate_sheets
from pipeline.workbook.codes import CODES
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import Issue, RawSheet, RawWorkbook, load
from pipeline.workbook.schema import SHEETS_BY_KEY, SOUTENANCES, normalize
from pipeline.workbook.validator import Validator, has_column

REQUIRED_SHEETS = ("promotion", "calendrier", "etudiants")


def check(path: Path) -> tuple[Dataset | None, Report]:
    """Read and validate the workbook or CSV folder at `path`."""
    return validate(load(path))


def load_valid(path: Path, *, tolerate: Callable[[Problem], bool] | None = None) -> Dataset:
    """The dataset of the workbook at `path`; raises ValidationFailed (the report) while an error remains."""
    return checked(load(path), tolerate=tolerate)[0]


def checked(raw: RawWorkbook, *, tolerate: Callable[[Problem], bool] | None = None) -> tuple[Dataset, Report]:
    """The one "check the workbook or raise": the dataset and its report (warnings), or ValidationFailed."""
    dataset, report = validate(raw, tolerate=tolerate)
    if dataset is None or not report.valid:
        raise ValidationFailed(report)
    return dataset, report


def validate(raw: RawWorkbook, *, tolerate: Callable[[Problem], bool] | None = None) -> tuple[Dataset | None, Report]:
    """The dataset (None while an error remains) and every problem found.

    `tolerate` names errors a command can live with (`copar planning jurys` fills the Heure cells
    whose absence is an error): those are left out of the report, and their rows out of the dataset.
    """
    v = Validator(raw)
    dataset = _run(v)
    if tolerate is not None:
        v.report = Report([p for p in v.report.problems if not (p.severity == ERROR and tolerate(p))])
    return (dataset if v.report.valid else None), v.report


def _run(v: Validator) -> Dataset | None:
    _structure(v)
    sheets = v.raw.sheets
    promotion = validate_sheets.promotion(v, sheets.get("promotion"))
    calendar = validate_sheets.calendar(v, sheets.get("calendrier"))
    students = validate_sheets.students(v, sheets.get("etudiants"))
    # every N° typed in Étudiant·es, even on a row with errors: one cause, one problem
    numeros = v.student_numeros if has_column(sheets.get("etudiants"), "numero") else None
    reviews = validate_sheets.reviews(v, sheets.get("bilans"), numeros)
    tripartites = validate_sheets.tripartites(v, sheets.get("tripartites"), numeros)
    juries = validate_sheets.juries(v, sheets.get("jurys"))
    # likewise every jury named in Jurys (an absent Jurys sheet leaves every jury unknown)
    jury_names = v.jury_names if "jurys" not in sheets or has_column(sheets["jurys"], "jury") else None
    defenses = validate_sheets.defenses(v, sheets.get("soutenances"), numeros, jury_names)
    criteria = validate_sheets.criteria(v, sheets.get("grille"))
    unavailabilities = validate_sheets.unavailabilities(v, sheets.get("disponibilites"))
    notes = validate_sheets.notes(v, sheets.get("notes"), numeros, criteria, defenses)
    equipe = validate_sheets.team(v, sheets.get("equipe"))
    validate_sheets.reviews_due(v, sheets.get("bilans"), reviews, students, calendar)
    if promotion is None:
        return None
    return Dataset(promotion, calendar, students, reviews, tripartites, juries, defenses, criteria,
                   unavailabilities=unavailabilities, notes=notes, equipe=equipe)


def _structure(v: Validator) -> None:
    for issue in v.raw.issues:
        _issue(v, issue)
    for name in v.raw.unknown_sheets:
        v.problem(WARNING, "unknown-sheet", name, None, "", "", name,
                  f"Feuille « {name} » inconnue : elle est ignorée. Renommez-la si elle devait "
                  "correspondre à une feuille attendue (voir la feuille Instructions).")
    for key in SHEETS_BY_KEY:
        sheet = v.raw.sheets.get(key)
        if sheet is not None and not sheet.columns and not sheet.extra_columns and not sheet.rows:
            del v.raw.sheets[key]  # a blank sheet: the same as no sheet at all
            sheet = None
        if sheet is not None:
            _columns(v, sheet)
        elif not SHEETS_BY_KEY[key].optional:
            spec = SHEETS_BY_KEY[key]
            severity = ERROR if key in REQUIRED_SHEETS else WARNING
            effect = "elle est obligatoire" if severity == ERROR else "les documents qui en dépendent seront vides"
            v.problem(severity, "missing-sheet", spec.name, None, "", "", None,
                      f"Feuille « {spec.name} » absente : {effect}. Ajoutez-la avec ses en-têtes "
                      "(« copar init » crée un classeur modèle).")


def _issue(v: Validator, issue: Issue) -> None:
    code = CODES[issue.code]
    message = code.message.format(value=issue.value, detail=issue.detail, sheet=issue.sheet,
                                  source=v.raw.source.name)
    v.problem(code.severity, issue.code, issue.sheet, issue.row, issue.column, issue.letter, issue.value, message)


def _columns(v: Validator, sheet: RawSheet) -> None:
    for column in sheet.spec.columns:
        if column.required and column.key not in sheet.columns:
            aliases = f" (ou l'un de : {', '.join(column.aliases)})" if column.aliases else ""
            v.problem(ERROR, "missing-column", sheet.name, sheet.header_row, column.header, "", None,
                      f"Colonne obligatoire « {column.header} » absente : ajoutez-la à la ligne "
                      f"d'en-tête{aliases}.")
    for header, letter in sheet.extra_columns:
        v.problem(WARNING, "extra-column", sheet.name, sheet.header_row, header, letter, header,
                  f"Colonne « {header} » inconnue : ses valeurs sont conservées mais aucun document ne "
                  "les utilise. Vérifiez son nom si elle devait correspondre à une colonne attendue "
                  "(voir la feuille Instructions).")


__all__ = ["check", "validate"]


def missing_hour(problem: Problem) -> bool:
    """An empty Heure in Soutenances: what `planning jurys` is there to fill."""
    return (problem.code == "required" and normalize(problem.sheet) in SOUTENANCES.names()
            and normalize(problem.column) in SOUTENANCES.column("heure").names())
