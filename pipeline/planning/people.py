"""Who is who: the people a slot brings together, each under one key whatever way they are written.

A tutor is known by e-mail (as in the rest of copar), a student by N° étudiant, a member of the
teaching team or of a jury by name. The sheet Disponibilités may name anyone by e-mail or by name
(« Prénom Nom » or « Nom Prénom »); `Directory.resolve` finds the key.

The teaching-team member of a bilan tripartite (`staff_of`), in this order:
1. the people named in its Participants cell other than the student and the tutor;
2. else the student's Tuteur·rice mémoire (column of Étudiant·es);
3. else the Promotion's Accompagnement alternance, else its Responsable pédagogique.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.workbook.model import Dataset, Student, TripartiteReview
from pipeline.workbook.schema import normalize


@dataclass(frozen=True)
class Person:
    key: str  # "t:<courriel>", "s:<n°>" or "p:<normalized name>"
    label: str  # as people read it: "Gaëlle L'Hôte"
    role: str  # "tuteur·rice", "étudiant·e", "équipe pédagogique", "jury"


def tutor(s: Student) -> Person:
    return Person(f"t:{s.tuteur.key}", s.tuteur.nom_complet, "tuteur·rice")


def student(s: Student) -> Person:
    return Person(f"s:{s.numero}", s.nom_complet, "étudiant·e")


def named(name: str, role: str) -> Person:
    """A member of the teaching team or of a jury, by name ("Karim Haddad, maître de conférences" → Karim Haddad)."""
    label = bare_name(name)
    return Person(f"p:{_name_key(label)}", label, role)


def bare_name(text: str) -> str:
    """The name in "Pascale Perron (accompagnement de l'alternance)" or "Karim Haddad, maître de conférences"."""
    return re.split(r"[(,]", text, maxsplit=1)[0].strip()


def _name_key(name: str) -> str:
    """Order-free: « Claire Guillou » and « GUILLOU Claire » are one person."""
    return " ".join(sorted(normalize(part) for part in name.split() if normalize(part)))


def participants(text: str) -> list[str]:
    """The names of a Participants cell: one per line or separated by semicolons, roles left out."""
    return [name for part in re.split(r"[\n;]", text) if (name := bare_name(part))]


def staff_of(s: Student, review: TripartiteReview | None, ds: Dataset) -> list[Person]:
    """The teaching-team member(s) of a student's bilan tripartite (rule in the module docstring)."""
    if review is not None and review.participants:
        others = {_name_key(s.nom_complet), _name_key(s.tuteur.nom_complet)}
        named_staff = [named(n, "équipe pédagogique") for n in participants(review.participants)
                       if _name_key(n) not in others]
        if named_staff:
            return named_staff
    for name in (s.tuteur_memoire, ds.promotion.accompagnement, ds.promotion.responsable):
        if name.strip():
            return [named(name, "équipe pédagogique")]
    return []


def jury_members(president: str, membres: tuple[str, ...]) -> list[Person]:
    people = [named(president, "jury"), *(named(m, "jury") for m in membres)]
    return list({p.key: p for p in people}.values())


@dataclass
class Directory:
    """Every spelling of every known person → their key."""

    keys: dict[str, str] = field(default_factory=dict)

    def add(self, person: Person, *spellings: str) -> None:
        if person.key.startswith("p:"):
            self.keys.setdefault(person.key, person.key)
        for spelling in (person.label, *spellings):
            if spelling and spelling.strip():
                self.keys.setdefault(_spelling(spelling), person.key)

    def resolve(self, text: str) -> str | None:
        return self.keys.get(_spelling(text)) or self.keys.get(f"p:{_name_key(bare_name(text))}")

    @classmethod
    def of(cls, ds: Dataset) -> Directory:
        d = cls()
        for s in ds.students:
            d.add(student(s), s.courriel, s.numero)
            d.add(tutor(s), s.tuteur.courriel)
            if s.tuteur_memoire:
                d.add(named(s.tuteur_memoire, "équipe pédagogique"))
        p = ds.promotion
        for name, mail in ((p.responsable, p.courriel_responsable), (p.accompagnement, p.courriel_accompagnement)):
            if name:
                d.add(named(name, "équipe pédagogique"), mail)
        for review in ds.tripartites:
            for name in participants(review.participants):
                d.add(named(name, "équipe pédagogique"))
        for jury in ds.juries:
            for member in jury_members(jury.president, jury.membres):
                d.add(member)
        return d


def _spelling(text: str) -> str:
    text = text.strip()
    return f"@{text.lower()}" if "@" in text else f"p:{_name_key(text)}"
