"""Typed records of one promotion. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.workbook.schema import CONTINUING_STATUTS, EMPLOYMENT_STATUTS, MISSION_TYPES, STATUTS


@dataclass(frozen=True)
class Promotion:
    formation: str
    parcours: str
    promotion: str
    annee: str
    etablissement: str
    responsable: str
    adresse: str = ""
    courriel_responsable: str = ""
    accompagnement: str = ""
    courriel_accompagnement: str = ""
    telephone_accompagnement: str = ""
    secretariat: str = ""  # who sends the mails (the drafts' From)
    courriel_secretariat: str = ""
    signataire: str = ""  # who signs the mails; "": the teaching team
    date_courriers: dt.date | None = None  # the date letters carry; None: the build day
    lieu_courriers: str = ""  # the place letters are dated from (« Rennes, le … »); "": Rennes


@dataclass(frozen=True)
class Member:
    """A person of the sheet Équipe: teacher, jury member, secretariat… Named by the other sheets."""

    nom: str
    role: str = ""
    courriel: str = ""
    civilite: str = ""  # "Madame", "Monsieur", or "" (inclusive forms)
    row: int = 0


@dataclass(frozen=True)
class Event:
    cle: str
    evenement: str
    debut: dt.date
    fin: dt.date | None = None
    horaire: str = ""
    lieu: str = ""
    public: str = "tous"  # "tous", "stage" or "formation continue"
    row: int = 0


@dataclass(frozen=True)
class Tutor:
    """A professional tutor; identified by e-mail (case-insensitive)."""

    nom: str
    prenom: str
    courriel: str
    fonction: str = ""
    telephone: str = ""
    structure: str = ""
    civilite: str = ""  # "Madame", "Monsieur", or "" (inclusive forms)

    @property
    def key(self) -> str:
        return self.courriel.strip().lower()

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}".strip()


@dataclass(frozen=True)
class Student:
    numero: str
    nom: str
    prenom: str
    courriel: str
    statut: str  # a key of schema.STATUTS
    structure: str
    tuteur: Tutor
    mission: str
    debut: dt.date
    fin: dt.date
    adresse_structure: str = ""
    tuteur_memoire: str = ""
    type_mission: str = ""  # a key of schema.MISSION_TYPES, or ""
    heures: float | None = None
    question_professionnelle: str = ""
    service_civique: bool = False  # counts as a stage (handbook), printed as such
    civilite: str = ""  # "Madame", "Monsieur", or "" (inclusive forms)
    row: int = 0

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}".strip()

    @property
    def statut_libelle(self) -> str:
        return "Stage (service civique)" if self.service_civique else STATUTS[self.statut]

    @property
    def type_mission_libelle(self) -> str:
        return MISSION_TYPES.get(self.type_mission, "")

    @property
    def en_emploi(self) -> bool:
        return self.statut in EMPLOYMENT_STATUTS

    @property
    def formation_continue(self) -> bool:
        return self.statut in CONTINUING_STATUTS

    def periods_due(self, calendar: dict[str, Event]) -> list[int]:
        """The periods (1–6) this student has a bilan for: see `period_concerns`."""
        return [n for n in PERIODS if period_concerns(self, calendar.get(f"periode_{n}"))]


PERIODS = range(1, 7)


def period_concerns(student: Student, period: Event | None) -> bool:
    """Whether a period of alternance is due for a student.

    A period that ends before the student's start date, or begins after their end date,
    is not due: no blank bilan, no row expected in the follow-up, « non concerné·e » in the
    livret. A period whose dates are not in the calendar is due (nothing says otherwise).
    """
    if period is None:
        return True
    last = period.fin or period.debut
    return not (last < student.debut or period.debut > student.fin)


@dataclass(frozen=True)
class PeriodReview:
    numero: str
    periode: int
    date: dt.date | None = None
    activites: str = ""
    autres_actions: str = ""
    apports: str = ""
    attentes: str = ""
    row: int = 0


@dataclass(frozen=True)
class TripartiteReview:
    numero: str
    date: dt.date | None = None
    heure: dt.time | None = None
    participants: str = ""
    realisations: str = ""
    processus: str = ""
    apprentissages: str = ""
    processus_apprentissage: str = ""
    retours: str = ""
    row: int = 0


@dataclass(frozen=True)
class Jury:
    jury: str
    date: dt.date
    president: str
    lieu: str = ""
    membres: tuple[str, ...] = ()
    row: int = 0


@dataclass(frozen=True)
class Defense:
    """One student's passage before a jury (sheet Soutenances)."""

    numero: str
    jury: str
    heure: dt.time
    note_rapport: float | None = None
    note_soutenance: float | None = None
    appreciation: str = ""
    row: int = 0


@dataclass(frozen=True)
class Criterion:
    section: str
    critere: str
    points: float
    row: int = 0


@dataclass(frozen=True)
class Unavailability:
    """A person (e-mail or name, as typed) who cannot attend on a day, from `de` to `a` (None: day's edge)."""

    personne: str
    date: dt.date
    de: dt.time | None = None
    a: dt.time | None = None
    row: int = 0


@dataclass(frozen=True)
class CriterionNote:
    """The jury's note for one criterion of the grille (sheet Notes)."""

    numero: str
    critere: str  # as written in the sheet Grille
    note: float
    row: int = 0


@dataclass
class Dataset:
    """Every record of one promotion workbook, cross-referenced."""

    promotion: Promotion
    calendar: dict[str, Event] = field(default_factory=dict)
    students: list[Student] = field(default_factory=list)
    reviews: list[PeriodReview] = field(default_factory=list)
    tripartites: list[TripartiteReview] = field(default_factory=list)
    juries: list[Jury] = field(default_factory=list)
    defenses: list[Defense] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    unavailabilities: list[Unavailability] = field(default_factory=list)
    notes: list[CriterionNote] = field(default_factory=list)
    equipe: list[Member] = field(default_factory=list)  # sheet Équipe

    def student(self, numero: str) -> Student:
        for s in self.students:
            if s.numero == numero:
                return s
        raise KeyError(numero)

    def reviews_of(self, numero: str) -> dict[int, PeriodReview]:
        return {r.periode: r for r in self.reviews if r.numero == numero}

    def tripartite_of(self, numero: str) -> TripartiteReview | None:
        return next((t for t in self.tripartites if t.numero == numero), None)

    def defense_of(self, numero: str) -> Defense | None:
        return next((d for d in self.defenses if d.numero == numero), None)

    def notes_of(self, numero: str) -> dict[str, float]:
        """The jury's notes of one student, by criterion text."""
        return {n.critere: n.note for n in self.notes if n.numero == numero}

    def jury(self, name: str) -> Jury | None:
        return next((j for j in self.juries if j.jury == name), None)

    def defenses_of(self, jury: str) -> list[Defense]:
        """Passages before one jury, in order of passage."""
        return sorted((d for d in self.defenses if d.jury == jury), key=lambda d: (d.heure, d.numero))

    def tutors(self) -> list[tuple[Tutor, list[Student]]]:
        """Each tutor once (by e-mail), with their students, in workbook order."""
        groups: dict[str, tuple[Tutor, list[Student]]] = {}
        for s in self.students:
            groups.setdefault(s.tuteur.key, (s.tuteur, []))[1].append(s)
        return list(groups.values())
