"""One form per student (and period): its identity, its identity block, its fields and their values.

The three writers (pdf, word, sheet) print exactly this; nothing here knows a file format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.documents import formats as fmt
from pipeline.errors import CoparError
from pipeline.forms import spec
from pipeline.forms.layout import FormRecipient, recipients
from pipeline.workbook.model import Dataset, Student


@dataclass(frozen=True)
class Form:
    identity: spec.Identity
    title: str
    subtitle: str
    block: tuple[tuple[str, str], ...]  # the identity block: (label, value), printed, not editable
    fields: tuple[spec.Field, ...]
    values: dict[str, str] = field(default_factory=dict)  # pre-filled answers, as typed in a form
    student: Student | None = None
    recipient: FormRecipient | None = None
    header: tuple[str, str] = ("", "")  # programme, promotion and année


def build_forms(ds: Dataset, form_type: str, periode: int | None = None, numero: str | None = None) -> list[Form]:
    """Every form of one type (for one period), or one student's. Raises CoparError on a bad request."""
    if form_type == spec.BILAN and periode is None:
        raise CoparError("Indiquez la période des bilans intermédiaires avec --periode (de 1 à 6).")
    if form_type != spec.BILAN and periode is not None:
        raise CoparError("--periode ne s'applique qu'aux bilans intermédiaires (--type bilan) : retirez-la.")
    if periode is not None and not 1 <= periode <= 6:
        raise CoparError(f"Période {periode} hors limites : indiquez --periode de 1 à 6.")
    if form_type == spec.GRILLE and not ds.criteria:
        raise CoparError("La feuille Grille est vide : ajoutez les critères d'évaluation avant de produire les grilles.")
    students = [s for s in ds.students if numero is None or s.numero == numero]
    if numero is not None and not students:
        raise CoparError(f"Aucun·e étudiant·e n° {numero} dans la feuille Étudiant·es : vérifiez --etudiant.")
    by_student = recipients(ds, form_type)
    version = spec.version(form_type, ds)
    fields = spec.fields(form_type, ds)
    p = ds.promotion
    header = (f"{p.formation} — {p.parcours}", f"{p.promotion} · {p.annee}")
    forms = []
    for s in students:
        if s.numero not in by_student:
            continue  # grille: a student without a soutenance has no jury to send it to
        identity = spec.Identity(form_type, s.numero, periode, p.annee, version)
        forms.append(Form(identity, spec.TITLES[form_type], _subtitle(ds, form_type, periode),
                          _block(ds, s, form_type, periode), fields, _values(ds, s, form_type, periode),
                          s, by_student[s.numero], header))
    return forms


def _subtitle(ds: Dataset, form_type: str, periode: int | None) -> str:
    if form_type == spec.BILAN:
        e = ds.calendar.get(f"periode_{periode}")
        return f"Période {periode}" + (f" — {fmt.date_range(e.debut, e.fin)}" if e else "")
    if form_type == spec.COMPTE_RENDU:
        return "Bilan de la formation en situation professionnelle"
    return "Rapport de mission et soutenance"


def _block(ds: Dataset, s: Student, form_type: str, periode: int | None) -> tuple[tuple[str, str], ...]:
    tutor = s.tuteur.nom_complet + (f", {s.tuteur.fonction}" if s.tuteur.fonction else "")
    rows = [("Étudiant·e", s.nom_complet), ("N° étudiant", s.numero), ("Structure d'accueil", s.structure),
            ("Tuteur·rice professionnel·le", tutor), ("Mission", s.mission)]
    if form_type == spec.BILAN:
        e = ds.calendar.get(f"periode_{periode}")
        rows.append(("Période", f"Période {periode}" + (f" — {fmt.short_range(e.debut, e.fin)}" if e else "")))
    elif form_type == spec.COMPTE_RENDU:
        e = ds.calendar.get("bilan_tripartite")
        rows.append(("Bilan tripartite", fmt.date_range(e.debut, e.fin) if e else ""))
    else:
        d = ds.defense_of(s.numero)
        j = ds.jury(d.jury) if d else None
        if d and j:
            rows.append(("Jury", f"{j.jury} — {fmt.long_date(j.date)}" + (f", {j.lieu}" if j.lieu else "")))
            rows.append(("Heure de passage", fmt.time_fr(d.heure)))
    return tuple(rows)


def _values(ds: Dataset, s: Student, form_type: str, periode: int | None) -> dict[str, str]:
    """What the workbook already holds, as a person would type it in the form."""
    if form_type == spec.BILAN:
        r = ds.reviews_of(s.numero).get(periode or 0)
        if r is None:
            return {}
        return {"date": fmt.short_date(r.date), "activites": r.activites, "autres_actions": r.autres_actions,
                "apports": r.apports, "attentes": r.attentes}
    if form_type == spec.COMPTE_RENDU:
        t = ds.tripartite_of(s.numero)
        if t is None:
            return {}
        return {"date": fmt.short_date(t.date), "heure": t.heure.strftime("%H:%M") if t.heure else "",
                "participants": t.participants, "realisations": t.realisations, "processus": t.processus,
                "apprentissages": t.apprentissages, "processus_apprentissage": t.processus_apprentissage,
                "retours": t.retours}
    notes = ds.notes_of(s.numero)
    values = {f"{spec.NOTE_PREFIX}{i}": fmt.number_fr(notes[c.critere])
              for i, c in enumerate(ds.criteria, start=1) if c.critere in notes}
    d = ds.defense_of(s.numero)
    if d is not None:
        values.update(note_rapport=fmt.number_fr(d.note_rapport), note_soutenance=fmt.number_fr(d.note_soutenance),
                      appreciation=d.appreciation)
    return {k: v for k, v in values.items() if v}
