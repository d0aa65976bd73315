"""The workbook contract of PRODUCT.md: sheets, columns, aliases, value lists.

Everything that knows a sheet or a column by its French name lives here, so that
`init` (which writes the workbook), `workbook` (which reads it) and `validate`
(which checks it) can never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Column kinds understood by validate.py.
TEXT = "text"
LONGTEXT = "longtext"  # free text where line breaks are kept
DATE = "date"
TIME = "time"
INT = "int"
NUMBER = "number"
EMAIL = "email"
STATUT = "statut"
MISSION_TYPE = "mission_type"
PERIODE = "periode"
PUBLIC = "public"
CIVILITE = "civilite"


def normalize(label: object) -> str:
    """Key used to compare headers and sheet names leniently.

    Case, accents, spaces, punctuation and the `·`/`.`/`-` variants of inclusive
    writing do not matter: "Tuteur.rice nom", "tuteur·rice  NOM" and
    "Tuteur-rice_nom" all give "tuteurricenom".
    """
    text = unicodedata.normalize("NFKD", str(label or ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    return re.sub(r"[^0-9a-z]", "", text.lower())


@dataclass(frozen=True)
class Column:
    key: str  # identifier used in code
    header: str  # French header written by `copar init`
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""  # French, shown in the Instructions sheet
    width: int = 18

    def names(self) -> set[str]:
        return {normalize(self.header), normalize(self.key), *(normalize(a) for a in self.aliases)}


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str  # French sheet name written by `copar init`
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    help: str = ""
    key_value: bool = False  # Promotion: one row per parameter
    optional: bool = False  # absent without a warning: only a command (not the documents) reads it
    _by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def column(self, key: str) -> Column:
        if not self._by_key:
            self._by_key.update({c.key: c for c in self.columns})
        return self._by_key[key]

    def names(self) -> set[str]:
        return {normalize(self.name), normalize(self.key), *(normalize(a) for a in self.aliases)}


# --- value lists -----------------------------------------------------------------

STATUTS = {
    "stage": "Stage",
    "apprentissage": "Contrat d'apprentissage",
    "professionnalisation": "Contrat de professionnalisation",
    "emploi": "Situation d'emploi",
}
# normalized spelling -> statut key
STATUT_ALIASES = {
    **{normalize(v): k for k, v in STATUTS.items()},
    **{normalize(k): k for k in STATUTS},
    normalize("stagiaire"): "stage",
    normalize("service civique"): "stage",
    normalize("stage (service civique)"): "stage",
    normalize("stage service civique"): "stage",
    normalize("convention de stage"): "stage",
    normalize("contrat apprentissage"): "apprentissage",
    normalize("apprenti"): "apprentissage",
    normalize("apprentie"): "apprentissage",
    normalize("apprenti·e"): "apprentissage",
    normalize("alternance apprentissage"): "apprentissage",
    normalize("contrat pro"): "professionnalisation",
    normalize("contrat de pro"): "professionnalisation",
    normalize("contrat professionnalisation"): "professionnalisation",
    normalize("professionnalisation"): "professionnalisation",
    normalize("en emploi"): "emploi",
    normalize("salarie"): "emploi",
    normalize("salarié·e"): "emploi",
    normalize("situation emploi"): "emploi",
    normalize("formation continue emploi"): "emploi",
}

MISSION_TYPES = {
    "diagnostic": "Diagnostic",
    "analyse_besoins": "Analyse de besoins",
    "projet": "Conception et conduite de projet",
    "evaluation": "Évaluation",
    "comparaison": "Comparaison de structures",
    "synergie": "Mise en synergie",
    "autre": "Autre",
}
MISSION_TYPE_ALIASES = {
    **{normalize(v): k for k, v in MISSION_TYPES.items()},
    normalize("diagnostic social"): "diagnostic",
    normalize("diagnostic territorial"): "diagnostic",
    normalize("analyse des besoins"): "analyse_besoins",
    normalize("analyse de besoins spécifiques"): "analyse_besoins",
    normalize("conception de projet"): "projet",
    normalize("conduite de projet"): "projet",
    normalize("conception et conduite"): "projet",
    normalize("évaluation de projet"): "evaluation",
    normalize("comparaison"): "comparaison",
    normalize("comparaison entre structures"): "comparaison",
    normalize("comparaison de structures et projets"): "comparaison",
    normalize("comparaison entre structures et projets"): "comparaison",
    normalize("synergie"): "synergie",
    normalize("mise en synergie de structures"): "synergie",
    normalize("aide à la mise en synergie"): "synergie",
}

PUBLICS = {"tous": "tous", "stage": "stage", "formationcontinue": "formation continue"}

# How to address a person (sheet Équipe): empty = the inclusive forms
CIVILITES = ("Madame", "Monsieur")
CIVILITE_ALIASES = {"madame": "Madame", "mme": "Madame", "mme.": "Madame", "monsieur": "Monsieur", "m": "Monsieur",
                    "mr": "Monsieur"}

# Students "in employment" write a feuille de route instead of a cahier des charges.
EMPLOYMENT_STATUTS = frozenset({"emploi"})
# Formation continue: apprentissage, professionnalisation, emploi (handbook, "Calendriers").
CONTINUING_STATUTS = frozenset({"apprentissage", "professionnalisation", "emploi"})

# Calendar keys the documents use.
CALENDAR_KEYS = (
    "reunion_tuteurs",
    "cahier_des_charges",
    "point_etape",
    "rapport_mission",
    "bilan_tripartite",
    "jury",
    *(f"periode_{n}" for n in range(1, 7)),
)

# --- sheets ------------------------------------------------------------------------

PROMOTION_PARAMETERS = (
    Column("formation", "Formation", required=True, help="Intitulé du diplôme."),
    Column("parcours", "Parcours", required=True, help="Intitulé du parcours."),
    Column("promotion", "Promotion", required=True, help="Par exemple « 20e promotion »."),
    Column("annee", "Année universitaire", required=True, aliases=("Année", "Annee univ"), help="Par exemple 2023-2024."),
    Column("etablissement", "Établissement", required=True, aliases=("Université",), help="Nom de l'université."),
    Column("adresse", "Adresse", kind=LONGTEXT, help="Adresse postale de l'université (plusieurs lignes possibles)."),
    Column("responsable", "Responsable pédagogique", required=True, aliases=("Responsable",), help="Prénom et nom."),
    Column("courriel_responsable", "Courriel responsable", kind=EMAIL, aliases=("Email responsable", "Mail responsable")),
    Column("accompagnement", "Accompagnement alternance", aliases=("Accompagnement de l'alternance",), help="Prénom et nom de la personne qui accompagne l'alternance."),
    Column("courriel_accompagnement", "Courriel accompagnement", kind=EMAIL, aliases=("Email accompagnement", "Mail accompagnement")),
    Column("telephone_accompagnement", "Téléphone accompagnement", aliases=("Tel accompagnement", "Tél accompagnement")),
    Column("secretariat", "Secrétariat", aliases=("Secrétariat pédagogique", "Expéditeur", "Expéditrice"),
           help="Prénom et nom de la personne qui envoie les courriels (expéditeur·rice des brouillons et "
                "signature). Vide = la personne de l'accompagnement."),
    Column("courriel_secretariat", "Courriel secrétariat", kind=EMAIL, aliases=("Email secrétariat",
                                                                               "Mail secrétariat")),
    Column("signataire", "Signataire des courriels", aliases=("Signataire", "Signature des courriels"),
           help="Prénom et nom de la personne qui signe les courriels (la feuille Équipe ou ci-dessus donne son "
                "rôle et son courriel). Vide = l'équipe pédagogique (responsable et accompagnement)."),
    Column("date_courriers", "Date des courriers", kind=DATE, aliases=("Date courriers", "Date des lettres"),
           help="Date inscrite sur les courriers (invitations), JJ/MM/AAAA ; vide = le jour de la production. "
                "L'option --date-courrier de copar build la remplace."),
    Column("lieu_courriers", "Lieu des courriers", aliases=("Ville des courriers", "Lieu des lettres"),
           help="Ville écrite avant la date des courriers (« Rennes, le … ») ; vide = Rennes."),
)

PROMOTION = Sheet(
    "promotion",
    "Promotion",
    columns=(
        Column("parametre", "Paramètre", required=True, aliases=("Parametre", "Clé", "Nom"), width=30),
        Column("valeur", "Valeur", required=True, aliases=("Value",), width=60),
    ),
    key_value=True,
    help="Une ligne par paramètre : colonne Paramètre, colonne Valeur.",
)

CALENDRIER = Sheet(
    "calendrier",
    "Calendrier",
    columns=(
        Column("cle", "Clé", required=True, aliases=("Cle", "Code", "Key"), help="Identifiant utilisé par les documents : reunion_tuteurs, cahier_des_charges, point_etape, rapport_mission, bilan_tripartite, jury, periode_1 … periode_6.", width=20),
        Column("evenement", "Événement", required=True, aliases=("Evenement", "Libellé", "Étape"), help="Libellé en clair, tel qu'il apparaîtra dans les documents.", width=40),
        Column("debut", "Début", kind=DATE, required=True, aliases=("Date", "Date début", "Du"), help="Date (JJ/MM/AAAA)."),
        Column("fin", "Fin", kind=DATE, aliases=("Date fin", "Au"), help="Date de fin si l'événement dure plusieurs jours (JJ/MM/AAAA)."),
        Column("horaire", "Horaire", aliases=("Heure", "Horaires"), help="Par exemple « 14h–16h30 »."),
        Column("lieu", "Lieu", help="Lieu de l'événement."),
        Column("public", "Public", kind=PUBLIC, aliases=("Pour",), help="tous, stage ou formation continue (vide = tous)."),
    ),
    help="Les dates du calendrier de l'alternance.",
)

ETUDIANTS = Sheet(
    "etudiants",
    "Étudiant·es",
    aliases=("Etudiants", "Étudiants", "Etudiantes", "Étudiant.es", "Étudiant-es", "Etudiant·e·s", "Alternant·es", "Alternants"),
    columns=(
        Column("numero", "N° étudiant", required=True, aliases=("N° Etudiant", "No étudiant", "Numéro étudiant", "Num étudiant", "N etudiant", "Numero", "N°", "INE"), help="Numéro d'étudiant·e, unique.", width=13),
        Column("nom", "Nom", required=True, aliases=("Nom étudiant", "Nom de famille"), width=16),
        Column("prenom", "Prénom", required=True, aliases=("Prénom étudiant",), width=14),
        Column("courriel", "Courriel", kind=EMAIL, required=True, aliases=("Email", "E-mail", "Mail", "Courriel étudiant"), width=28),
        Column("statut", "Statut", kind=STATUT, required=True, help="Stage, Contrat d'apprentissage, Contrat de professionnalisation ou Situation d'emploi (un service civique compte comme un stage).", width=28),
        Column("structure", "Structure", required=True, aliases=("Structure d'accueil", "Employeur", "Organisme"), width=30),
        Column("adresse_structure", "Adresse structure", kind=LONGTEXT, aliases=("Adresse de la structure",), width=30),
        Column("tuteur_nom", "Tuteur·rice nom", required=True, aliases=("Tuteur nom", "Nom tuteur", "Nom tuteur·rice", "Tutrice nom"), width=16),
        Column("tuteur_prenom", "Tuteur·rice prénom", required=True, aliases=("Tuteur prénom", "Prénom tuteur", "Prénom tuteur·rice"), width=16),
        Column("tuteur_fonction", "Tuteur·rice fonction", aliases=("Fonction tuteur", "Tuteur fonction"), width=24),
        Column("tuteur_courriel", "Tuteur·rice courriel", kind=EMAIL, required=True, aliases=("Tuteur email", "Email tuteur", "Courriel tuteur", "Tuteur mail"), width=28),
        Column("tuteur_telephone", "Tuteur·rice téléphone", aliases=("Téléphone tuteur", "Tél tuteur", "Tuteur tel"), width=16),
        Column("tuteur_memoire", "Tuteur·rice mémoire", aliases=("Tuteur mémoire", "Directeur·rice de mémoire", "Directeur mémoire"), help="Enseignant·e qui suit le mémoire.", width=20),
        Column("mission", "Intitulé de la mission", kind=LONGTEXT, required=True, aliases=("Mission", "Intitulé mission"), width=40),
        Column("type_mission", "Type de mission", kind=MISSION_TYPE, aliases=("Type mission",), help="Diagnostic, Analyse de besoins, Conception et conduite de projet, Évaluation, Comparaison de structures, Mise en synergie ou Autre.", width=28),
        Column("debut", "Début", kind=DATE, required=True, aliases=("Date début", "Date de début", "Début mission"), help="Début de l'alternance (JJ/MM/AAAA).", width=12),
        Column("fin", "Fin", kind=DATE, required=True, aliases=("Date fin", "Date de fin", "Fin mission"), help="Fin de l'alternance (JJ/MM/AAAA).", width=12),
        Column("heures", "Heures prévues", kind=NUMBER, aliases=("Heures", "Nombre d'heures", "Durée (heures)"), help="Pour un stage : 420 heures au minimum.", width=10),
        Column("question_professionnelle", "Question professionnelle", kind=LONGTEXT, aliases=("Question pro",), help="Pour les étudiant·es en emploi : l'axe réflexif de la feuille de route.", width=40),
        Column("civilite", "Civilité", kind=CIVILITE, aliases=("Civilite", "Civilité étudiant·e"),
               help="Madame ou Monsieur : les documents l'emploient pour l'étudiant·e ; vide = formules inclusives.",
               width=12),
        Column("tuteur_civilite", "Tuteur·rice civilité", kind=CIVILITE,
               aliases=("Civilité tuteur", "Tuteur civilité", "Civilité tuteur·rice"),
               help="Madame ou Monsieur : « Madame, » plutôt que « Madame, Monsieur, » ; vide = formules inclusives.",
               width=12),
    ),
    help="Une ligne par étudiant·e, avec sa structure, son ou sa tuteur·rice et sa mission.",
)

BILANS = Sheet(
    "bilans",
    "Bilans intermédiaires",
    aliases=("Bilans intermediaires", "Bilans", "Bilans de période", "Points d'étape"),
    columns=(
        Column("numero", "N° étudiant", required=True, aliases=ETUDIANTS.column("numero").aliases, width=13),
        Column("periode", "Période", kind=PERIODE, required=True, aliases=("Periode", "N° période"), help="Numéro de la période, de 1 à 6.", width=9),
        Column("date", "Date", kind=DATE, aliases=("Date du bilan",), width=12),
        Column("activites", "Activités et contribution à la mission", kind=LONGTEXT, aliases=("Activités", "Activités de la période"), width=45),
        Column("autres_actions", "Autres actions", kind=LONGTEXT, aliases=("Participation à des actions autres que la mission",), width=40),
        Column("apports", "Apports de formation mobilisés", kind=LONGTEXT, aliases=("Apports de formation",), width=40),
        Column("attentes", "Attentes et besoins de formation", kind=LONGTEXT, aliases=("Attentes", "Attentes ou propositions"), width=40),
    ),
    help="Une ligne par étudiant·e et par période (1 à 6).",
)

TRIPARTITES = Sheet(
    "tripartites",
    "Bilans tripartites",
    aliases=("Bilan tripartite", "Tripartites", "Entretiens tripartites"),
    columns=(
        Column("numero", "N° étudiant", required=True, aliases=ETUDIANTS.column("numero").aliases, width=13),
        Column("date", "Date", kind=DATE, width=12),
        Column("heure", "Heure", kind=TIME, aliases=("Horaire",), width=8),
        Column("participants", "Participants", kind=LONGTEXT, aliases=("Participant·es",), width=30),
        Column("realisations", "Réalisations résultats impact", kind=LONGTEXT, aliases=("Réalisations", "Réalisations, résultats et impact"), width=40),
        Column("processus", "Processus", kind=LONGTEXT, width=40),
        Column("apprentissages", "Apprentissages", kind=LONGTEXT, width=40),
        Column("processus_apprentissage", "Processus d'apprentissage", kind=LONGTEXT, width=40),
        Column("retours", "Retours et suites", kind=LONGTEXT, aliases=("Retours", "Suites"), width=40),
    ),
    help="Une ligne par entretien de bilan tripartite (aux dates de la clé bilan_tripartite du Calendrier).",
)

JURYS = Sheet(
    "jurys",
    "Jurys",
    aliases=("Jury",),
    columns=(
        Column("jury", "Jury", required=True, aliases=("Nom du jury", "Code jury"), width=14),
        Column("date", "Date", kind=DATE, required=True, width=12),
        Column("lieu", "Lieu", width=30),
        Column("president", "Président·e", required=True, aliases=("Président", "Présidente", "Président du jury"), width=24),
        Column("membres", "Membres", kind=LONGTEXT, help="Un membre par ligne, ou séparés par des points-virgules.", width=50),
    ),
    help="Une ligne par session de jury.",
)

SOUTENANCES = Sheet(
    "soutenances",
    "Soutenances",
    aliases=("Passages",),
    columns=(
        Column("numero", "N° étudiant", required=True, aliases=ETUDIANTS.column("numero").aliases, width=13),
        Column("jury", "Jury", required=True, width=14),
        Column("heure", "Heure", kind=TIME, required=True, aliases=("Horaire", "Heure de passage"), width=8),
        Column("note_rapport", "Note rapport", kind=NUMBER, width=10),
        Column("note_soutenance", "Note soutenance", kind=NUMBER, width=10),
        Column("appreciation", "Appréciation", kind=LONGTEXT, width=40),
    ),
    help="Une ligne par étudiant·e : son jury et son heure de passage.",
)

GRILLE = Sheet(
    "grille",
    "Grille",
    aliases=("Grille d'évaluation", "Critères"),
    columns=(
        Column("section", "Section", required=True, width=30),
        Column("critere", "Critère", required=True, kind=LONGTEXT, aliases=("Criteres", "Critères"), width=60),
        Column("points", "Points", kind=NUMBER, required=True, aliases=("Barème",), width=8),
    ),
    help="Les critères de la grille d'évaluation du jury ; les points font 20 au total.",
)

DISPONIBILITES = Sheet(
    "disponibilites",
    "Disponibilités",
    aliases=("Disponibilites", "Indisponibilités", "Indisponibilites", "Absences"),
    columns=(
        Column("personne", "Personne", required=True, aliases=("Nom", "Courriel", "Qui"), help="Courriel ou prénom et nom de la personne indisponible (tuteur·rice, étudiant·e ou membre de l'équipe pédagogique).", width=34),
        Column("date", "Date", kind=DATE, required=True, help="Jour de l'indisponibilité (JJ/MM/AAAA).", width=12),
        Column("de", "De", kind=TIME, aliases=("Début", "Heure début", "Depuis"), help="Heure de début (HH:MM) ; vide = dès le début de la journée.", width=8),
        Column("a", "À", kind=TIME, aliases=("A", "Fin", "Heure fin", "Jusqu'à"), help="Heure de fin (HH:MM) ; vide = jusqu'à la fin de la journée.", width=8),
    ),
    optional=True,
    help="Facultative : une ligne par indisponibilité, respectée par « copar planning ».",
)

NOTES = Sheet(
    "notes",
    "Notes",
    aliases=("Notes par critère", "Notes du jury", "Notes critères"),
    columns=(
        Column("numero", "N° étudiant", required=True, aliases=ETUDIANTS.column("numero").aliases, width=13),
        Column("critere", "Critère", required=True, kind=LONGTEXT, aliases=("Criteres", "Critères"),
               help="Le critère tel qu'il est écrit dans la feuille Grille.", width=60),
        Column("note", "Note", kind=NUMBER, required=True, help="De 0 aux points du critère (feuille Grille).", width=8),
    ),
    optional=True,  # added after workbooks were in use; `copar collect` creates it
    help="Les notes du jury, une ligne par étudiant·e et par critère de la grille ; leur somme doit "
         "égaler la note du rapport plus celle de la soutenance (feuille Soutenances).",
)

EQUIPE = Sheet(
    "equipe",
    "Équipe",
    aliases=("Equipe", "Équipe pédagogique", "Equipe pedagogique", "Personnes", "Annuaire", "Contacts"),
    columns=(
        Column("nom", "Nom", required=True, aliases=("Prénom et nom", "Nom complet", "Personne"),
               help="Prénom et nom, écrits comme dans les feuilles Jurys et Bilans tripartites (qui n'ont "
                    "besoin que du nom).", width=26),
        Column("role", "Rôle", aliases=("Role", "Fonction", "Qualité"),
               help="Par exemple : enseignant·e, membre de jury, secrétariat.", width=30),
        Column("courriel", "Courriel", kind=EMAIL, aliases=("Email", "E-mail", "Mail", "Adresse électronique"),
               help="Adresse électronique : les courriels des jurys et des bilans tripartites la prennent ici ; "
                    "elle n'est imprimée dans aucun document.", width=32),
        Column("civilite", "Civilité", kind=CIVILITE, aliases=("Civilite", "Titre"),
               help="Madame ou Monsieur ; vide = formules inclusives.", width=12),
    ),
    optional=True,
    help="Les enseignant·es, membres de jury et le secrétariat, une ligne par personne, avec leur courriel : "
         "les feuilles Jurys et Bilans tripartites les nomment, les adresses viennent d'ici.",
)

SHEETS: tuple[Sheet, ...] = (PROMOTION, EQUIPE, CALENDRIER, ETUDIANTS, BILANS, TRIPARTITES, JURYS, SOUTENANCES, GRILLE,
                             NOTES, DISPONIBILITES)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
