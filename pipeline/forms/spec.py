"""What each form type asks, field by field, and the identity every form carries.

The field keys are the column keys of the workbook sheets the answers go to (Bilans
intermédiaires, Bilans tripartites, Soutenances), except the grille's per-criterion notes,
`critere_1` … `critere_N` in the order of the sheet Grille, which go to the sheet Notes.
A form's *version* is a fingerprint of its fields (keys, labels, kinds, bounds): a returned
form whose version differs from today's was made for another grille or another copar.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from pipeline.workbook.model import Dataset

BILAN, COMPTE_RENDU, GRILLE = "bilan", "compte-rendu", "grille"
TYPES = (BILAN, COMPTE_RENDU, GRILLE)
TITLES = {
    BILAN: "Bilan intermédiaire d'avancée de la mission",
    COMPTE_RENDU: "Compte rendu du bilan tripartite",
    GRILLE: "Grille d'évaluation du jury",
}
# the sheet each form type fills (criterion notes also go to Notes)
SHEETS = {BILAN: "bilans", COMPTE_RENDU: "tripartites", GRILLE: "soutenances"}

LONGTEXT, TEXT, DATE, TIME, NUMBER = "longtext", "text", "date", "time", "number"
NOTE_PREFIX = "critere_"
MARKER = "copar-formulaire"  # Info key, custom property and hidden sheet name


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # French, as printed on the form
    kind: str
    help: str = ""
    maximum: float | None = None  # number fields: the criterion's points
    section: str = ""  # grille: the criterion's section


_BILAN = (
    Field("date", "Date du bilan", DATE, "JJ/MM/AAAA"),
    Field("activites", "Activités de la période, contribution à la mission", LONGTEXT),
    Field("autres_actions", "Participation à des actions autres que la mission (intérêt, questions…)", LONGTEXT),
    Field("apports", "Apports de formation mobilisés", LONGTEXT),
    Field("attentes", "Attentes ou propositions pour les périodes suivantes, besoins de formation à développer",
          LONGTEXT),
)
_COMPTE_RENDU = (
    Field("date", "Date de l'entretien", DATE, "JJ/MM/AAAA"),
    Field("heure", "Heure", TIME, "HH:MM"),
    Field("participants", "Participant·es (une personne par ligne)", LONGTEXT),
    Field("realisations", "Réalisations, résultats et impact", LONGTEXT,
          "Ce qui a été réalisé et ses effets : activités et pratiques mises en œuvre, effets de l'action menée."),
    Field("processus", "Processus", LONGTEXT,
          "La manière dont cela a été fait : ce qui a permis d'y arriver, ce qui a été mobilisé."),
    Field("apprentissages", "Apprentissages", LONGTEXT, "Ce qui a été appris, y compris des ratés et des erreurs."),
    Field("processus_apprentissage", "Processus d'apprentissage", LONGTEXT,
          "Ce qui a soutenu les apprentissages, les moyens qui ont permis d'apprendre."),
    Field("retours", "Retours et suites", LONGTEXT,
          "Les retours constructifs et la projection dans les étapes professionnelles à venir."),
)


def fields(form_type: str, ds: Dataset) -> tuple[Field, ...]:
    """The fields of one form type; the grille's follow the sheet Grille."""
    if form_type == BILAN:
        return _BILAN
    if form_type == COMPTE_RENDU:
        return _COMPTE_RENDU
    criteria = tuple(
        Field(f"{NOTE_PREFIX}{i}", c.critere, NUMBER, f"de 0 à {c.points:g}", c.points, c.section)
        for i, c in enumerate(ds.criteria, start=1)
    )
    total = f"rapport + soutenance = total des critères, sur {sum(c.points for c in ds.criteria):g}"
    return (*criteria,
            Field("note_rapport", "Note du rapport de mission", NUMBER, total, 20.0),
            Field("note_soutenance", "Note de la soutenance", NUMBER, total, 20.0),
            Field("appreciation", "Appréciation du jury", LONGTEXT))


def version(form_type: str, ds: Dataset) -> str:
    """Fingerprint of a form type's fields: 12 hex digits."""
    spec = [form_type, *[(f.key, f.label, f.kind, f.maximum) for f in fields(form_type, ds)]]
    return hashlib.sha256(json.dumps(spec, ensure_ascii=False).encode()).hexdigest()[:12]


IDENTITY_MAX = 4096  # characters of a form's identity as JSON (a few hundred in practice)


def _scalar(value: object) -> str:
    """A JSON string or number as text; TypeError for anything nested."""
    if isinstance(value, (dict, list)) or isinstance(value, bool) or value is None:
        raise TypeError(type(value).__name__)
    return str(value)


@dataclass(frozen=True)
class Identity:
    """What a form is, written into every form so that `collect` need not trust file names."""

    type: str
    numero: str
    periode: int | None
    annee: str  # the promotion's année universitaire, e.g. 2023-2024
    version: str
    recipient: str = ""  # the folder of who fills it (`tuteur-l-hote-gaelle`, `jury-a`), signed forms only
    mac: str = ""  # keyed signature of all the above (see keys.py); "" in forms made before the key

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v != "" or k not in ("recipient", "mac")}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Identity:
        """Raises ValueError when `text` is not a copar identity."""
        if len(text) > IDENTITY_MAX:
            raise ValueError(f"identité de formulaire de {len(text)} caractères (limite : {IDENTITY_MAX})")
        try:
            data = json.loads(text)
            periode = data.get("periode")
            if isinstance(periode, bool) or not isinstance(periode, (int, str, type(None))):
                raise TypeError(periode)
            identity = cls(_scalar(data["type"]), _scalar(data["numero"]), None if periode in (None, "") else int(periode),
                           _scalar(data["annee"]), _scalar(data["version"]), _scalar(data.get("recipient", "")),
                           _scalar(data.get("mac", "")))
        except (TypeError, KeyError, ValueError, AttributeError, RecursionError, json.JSONDecodeError) as exc:
            raise ValueError("identité de formulaire illisible") from exc
        if identity.type not in TYPES:
            raise ValueError(f"type de formulaire inconnu : {identity.type}")
        return identity

    @property
    def label(self) -> str:
        """« bilan, période 2, n° 22004512 »."""
        period = f", période {self.periode}" if self.periode else ""
        return f"{self.type}{period}, n° {self.numero}"


def field_name(identity: Identity, key: str) -> str:
    """A PDF field's name carries the identity too: `copar__bilan__22004512__2__activites`."""
    return "__".join(("copar", identity.type, identity.numero, str(identity.periode or 0), key))


def parse_field_name(name: str) -> tuple[str, str, int | None, str] | None:
    """(type, numero, periode, key) from a field name, or None for a field that is not copar's."""
    parts = name.rsplit(".", 1)[-1].split("__")
    if len(parts) != 5 or parts[0] != "copar" or parts[1] not in TYPES or not parts[3].isdigit():
        return None
    return parts[1], parts[2], int(parts[3]) or None, parts[4]
