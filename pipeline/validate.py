"""Rows → typed records, collecting every problem of the workbook in one pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from . import parse
from .model import (
    Criterion,
    Dataset,
    Defense,
    Event,
    Jury,
    PeriodReview,
    Promotion,
    Student,
    TripartiteReview,
    Tutor,
)
from .report import ERROR, WARNING, Problem, Report
from .schema import (
    CALENDAR_KEYS,
    DATE,
    EMAIL,
    INT,
    MISSION_TYPE,
    MISSION_TYPES,
    NUMBER,
    PERIODE,
    PROMOTION_PARAMETERS,
    PUBLIC,
    SHEETS_BY_KEY,
    STATUT,
    STATUTS,
    TIME,
    Column,
    normalize,
)
from .workbook import Issue, RawSheet, RawWorkbook, Row, load

STAGE_MIN_HOURS = 420
GRILLE_TOTAL = 20.0
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


def validate(raw: RawWorkbook) -> tuple[Dataset | None, Report]:
    v = _Validator(raw)
    dataset = v.run()
    return (dataset if v.report.valid else None), v.report


class _Validator:
    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw
        self.report = Report()
        self.student_numeros: set[str] = set()
        self.jury_names: set[str] = set()

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
        promotion = self._promotion(sheets.get("promotion"))
        calendar = self._calendar(sheets.get("calendrier"))
        students = self._students(sheets.get("etudiants"))
        # every N° typed in Étudiant·es, even on a row with errors: one cause, one problem
        numeros = self.student_numeros if _has_column(sheets.get("etudiants"), "numero") else None
        reviews = self._reviews(sheets.get("bilans"), numeros)
        tripartites = self._tripartites(sheets.get("tripartites"), numeros)
        juries = self._juries(sheets.get("jurys"))
        # likewise every jury named in Jurys (an absent Jurys sheet leaves every jury unknown)
        jury_names = self.jury_names if "jurys" not in sheets or _has_column(sheets["jurys"], "jury") else None
        defenses = self._defenses(sheets.get("soutenances"), numeros, jury_names)
        criteria = self._criteria(sheets.get("grille"))
        if promotion is None:
            return None
        return Dataset(promotion, calendar, students, reviews, tripartites, juries, defenses, criteria)

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
            else:
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
        try:
            value = parser(raw)
        except ValueError as exc:
            self.at(ERROR, code, sheet, row, column.key, parse.text(raw),
                    f"{_sentence(exc)} {_HOW_TO_FIX[code]}")
            return None, False
        if column.kind == PERIODE and not 1 <= value <= 6:
            self.at(ERROR, code, sheet, row, column.key, raw, f"Période {value} hors limites. {_HOW_TO_FIX[code]}")
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

    # --- sheets --------------------------------------------------------------------

    def _promotion(self, sheet: RawSheet | None) -> Promotion | None:
        if sheet is None or not (_has_column(sheet, "parametre") and _has_column(sheet, "valeur")):
            return None  # the missing sheet or column is reported once, not once per parameter
        found: dict[str, Any] = {}
        rows: dict[str, Row] = {}
        by_name = {n: c for c in PROMOTION_PARAMETERS for n in c.names()}
        for row in sheet.rows:
            name = row.value("parametre")
            if name is None:
                self.at(ERROR, "required", sheet, row, "parametre", None,
                        "Paramètre sans nom : indiquez le nom du paramètre ou videz la ligne.")
                continue
            param = by_name.get(normalize(name))
            if param is None:
                self.at(WARNING, "unknown-parameter", sheet, row, "parametre", name,
                        f"Paramètre « {name} » inconnu : il est ignoré. Paramètres attendus : "
                        + ", ".join(c.header for c in PROMOTION_PARAMETERS) + ".")
                continue
            if param.key in found:
                self.at(ERROR, "duplicate-parameter", sheet, row, "parametre", name,
                        f"Paramètre « {param.header} » en double : gardez une seule ligne.")
                continue
            found[param.key] = self._parameter(sheet, row, param)
            rows[param.key] = row
        for param in PROMOTION_PARAMETERS:
            if param.required and param.key in rows and not found[param.key]:
                self.at(ERROR, "required", sheet, rows[param.key], "valeur", None,
                        f"Paramètre obligatoire « {param.header} » sans valeur : renseignez sa colonne Valeur.")
            elif param.required and not found.get(param.key):
                self.at(ERROR, "missing-parameter", sheet, None, "parametre", param.header,
                        f"Paramètre obligatoire « {param.header} » absent : ajoutez une ligne "
                        f"« {param.header} » avec sa valeur.")
        if any(param.required and not found.get(param.key) for param in PROMOTION_PARAMETERS):
            return None
        return Promotion(**{k: v or "" for k, v in found.items()})

    def _parameter(self, sheet: RawSheet, row: Row, param: Column) -> str:
        raw = row.value("valeur")
        if raw is None:
            return ""
        if param.kind == EMAIL:
            try:
                return parse.parse_email(raw)
            except ValueError as exc:
                self.at(ERROR, "bad-email", sheet, row, "valeur", raw, f"{_sentence(exc)} {_HOW_TO_FIX['bad-email']}")
                return ""
        return parse.text(raw)

    def _calendar(self, sheet: RawSheet | None) -> dict[str, Event]:
        events: dict[str, Event] = {}
        first: dict[str, Row] = {}
        written: set[str] = set()  # keys typed, even on rows with errors: those are reported already
        if sheet is None:
            return events
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            ok = self.dates_in_order(sheet, row, v["debut"], v["fin"]) and ok
            key = _calendar_key(v["cle"]) if v["cle"] is not None else None
            if key is not None:
                written.add(key)
            if not ok or key is None:
                continue
            if key in first:
                self.duplicate(sheet, row, "cle", v["cle"], first[key], f"Clé « {v['cle']} »")
                continue
            first[key] = row
            events[key] = Event(key, v["evenement"], v["debut"], v["fin"], v["horaire"] or "", v["lieu"] or "",
                                v["public"] or "tous", row.number)
        missing = [key for key in CALENDAR_KEYS if key not in written]
        if missing and sheet.rows:
            self.at(WARNING, "missing-calendar-key", sheet, None, "cle", ", ".join(missing),
                    f"Clé{'s' if len(missing) > 1 else ''} absente{'s' if len(missing) > 1 else ''} du "
                    f"calendrier : {', '.join(missing)}. Les documents qui citent ces échéances laisseront "
                    "la date en blanc ; ajoutez une ligne par clé si la date est connue.")
        return events

    def _students(self, sheet: RawSheet | None) -> list[Student]:
        students: list[Student] = []
        if sheet is None:
            return students
        first: dict[str, Row] = {}
        tutors: dict[str, tuple[Tutor, Row]] = {}
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            ok = self.dates_in_order(sheet, row, v["debut"], v["fin"]) and ok
            numero = v["numero"]
            if numero is not None:
                if numero in first:
                    self.duplicate(sheet, row, "numero", numero, first[numero], f"N° étudiant {numero}")
                    continue
                first[numero] = row
                self.student_numeros.add(numero)
            if not ok:
                continue
            tutor = Tutor(v["tuteur_nom"], v["tuteur_prenom"], v["tuteur_courriel"], v["tuteur_fonction"] or "",
                          v["tuteur_telephone"] or "", v["structure"])
            self._same_tutor(sheet, row, tutor, tutors)
            if v["statut"] == "stage" and v["heures"] is not None and v["heures"] < STAGE_MIN_HOURS:
                self.at(WARNING, "short-stage", sheet, row, "heures", parse.text(v["heures"]),
                        f"Stage de {v['heures']:g} heures : le livret demande {STAGE_MIN_HOURS} heures au "
                        "minimum sur 6 mois. Vérifiez la durée avec la structure.")
            student_fields = {k: v[k] for k in ("numero", "nom", "prenom", "courriel", "statut", "structure", "mission", "debut", "fin")}
            optional: dict[str, Any] = {k: v[k] or "" for k in ("adresse_structure", "tuteur_memoire", "type_mission",
                                                                "question_professionnelle")}
            civique = parse.is_service_civique(row.value("statut"))
            students.append(Student(**student_fields, **optional, tuteur=tutor, heures=v["heures"],
                                    service_civique=civique, row=row.number))
        return students

    def _same_tutor(self, sheet: RawSheet, row: Row, tutor: Tutor, seen: dict[str, tuple[Tutor, Row]]) -> None:
        if tutor.key not in seen:
            seen[tutor.key] = (tutor, row)
            return
        other, other_row = seen[tutor.key]
        if normalize(other.nom_complet) != normalize(tutor.nom_complet):
            self.at(WARNING, "tutor-mismatch", sheet, row, "tuteur_courriel", tutor.courriel,
                    f"Même courriel de tuteur·rice qu'à la ligne {other_row.number} mais autre nom "
                    f"({other.nom_complet} / {tutor.nom_complet}) : une seule invitation sera faite, au nom "
                    f"de {other.nom_complet}. Corrigez le nom ou le courriel.")

    def _reviews(self, sheet: RawSheet | None, numeros: set[str] | None) -> list[PeriodReview]:
        reviews: list[PeriodReview] = []
        if sheet is None:
            return reviews
        first: dict[tuple[str, int], Row] = {}
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            ok = self.known_student(sheet, row, v["numero"], numeros) and ok
            if not ok:
                continue
            key = (v["numero"], v["periode"])
            if key in first:
                self.at(ERROR, "duplicate-review", sheet, row, "periode", v["periode"],
                        f"Bilan de la période {v['periode']} de l'étudiant·e n° {v['numero']} déjà présent à la "
                        f"ligne {first[key].number} : gardez une seule ligne par étudiant·e et par période.")
                continue
            first[key] = row
            texts = {k: v[k] or "" for k in ("activites", "autres_actions", "apports", "attentes")}
            reviews.append(PeriodReview(v["numero"], v["periode"], v["date"], **texts, row=row.number))
        return reviews

    def _tripartites(self, sheet: RawSheet | None, numeros: set[str] | None) -> list[TripartiteReview]:
        items: list[TripartiteReview] = []
        if sheet is None:
            return items
        first: dict[str, Row] = {}
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            ok = self.known_student(sheet, row, v["numero"], numeros) and ok
            if not ok:
                continue
            if v["numero"] in first:
                self.duplicate(sheet, row, "numero", v["numero"], first[v["numero"]],
                               f"Bilan tripartite de l'étudiant·e n° {v['numero']}")
                continue
            first[v["numero"]] = row
            texts = {k: v[k] or "" for k in ("participants", "realisations", "processus", "apprentissages",
                                             "processus_apprentissage", "retours")}
            items.append(TripartiteReview(v["numero"], v["date"], v["heure"], **texts, row=row.number))
        return items

    def _juries(self, sheet: RawSheet | None) -> list[Jury]:
        juries: list[Jury] = []
        if sheet is None:
            return juries
        first: dict[str, Row] = {}
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            if v["jury"] is not None:
                self.jury_names.add(v["jury"])
            if not ok:
                continue
            if v["jury"] in first:
                self.duplicate(sheet, row, "jury", v["jury"], first[v["jury"]], f"Jury « {v['jury']} »")
                continue
            first[v["jury"]] = row
            juries.append(Jury(v["jury"], v["date"], v["president"], v["lieu"] or "",
                               parse.split_list(v["membres"] or ""), row.number))
        return juries

    def _defenses(self, sheet: RawSheet | None, numeros: set[str] | None, juries: set[str] | None) -> list[Defense]:
        defenses: list[Defense] = []
        if sheet is None:
            return defenses
        first: dict[str, Row] = {}
        slots: dict[tuple[str, Any], Row] = {}
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            ok = self.known_student(sheet, row, v["numero"], numeros) and ok
            if v["jury"] is not None and juries is not None and v["jury"] not in juries:
                self.at(ERROR, "unknown-jury", sheet, row, "jury", v["jury"],
                        f"Jury « {v['jury']} » absent de la feuille Jurys : corrigez le nom du jury ou "
                        "ajoutez-le dans Jurys.")
                ok = False
            ok = self._notes(sheet, row, v) and ok
            if not ok:
                continue
            if v["numero"] in first:
                self.duplicate(sheet, row, "numero", v["numero"], first[v["numero"]],
                               f"Soutenance de l'étudiant·e n° {v['numero']}")
                continue
            first[v["numero"]] = row
            slot = (v["jury"], v["heure"])
            if slot in slots:
                self.at(WARNING, "time-clash", sheet, row, "heure", parse.text(row.value("heure")),
                        f"Même jury et même heure qu'à la ligne {slots[slot].number} : vérifiez l'ordre de passage.")
            slots.setdefault(slot, row)
            defenses.append(Defense(v["numero"], v["jury"], v["heure"], v["note_rapport"], v["note_soutenance"],
                                    v["appreciation"] or "", row.number))
        return defenses

    def _notes(self, sheet: RawSheet, row: Row, v: dict[str, Any]) -> bool:
        ok = True
        for key in ("note_rapport", "note_soutenance"):
            if v[key] is not None and not 0 <= v[key] <= GRILLE_TOTAL:
                self.at(ERROR, "note-range", sheet, row, key, parse.text(row.value(key)),
                        f"Note {v[key]:g} hors de l'échelle : une note va de 0 à {GRILLE_TOTAL:g}.")
                ok = False
        if ok and v["note_rapport"] is not None and v["note_soutenance"] is not None:
            total = v["note_rapport"] + v["note_soutenance"]
            if total > GRILLE_TOTAL:
                self.at(ERROR, "note-range", sheet, row, "note_soutenance", parse.text(row.value("note_soutenance")),
                        f"Le total des notes ({total:g}) dépasse {GRILLE_TOTAL:g} : la note finale est sur "
                        f"{GRILLE_TOTAL:g}, corrigez les notes.")
                ok = False
        return ok

    def _criteria(self, sheet: RawSheet | None) -> list[Criterion]:
        criteria: list[Criterion] = []
        if sheet is None:
            return criteria
        bad = False
        for row in sheet.rows:
            v, ok = self.fields(sheet, row)
            if ok and v["points"] <= 0:
                self.at(ERROR, "bad-points", sheet, row, "points", parse.text(row.value("points")),
                        "Les points d'un critère doivent être positifs : corrigez la colonne Points.")
                ok = False
            if not ok:
                bad = True
                continue
            criteria.append(Criterion(v["section"], v["critere"], v["points"], row.number))
        total = sum(c.points for c in criteria)
        if criteria and not bad and abs(total - GRILLE_TOTAL) > 1e-9:
            header, letter = sheet.columns.get("points", ("Points", ""))
            self.problem(ERROR, "grille-total", sheet.name, None, header, letter, f"{total:g}",
                         f"Les points de la grille font {total:g} au lieu de {GRILLE_TOTAL:g} : ajustez la "
                         "colonne Points pour que le total fasse 20.")
        return criteria


def _calendar_key(value: str) -> str:
    """The key as the documents know it: « Période 1 » or « PERIODE-1 » is periode_1."""
    return next((k for k in CALENDAR_KEYS if normalize(k) == normalize(value)), value.strip().lower())


def _sentence(exc: ValueError) -> str:
    """A parser's reason as the start of a message: first letter up, the rest as written (JJ/MM/AAAA)."""
    reason = str(exc)
    return f"{reason[:1].upper()}{reason[1:]}."


def _has_column(sheet: RawSheet | None, key: str) -> bool:
    """False when the sheet or its column is missing: that is reported once, and references to it
    are then not checked (else every row of every other sheet would be reported too)."""
    return sheet is not None and key in sheet.columns


__all__ = ["check", "validate"]
