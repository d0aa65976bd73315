"""The text of the Instructions sheet that `copar init` writes, as data.

An introduction, then tables of rows; init.py lays them out (fonts, fills, widths).
Sheet names, headers, help texts and value lists come from `pipeline.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from pipeline.workbook import schema

TITLE = "Classeur de la promotion — mode d'emploi"

INTRO = (
    "Ce classeur rassemble les données d'une promotion : paramètres de la formation, calendrier de "
    "l'alternance, étudiant·es et tuteur·rices, bilans, jurys et grille d'évaluation.",
    "« copar check » vérifie le classeur et indique chaque problème (feuille, ligne, colonne, correction "
    "à apporter) ; « copar build » produit ensuite les documents Word et PDF.",
    "Une ligne par enregistrement, à partir de la ligne 2. Ne renommez pas les feuilles ni les en-têtes. "
    "Une ligne entièrement vide est ignorée ; une colonne ajoutée est conservée et signalée.",
    "Colonnes obligatoires : en-tête bleu foncé, « oui » et * dans le tableau ci-dessous. Les colonnes à "
    "en-tête bleu clair peuvent rester vides. Survolez un en-tête pour lire son aide.",
    "Dates au format JJ/MM/AAAA (05/12/2023), heures au format HH:MM (14:30). Listes déroulantes : "
    "Statut, Type de mission, Période, Public, Jury.",
    "Les rapports de mission se déposent en PDF dans le dossier inputs/rapports/, un fichier par "
    "étudiant·e dont le nom contient le N° étudiant (par exemple 22004512-rapport-mission.pdf) ou, à défaut, "
    "son nom et son prénom. Un cahier des charges ou une feuille de route reçu se dépose de même dans "
    "inputs/cahiers/ : « copar suivi » le compte alors comme reçu.",
)

# The format of each kind of column, as people read it (also in the header comments).
KIND_FORMATS = {
    schema.TEXT: "texte",
    schema.LONGTEXT: "texte (les retours à la ligne sont conservés)",
    schema.DATE: "date JJ/MM/AAAA",
    schema.TIME: "heure HH:MM",
    schema.INT: "nombre entier",
    schema.NUMBER: "nombre",
    schema.EMAIL: "adresse électronique",
    schema.STATUT: "liste : statut (voir plus bas)",
    schema.MISSION_TYPE: "liste : type de mission (voir plus bas)",
    schema.PERIODE: "liste : nombre de 1 à 6",
    schema.PUBLIC: "liste : " + ", ".join(schema.PUBLICS.values()),
}

PERIODES = [str(n) for n in range(1, 7)]  # the values of the Période list

_CALENDAR_USES = {
    "reunion_tuteurs": "Réunion des tuteur·rices : invitations et feuille d'émargement.",
    "cahier_des_charges": "Date de remise du cahier des charges ou de la feuille de route.",
    "point_etape": "Point d'étape individuel avec l'équipe pédagogique.",
    "rapport_mission": "Date de remise du rapport de mission.",
    "bilan_tripartite": "Entretiens tripartites de bilan de l'alternance.",
    "jury": "Jurys de soutenance.",
}


class Line(NamedTuple):
    """One row of a table; `bold` is the column shown in bold (1 = the first, 0 = none)."""

    values: tuple[str, ...]
    bold: int = 1


@dataclass(frozen=True)
class Section:
    """A titled table; its last column spans up to column `merge_to` when given, then an optional note."""

    title: str
    header: tuple[str, ...]
    lines: list[Line]
    merge_to: int = 0
    note: str = ""


def sections() -> list[Section]:
    """The tables of the Instructions sheet, in order."""
    return [_sheets(), _columns(), _calendar_keys(), _lists()]


def _sheets() -> Section:
    lines = [Line((sheet.name, ", ".join(sheet.aliases), sheet.help)) for sheet in schema.SHEETS]
    return Section("Les feuilles", ("Feuille", "Autres noms acceptés", "Contenu"), lines, merge_to=6)


def _columns() -> Section:
    lines = []
    for sheet in schema.SHEETS:
        for column in schema.PROMOTION_PARAMETERS if sheet.key_value else sheet.columns:
            name = column.header + (" *" if column.required else "")
            if sheet.key_value:
                name = f"{name} (paramètre)"
            values = (sheet.name, name, "oui" if column.required else "non", _format_of(sheet, column),
                      column.help, ", ".join(column.aliases))
            lines.append(Line(values, bold=2 if column.required else 0))
    header = ("Feuille", "Colonne", "Obligatoire", "Format", "Aide", "Autres intitulés acceptés")
    return Section("Les colonnes (* = obligatoire)", header, lines)


def _format_of(sheet: schema.Sheet, column: schema.Column) -> str:
    if sheet.key == schema.SOUTENANCES.key and column.key == "jury":
        return f"liste : un jury de la feuille {schema.JURYS.name}"
    return KIND_FORMATS.get(column.kind, "texte")


def _calendar_keys() -> Section:
    lines = []
    for key in schema.CALENDAR_KEYS:
        use = _CALENDAR_USES.get(key)
        if use is None and key.startswith("periode_"):
            use = f"Dates de la période {key.removeprefix('periode_')} d'alternance (bilans intermédiaires)."
        lines.append(Line((key, use or "")))
    return Section(
        f"Feuille {schema.CALENDRIER.name} : clés attendues",
        ("Clé", "Utilisation dans les documents"),
        lines,
        merge_to=5,
        note="D'autres clés peuvent être ajoutées : elles figurent dans les calendriers des documents.",
    )


def _lists() -> Section:
    statuts = (
        " ; ".join(schema.STATUTS.values())
        + ". Un service civique compte comme un stage ; les variantes courantes "
        "(« contrat pro », « apprenti·e », « service civique »…) sont reconnues."
    )
    lines = [
        Line((schema.ETUDIANTS.column("statut").header, statuts)),
        Line((schema.ETUDIANTS.column("type_mission").header, " ; ".join(schema.MISSION_TYPES.values()))),
        Line((schema.BILANS.column("periode").header, " ; ".join(PERIODES))),
        Line((schema.CALENDRIER.column("public").header, " ; ".join(schema.PUBLICS.values()) + " (vide = tous)")),
    ]
    return Section("Valeurs des listes", ("Liste", "Valeurs acceptées"), lines, merge_to=5)
