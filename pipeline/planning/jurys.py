"""Order of passage before the juries: an hour for every soutenance that has none.

Per jury (by date, then in the order of the sheet Jurys), the students without an hour are
given, in the order of their rows, the first slot of `duration` minutes from `start` that is
free for the jury (its passages already timed are kept), for every member of the jury (président·e
and membres: someone sitting in two juries on one day never has two passages at once) and for the
student's tutor, who is associated with the jury. Declared unavailabilities (sheet Disponibilités)
count too.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.planning import people
from pipeline.planning.people import Directory, Person
from pipeline.planning.plan import Placement, Plan, Unplaced
from pipeline.planning.slots import Agenda, Busy, hhmm, minutes, minutes_to_time
from pipeline.planning.tripartites import apply_unavailabilities
from pipeline.workbook.model import Dataset, Jury

DAY_END = 24 * 60


@dataclass(frozen=True)
class Pending:
    """A row of Soutenances without an hour."""

    row: int
    numero: str
    jury: str


def plan_juries(ds: Dataset, pending: list[Pending], start: int, duration: int) -> Plan:
    agenda = Agenda(0)
    plan = Plan("Soutenances")
    plan.notes.extend(apply_unavailabilities(ds, Directory.of(ds), agenda))
    juries = {j.jury: j for j in ds.juries}
    for d in ds.defenses:
        jury = juries.get(d.jury)
        if jury is not None:
            begin = minutes(d.heure)
            _book(agenda, jury, _people(ds, jury, d.numero), begin, begin + duration, d.numero)
    for jury in sorted(ds.juries, key=lambda j: (j.date, j.row)):
        for item in (p for p in pending if p.jury == jury.jury):
            s = ds.student(item.numero)
            who = _people(ds, jury, item.numero)
            t = start
            while t + duration <= DAY_END and any(agenda.conflict(p.key, jury.date, t, t + duration) for p in who):
                t += duration
            if t + duration > DAY_END:
                plan.unplaced.append(Unplaced(s.numero, s.nom_complet,
                                              f"aucune heure libre le {jury.date:%d/%m/%Y} pour le {jury.jury} et "
                                              "ses membres : vérifiez les Disponibilités et les autres jurys du jour."))
                continue
            _book(agenda, jury, who, t, t + duration, s.numero)
            plan.placed.append(Placement(s.numero, s.nom_complet, jury.date, minutes_to_time(t),
                                         minutes_to_time(t + duration), jury.jury,
                                         tuple(p.label for p in who[1:]), item.row))
    known = set(juries)
    for item in pending:
        if item.jury not in known:
            s = ds.student(item.numero)
            plan.unplaced.append(Unplaced(s.numero, s.nom_complet, f"le jury « {item.jury} » n'est pas dans la "
                                          "feuille Jurys : corrigez le nom du jury."))
    return plan


def _people(ds: Dataset, jury: Jury, numero: str) -> list[Person]:
    """The jury itself (so that two passages never overlap), its members and the student's tutor."""
    s = ds.student(numero)
    return [Person(f"jury:{jury.jury}", jury.jury, "jury"), *people.jury_members(jury.president, jury.membres),
            people.tutor(s)]


def _book(agenda: Agenda, jury: Jury, who: list[Person], start: int, end: int, numero: str) -> None:
    for person in who:
        agenda.add(person.key, Busy(jury.date, start, end, f"{jury.jury} à {hhmm(start)} (n° {numero})", True))
