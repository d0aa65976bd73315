"""Exports of online forms (Google Forms CSV, Microsoft Forms .xlsx): headers → form fields.

Staff who send a Google or Microsoft form instead of copar's own ask the same questions. Each
column header is matched leniently (`schema.normalize`: case, accents, punctuation do not
matter) against, for each field: its label as printed on copar's forms, its key, and the
header and aliases of the workbook column it fills; plus the aliases below. The form type is
the one whose fields name the most columns. Timestamp and respondent columns are known and
skipped; any other column is reported as ignored, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.forms import spec
from pipeline.workbook.model import Dataset
from pipeline.workbook.schema import ETUDIANTS, SHEETS_BY_KEY, normalize

NUMERO_ALIASES = (*ETUDIANTS.column("numero").names(), normalize("Votre numéro étudiant"),
                  normalize("Numéro d'étudiant·e"), normalize("N° étudiant·e"), normalize("Numéro étudiant de l'étudiant·e"))
PERIODE_ALIASES = {normalize(a) for a in ("Période", "Periode", "N° période", "Numéro de la période", "Période concernée")}
# columns online forms add on their own: timestamps, respondent, score
SKIPPED = {normalize(a) for a in (
    "Horodateur", "Timestamp", "Horodatage", "ID", "Heure de début", "Heure de fin", "Start time", "Completion time",
    "Adresse e-mail", "Adresse de messagerie", "Email", "Email address", "Nom", "Name", "Total points", "Score",
    "Heure de la dernière modification", "Last modified time")}
EXTRA_ALIASES = {
    "activites": ("Activités de la période", "Activités"),
    "autres_actions": ("Participation à des actions autres que la mission", "Autres actions"),
    "apports": ("Apports de formation mobilisés", "Apports de formation"),
    "attentes": ("Attentes ou propositions pour les périodes suivantes", "Besoins de formation"),
    "date": ("Date du bilan", "Date de l'entretien", "Date"),
}


@dataclass(frozen=True)
class Mapping:
    form_type: str
    columns: dict[int, str]  # column index → field key
    numero: int
    periode: int | None
    ignored: tuple[str, ...]  # headers matched by nothing


def _names(form_type: str, f: spec.Field) -> set[str]:
    names = {normalize(f.label), normalize(f.key), *(normalize(a) for a in EXTRA_ALIASES.get(f.key, ()))}
    sheet = SHEETS_BY_KEY[spec.SHEETS[form_type]]
    if not f.key.startswith(spec.NOTE_PREFIX) and f.key in {c.key for c in sheet.columns}:
        names |= sheet.column(f.key).names()
    return names


def map_headers(headers: list[object], ds: Dataset) -> Mapping | None:
    """The best form type for these headers, or None when no N° étudiant column or no field matches."""
    keys = [normalize(h) for h in headers]
    numero = next((i for i, k in enumerate(keys) if k in NUMERO_ALIASES), None)
    if numero is None:
        return None
    periode = next((i for i, k in enumerate(keys) if k in PERIODE_ALIASES), None)
    best: Mapping | None = None
    for form_type in spec.TYPES:
        names = {f.key: _names(form_type, f) for f in spec.fields(form_type, ds)}
        columns = {i: key for i, k in enumerate(keys) for key, aliases in names.items()
                   if k and k in aliases and i not in (numero, periode)}
        if len(set(columns.values()) - {"date"}) == 0:
            continue
        if best is None or len(columns) > len(best.columns):
            ignored = tuple(str(headers[i]) for i, k in enumerate(keys)
                            if k and k not in SKIPPED and i not in columns and i not in (numero, periode))
            best = Mapping(form_type, columns, numero, periode if form_type == spec.BILAN else None, ignored)
    return best
