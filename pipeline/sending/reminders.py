"""`copar mails --pour relance --type bilan|compte-rendu|grille [--periode N]`: the reminders.

One message per tutor (or jury, for grilles) who still owes a return, and only them, with
the forms `copar forms` wrote for the students concerned attached again
(`pipeline.forms.layout`) and the deadline. Who owes what is `pipeline.tracking.status`'s
to say, on the day of the reminder:

- bilan with --periode N: the bilan of period N is « en retard » or still « à venir »
  (not received, and the period concerns the student); without --periode: every period
  whose bilan is « en retard »;
- compte-rendu: the tripartite review's compte rendu is « en retard »;
- grille: the student has a soutenance and the jury's notes are not both in the workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.documents import contexts as cx
from pipeline.documents import formats as fmt
from pipeline.documents.catalogue import Layout
from pipeline.errors import CoparError
from pipeline.forms import layout as forms_layout
from pipeline.forms import spec
from pipeline.sending import calendars as ical
from pipeline.sending.campaigns import Attachment, Draft, _tutor, jury_members, team
from pipeline.tracking.status import A_VENIR, EN_RETARD, INUTILISABLE, Deliverable, follow_up
from pipeline.workbook.model import PERIODS, Dataset, Student

TYPES = {"bilan": spec.BILAN, "compte-rendu": spec.COMPTE_RENDU, "grille": spec.GRILLE}
WHAT = {spec.BILAN: "le bilan intermédiaire", spec.COMPTE_RENDU: "le compte rendu du bilan tripartite",
        spec.GRILLE: "la grille d'évaluation"}


def folder_name(form_type: str | None, periode: int | None) -> str:
    return f"relance-{form_type}" + (f"-periode-{periode}" if periode is not None and form_type == "bilan" else "")


@dataclass(frozen=True)
class Owed:
    student: Student
    kind: str  # spec.BILAN, …
    periode: int | None
    item: Deliverable


def owed(ds: Dataset, form_type: str, periode: int | None, today: dt.date) -> list[Owed]:
    """What is still owed on `today`, student by student, in workbook order."""
    if form_type not in TYPES:
        raise CoparError(f"Type de relance inconnu : {form_type}. Choix possibles : {', '.join(TYPES)} "
                         "(option --type).")
    if periode is not None and form_type != "bilan":
        raise CoparError("--periode ne s'emploie qu'avec --type bilan.")
    result = []
    for state in follow_up(ds, {}, today):
        items = {i.key: i for i in state.items}
        s = state.student
        if form_type == "bilan":
            for n in ([periode] if periode is not None else list(PERIODS)):
                item = items[f"bilan_{n}"]
                late = (EN_RETARD, INUTILISABLE) + ((A_VENIR,) if periode is not None else ())
                if item.state in late:
                    result.append(Owed(s, spec.BILAN, n, item))
        elif form_type == "compte-rendu":
            if items["tripartite"].state == EN_RETARD:
                result.append(Owed(s, spec.COMPTE_RENDU, None, items["tripartite"]))
        elif ds.defense_of(s.numero) is not None and items["jury"].state in (EN_RETARD, A_VENIR):
            result.append(Owed(s, spec.GRILLE, None, items["jury"]))
    return result


def _line(o: Owed, ds: Dataset) -> dict[str, Any]:
    what = WHAT[o.kind] + (f" de la période {o.periode}" if o.kind == spec.BILAN else "")
    return {**cx.student(o.student, ds), "document": what, "accord": "e" if o.kind == spec.GRILLE else "",
            "echeance": fmt.long_date(o.item.due) if o.item.due else "",
            "en_retard": o.item.state == EN_RETARD}


def _deadline(lines: list[Owed]) -> str:
    days = [o.item.due for o in lines if o.item.due is not None]
    return fmt.long_date(min(days)) if days else ""


def reminder_drafts(ds: Dataset, layout: Layout, common: dict[str, Any], out: Path, form_type: str | None,
                    periode: int | None, today: dt.date) -> list[Draft]:
    """One reminder per tutor (jury for grilles) who owes something, with those students' forms."""
    if form_type is None:
        raise CoparError("Précisez ce qui est à relancer : --type bilan, compte-rendu ou grille.")
    lines = owed(ds, form_type, periode, today)
    base = {**common, "type": form_type, "periode": periode, "aujourdhui": fmt.long_date(today)}

    def which(mine: list[Owed]) -> list[dict[str, str]]:  # for the journal and `copar suivi`
        return [{"numero": o.student.numero, "element": o.item.key} for o in mine]

    drafts = []
    if form_type == "grille":
        for j in ds.juries:
            mine = [o for o in lines if (d := ds.defense_of(o.student.numero)) is not None and d.jury == j.jury]
            if mine:
                drafts.append(Draft(
                    layout.juries[j.jury], jury_members(ds, j.jury), team(ds),
                    {**base, "tuteur": None, "jury": cx.jury(j), "etudiants": [_line(o, ds) for o in mine],
                     "echeance": _deadline(mine), "relance": which(mine)},
                    _owed_forms(out, ds, mine)))
        return drafts
    for t, students in ds.tutors():
        numbers = {s.numero for s in students}
        mine = [o for o in lines if o.student.numero in numbers]
        if mine:
            drafts.append(Draft(
                ical.tutor_stem(layout, t), [_tutor(t)], [],
                {**base, "tuteur": cx.tutor(t), "jury": None, "etudiants": [_line(o, ds) for o in mine],
                 "echeance": _deadline(mine), "relance": which(mine)},
                _owed_forms(out, ds, mine)))
    return drafts


FORMATS = (".pdf", ".docx")  # one format per form: the first `copar forms` wrote


def _owed_forms(out: Path, ds: Dataset, lines: list[Owed]) -> list[Attachment]:
    """The form of each thing still owed (not the ones already returned), or the recipient's workbook."""
    result: list[Attachment] = []
    for o in lines:
        folder = forms_layout.recipient_folder(out, ds, o.kind, o.student, o.periode)
        stem = forms_layout.file_stem(o.student, o.periode)
        hint = f"copar forms --type {o.kind.replace('_', '-')}" + (f" --periode {o.periode}" if o.periode else "")
        found = [folder / f"{stem}{suffix}" for suffix in FORMATS if (folder / f"{stem}{suffix}").is_file()]
        workbook = folder / f"{folder.name}.xlsx"
        if not found and workbook.is_file():
            found = [workbook]
        path = found[0] if found else folder / f"{stem}.pdf"
        if all(a.path != path for a in result):
            result.append(Attachment(path, hint, f"{o.kind}-{path.name}"))
    return result


def example_context(ds: Dataset, today: dt.date, common: dict[str, Any]) -> dict[str, Any] | None:
    """What courriel-relance.* receives, for the template lint (the first period's reminders)."""
    for form_type in ("bilan", "compte-rendu"):
        drafts = reminder_drafts(ds, Layout.of(ds), common, Path("sorties"), form_type, None, today)
        if drafts:
            return drafts[0].context
    return None
