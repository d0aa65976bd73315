"""The catalogue: every document family, declared once.

A family names its template, what it is "one per", how to build the context of each
document and where the document goes under outputs/. Adding a family is one template
in templates_docx/ plus one `Family(...)` entry in CATALOGUE (docs/architecture.md, How to add a document family).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable

from pipeline.documents import contexts as cx
from pipeline.documents.formats import slug
from pipeline.errors import CoparError
from pipeline.workbook.model import PERIODS, Dataset, Student


@dataclass(frozen=True)
class Unit:
    """One document to render: its family, its output path (no suffix), its context."""

    family: str
    path: PurePosixPath
    context: dict[str, Any]
    label: str
    numero: str | None = None  # the student it concerns, if any


@dataclass
class Layout:
    """Output folder names, unique and safe, computed once per build."""

    students: dict[str, str] = field(default_factory=dict)  # numero -> folder
    tutors: dict[str, str] = field(default_factory=dict)  # tutor key -> file stem
    juries: dict[str, str] = field(default_factory=dict)  # jury name -> folder

    @classmethod
    def of(cls, ds: Dataset) -> Layout:
        return cls(
            students=_unique({s.numero: f"{slug(s.numero, 20)}-{slug(s.nom, 30)}-{slug(s.prenom, 30)}" for s in ds.students}),
            tutors=_unique({t.key: f"invitation-{slug(t.nom, 30)}-{slug(t.prenom, 30)}" for t, _ in ds.tutors()}),
            juries=_unique({j.jury: _jury_folder(j.jury) for j in ds.juries}),
        )

    def student_dir(self, s: Student) -> PurePosixPath:
        return PurePosixPath("etudiants", self.students[s.numero])

    def jury_dir(self, name: str) -> PurePosixPath:
        return PurePosixPath("jurys", self.juries[name])


def _jury_folder(name: str) -> str:
    """"Jury A" → "jury-a"; "Septembre 1" → "jury-septembre-1"."""
    base = slug(name, 40)
    return base if base.startswith("jury") else f"jury-{base}"


def _unique(names: dict[str, str]) -> dict[str, str]:
    """Make values unique case-insensitively by suffixing -2, -3…"""
    seen: set[str] = set()
    result = {}
    for key, name in names.items():
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name}-{n}"
        seen.add(candidate.lower())
        result[key] = candidate
    return result


Builder = Callable[[Dataset, dict[str, Any], Layout], list[Unit]]


@dataclass(frozen=True)
class Family:
    name: str  # value of --only, and the template's file name without .docx
    title: str  # French, shown in summaries and `templates vars`
    per: str  # French: what one document is for
    build: Builder
    standalone: bool = True  # False: rendered only as part of jury packets
    bundle: str | None = None  # French title of its print bundle (`copar lots --famille`); None: not bundled

    @property
    def template(self) -> str:
        return f"{self.name}.docx"


# --- builders -----------------------------------------------------------------------


# File name (no suffix) of each per-student document in the student's folder.
STUDENT_FILES = {
    "fiche": "fiche-alternance",
    "cahier": "cahier-des-charges",
    "feuille_de_route": "feuille-de-route",
    "livret": "livret-de-bilans",
    "compte_rendu": "compte-rendu-bilan-tripartite",
    "grille": "grille-evaluation",
}


def _per_student(name: str, title: str, extra: Callable[[Student, Dataset], dict[str, Any]],
                 keep: Callable[[Student], bool] = lambda s: True) -> Builder:
    def build(ds: Dataset, common: dict[str, Any], layout: Layout) -> list[Unit]:
        return [
            Unit(name, layout.student_dir(s) / STUDENT_FILES[name],
                 {**common, "etudiant": cx.student(s, ds), **extra(s, ds)},
                 f"{title} — {s.nom_complet}", s.numero)
            for s in ds.students if keep(s)
        ]
    return build


def _bilans(ds: Dataset, common: dict[str, Any], layout: Layout) -> list[Unit]:
    units = []
    for s in ds.students:
        reviews = ds.reviews_of(s.numero)
        for n in s.periods_due(ds.calendar):
            units.append(Unit("bilan", layout.student_dir(s) / f"bilan-periode-{n}",
                              {**common, "etudiant": cx.student(s, ds), "periode": cx.period(n, reviews.get(n), ds)},
                              f"Bilan intermédiaire, période {n} — {s.nom_complet}", s.numero))
    return units


def _livret(s: Student, ds: Dataset) -> dict[str, Any]:
    reviews = ds.reviews_of(s.numero)
    due = s.periods_due(ds.calendar)
    return {"periodes": [cx.period(n, reviews.get(n), ds, due=n in due) for n in PERIODS]}


def _cahier_due(s: Student, ds: Dataset) -> dict[str, Any]:
    """Cahier des charges and feuille de route share their deadline (handbook: 22 January)."""
    return {"echeance": cx.event(ds.calendar.get("cahier_des_charges"))}


def _grille(s: Student, ds: Dataset) -> dict[str, Any]:
    defense = ds.defense_of(s.numero)
    return {
        "jury": cx.jury(ds.jury(defense.jury) if defense else None),
        "passage": cx.passage(defense, s, ds),
        "sections": cx.sections(ds.criteria, ds.notes_of(s.numero)),
        "total_points": "20",
    }


def _invitations(ds: Dataset, common: dict[str, Any], layout: Layout) -> list[Unit]:
    reunion = common["echeances"]["reunion_tuteurs"]
    return [
        Unit("invitation", PurePosixPath("reunion-tuteurs", "invitations", layout.tutors[t.key]),
             {**common, "tuteur": cx.tutor(t), "etudiants": [cx.student(s, ds) for s in students], "reunion": reunion},
             f"Invitation — {t.nom_complet}", None)
        for t, students in ds.tutors()
    ]


def _emargement(ds: Dataset, common: dict[str, Any], layout: Layout) -> list[Unit]:
    groups = [{"tuteur": cx.tutor(t), "etudiants": [cx.student(s, ds) for s in students]}
              for t, students in sorted(ds.tutors(), key=lambda g: (g[0].nom.lower(), g[0].prenom.lower()))]
    context = {
        **common,
        "reunion": common["echeances"]["reunion_tuteurs"],
        "groupes": groups,
        "equipe": cx.team(ds),
        "nb_tuteurs": len(groups),
        "nb_etudiants": len(ds.students),
    }
    return [Unit("emargement", PurePosixPath("reunion-tuteurs", "feuille-emargement"), context,
                 "Feuille d'émargement de la réunion des tuteur·rices")]


CATALOGUE: tuple[Family, ...] = (
    Family("invitation", "Invitation à la réunion des tuteur·rices", "tuteur·rice", _invitations,
           bundle="Invitations à la réunion des tuteur·rices"),
    Family("emargement", "Feuille d'émargement de la réunion", "réunion", _emargement),
    Family("fiche", "Fiche d'alternance", "étudiant·e",
           _per_student("fiche", "Fiche d'alternance", lambda s, ds: {}), bundle="Fiches d'alternance"),
    Family("cahier", "Cahier des charges (trame)", "étudiant·e hors emploi",
           _per_student("cahier", "Cahier des charges",
                        _cahier_due,
                        keep=lambda s: not s.en_emploi), bundle="Cahiers des charges"),
    Family("feuille_de_route", "Feuille de route (trame)", "étudiant·e en emploi",
           _per_student("feuille_de_route", "Feuille de route",
                        _cahier_due,
                        keep=lambda s: s.en_emploi), bundle="Feuilles de route"),
    Family("bilan", "Bilan intermédiaire", "étudiant·e et période", _bilans, bundle="Bilans intermédiaires"),
    Family("livret", "Livret de bilans", "étudiant·e", _per_student("livret", "Livret de bilans", _livret),
           bundle="Livrets de bilans"),
    Family("compte_rendu", "Compte rendu du bilan tripartite", "étudiant·e",
           _per_student("compte_rendu", "Compte rendu du bilan tripartite",
                        lambda s, ds: {"bilan": cx.tripartite(ds.tripartite_of(s.numero))}),
           bundle="Comptes rendus des bilans tripartites"),
    Family("grille", "Grille d'évaluation du jury", "étudiant·e",
           _per_student("grille", "Grille d'évaluation", _grille), bundle="Grilles d'évaluation du jury"),
    Family("couverture_jury", "Couverture et sommaire du dossier de jury", "jury", lambda ds, c, lay: [], standalone=False),
    Family("rapport_indisponible", "Page « rapport non disponible »", "rapport manquant", lambda ds, c, lay: [], standalone=False),
)
FAMILIES = {f.name: f for f in CATALOGUE}

PACKET_FAMILY = "dossier_jury"  # the jury packets: assembled from the other families' PDFs, no template of their own

# Names that stand for several families (--only jurys, or `expand({"jurys"})` from Python).
GROUPS: dict[str, tuple[str, ...]] = {
    "reunion-tuteurs": ("invitation", "emargement", "fiche"),
    "bilans": ("bilan", "livret"),
    "jurys": ("grille", "compte_rendu", "livret", PACKET_FAMILY),  # the packets and what they are made of
}

GROUP_TITLES = {  # French, where a person chooses (the web page's Documents)
    "reunion-tuteurs": "Réunion des tuteur·rices (invitations, émargement, fiches)",
    "bilans": "Bilans intermédiaires et livrets",
    "jurys": "Jurys (grilles, comptes rendus, livrets et dossiers de jury)",
}


class UnknownFamily(CoparError):
    """Raised when a family or group name asked for is not in the catalogue."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"famille inconnue pour --only : {name}. Choix possibles : " + ", ".join(only_names()) + ".")


def only_names() -> list[str]:
    """The names a person may give to --only: groups and buildable families, spelt with dashes."""
    return sorted({*GROUPS, *(f.name.replace("_", "-") for f in CATALOGUE if f.standalone)})


def choices() -> list[tuple[str, str]]:
    """(name for --only, French label) of each group, then of each family a person may build alone."""
    return [(g, GROUP_TITLES[g]) for g in GROUPS] + [
        (f.name.replace("_", "-"), f.bundle or f.title) for f in CATALOGUE if f.standalone]


def bundle_names() -> list[str]:
    """The names `copar lots --famille` accepts, spelt with dashes, in catalogue order."""
    return [f.name.replace("_", "-") for f in CATALOGUE if f.bundle]


def selectable() -> frozenset[str]:
    """The family names `build` accepts in `Settings.only`: every standalone family, and the packets."""
    return frozenset({f.name for f in CATALOGUE if f.standalone} | {PACKET_FAMILY})


def expand(names: Iterable[str]) -> frozenset[str]:
    """Family names for names that may be groups (`jurys`) or spelt with dashes (`compte-rendu`).

    Raises UnknownFamily for a name that is neither.
    """
    families: set[str] = set()
    for name in names:
        name = name.strip().lower()
        if name in GROUPS:
            families.update(GROUPS[name])
        elif name.replace("-", "_") in selectable():
            families.add(name.replace("-", "_"))
        else:
            raise UnknownFamily(name)
    return frozenset(families)


def split_selection(only: Iterable[str]) -> tuple[set[str], bool]:
    """The families to render for `Settings.only` (empty: all), and whether jury packets are wanted."""
    chosen = set(only)
    if not chosen:
        return {f.name for f in CATALOGUE if f.standalone}, True
    unknown = sorted(chosen - selectable())
    if unknown:
        raise UnknownFamily(unknown[0])
    return chosen - {PACKET_FAMILY}, PACKET_FAMILY in chosen


def units(ds: Dataset, families: set[str], today: dt.date, layout: Layout | None = None,
          letter_date: dt.date | None = None) -> list[Unit]:
    layout = layout or Layout.of(ds)
    common = cx.common(ds, today, letter_date)
    result: list[Unit] = []
    for family in CATALOGUE:
        if family.name in families:
            result.extend(family.build(ds, common, layout))
    return result
