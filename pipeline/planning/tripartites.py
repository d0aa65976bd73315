"""The bilans tripartites of June: one slot per student without one, nobody in two places at once.

Each review brings together the student, their tutor and the teaching-team member that
`people.staff_of` names. Reviews already dated and timed in the workbook stay where they are
and keep their people busy. Reviews may run in parallel (each member of the team receives in
their own office or by visio); a person never has two at once, and has `pause` minutes between
two.

The search is deterministic: students are taken most constrained first (fewest free slots), a
student whose tutor already has a slot next (so that a tutor's students follow one another),
ties in workbook order; slots earliest first, the one next to the tutor's other student before
all others. A bounded backtracking search runs first; if it cannot place everyone, a greedy pass
places whom it can and says, for each student left out, who was not free.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from pipeline.planning import people
from pipeline.planning.people import Directory, Person
from pipeline.planning.plan import Placement, Plan, Unplaced
from pipeline.planning.slots import (
    FIXED,
    Agenda,
    Busy,
    PlanningOptionError,
    Slot,
    adjacent,
    grid,
    hhmm,
    minutes,
    minutes_to_time,
    unavailable,
)
from pipeline.workbook.model import Dataset, Student

SEARCH_BUDGET = 3000  # search nodes before falling back to the greedy pass


@dataclass(frozen=True)
class TripartiteOptions:
    days: list[dt.date] | None = None  # None: the Calendrier's bilan_tripartite dates
    windows: tuple[tuple[int, int], ...] = ((9 * 60, 12 * 60 + 30), (14 * 60, 17 * 60 + 30))
    duration: int = 45
    pause: int = 15


@dataclass(frozen=True)
class _Task:
    index: int
    student: Student
    tutor: Person
    staff: tuple[Person, ...]
    day: dt.date | None  # a date already written in the workbook
    row: int | None
    participants: str

    @property
    def people(self) -> tuple[Person, ...]:
        return (people.student(self.student), self.tutor, *self.staff)


def calendar_days(ds: Dataset) -> list[dt.date]:
    """The weekdays of the Calendrier's bilan_tripartite event."""
    event = ds.calendar.get("bilan_tripartite")
    if event is None:
        raise PlanningOptionError("Pas de ligne « bilan_tripartite » dans la feuille Calendrier : ajoutez-la "
                                  "(par exemple du 06/06/2024 au 07/06/2024) ou indiquez les jours avec --jours.")
    end = event.fin or event.debut
    days = [event.debut + dt.timedelta(n) for n in range((end - event.debut).days + 1)]
    return [d for d in days if d.weekday() < 5] or [event.debut]


def apply_unavailabilities(ds: Dataset, directory: Directory, agenda: Agenda) -> list[str]:
    """Mark every declared unavailability; return a note for each person nobody could be matched with."""
    notes = []
    for u in ds.unavailabilities:
        key = directory.resolve(u.personne)
        if key is None:
            notes.append(f"Disponibilités, ligne {u.row}, colonne Personne : « {u.personne} » ne correspond à "
                         "aucun·e étudiant·e, tuteur·rice ni membre de l'équipe pédagogique ou d'un jury ; cette "
                         "indisponibilité n'est pas prise en compte. Corrigez le courriel ou le nom.")
        else:
            agenda.add(key, unavailable(u.date, u.de, u.a))
    return notes


def plan_tripartites(ds: Dataset, options: TripartiteOptions) -> Plan:
    days = options.days if options.days is not None else calendar_days(ds)
    slots = grid(days, list(options.windows), options.duration, options.pause)
    agenda = Agenda(options.pause)
    plan = Plan("Bilans tripartites")
    plan.notes.extend(apply_unavailabilities(ds, Directory.of(ds), agenda))
    tasks: list[_Task] = []
    fixed: dict[str, list[Slot]] = {}  # tutor key -> their reviews already timed
    for s in ds.students:
        review = ds.tripartite_of(s.numero)
        staff = tuple(people.staff_of(s, review, ds))
        if review is not None and review.date is not None and review.heure is not None:
            start = minutes(review.heure)
            what = f"bilan de {s.nom_complet} le {review.date:%d/%m} à {hhmm(start)}"
            for person in (people.student(s), people.tutor(s), *staff):
                clash = agenda.conflict(person.key, review.date, start, start + options.duration)
                if clash is not None and clash.review:
                    plan.notes.append(f"Bilans tripartites, ligne {review.row} : {person.label} a déjà le {clash.what} "
                                      f"à la même heure (ou sans pause) ; déplacez l'un des deux entretiens.")
                agenda.add(person.key, Busy(review.date, start, start + options.duration, what, True))
            fixed.setdefault(people.tutor(s).key, []).append(Slot(review.date, start, start + options.duration, FIXED))
            continue
        written = _participants(s, staff) if review is None or not review.participants else ""
        tasks.append(_Task(len(tasks), s, people.tutor(s), staff, review.date if review else None,
                           review.row if review else None, written))
    chosen, reasons = _Solver(tasks, slots, agenda, options, fixed).run()
    for task in tasks:
        if task.index in chosen:
            slot = chosen[task.index]
            plan.placed.append(Placement(task.student.numero, task.student.nom_complet, slot.day, slot.time,
                                         minutes_to_time(slot.end), task.tutor.label,
                                         tuple(p.label for p in task.staff), task.row, task.participants))
        else:
            plan.unplaced.append(Unplaced(task.student.numero, task.student.nom_complet, reasons[task.index]))
    return plan


def _participants(s: Student, staff: tuple[Person, ...]) -> str:
    lines = [f"{s.nom_complet} (étudiant·e)", f"{s.tuteur.nom_complet} (tuteur·rice professionnel·le)"]
    return "\n".join([*lines, *(f"{p.label} (équipe pédagogique)" for p in staff)])


class _OutOfBudget(Exception):
    pass


class _Solver:
    def __init__(self, tasks: list[_Task], slots: list[Slot], agenda: Agenda, options: TripartiteOptions,
                 fixed: dict[str, list[Slot]]) -> None:
        self.tasks, self.slots, self.agenda, self.o, self.fixed = tasks, slots, agenda, options, fixed
        self.chosen: dict[int, Slot] = {}
        self.nodes = 0

    def run(self) -> tuple[dict[int, Slot], dict[int, str]]:
        reasons: dict[int, str] = {}
        hopeless = {t.index for t in self.tasks if not self._candidates(t)}
        for index in sorted(hopeless):
            reasons[index] = self._why(self.tasks[index])
        try:
            if not self._overloaded(hopeless) and self._search(hopeless):
                return dict(self.chosen), reasons
        except _OutOfBudget:
            pass
        for task in self.tasks:  # undo what the search left
            if task.index in self.chosen:
                self._release(task)
        while (pick := self._pick(set(reasons))) is not None:
            task, options = pick
            if options:
                self._take(task, options[0])
            else:
                reasons[task.index] = self._why(task)
        return dict(self.chosen), reasons

    # --- the search ---------------------------------------------------------------------

    def _search(self, skip: set[int]) -> bool:
        self.nodes += 1
        if self.nodes > SEARCH_BUDGET:
            raise _OutOfBudget
        pick = self._pick(skip)
        if pick is None:
            return True
        task, options = pick
        for slot in options:
            self._take(task, slot)
            if self._search(skip):
                return True
            self._release(task)
        return False

    def _overloaded(self, skip: set[int]) -> bool:
        """Someone has more reviews to attend than free slots: no search can place everyone."""
        demand = Counter(p.key for t in self.tasks if t.index not in skip for p in t.people)
        return any(n > sum(1 for slot in self.slots if self.agenda.conflict(key, slot.day, slot.start, slot.end) is None)
                   for key, n in demand.items())

    def _pick(self, skip: set[int]) -> tuple[_Task, list[Slot]] | None:
        """The next student to place and their free slots in order of preference."""
        best: tuple[tuple[int, ...], _Task, list[Slot]] | None = None
        for task in self.tasks:
            if task.index in self.chosen or task.index in skip:
                continue
            options = self._candidates(task)
            siblings = self._sibling_slots(task)
            key = (0 if len(options) <= 1 else 1, 0 if siblings else 1, len(options), task.index)
            if best is None or key < best[0]:
                best = (key, task, options)
        if best is None:
            return None
        _, task, options = best
        siblings = self._sibling_slots(task)

        def preference(slot: Slot) -> tuple[int, Slot]:
            if any(adjacent(slot, other, self.o.duration, self.o.pause) for other in siblings):
                return 0, slot
            return (1 if any(slot.day == other.day for other in siblings) else 2), slot

        return task, sorted(options, key=preference)

    def _sibling_slots(self, task: _Task) -> list[Slot]:
        placed = [self.chosen[t.index] for t in self.tasks if t.index in self.chosen and t.tutor.key == task.tutor.key]
        return [*self.fixed.get(task.tutor.key, []), *placed]

    def _candidates(self, task: _Task) -> list[Slot]:
        return [slot for slot in self.slots if (task.day is None or slot.day == task.day)
                and all(self.agenda.conflict(p.key, slot.day, slot.start, slot.end) is None for p in task.people)]

    def _take(self, task: _Task, slot: Slot) -> None:
        self.chosen[task.index] = slot
        what = f"bilan de {task.student.nom_complet} le {slot.day:%d/%m} à {hhmm(slot.start)}"
        for person in task.people:
            self.agenda.add(person.key, Busy(slot.day, slot.start, slot.end, what, True))

    def _release(self, task: _Task) -> None:
        slot = self.chosen.pop(task.index)
        for person in task.people:
            items = self.agenda.busy[person.key]
            items.remove(next(b for b in items if b.review and b.day == slot.day and b.start == slot.start))

    # --- why a student could not be placed -------------------------------------------------

    def _why(self, task: _Task) -> str:
        allowed = [slot for slot in self.slots if task.day is None or slot.day == task.day]
        if not self.slots:
            return (f"les plages horaires ne contiennent aucun créneau de {self.o.duration} min : élargissez "
                    "--creneaux ou réduisez --duree.")
        if not allowed:
            return (f"la date déjà inscrite dans Bilans tripartites ({task.day:%d/%m/%Y}) n'est pas un des jours "
                    "du planning : effacez-la ou ajoutez ce jour à --jours.")
        parts = []
        for person in task.people:
            held = [c for slot in allowed if (c := self.agenda.conflict(person.key, slot.day, slot.start, slot.end))]
            if held:
                off = sum(1 for c in held if not c.review)
                taken = len(held) - off
                detail = ", ".join(x for x in (f"indisponible sur {_slots(off)}" if off else "",
                                               f"déjà pris·e sur {_slots(taken)}" if taken else "") if x)
                parts.append(f"{person.label} ({person.role}) {detail}")
        start = ("le seul créneau possible ne convient pas" if len(allowed) == 1
                 else f"aucun des {len(allowed)} créneaux possibles ne convient")
        return (f"{start} à tout le monde — " + " ; ".join(parts)
                + ". Ajoutez un jour ou une plage, ou allégez les indisponibilités.")


def _slots(n: int) -> str:
    return f"{n} créneau{'x' if n > 1 else ''}"
