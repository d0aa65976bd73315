"""Where forms go: `outputs/formulaires/<type>[-periode-<N>]/<recipient>/`.

<recipient> is `tuteur-<nom>-<prenom>` for bilans and comptes rendus, the jury's folder
(`jury-a`, as under outputs/jurys/) for grilles; a form is `<n°>-<nom>-<prenom>[-periode-<N>].pdf`
(or .docx); with --format xlsx, one `<recipient>.xlsx` per recipient. `copar mails` finds a
tutor's forms with `recipient_folder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.documents.catalogue import Layout
from pipeline.documents.formats import slug
from pipeline.forms import spec
from pipeline.workbook.model import Dataset, Student, Tutor

ROOT = "formulaires"
CONFLICTS = "conflits.xlsx"
REPORT = "rapport-de-collecte.txt"


@dataclass(frozen=True)
class FormRecipient:
    folder: str  # `tuteur-l-hote-gaelle`, `jury-a`
    name: str  # French, for people: « Gaëlle L'Hôte », « Jury A »
    courriel: str = ""


def type_folder(form_type: str, periode: int | None = None) -> str:
    return f"{form_type}-periode-{periode}" if periode else form_type


def file_stem(student: Student, periode: int | None = None) -> str:
    stem = f"{slug(student.numero, 20)}-{slug(student.nom, 30)}-{slug(student.prenom, 30)}"
    return f"{stem}-periode-{periode}" if periode else stem


def tutor_folder(tutor: Tutor) -> str:
    return f"tuteur-{slug(tutor.nom, 30)}-{slug(tutor.prenom, 30)}"


def recipients(ds: Dataset, form_type: str) -> dict[str, FormRecipient]:
    """N° étudiant → who fills that student's form; a grille only for students with a soutenance."""
    if form_type == spec.GRILLE:
        juries = Layout.of(ds).juries
        return {d.numero: FormRecipient(juries[d.jury], d.jury) for d in ds.defenses if d.jury in juries}
    folders: dict[str, str] = {}
    taken: set[str] = set()
    for tutor, _ in ds.tutors():
        base = candidate = tutor_folder(tutor)
        n = 1
        while candidate in taken:  # two tutors of the same name: -2, -3…
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        folders[tutor.key] = candidate
    return {s.numero: FormRecipient(folders[s.tuteur.key], s.tuteur.nom_complet, s.tuteur.courriel) for s in ds.students}


def recipient_folder(output: Path, ds: Dataset, form_type: str, student: Student, periode: int | None = None) -> Path:
    """The folder holding the forms that `student`'s tutor (or jury) fills."""
    return output / ROOT / type_folder(form_type, periode) / recipients(ds, form_type)[student.numero].folder


def form_path(output: Path, ds: Dataset, form_type: str, student: Student, periode: int | None, suffix: str) -> Path:
    return recipient_folder(output, ds, form_type, student, periode) / f"{file_stem(student, periode)}{suffix}"
