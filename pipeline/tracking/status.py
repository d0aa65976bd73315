"""Where each student stands on a given day: one state per deliverable.

Rules (the handbook's calendar, as typed in the sheet Calendrier):

- Cahier des charges (feuille de route for students in employment): due on the Calendrier's
  cahier_des_charges date, but never less than a month after the student's start (handbook: « à
  partir d'un mois après le début … au plus tard le 22 janvier »). The workbook does not record
  its return, so once due it is « à vérifier », never « en retard ».
- Bilan of period N: due when the period (Calendrier periode_N) has ended; not due for a student
  whose alternance does not overlap the period, or when the period is for another public.
  Received when its row in Bilans intermédiaires has at least one answer.
- Bilan tripartite: planned (a date), held (the date has passed), compte rendu received (an
  answer in one of its five fields). Late when held without compte rendu, or not planned once the
  Calendrier's bilan_tripartite days have begun.
- Rapport de mission: the packet's own decision (`pipeline.workbook.rapports`); absent is late after
  the Calendrier's rapport_mission date.
- Jury and notes: received when both notes are in Soutenances; late when the jury's date has
  passed without them, or when no passage is set after the last jury date of the Calendrier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.workbook.model import Dataset, Event, Student, period_concerns
from pipeline.workbook.rapports import ABSENT, PRESENT, choose_rapport

RECU, A_VENIR, EN_RETARD, A_VERIFIER, INUTILISABLE, NON_DU = (
    "reçu", "à venir", "en retard", "à vérifier", "inutilisable", "non dû")
STATES = (RECU, A_VENIR, EN_RETARD, A_VERIFIER, INUTILISABLE, NON_DU)
MEANINGS = {
    RECU: "rendu, rempli ou tenu",
    A_VENIR: "pas encore dû à la date du suivi",
    EN_RETARD: "l'échéance est passée et rien n'est arrivé",
    A_VERIFIER: "échéance passée, mais le classeur n'enregistre pas la remise : vérifiez",
    INUTILISABLE: "fichier déposé mais illisible, protégé ou en plusieurs versions",
    NON_DU: "ne concerne pas cet·te étudiant·e (hors de ses dates d'alternance ou autre public)",
}
PERIODS = range(1, 7)


@dataclass(frozen=True)
class Deliverable:
    key: str  # "cahier", "bilan_1" … "bilan_6", "tripartite", "rapport", "jury"
    label: str  # French column title
    state: str  # one of STATES
    detail: str = ""  # French, e.g. "période terminée le 01/12/2023"
    due: dt.date | None = None
    facts: dict[str, bool] = field(default_factory=dict)  # tripartite: planifie, tenu, compte_rendu


@dataclass(frozen=True)
class StudentState:
    student: Student
    items: tuple[Deliverable, ...]

    @property
    def late(self) -> list[Deliverable]:
        return [i for i in self.items if i.state in (EN_RETARD, INUTILISABLE)]


def follow_up(ds: Dataset, rapports: dict[str, list], today: dt.date) -> list[StudentState]:
    """The state of every student on `today`; `rapports` as `find_rapports` gives them."""
    return [StudentState(s, (_cahier(s, ds, today), *(_bilan(s, n, ds, today) for n in PERIODS),
                             _tripartite(s, ds, today), _rapport(s, rapports.get(s.numero, []), ds, today),
                             _jury(s, ds, today)))
            for s in ds.students]


def _d(day: dt.date | None) -> str:
    return "" if day is None else f"{day:%d/%m/%Y}"


def _end(event: Event) -> dt.date:
    return event.fin or event.debut


def _one_month_after(day: dt.date) -> dt.date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _cahier(s: Student, ds: Dataset, today: dt.date) -> Deliverable:
    label, what = "Cahier / FdR", "feuille de route" if s.en_emploi else "cahier des charges"
    event = ds.calendar.get("cahier_des_charges")
    if event is None:
        return Deliverable("cahier", label, A_VERIFIER, f"{what} : pas de date cahier_des_charges dans le Calendrier")
    due = max(event.debut, _one_month_after(s.debut))
    if today <= due:
        return Deliverable("cahier", label, A_VENIR, f"{what} à rendre le {_d(due)}", due)
    return Deliverable("cahier", label, A_VERIFIER, f"{what} à rendre le {_d(due)}, échéance passée : remise non "
                                             "enregistrée dans le classeur", due)


def _concerns(event: Event, s: Student) -> bool:
    """The period is for the student's public, and due by the rule the bilans follow (model.period_concerns)."""
    public = "formation continue" if s.formation_continue else "stage"
    return event.public in ("tous", public) and period_concerns(s, event)


def _bilan(s: Student, n: int, ds: Dataset, today: dt.date) -> Deliverable:
    key, label = f"bilan_{n}", f"Bilan P{n}"
    event = ds.calendar.get(f"periode_{n}")
    if event is None:
        return Deliverable(key, label, NON_DU, f"période {n} absente du Calendrier")
    if not _concerns(event, s):
        return Deliverable(key, label, NON_DU, f"période {n} hors de l'alternance ({_d(s.debut)} – {_d(s.fin)})")
    due = _end(event)
    review = ds.reviews_of(s.numero).get(n)
    if review is not None and any((review.activites, review.autres_actions, review.apports, review.attentes)):
        when = f" le {_d(review.date)}" if review.date else ""
        return Deliverable(key, label, RECU, f"bilan rempli{when}", due)
    if today <= due:
        return Deliverable(key, label, A_VENIR, f"période terminée le {_d(due)}", due)
    empty = " (ligne sans réponse)" if review is not None else ""
    return Deliverable(key, label, EN_RETARD, f"bilan manquant{empty}, période terminée le {_d(due)}", due)


def _tripartite(s: Student, ds: Dataset, today: dt.date) -> Deliverable:
    review = ds.tripartite_of(s.numero)
    event = ds.calendar.get("bilan_tripartite")
    planned = review is not None and review.date is not None
    held = planned and review is not None and review.date is not None and review.date < today
    answered = review is not None and any((review.realisations, review.processus, review.apprentissages,
                                           review.processus_apprentissage, review.retours))
    facts = {"planifie": planned, "tenu": held, "compte_rendu": answered}
    due = review.date if review is not None and review.date else (_end(event) if event else None)
    if answered:
        return Deliverable("tripartite", "Tripartite", RECU, "compte rendu reçu", due, facts)
    if review is not None and review.date is not None:
        hour = f" à {review.heure:%H:%M}" if review.heure else ""
        if held:
            return Deliverable("tripartite", "Tripartite", EN_RETARD,
                        f"entretien du {_d(review.date)}{hour} : compte rendu manquant", due, facts)
        return Deliverable("tripartite", "Tripartite", A_VENIR, f"prévu le {_d(review.date)}{hour}", due, facts)
    if event is not None and today >= event.debut:
        return Deliverable("tripartite", "Tripartite", EN_RETARD,
                    f"pas de créneau alors que les entretiens ont commencé le {_d(event.debut)}", due, facts)
    return Deliverable("tripartite", "Tripartite", A_VENIR,
                f"à planifier ({_d(event.debut)} – {_d(_end(event))})" if event else "à planifier", due, facts)


def _rapport(s: Student, files: list, ds: Dataset, today: dt.date) -> Deliverable:
    event = ds.calendar.get("rapport_mission")
    due = event.debut if event else None
    rapport = choose_rapport(files, s.numero)
    if rapport.state == PRESENT:
        return Deliverable("rapport", "Rapport", RECU, f"déposé : {rapport.names}", due)
    if rapport.state != ABSENT:
        return Deliverable("rapport", "Rapport", INUTILISABLE, f"{rapport.names} : {rapport.reason}", due)
    if due is not None and today > due:
        return Deliverable("rapport", "Rapport", EN_RETARD, f"aucun fichier, à rendre le {_d(due)}", due)
    return Deliverable("rapport", "Rapport", A_VENIR, f"à rendre le {_d(due)}" if due else "aucune date dans le Calendrier", due)


def _jury(s: Student, ds: Dataset, today: dt.date) -> Deliverable:
    defense = ds.defense_of(s.numero)
    jury = ds.jury(defense.jury) if defense else None
    if defense is None or jury is None:
        juries = [e for key, e in ds.calendar.items() if key.startswith("jury")]
        last = max((_end(e) for e in juries), default=None)
        if last is not None and today > last:
            return Deliverable("jury", "Jury, notes", EN_RETARD, "aucun passage prévu dans Soutenances", last)
        return Deliverable("jury", "Jury, notes", A_VENIR, "passage à prévoir dans Soutenances", last)
    where = f"{jury.jury}, {_d(jury.date)} à {defense.heure:%H:%M}"
    if defense.note_rapport is not None and defense.note_soutenance is not None:
        total = defense.note_rapport + defense.note_soutenance
        return Deliverable("jury", "Jury, notes", RECU, f"{where} : {total:g}/20".replace(".", ","), jury.date)
    if today > jury.date:
        return Deliverable("jury", "Jury, notes", EN_RETARD, f"{where} : notes manquantes", jury.date)
    return Deliverable("jury", "Jury, notes", A_VENIR, where, jury.date)
