"""One function per sheet: its rows → typed records, each problem reported through the validator.

validate.py drives them in order; validator.py holds what they share: reporting (`at`, `problem`)
and cell parsing (`fields`, `parameter`, `dates_in_order`, `known_student`, `duplicate`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pipeline.report import ERROR, WARNING
from pipeline.workbook import parse
from pipeline.workbook.model import (
    Criterion,
    CriterionNote,
    Defense,
    Event,
    Jury,
    Member,
    PeriodReview,
    Promotion,
    Student,
    TripartiteReview,
    Tutor,
    Unavailability,
)
from pipeline.workbook.reader import RawSheet, Row
from pipeline.workbook.schema import CALENDAR_KEYS, DATE, PROMOTION_PARAMETERS, normalize
from pipeline.workbook.validator import Validator, has_column

STAGE_MIN_HOURS = 420
GRILLE_TOTAL = 20.0


def promotion(validator: Validator, sheet: RawSheet | None) -> Promotion | None:
    if sheet is None or not (has_column(sheet, "parametre") and has_column(sheet, "valeur")):
        return None  # the missing sheet or column is reported once, not once per parameter
    found: dict[str, Any] = {}
    rows: dict[str, Row] = {}
    by_name = {n: c for c in PROMOTION_PARAMETERS for n in c.names()}
    for row in sheet.rows:
        name = row.value("parametre")
        if name is None:
            validator.at(ERROR, "required", sheet, row, "parametre", None,
                         "Paramètre sans nom : indiquez le nom du paramètre ou videz la ligne.")
            continue
        param = by_name.get(normalize(name))
        if param is None:
            validator.at(WARNING, "unknown-parameter", sheet, row, "parametre", name,
                         f"Paramètre « {name} » inconnu : il est ignoré. Paramètres attendus : "
                         + ", ".join(c.header for c in PROMOTION_PARAMETERS) + ".")
            continue
        if param.key in found:
            validator.at(ERROR, "duplicate-parameter", sheet, row, "parametre", name,
                         f"Paramètre « {param.header} » en double : gardez une seule ligne.")
            continue
        found[param.key] = validator.parameter(sheet, row, param)
        rows[param.key] = row
    for param in PROMOTION_PARAMETERS:
        if param.required and param.key in rows and not found[param.key]:
            validator.at(ERROR, "required", sheet, rows[param.key], "valeur", None,
                         f"Paramètre obligatoire « {param.header} » sans valeur : renseignez sa colonne Valeur.")
        elif param.required and not found.get(param.key):
            validator.at(ERROR, "missing-parameter", sheet, None, "parametre", param.header,
                         f"Paramètre obligatoire « {param.header} » absent : ajoutez une ligne "
                         f"« {param.header} » avec sa valeur.")
    _academic_year(validator, sheet, found, rows)
    if any(param.required and not found.get(param.key) for param in PROMOTION_PARAMETERS):
        return None
    dates = {c.key for c in PROMOTION_PARAMETERS if c.kind == DATE}
    values: dict[str, Any] = {k: v or (None if k in dates else "") for k, v in found.items()}
    return Promotion(**values)


def _academic_year(validator: Validator, sheet: RawSheet, found: dict[str, Any], rows: dict[str, Row]) -> None:
    """The promotion's academic year, against which every later date is checked."""
    if not found.get("annee"):
        return
    try:
        validator.year = parse.parse_academic_year(found["annee"])
    except ValueError as exc:
        validator.at(WARNING, "bad-annee", sheet, rows["annee"], "valeur", found["annee"],
                     f"Année universitaire « {found['annee']} » illisible ({exc}) : écrivez-la sous la forme "
                     "2024-2025, sans quoi les dates du classeur ne sont pas vérifiées.")
        return
    validator.annee = found["annee"]
    for key in (c.key for c in PROMOTION_PARAMETERS if c.kind == DATE):
        if found.get(key):
            validator.within_year(sheet, rows[key], "valeur", rows[key].value("valeur"), found[key])


def calendar(validator: Validator, sheet: RawSheet | None) -> dict[str, Event]:
    events: dict[str, Event] = {}
    first: dict[str, Row] = {}
    written: set[str] = set()  # keys typed, even on rows with errors: those are reported already
    if sheet is None:
        return events
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        ok = validator.dates_in_order(sheet, row, v["debut"], v["fin"]) and ok
        key = _calendar_key(v["cle"]) if v["cle"] is not None else None
        if key is not None:
            written.add(key)
        if not ok or key is None:
            continue
        if key in first:
            validator.duplicate(sheet, row, "cle", v["cle"], first[key], f"Clé « {v['cle']} »")
            continue
        first[key] = row
        events[key] = Event(key, v["evenement"], v["debut"], v["fin"], v["horaire"] or "", v["lieu"] or "",
                            v["public"] or "tous", row.number)
    missing = [key for key in CALENDAR_KEYS if key not in written]
    if missing and sheet.rows:
        validator.at(WARNING, "missing-calendar-key", sheet, None, "cle", ", ".join(missing),
                     f"Clé{'s' if len(missing) > 1 else ''} absente{'s' if len(missing) > 1 else ''} du "
                     f"calendrier : {', '.join(missing)}. Les documents qui citent ces échéances laisseront "
                     "la date en blanc ; ajoutez une ligne par clé si la date est connue.")
    return events


def students(validator: Validator, sheet: RawSheet | None) -> list[Student]:
    students: list[Student] = []
    if sheet is None:
        return students
    first: dict[str, Row] = {}
    people = _People(validator, sheet)
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        ok = validator.dates_in_order(sheet, row, v["debut"], v["fin"]) and ok
        numero = v["numero"]
        if numero is not None:
            if numero in first:
                validator.duplicate(sheet, row, "numero", numero, first[numero], f"N° étudiant {numero}")
                continue
            first[numero] = row
            validator.student_numeros.add(numero)
        if not ok:
            continue
        tutor = people.tutor(row, Tutor(v["tuteur_nom"], v["tuteur_prenom"], v["tuteur_courriel"],
                                        v["tuteur_fonction"] or "", v["tuteur_telephone"] or "", v["structure"],
                                        v["tuteur_civilite"] or ""))
        people.student(row, v["numero"], v["nom"], v["prenom"])
        if v["statut"] == "stage" and v["heures"] is not None and v["heures"] < STAGE_MIN_HOURS:
            validator.at(WARNING, "short-stage", sheet, row, "heures", parse.text(v["heures"]),
                         f"Stage de {v['heures']:g} heures : le livret demande {STAGE_MIN_HOURS} heures au "
                         "minimum sur 6 mois. Vérifiez la durée avec la structure.")
        student_fields = {k: v[k] for k in ("numero", "nom", "prenom", "courriel", "statut", "structure", "mission", "debut", "fin")}
        optional: dict[str, Any] = {k: v[k] or "" for k in ("adresse_structure", "tuteur_memoire", "type_mission",
                                                            "question_professionnelle", "civilite")}
        civique = parse.is_service_civique(row.value("statut"))
        students.append(Student(**student_fields, **optional, tuteur=tutor, heures=v["heures"],
                                service_civique=civique, row=row.number))
    return students


class _People:
    """Likely duplicates among the people of Étudiant·es, and one spelling of each tutor.

    A tutor is one person per e-mail: every document prints the first spelling met. Two e-mails
    under one name, or two N° under one student name, are probably one person typed twice.
    """

    def __init__(self, validator: Validator, sheet: RawSheet) -> None:
        self.validator, self.sheet = validator, sheet
        self.by_email: dict[str, tuple[Tutor, Row]] = {}
        self.tutor_names: dict[str, tuple[Tutor, Row]] = {}
        self.student_names: dict[str, tuple[str, Row]] = {}

    def tutor(self, row: Row, tutor: Tutor) -> Tutor:
        """The tutor as every document will print them: the first spelling of their e-mail."""
        name = normalize(tutor.nom_complet)
        if tutor.key not in self.by_email:
            self.by_email[tutor.key] = (tutor, row)
            other = self.tutor_names.setdefault(name, (tutor, row))
            if other[0].key != tutor.key:
                self.validator.at(WARNING, "tutor-two-emails", self.sheet, row, "tuteur_courriel", tutor.courriel,
                                  f"Même tuteur·rice qu'à la ligne {other[1].number} ({other[0].nom_complet}) mais "
                                  f"autre courriel ({other[0].courriel}) : deux invitations et deux lignes "
                                  "d'émargement seront faites. Si c'est la même personne, écrivez le même courriel.")
            return tutor
        first, first_row = self.by_email[tutor.key]
        if (first.nom, first.prenom) != (tutor.nom, tutor.prenom):
            code = "tutor-spelling" if normalize(first.nom_complet) == name else "tutor-mismatch"
            self.validator.at(WARNING, code, self.sheet, row, "tuteur_courriel", tutor.courriel,
                              f"Même courriel de tuteur·rice qu'à la ligne {first_row.number} mais nom écrit "
                              f"autrement ({first.nom_complet} / {tutor.nom_complet}) : tous les documents "
                              f"écrivent « {first.nom_complet} » (première orthographe rencontrée, ligne "
                              f"{first_row.number}). Corrigez l'une des deux lignes si ce n'est pas la bonne.")
        return dataclasses.replace(tutor, nom=first.nom, prenom=first.prenom, civilite=first.civilite or tutor.civilite)

    def student(self, row: Row, numero: str, nom: str, prenom: str) -> None:
        name = normalize(f"{prenom} {nom}")
        other = self.student_names.setdefault(name, (numero, row))
        if other[0] != numero:
            self.validator.at(WARNING, "student-twice", self.sheet, row, "numero", numero,
                              f"Même nom d'étudiant·e qu'à la ligne {other[1].number} ({prenom} {nom}, n° "
                              f"{other[0]}) mais autre numéro : si c'est la même personne, gardez une seule "
                              "ligne, avec le bon N° étudiant.")


def reviews(validator: Validator, sheet: RawSheet | None, numeros: set[str] | None) -> list[PeriodReview]:
    reviews: list[PeriodReview] = []
    if sheet is None:
        return reviews
    first: dict[tuple[str, int], Row] = {}
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        ok = validator.known_student(sheet, row, v["numero"], numeros) and ok
        if not ok:
            continue
        key = (v["numero"], v["periode"])
        if key in first:
            validator.at(ERROR, "duplicate-review", sheet, row, "periode", v["periode"],
                         f"Bilan de la période {v['periode']} de l'étudiant·e n° {v['numero']} déjà présent à la "
                         f"ligne {first[key].number} : gardez une seule ligne par étudiant·e et par période.")
            continue
        first[key] = row
        texts = {k: v[k] or "" for k in ("activites", "autres_actions", "apports", "attentes")}
        reviews.append(PeriodReview(v["numero"], v["periode"], v["date"], **texts, row=row.number))
    return reviews


BILAN_GRACE_DAYS = 14  # a bilan is often written in the days after its period ends


def bilan_date_problem(periode: int, day: dt.date | None, calendar: dict[str, Event]) -> str | None:
    """Why a bilan of `periode` dated `day` looks misdated (before its period, or long after it); None if fine."""
    event = calendar.get(f"periode_{periode}")
    if day is None or event is None:
        return None
    end = event.fin or event.debut
    if event.debut <= day <= end + dt.timedelta(days=BILAN_GRACE_DAYS):
        return None
    return (f"bilan de la période {periode} daté du {day:%d/%m/%Y}, hors de sa période ({event.debut:%d/%m/%Y} – "
            f"{end:%d/%m/%Y}, ou dans les {BILAN_GRACE_DAYS} jours qui suivent) : vérifiez la date ou le numéro "
            "de la période")


def reviews_due(validator: Validator, sheet: RawSheet | None, reviews: list[PeriodReview], students: list[Student],
                calendar: dict[str, Event]) -> None:
    """A bilan written for a period outside the student's own dates: a wrong period or wrong dates; a bilan
    dated outside its period."""
    by_numero = {s.numero: s for s in students}
    for review in reviews:
        misdated = bilan_date_problem(review.periode, review.date, calendar) if sheet is not None else None
        if sheet is not None and misdated:
            row = next(r for r in sheet.rows if r.number == review.row)
            validator.at(WARNING, "review-date-outside-period", sheet, row, "date", f"{review.date:%d/%m/%Y}",
                         f"{misdated[0].upper()}{misdated[1:]}.")
        student = by_numero.get(review.numero)
        if sheet is None or student is None or review.periode in student.periods_due(calendar):
            continue
        row = next(r for r in sheet.rows if r.number == review.row)
        validator.at(WARNING, "review-not-due", sheet, row, "periode", review.periode,
                     f"Bilan de la période {review.periode} pour {student.nom_complet}, dont l'alternance va du "
                     f"{student.debut:%d/%m/%Y} au {student.fin:%d/%m/%Y} : la période est hors de ces dates, le "
                     "livret la dit « non concerné·e ». Vérifiez le numéro de la période ou les dates de "
                     "l'étudiant·e (feuille Étudiant·es).")


def tripartites(validator: Validator, sheet: RawSheet | None, numeros: set[str] | None) -> list[TripartiteReview]:
    items: list[TripartiteReview] = []
    if sheet is None:
        return items
    first: dict[str, Row] = {}
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        ok = validator.known_student(sheet, row, v["numero"], numeros) and ok
        if not ok:
            continue
        if v["numero"] in first:
            validator.duplicate(sheet, row, "numero", v["numero"], first[v["numero"]],
                                f"Bilan tripartite de l'étudiant·e n° {v['numero']}")
            continue
        first[v["numero"]] = row
        texts = {k: v[k] or "" for k in ("participants", "realisations", "processus", "apprentissages",
                                         "processus_apprentissage", "retours")}
        items.append(TripartiteReview(v["numero"], v["date"], v["heure"], **texts, row=row.number))
    return items


def jury_key(name: str) -> str:
    """How jury names are compared: case and runs of spaces aside."""
    return " ".join(name.split()).casefold()


def juries(validator: Validator, sheet: RawSheet | None) -> list[Jury]:
    juries: list[Jury] = []
    if sheet is None:
        return juries
    first: dict[str, Row] = {}
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        if v["jury"] is not None:
            validator.jury_names.add(v["jury"])
        if not ok:
            continue
        if jury_key(v["jury"]) in first:
            validator.duplicate(sheet, row, "jury", v["jury"], first[jury_key(v["jury"])], f"Jury « {v['jury']} »")
            continue
        first[jury_key(v["jury"])] = row
        juries.append(Jury(v["jury"], v["date"], v["president"], v["lieu"] or "",
                           parse.split_list(v["membres"] or ""), row.number))
    return juries


def defenses(validator: Validator, sheet: RawSheet | None, numeros: set[str] | None, juries: set[str] | None) -> list[Defense]:
    defenses: list[Defense] = []
    if sheet is None:
        return defenses
    first: dict[str, Row] = {}
    slots: dict[tuple[str, Any], Row] = {}
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        ok = validator.known_student(sheet, row, v["numero"], numeros) and ok
        if v["jury"] is not None and juries is not None:  # « jury a » is Jury A, as typed in Jurys
            v["jury"] = next((j for j in sorted(juries) if jury_key(j) == jury_key(v["jury"])), v["jury"])
        if v["jury"] is not None and juries is not None and v["jury"] not in juries:
            validator.at(ERROR, "unknown-jury", sheet, row, "jury", v["jury"],
                         f"Jury « {v['jury']} » absent de la feuille Jurys : corrigez le nom du jury ou "
                         "ajoutez-le dans Jurys.")
            ok = False
        ok = _notes(validator, sheet, row, v) and ok
        if not ok:
            continue
        if v["numero"] in first:
            validator.duplicate(sheet, row, "numero", v["numero"], first[v["numero"]],
                                f"Soutenance de l'étudiant·e n° {v['numero']}")
            continue
        first[v["numero"]] = row
        slot = (v["jury"], v["heure"])
        if slot in slots:
            validator.at(WARNING, "time-clash", sheet, row, "heure", parse.text(row.value("heure")),
                         f"Même jury et même heure qu'à la ligne {slots[slot].number} : vérifiez l'ordre de passage.")
        slots.setdefault(slot, row)
        defenses.append(Defense(v["numero"], v["jury"], v["heure"], v["note_rapport"], v["note_soutenance"],
                                v["appreciation"] or "", row.number))
    return defenses


def _notes(validator: Validator, sheet: RawSheet, row: Row, v: dict[str, Any]) -> bool:
    ok = True
    for key in ("note_rapport", "note_soutenance"):
        if v[key] is not None and not 0 <= v[key] <= GRILLE_TOTAL:
            validator.at(ERROR, "note-range", sheet, row, key, parse.text(row.value(key)),
                         f"Note {v[key]:g} hors de l'échelle : une note va de 0 à {GRILLE_TOTAL:g}.")
            ok = False
    if ok and v["note_rapport"] is not None and v["note_soutenance"] is not None:
        total = v["note_rapport"] + v["note_soutenance"]
        if total > GRILLE_TOTAL:
            validator.at(ERROR, "note-range", sheet, row, "note_soutenance", parse.text(row.value("note_soutenance")),
                         f"Le total des notes ({total:g}) dépasse {GRILLE_TOTAL:g} : la note finale est sur "
                         f"{GRILLE_TOTAL:g}, corrigez les notes.")
            ok = False
    return ok


def criteria(validator: Validator, sheet: RawSheet | None) -> list[Criterion]:
    criteria: list[Criterion] = []
    if sheet is None:
        return criteria
    if not sheet.rows:
        validator.problem(WARNING, "empty-grille", sheet.name, None, "", "", None,
                          "Feuille Grille sans critère : les grilles d'évaluation du jury n'auront aucun critère à "
                          "noter. Ajoutez une ligne par critère (Section, Critère, Points ; 20 points au total).")
    bad = False
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        if ok and v["points"] <= 0:
            validator.at(ERROR, "bad-points", sheet, row, "points", parse.text(row.value("points")),
                         "Les points d'un critère doivent être positifs : corrigez la colonne Points.")
            ok = False
        if not ok:
            bad = True
            continue
        criteria.append(Criterion(v["section"], v["critere"], v["points"], row.number))
    total = sum(c.points for c in criteria)
    if criteria and not bad and abs(total - GRILLE_TOTAL) > 1e-9:
        header, letter = sheet.columns.get("points", ("Points", ""))
        validator.problem(ERROR, "grille-total", sheet.name, None, header, letter, f"{total:g}",
                          f"Les points de la grille font {total:g} au lieu de {GRILLE_TOTAL:g} : ajustez la "
                          "colonne Points pour que le total fasse 20.")
    return criteria


def team(validator: Validator, sheet: RawSheet | None) -> list[Member]:
    """The sheet Équipe: one person per row, named once (case, accents and order of the words aside)."""
    members: list[Member] = []
    if sheet is None:
        return members
    first: dict[str, Row] = {}
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        if v["nom"] is None:
            continue
        key = " ".join(sorted(normalize(w) for w in v["nom"].split() if normalize(w)))
        if key in first:  # even when the first row has another error: one person, one row
            validator.at(ERROR, "duplicate-member", sheet, row, "nom", v["nom"],
                         f"« {v['nom']} » figure déjà ligne {first[key].number} de la feuille {sheet.name} : "
                         "gardez une seule ligne par personne.")
            continue
        first[key] = row
        if not ok:
            continue
        members.append(Member(v["nom"], v["role"] or "", v["courriel"] or "", v["civilite"] or "", row.number))
    return members


def unavailabilities(validator: Validator, sheet: RawSheet | None) -> list[Unavailability]:
    items: list[Unavailability] = []
    if sheet is None:
        return items
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        if ok and v["de"] is not None and v["a"] is not None and v["de"] >= v["a"]:
            validator.at(ERROR, "time-order", sheet, row, "a", parse.text(row.value("a")),
                         f"L'heure de fin ({v['a']:%H:%M}) ne suit pas l'heure de début ({v['de']:%H:%M}) : "
                         "corrigez les colonnes De et À.")
            ok = False
        if ok:
            items.append(Unavailability(v["personne"], v["date"], v["de"], v["a"], row.number))
    return items


def notes(validator: Validator, sheet: RawSheet | None, numeros: set[str] | None, criteria: list[Criterion],
          defenses: list[Defense]) -> list[CriterionNote]:
    """Per-criterion notes: a known student, a criterion of Grille, 0 to its points, sums matching Soutenances."""
    items: list[CriterionNote] = []
    if sheet is None:
        return items
    by_text = {normalize(c.critere): c for c in criteria}
    first: dict[tuple[str, str], Row] = {}
    for row in sheet.rows:
        v, ok = validator.fields(sheet, row)
        ok = validator.known_student(sheet, row, v["numero"], numeros) and ok
        criterion = by_text.get(normalize(v["critere"])) if v["critere"] else None
        if v["critere"] and criteria and criterion is None:
            validator.at(ERROR, "unknown-criterion", sheet, row, "critere", v["critere"],
                         "Critère absent de la feuille Grille : recopiez le critère exactement comme dans Grille.")
            ok = False
        if ok and criterion is not None and not 0 <= v["note"] <= criterion.points:
            validator.at(ERROR, "note-range", sheet, row, "note", parse.text(row.value("note")),
                         f"Note {v['note']:g} hors limites : ce critère est noté de 0 à {criterion.points:g} points.")
            ok = False
        if not ok or criterion is None:
            continue
        key = (v["numero"], criterion.critere)
        if key in first:
            validator.duplicate(sheet, row, "critere", v["critere"], first[key],
                                f"Note de l'étudiant·e n° {v['numero']} pour ce critère")
            continue
        first[key] = row
        items.append(CriterionNote(v["numero"], criterion.critere, v["note"], row.number))
    for numero, total, expected in note_sums(items, criteria, defenses):
        validator.at(WARNING, "note-sum", sheet, None, "note", f"{total:g}",
                     f"Les notes par critère de l'étudiant·e n° {numero} font {total:g}, mais la feuille "
                     f"Soutenances donne {expected:g} (rapport + soutenance) : corrigez l'une ou l'autre.")
    return items


def note_sums(notes: list[CriterionNote], criteria: list[Criterion],
              defenses: list[Defense]) -> list[tuple[str, float, float]]:
    """(N°, sum of the criterion notes, rapport + soutenance) where a complete grille disagrees with Soutenances."""
    wrong = []
    for d in defenses:
        mine = [n.note for n in notes if n.numero == d.numero]
        if (criteria and len(mine) == len(criteria) and d.note_rapport is not None
                and d.note_soutenance is not None and abs(sum(mine) - d.note_rapport - d.note_soutenance) > 1e-6):
            wrong.append((d.numero, sum(mine), d.note_rapport + d.note_soutenance))
    return wrong


def _calendar_key(value: str) -> str:
    """The key as the documents know it: « Période 1 » or « PERIODE-1 » is periode_1."""
    return next((k for k in CALENDAR_KEYS if normalize(k) == normalize(value)), value.strip().lower())

