"""Order of passage before the juries: an hour for every soutenance that has none.

Per jury (by date, then in the order of the sheet Jurys), the students without an hour are
given, in the order of their rows, a slot of `duration` minutes free for the jury (its passages
already timed are kept), for every member of the jury (président·e and membres: someone sitting
in two juries on one day never has two passages at once) and for the student's tutor, who is
associated with the jury. Declared unavailabilities (sheet Disponibilités) count too.

A day a person would accept (`JurySchedule`): passages from `start` to `end`, none during the
lunch break, and only in the jury's session — the morning (before the break), the afternoon
(after it) or the whole day. Slots are packed: the first passage opens the session, and every
later one is the free slot nearest to the jury's passages already set (the first slot after
the block, or the last one before it), so that no passage stands alone far from the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.documents.formats import time_range_fr
from pipeline.planning import people
from pipeline.planning.people import Directory, Person
from pipeline.planning.plan import Placement, Plan, Unplaced
from pipeline.planning.slots import Agenda, Busy, hhmm, minutes, minutes_to_time
from pipeline.planning.tripartites import apply_unavailabilities
from pipeline.workbook.model import Dataset, Jury


@dataclass(frozen=True)
class Pending:
    """A row of Soutenances without an hour."""

    row: int
    numero: str
    jury: str


MATIN, APRES_MIDI, JOURNEE = "matin", "apres-midi", "journee"
SESSIONS = (MATIN, APRES_MIDI, JOURNEE)


@dataclass(frozen=True)
class JurySchedule:
    """When juries sit: first passage, end of the day, lunch break, and each jury's session.

    Times are minutes since midnight; `sessions` maps a jury's name (any case) to MATIN, APRES_MIDI
    or JOURNEE (the default for a jury not named)."""

    start: int = 9 * 60
    duration: int = 30
    end: int = 18 * 60
    lunch: tuple[int, int] = (12 * 60, 13 * 60 + 30)  # (0, 0): no break
    sessions: dict[str, str] = field(default_factory=dict)

    def session(self, jury: str) -> str:
        wanted = jury.casefold().strip()
        return next((v for k, v in self.sessions.items() if k.casefold().strip() == wanted), JOURNEE)

    def windows(self, jury: str) -> list[tuple[int, int]]:
        """The spans in which `jury`'s passages may lie."""
        noon, resume = self.lunch if self.lunch[0] < self.lunch[1] else (12 * 60, 12 * 60)  # no break: noon splits
        morning = (self.start, min(noon, self.end))
        afternoon = (max(resume, self.start), self.end)
        chosen = {MATIN: [morning], APRES_MIDI: [afternoon], JOURNEE: [morning, afternoon]}[self.session(jury)]
        return [(a, b) for a, b in chosen if a < b]

    def slots(self, jury: str) -> list[int]:
        """Every start of a passage in the jury's session, in time order."""
        return [t for a, b in self.windows(jury) for t in range(a, b - self.duration + 1, self.duration)]


def plan_juries(ds: Dataset, pending: list[Pending], start: int | JurySchedule = 9 * 60,
                duration: int | None = None) -> Plan:
    """`start` is a JurySchedule, or (older form) the first passage with `duration` minutes per passage."""
    schedule = start if isinstance(start, JurySchedule) else JurySchedule(start, duration or 30)
    duration = schedule.duration
    agenda = Agenda(0)
    plan = Plan("Soutenances")
    plan.notes.extend(apply_unavailabilities(ds, Directory.of(ds), agenda))
    juries = {j.jury: j for j in ds.juries}
    held: dict[str, list[int]] = {}  # jury → starts of its passages (timed or placed)
    for d in ds.defenses:
        jury = juries.get(d.jury)
        if jury is not None:
            begin = minutes(d.heure)
            _book(agenda, jury, _people(ds, jury, d.numero), begin, begin + duration, d.numero)
            held.setdefault(jury.jury, []).append(begin)
    for jury in sorted(ds.juries, key=lambda j: (j.date, j.row)):
        candidates = schedule.slots(jury.jury)
        for item in (p for p in pending if p.jury == jury.jury):
            s = ds.student(item.numero)
            who = _people(ds, jury, item.numero)
            mine = held.setdefault(jury.jury, [])
            free = [t for t in _nearest_first(candidates, mine, schedule.windows(jury.jury), duration)
                    if not any(agenda.conflict(p.key, jury.date, t, t + duration) for p in who)]
            if not free:
                plan.unplaced.append(Unplaced(s.numero, s.nom_complet, _no_slot(schedule, jury)))
                continue
            t = free[0]
            mine.append(t)
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


def _nearest_first(candidates: list[int], held: list[int], windows: list[tuple[int, int]], duration: int) -> list[int]:
    """The candidate starts, those nearest to the passages already held first (in time order without any);
    the slots right before and after each held passage are candidates too, wherever it was typed (14h15)."""
    if not held:
        return candidates
    around = {t for h in held for t in (h - duration, h + duration)
              if any(a <= t and t + duration <= b for a, b in windows)}
    candidates = sorted(set(candidates) | around)

    def gap(t: int) -> int:
        return min(max(h - (t + duration), t - (h + duration), 0) for h in held)

    return sorted(candidates, key=lambda t: (gap(t), t))


def _no_slot(schedule: JurySchedule, jury: Jury) -> str:
    spans = " et ".join(time_range_fr(a, b) for a, b in schedule.windows(jury.jury)) or "aucune plage"
    return (f"aucune heure libre le {jury.date:%d/%m/%Y} pour le {jury.jury} et ses membres dans sa session "
            f"({spans}) : vérifiez les Disponibilités, les autres jurys du jour, ou allongez la session "
            "(--fin, --session).")


def _people(ds: Dataset, jury: Jury, numero: str) -> list[Person]:
    """The jury itself (so that two passages never overlap), its members and the student's tutor."""
    s = ds.student(numero)
    return [Person(f"jury:{jury.jury}", jury.jury, "jury"), *people.jury_members(jury.president, jury.membres),
            people.tutor(s)]


def _book(agenda: Agenda, jury: Jury, who: list[Person], start: int, end: int, numero: str) -> None:
    for person in who:
        agenda.add(person.key, Busy(jury.date, start, end, f"{jury.jury} à {hhmm(start)} (n° {numero})", True))
