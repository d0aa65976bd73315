"""What each template receives: records → plain dicts of printable strings.

The shapes are documented in docs/template-context.md (generated); `copar templates vars`
prints them with the sample's values (the page is its --format markdown output).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.documents import formats as fmt
from pipeline.workbook.model import (
    Criterion,
    Dataset,
    Defense,
    Event,
    Jury,
    PeriodReview,
    Student,
    TripartiteReview,
    Tutor,
)
from pipeline.workbook.parse import without_address
from pipeline.workbook.schema import CALENDAR_KEYS

DEFAULT_LETTER_PLACE = "Rennes"  # where letters are dated from, unless the Promotion's « Lieu des courriers » says
EMPTY_EVENT = {"evenement": "", "date": "", "date_courte": "", "horaire": "", "lieu": "", "public": ""}
TRIPARTITE_DURATION = "environ 45 min"


def event(e: Event | None) -> dict[str, str]:
    if e is None:
        return dict(EMPTY_EVENT)
    return {
        "evenement": e.evenement,
        "date": fmt.date_range(e.debut, e.fin),
        "date_courte": fmt.short_range(e.debut, e.fin),
        "horaire": fmt.horaire_fr(e.horaire),
        "lieu": e.lieu,
        "public": e.public,
    }


def common(ds: Dataset, today: dt.date, letter_date: dt.date | None = None) -> dict[str, Any]:
    """What every document receives. `letter_date` (--date-courrier) wins over the Promotion's own."""
    p = ds.promotion
    ordered = sorted(ds.calendar.values(), key=lambda e: (e.debut, e.row))
    return {
        "promo": {k: getattr(p, k) for k in p.__dataclass_fields__ if k != "date_courriers"},
        "genere_le": fmt.long_date(today),
        # empty when no date is set: letters then carry genere_le, which alone never makes a document new
        "date_courrier": fmt.long_date(letter_date or p.date_courriers),
        "lieu_courrier": p.lieu_courriers or DEFAULT_LETTER_PLACE,
        "echeances": {**{k: event(None) for k in CALENDAR_KEYS}, **{k: event(e) for k, e in ds.calendar.items()}},
        "calendrier": [event(e) for e in ordered],
    }


def tutor(t: Tutor) -> dict[str, str]:
    return {
        "nom": t.nom,
        "prenom": t.prenom,
        "nom_complet": t.nom_complet,
        "fonction": t.fonction,
        "courriel": t.courriel,
        "telephone": t.telephone,
        "structure": t.structure,
        "civilite": t.civilite,
        "appel": fmt.gendered(t.civilite, "Madame", "Monsieur", "Madame, Monsieur"),
        "tuteur_mot": fmt.gendered(t.civilite, "tutrice", "tuteur", "tuteur·rice"),
        "e": fmt.gendered(t.civilite, "e", "", "·e"),
    }


def student(s: Student, ds: Dataset) -> dict[str, Any]:
    public = "formation continue" if s.formation_continue else "stage"
    own = sorted(
        (e for e in ds.calendar.values() if e.public in ("tous", public) and not e.cle.startswith("periode_")),
        key=lambda e: (e.debut, e.row),
    )
    return {
        "numero": s.numero,
        "nom": s.nom,
        "prenom": s.prenom,
        "nom_complet": s.nom_complet,
        "civilite": s.civilite,
        "appel": fmt.gendered(s.civilite, "Madame", "Monsieur", "Madame, Monsieur"),
        "etudiant_mot": fmt.gendered(s.civilite, "étudiante", "étudiant", "étudiant·e"),
        "e": fmt.gendered(s.civilite, "e", "", "·e"),
        "courriel": s.courriel,
        "statut": s.statut_libelle,
        "statut_cle": s.statut,
        "en_emploi": s.en_emploi,
        "formation_continue": s.formation_continue,
        "structure": s.structure,
        "adresse_structure": s.adresse_structure,
        "mission": s.mission,
        "type_mission": s.type_mission_libelle,
        "debut": fmt.long_date(s.debut),
        "fin": fmt.long_date(s.fin),
        "debut_court": fmt.short_date(s.debut),
        "fin_court": fmt.short_date(s.fin),
        "heures": fmt.hours_fr(s.heures),
        "rythme_tic": "deux jours par mois" if s.formation_continue else "une semaine par mois",
        "question_professionnelle": s.question_professionnelle,
        "tuteur_memoire": s.tuteur_memoire,
        "tuteur": tutor(s.tuteur),
        "echeances": [event(e) for e in own],
    }


def period(n: int, review: PeriodReview | None, ds: Dataset, due: bool = True) -> dict[str, Any]:
    r = review or PeriodReview("", n)
    return {
        "concerne": due,
        "numero": n,
        "titre": f"Période {n}",
        "dates": event(ds.calendar.get(f"periode_{n}"))["date"],
        "date_bilan": fmt.long_date(r.date),
        "activites": r.activites,
        "autres_actions": r.autres_actions,
        "apports": r.apports,
        "attentes": r.attentes,
        "rempli": review is not None,
    }


def tripartite(t: TripartiteReview | None) -> dict[str, Any]:
    r = t or TripartiteReview("")
    return {
        "date": fmt.long_date(r.date),
        "heure": fmt.time_fr(r.heure),
        "duree": TRIPARTITE_DURATION,
        "participants": r.participants,
        "realisations": r.realisations,
        "processus": r.processus,
        "apprentissages": r.apprentissages,
        "processus_apprentissage": r.processus_apprentissage,
        "retours": r.retours,
        "rempli": t is not None,
    }


def jury(j: Jury | None) -> dict[str, Any]:
    if j is None:
        return {"nom": "", "date": "", "lieu": "", "president": "", "membres": [], "membres_texte": ""}
    membres = [name for m in j.membres if (name := without_address(m))]  # « Nom <adresse> »: never printed
    return {
        "nom": j.jury,
        "date": fmt.long_date(j.date),
        "lieu": j.lieu,
        "president": without_address(j.president),
        "membres": membres,
        "membres_texte": ", ".join(membres),
    }


def passage(d: Defense | None, s: Student, ds: Dataset, page: int | str = "") -> dict[str, Any]:
    if d is None:
        d = Defense(s.numero, "", None)  # type: ignore[arg-type]
    total = None
    if d.note_rapport is not None and d.note_soutenance is not None:
        total = d.note_rapport + d.note_soutenance
    return {
        "heure": fmt.time_fr(d.heure),
        "note_rapport": fmt.number_fr(d.note_rapport),
        "note_soutenance": fmt.number_fr(d.note_soutenance),
        "total": fmt.number_fr(total),
        "appreciation": d.appreciation,
        "etudiant": student(s, ds),
        "page": page,
    }


def sections(criteria: list[Criterion], notes: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """The grille by section; `notes` (criterion text → note, sheet Notes) fills the Note column."""
    notes = notes or {}
    groups: dict[str, list[Criterion]] = {}
    for c in criteria:
        groups.setdefault(c.section, []).append(c)
    result = []
    for title, items in groups.items():
        given = [notes[c.critere] for c in items if c.critere in notes]
        result.append({
            "titre": title,
            "points": fmt.number_fr(sum(c.points for c in items)),
            "note": fmt.number_fr(sum(given)) if len(given) == len(items) else "",
            "criteres": [{"critere": c.critere, "points": fmt.number_fr(c.points),
                          "note": fmt.number_fr(notes.get(c.critere))} for c in items],
        })
    return result


def team(ds: Dataset) -> list[dict[str, str]]:
    p = ds.promotion
    members = [{"nom": p.responsable, "role": "Responsable pédagogique"}]
    if p.accompagnement:
        members.append({"nom": p.accompagnement, "role": "Accompagnement de l'alternance"})
    return members
