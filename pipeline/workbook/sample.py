"""The sample promotion: what `copar init --exemple` writes into the workbook.

The programme, its staff, its address and its calendar are the real ones of the
handbook (Master 2 COPAR, Université Rennes 2, 2023-2024). Every student, tutor,
teacher, jury member, review and mark below is FICTIONAL: e-mail addresses use
example domains, telephone numbers come from the ranges reserved for fiction
(02 61 91 xx xx, 06 39 98 xx xx).

Some values are deliberately hostile, because the documents must print them exactly
as typed: `Aïssatou N'Diaye`, the structure `R&D <Centre> "Les Îlots"`, a review
containing `{{ 7*7 }}`, texts with line breaks, the tutor `Gaëlle L'Hôte` and a very
long mission title.

Data only: rows are plain dicts keyed by the column keys of `pipeline.schema`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.workbook import schema

D = dt.date
T = dt.time

# --- Promotion (parameter key -> value) -------------------------------------------

PROMOTION: dict[str, Any] = {
    "formation": "Master 2 Sociologie — Mention Intervention et développement social",
    "parcours": "Chargé·es de projets COLlectifs et PARTicipatifs (COPAR)",
    "promotion": "20e promotion",
    "annee": "2023-2024",
    "etablissement": "Université Rennes 2",
    "adresse": "Place du Recteur Henri Le Moal\nCS 24 307\n35 043 Rennes Cedex",
    "responsable": "Yves Bonny",
    "courriel_responsable": "yves.bonny@univ-rennes2.fr",
    "accompagnement": "Pascale Perron",
    "courriel_accompagnement": "pascale.perron@univ-rennes2.fr",
    "telephone_accompagnement": "06.66.72.56.33",
    "secretariat": "Nadia Le Gall",
    "courriel_secretariat": "secretariat.copar@univ-exemple.fr",
    "signataire": "Pascale Perron",
    "date_courriers": dt.date(2023, 11, 20),
    "lieu_courriers": "Rennes",
}

# --- Calendrier (the handbook's calendar) ---------------------------------------------

_CAMPUS = "Université Rennes 2, campus Villejean"

CALENDRIER: list[dict[str, Any]] = [
    {"cle": "periode_1", "evenement": "Période 1 en structure", "debut": D(2023, 11, 20), "fin": D(2023, 12, 1), "public": "tous"},
    {
        "cle": "reunion_tuteurs",
        "evenement": "Réunion des tuteur·rices professionnel·les avec les étudiant·es et l'équipe pédagogique",
        "debut": D(2023, 12, 5),
        "horaire": "14h–16h30",
        "lieu": _CAMPUS,
        "public": "tous",
    },
    {"cle": "periode_2", "evenement": "Période 2 en structure", "debut": D(2023, 12, 11), "fin": D(2023, 12, 22), "public": "tous"},
    {"cle": "periode_3", "evenement": "Période 3 en structure", "debut": D(2024, 1, 8), "fin": D(2024, 1, 19), "public": "tous"},
    {
        "cle": "cahier_des_charges",
        "evenement": "Remise du cahier des charges (feuille de route pour les étudiant·es en emploi)",
        "debut": D(2024, 1, 22),
        "public": "tous",
    },
    {
        "cle": "point_etape",
        "evenement": "Point d'étape individuel avec l'équipe pédagogique",
        "debut": D(2024, 2, 8),
        "fin": D(2024, 2, 9),
        "lieu": _CAMPUS,
        "public": "tous",
    },
    {"cle": "periode_4", "evenement": "Période 4 en structure", "debut": D(2024, 2, 19), "fin": D(2024, 3, 1), "public": "tous"},
    {"cle": "periode_5", "evenement": "Période 5 en structure", "debut": D(2024, 3, 18), "fin": D(2024, 3, 29), "public": "tous"},
    {"cle": "periode_6", "evenement": "Période 6 en structure", "debut": D(2024, 4, 15), "fin": D(2024, 4, 30), "public": "tous"},
    {"cle": "rapport_mission", "evenement": "Remise du rapport de mission", "debut": D(2024, 5, 24), "public": "tous"},
    {
        "cle": "bilan_tripartite",
        "evenement": "Entretiens tripartites de bilan de l'alternance",
        "debut": D(2024, 6, 6),
        "fin": D(2024, 6, 7),
        "horaire": "environ 45 min",
        "public": "tous",
    },
    {
        "cle": "jury",
        "evenement": "Jurys de soutenance (session de juin)",
        "debut": D(2024, 6, 24),
        "fin": D(2024, 6, 28),
        "lieu": _CAMPUS,
        "public": "tous",
    },
    {
        "cle": "jury_septembre",
        "evenement": "Jurys de soutenance (session de septembre)",
        "debut": D(2024, 9, 9),
        "fin": D(2024, 9, 13),
        "lieu": _CAMPUS,
        "public": "formation continue",
    },
]

# --- Tutors who follow two students (same name, same e-mail on both rows) -------------

_LHOTE = {
    "tuteur_nom": "L'Hôte",
    "tuteur_prenom": "Gaëlle",
    "tuteur_fonction": "Directrice du centre social",
    "tuteur_courriel": "gaelle.lhote@example.org",
    "tuteur_telephone": "02 61 91 10 24",
}
_MORVAN = {
    "tuteur_nom": "Morvan",
    "tuteur_prenom": "Sandrine",
    "tuteur_fonction": "Responsable de secteur, conseillère en insertion",
    "tuteur_courriel": "s.morvan@mission-locale.example.org",
    "tuteur_telephone": "02 61 91 22 40",
}
_ROUXEL = {
    "tuteur_nom": "Rouxel",
    "tuteur_prenom": "Hélène",
    "tuteur_fonction": "Responsable du développement social local",
    "tuteur_courriel": "helene.rouxel@departement.example.org",
    "tuteur_telephone": "02 61 91 35 17",
}
_CAMARA = {
    "tuteur_nom": "Camara",
    "tuteur_prenom": "Fatou",
    "tuteur_fonction": "Déléguée régionale",
    "tuteur_courriel": "fatou.camara@centres-sociaux.example.org",
    "tuteur_telephone": "06 39 98 41 07",
}
_BRIAND = {
    "tuteur_nom": "Briand",
    "tuteur_prenom": "Nathalie",
    "tuteur_fonction": "Directrice de la régie de quartier",
    "tuteur_courriel": "nathalie.briand@example.org",
    "tuteur_telephone": "02 61 91 58 63",
}

_TY_BLOSNE = {
    "structure": "Centre social Ty Blosne",
    "adresse_structure": "7 boulevard de Yougoslavie\n35200 Rennes",
}
_REDON = {
    "structure": "Mission locale du Pays de Redon et de Vilaine",
    "adresse_structure": "3 rue Charles Sillard\n35600 Redon",
}
_CD35 = {
    "structure": "Conseil départemental d'Ille-et-Vilaine — Agence départementale du Pays de Fougères",
    "adresse_structure": "11 rue du Bourg Vieil\n35300 Fougères",
}
_URCS = {
    "structure": "Union régionale des centres sociaux de l'Ouest",
    "adresse_structure": "14 rue de la Santé\n35000 Rennes",
}
_REGIE = {
    "structure": "Régie de quartier Rennes Sud",
    "adresse_structure": "22 rue de Suède\n35200 Rennes",
}

_STAGE = {"debut": D(2023, 11, 20), "fin": D(2024, 4, 30)}

# --- Étudiant·es -------------------------------------------------------------------------

ETUDIANTS: list[dict[str, Any]] = [
    # Stage (10, two of them in service civique)
    {
        "numero": "22004512", "nom": "N'Diaye", "prenom": "Aïssatou",
        "courriel": "aissatou.ndiaye@etudiant.example.fr", "statut": "Stage",
        **_TY_BLOSNE, **_LHOTE, "tuteur_memoire": "Claire Guillou",
        "mission": "La participation des habitant·es dans les instances du centre social : diagnostic et propositions",
        "type_mission": "Diagnostic", **_STAGE, "heures": 420,
    },
    {
        "numero": "22004587", "nom": "Le Bihan", "prenom": "Maël",
        "courriel": "mael.lebihan@etudiant.example.fr", "statut": "stage",
        **_TY_BLOSNE, **_LHOTE, "tuteur_memoire": "Karim Haddad",
        "mission": "Démarche de soutien aux initiatives d'habitant·es du quartier du Blosne",
        "type_mission": "Conception et conduite de projet", **_STAGE, "heures": 434,
    },
    {
        "numero": "22001843", "nom": "Moreau", "prenom": "Inès",
        "courriel": "ines.moreau@etudiant.example.fr", "statut": "Stage",
        "structure": 'R&D <Centre> "Les Îlots"',
        "adresse_structure": "Pôle associatif de la Marbaudais\n32 rue de la Marbaudais\n35700 Rennes",
        "tuteur_nom": "Ferrand", "tuteur_prenom": "Baptiste",
        "tuteur_fonction": "Chargé de recherche-développement",
        "tuteur_courriel": "baptiste.ferrand@example.org", "tuteur_telephone": "06 39 98 12 55",
        "tuteur_memoire": "Hélène Marchetti",
        "mission": "Étude de faisabilité d'un habitat regroupé pour des personnes âgées en perte d'autonomie",
        "type_mission": "Analyse de besoins", **_STAGE, "heures": 420,
    },
    {
        "numero": "22006120", "nom": "Nguyen", "prenom": "Linh",
        "courriel": "linh.nguyen@etudiant.example.fr", "statut": "Service civique",
        "structure": "Association Solidarités Numériques 35",
        "adresse_structure": "5 place de la Gare\n35500 Vitré",
        "tuteur_nom": "Le Floch", "tuteur_prenom": "Romain",
        "tuteur_fonction": "Coordinateur de l'association",
        "tuteur_courriel": "romain.lefloch@example.org", "tuteur_telephone": "02 61 91 44 12",
        "tuteur_memoire": "Sophie Kervella",
        "mission": "Évaluation d'un dispositif d'accès aux droits pour les publics éloignés du numérique",
        "type_mission": "Évaluation", **_STAGE, "heures": 490,
    },
    {
        "numero": "22003398", "nom": "Benhamou", "prenom": "Yanis",
        "courriel": "yanis.benhamou@etudiant.example.fr", "statut": "Service civique",
        "structure": "Association Voisins Solidaires du Pays de Vitré",
        "adresse_structure": "18 rue Notre-Dame\n35500 Vitré",
        "tuteur_nom": "Chauvel", "tuteur_prenom": "Martine",
        "tuteur_fonction": "Présidente bénévole",
        "tuteur_courriel": "martine.chauvel@example.org", "tuteur_telephone": "06 39 98 20 31",
        "tuteur_memoire": "Claire Guillou",
        "mission": "Création d'un réseau de visiteur·euses bénévoles contre l'isolement des personnes âgées",
        "type_mission": "Conduite de projet", **_STAGE, "heures": 455,
    },
    {
        "numero": "22005071", "nom": "Kerjean", "prenom": "Louise",
        "courriel": "louise.kerjean@etudiant.example.fr", "statut": "Stage",
        "structure": "CCAS de Saint-Brieuc",
        "adresse_structure": "Centre administratif\n4 rue du Combat des Trente\n22000 Saint-Brieuc",
        "tuteur_nom": "Danet", "tuteur_prenom": "Olivier",
        "tuteur_fonction": "Responsable du pôle insertion et familles",
        "tuteur_courriel": "olivier.danet@ccas.example.org", "tuteur_telephone": "02 61 91 67 08",
        "tuteur_memoire": "Mathieu Renaud",
        "mission": (
            "Analyse des besoins des familles monoparentales en matière de garde d'enfants à horaires "
            "atypiques et construction de solutions avec les employeurs et les assistantes maternelles"
        ),
        "type_mission": "Analyse des besoins", **_STAGE, "heures": 420,
    },
    {
        "numero": "22002264", "nom": "Traoré", "prenom": "Mamadou",
        "courriel": "mamadou.traore@etudiant.example.fr", "statut": "Stage",
        **_REDON, **_MORVAN, "tuteur_memoire": "Karim Haddad",
        "mission": "Diagnostic de l'accès à la mobilité des jeunes de 16 à 25 ans en zone rurale",
        "type_mission": "Diagnostic territorial", **_STAGE, "heures": 420,
    },
    {
        "numero": "22007719", "nom": "Da Silva", "prenom": "Camille",
        "courriel": "camille.dasilva@etudiant.example.fr", "statut": "Stage",
        **_REDON, **_MORVAN, "tuteur_memoire": "Sophie Kervella",
        "mission": "Évaluation de l'accompagnement intensif des jeunes dans le cadre du contrat d'engagement jeune",
        "type_mission": "Évaluation", **_STAGE, "heures": 427,
    },
    {
        "numero": "22004033", "nom": "Lefèvre", "prenom": "Théo",
        "courriel": "theo.lefevre@etudiant.example.fr", "statut": "Convention de stage",
        **_CD35, **_ROUXEL, "tuteur_memoire": "Hélène Marchetti",
        "mission": "Comparaison des démarches de développement social local de trois agences départementales",
        "type_mission": "Comparaison de structures", **_STAGE, "heures": 420,
    },
    {
        "numero": "22008845", "nom": "Belkacem", "prenom": "Sarah",
        "courriel": "sarah.belkacem@etudiant.example.fr", "statut": "Stage",
        **_CD35, **_ROUXEL, "tuteur_memoire": "Mathieu Renaud",
        "mission": "Aide à la mise en synergie des acteurs de la prévention spécialisée du pays de Fougères",
        "type_mission": "Mise en synergie", **_STAGE, "heures": 441,
    },
    # Contrat d'apprentissage (6)
    {
        "numero": "21009132", "nom": "Rivière", "prenom": "Jules",
        "courriel": "jules.riviere@etudiant.example.fr", "statut": "Contrat d'apprentissage",
        **_URCS, **_CAMARA, "tuteur_memoire": "Claire Guillou",
        "mission": "Accompagnement de quatre centres sociaux dans le renouvellement participatif de leur projet social",
        "type_mission": "Conception et conduite de projet",
        "debut": D(2023, 9, 4), "fin": D(2024, 9, 30),
    },
    {
        "numero": "22000417", "nom": "Guérin", "prenom": "Manon",
        "courriel": "manon.guerin@etudiant.example.fr", "statut": "Apprentissage",
        "structure": "CCAS de Lorient",
        "adresse_structure": "Hôtel de ville\n2 boulevard Général Leclerc\n56100 Lorient",
        "tuteur_nom": "Le Goff", "tuteur_prenom": "Erwan",
        "tuteur_fonction": "Directeur adjoint",
        "tuteur_courriel": "erwan.legoff@ccas.example.org", "tuteur_telephone": "02 61 91 71 90",
        "tuteur_memoire": "Sophie Kervella",
        "mission": "Évaluation participative de l'analyse des besoins sociaux (ABS) de la commune",
        "type_mission": "Évaluation",
        "debut": D(2023, 9, 4), "fin": D(2024, 8, 30),
    },
    {
        "numero": "22001176", "nom": "Okafor", "prenom": "Adaeze",
        "courriel": "adaeze.okafor@etudiant.example.fr", "statut": "Contrat d'apprentissage",
        "structure": "Espace social commun du Landry",
        "adresse_structure": "40 rue du Landry\n35200 Rennes",
        "tuteur_nom": "Lemaire", "tuteur_prenom": "Antoine",
        "tuteur_fonction": "Responsable de l'espace social commun",
        "tuteur_courriel": "antoine.lemaire@example.org", "tuteur_telephone": "02 61 91 12 86",
        "tuteur_memoire": "Karim Haddad",
        "mission": "Diagnostic partagé de l'accès aux droits des habitant·es du quartier",
        "type_mission": "Diagnostic",
        "debut": D(2023, 9, 11), "fin": D(2024, 9, 13),
    },
    {
        "numero": "22002958", "nom": "Rolland", "prenom": "Lucas",
        "courriel": "lucas.rolland@etudiant.example.fr", "statut": "apprenti",
        "structure": "Association Toits Partagés 56",
        "adresse_structure": "9 rue du Port\n56000 Vannes",
        "tuteur_nom": "Cadiou", "tuteur_prenom": "Marion",
        "tuteur_fonction": "Chargée de développement",
        "tuteur_courriel": "marion.cadiou@example.org", "tuteur_telephone": "06 39 98 53 64",
        "tuteur_memoire": "Hélène Marchetti",
        "mission": "Conception d'un dispositif d'habitat intergénérationnel entre étudiant·es et personnes âgées",
        "type_mission": "Conception et conduite de projet",
        "debut": D(2023, 9, 4), "fin": D(2024, 9, 30),
    },
    {
        "numero": "22003604", "nom": "Petit", "prenom": "Zoé",
        "courriel": "zoe.petit@etudiant.example.fr", "statut": "Contrat d'apprentissage",
        **_URCS, **_CAMARA, "tuteur_memoire": "Mathieu Renaud",
        "mission": "Mise en réseau des centres sociaux ruraux autour des solutions de mobilité solidaire",
        "type_mission": "Mise en synergie",
        "debut": D(2023, 9, 4), "fin": D(2024, 9, 30),
    },
    {
        "numero": "22005530", "nom": "Mendes", "prenom": "Rafael",
        "courriel": "rafael.mendes@etudiant.example.fr", "statut": "Contrat d'apprentissage",
        "structure": "Réseau Santé Précarité Centre Bretagne",
        "adresse_structure": "2 rue de la Gare\n22600 Loudéac",
        "tuteur_nom": "Tanguy", "tuteur_prenom": "Julie",
        "tuteur_fonction": "Coordinatrice du réseau",
        "tuteur_courriel": "julie.tanguy@example.org", "tuteur_telephone": "02 61 91 80 27",
        "tuteur_memoire": "Claire Guillou",
        "mission": "Analyse des besoins des personnes en situation de précarité en matière de prévention et de promotion de la santé",
        "type_mission": "Analyse de besoins",
        "debut": D(2023, 9, 18), "fin": D(2024, 9, 30),
    },
    # Contrat de professionnalisation (4)
    {
        "numero": "21007788", "nom": "Kowalska", "prenom": "Zofia",
        "courriel": "zofia.kowalska@etudiant.example.fr", "statut": "Contrat de professionnalisation",
        "structure": "Association d'aide à domicile Vivre Chez Soi 56",
        "adresse_structure": "27 avenue Victor Hugo\n56000 Vannes",
        "tuteur_nom": "Guillemot", "tuteur_prenom": "Yannick",
        "tuteur_fonction": "Directeur",
        "tuteur_courriel": "yannick.guillemot@example.org", "tuteur_telephone": "02 61 91 93 14",
        "tuteur_memoire": "Sophie Kervella",
        "mission": "Évaluation du partenariat entre les services d'aide à domicile et les CCAS du pays de Vannes",
        "type_mission": "Évaluation",
        "debut": D(2023, 9, 11), "fin": D(2024, 9, 13),
    },
    {
        "numero": "22006684", "nom": "Diallo", "prenom": "Ibrahima",
        "courriel": "ibrahima.diallo@etudiant.example.fr", "statut": "contrat pro",
        **_REGIE, **_BRIAND, "tuteur_memoire": "Karim Haddad",
        "mission": "Diagnostic pour le développement d'une activité innovante d'insertion par l'activité économique (IAE)",
        "type_mission": "Diagnostic",
        "debut": D(2023, 9, 11), "fin": D(2024, 9, 13),
    },
    {
        "numero": "22007203", "nom": "Fontaine", "prenom": "Léa",
        "courriel": "lea.fontaine@etudiant.example.fr", "statut": "Contrat de pro",
        "structure": "Maison de l'emploi et de la formation du Pays de Dinan",
        "adresse_structure": "5 rue Gambetta\n22100 Dinan",
        "tuteur_nom": "Quéré", "tuteur_prenom": "Stéphane",
        "tuteur_fonction": "Chargé de mission emploi et handicap",
        "tuteur_courriel": "stephane.quere@example.org", "tuteur_telephone": "02 61 91 27 75",
        "tuteur_memoire": "Mathieu Renaud",
        "mission": "Conception et animation d'un forum participatif emploi et handicap",
        "type_mission": "Conception et conduite de projet",
        "debut": D(2023, 10, 2), "fin": D(2024, 9, 30),
    },
    {
        "numero": "22008391", "nom": "Abdallah", "prenom": "Nour",
        "courriel": "nour.abdallah@etudiant.example.fr", "statut": "Contrat de professionnalisation",
        **_REGIE, **_BRIAND, "tuteur_memoire": "Hélène Marchetti",
        "mission": "Analyse de besoins pour l'ouverture d'une épicerie sociale et solidaire",
        "type_mission": "Analyse de besoins",
        "debut": D(2023, 9, 11), "fin": D(2024, 9, 13),
    },
    # Situation d'emploi (6): a question professionnelle instead of a mission
    {
        "numero": "19004471", "nom": "Lebrun", "prenom": "Christophe",
        "courriel": "christophe.lebrun@etudiant.example.fr", "statut": "Situation d'emploi",
        "structure": "Conseil départemental du Morbihan — Espace autonomie seniors de Pontivy",
        "adresse_structure": "1 rue Jean Moulin\n56300 Pontivy",
        "tuteur_nom": "Perrot", "tuteur_prenom": "Anne-Sophie",
        "tuteur_fonction": "Cheffe de service autonomie",
        "tuteur_courriel": "anne-sophie.perrot@departement.example.org", "tuteur_telephone": "02 61 91 31 46",
        "tuteur_memoire": "Claire Guillou",
        "mission": "Axe professionnel : la participation des personnes âgées aux actions de prévention de la perte d'autonomie",
        "type_mission": "Autre",
        "debut": D(2023, 9, 1), "fin": D(2024, 9, 30),
        "question_professionnelle": (
            "Comment associer les personnes âgées elles-mêmes à la définition des actions de prévention "
            "qui leur sont destinées, sans en faire un simple public consulté ?"
        ),
    },
    {
        "numero": "18006539", "nom": "Bouvier", "prenom": "Sylvie",
        "courriel": "sylvie.bouvier@etudiant.example.fr", "statut": "En emploi",
        "structure": "CCAS de Quimper",
        "adresse_structure": "Hôtel de ville\n44 place Saint-Corentin\n29000 Quimper",
        "tuteur_nom": "Caroff", "tuteur_prenom": "Pierre-Yves",
        "tuteur_fonction": "Directeur du CCAS",
        "tuteur_courriel": "py.caroff@ccas.example.org", "tuteur_telephone": "02 61 91 50 63",
        "tuteur_memoire": "Mathieu Renaud",
        "mission": "Axe professionnel : passer d'une logique de guichet à une démarche de développement social local",
        "type_mission": "Autre",
        "debut": D(2023, 9, 1), "fin": D(2024, 9, 30),
        "question_professionnelle": (
            "Comment, en tant que responsable d'accueil, faire évoluer un CCAS d'une logique de guichet "
            "vers une logique de développement social local ?\n"
            "Quels espaces créer pour que les usager·es deviennent partenaires ?"
        ),
    },
    {
        "numero": "20003312", "nom": "Mbaye", "prenom": "Khady",
        "courriel": "khady.mbaye@etudiant.example.fr", "statut": "Salarié·e",
        "structure": "Association Le Relais des Familles",
        "adresse_structure": "12 rue Pierre Loti\n29200 Brest",
        "tuteur_nom": "Marec", "tuteur_prenom": "Isabelle",
        "tuteur_fonction": "Directrice",
        "tuteur_courriel": "isabelle.marec@example.org", "tuteur_telephone": "02 61 91 62 38",
        "tuteur_memoire": "Karim Haddad",
        "mission": "Axe professionnel : la place des parents dans un lieu d'accueil enfants-parents",
        "type_mission": "Évaluation",
        "debut": D(2023, 9, 1), "fin": D(2024, 9, 30),
        "question_professionnelle": (
            "En quoi ma posture d'accueillante favorise-t-elle, ou freine-t-elle, la prise "
            "d'initiative des parents dans le fonctionnement du lieu d'accueil ?"
        ),
    },
    {
        "numero": "17005820", "nom": "Garnier", "prenom": "Hugo",
        "courriel": "hugo.garnier@etudiant.example.fr", "statut": "Situation d'emploi",
        "structure": "Mission locale Ouest Cornouaille",
        "adresse_structure": "6 rue Jean-Jaurès\n29100 Douarnenez",
        "tuteur_nom": "Jaouen", "tuteur_prenom": "Karine",
        "tuteur_fonction": "Directrice adjointe",
        "tuteur_courriel": "karine.jaouen@mission-locale.example.org", "tuteur_telephone": "02 61 91 84 59",
        "tuteur_memoire": "Sophie Kervella",
        "mission": "Axe professionnel : l'accompagnement collectif des jeunes dans un dispositif pensé pour l'individuel",
        "type_mission": "Autre",
        "debut": D(2023, 9, 1), "fin": D(2024, 9, 30),
        "question_professionnelle": (
            "Comment introduire des temps collectifs dans l'accompagnement des jeunes sans perdre "
            "la relation individuelle de conseil ?"
        ),
    },
    {
        "numero": "21002096", "nom": "Ben Salah", "prenom": "Yasmina",
        "courriel": "yasmina.bensalah@etudiant.example.fr", "statut": "Situation d'emploi",
        "structure": "Conseil départemental des Côtes-d'Armor — Maison du Département de Lannion",
        "adresse_structure": "13 boulevard Louis Guilloux\n22300 Lannion",
        "tuteur_nom": "Le Roux", "tuteur_prenom": "Frédéric",
        "tuteur_fonction": "Responsable d'équipe action sociale",
        "tuteur_courriel": "frederic.leroux@departement.example.org", "tuteur_telephone": "02 61 91 19 02",
        "tuteur_memoire": "Hélène Marchetti",
        "mission": "Axe professionnel : l'intervention sociale d'intérêt collectif en polyvalence de secteur",
        "type_mission": "Autre",
        "debut": D(2023, 9, 1), "fin": D(2024, 9, 30),
        "question_professionnelle": (
            "Comment une assistante sociale de polyvalence peut-elle dégager du temps et de la "
            "légitimité pour des actions collectives avec les habitant·es ?"
        ),
    },
    {
        "numero": "16008814", "nom": "Amrani", "prenom": "Rachid",
        "courriel": "rachid.amrani@etudiant.example.fr", "statut": "Emploi",
        "structure": "Maison d'enfants à caractère social Les Glycines",
        "adresse_structure": "Lieu-dit Kerlann\n35170 Bruz",
        "tuteur_nom": "Hamon", "tuteur_prenom": "Véronique",
        "tuteur_fonction": "Directrice de l'établissement",
        "tuteur_courriel": "veronique.hamon@example.org", "tuteur_telephone": "02 61 91 96 71",
        "tuteur_memoire": "Claire Guillou",
        "mission": "Axe professionnel : associer les jeunes accueilli·es à l'écriture du projet d'établissement",
        "type_mission": "Conception et conduite de projet",
        "debut": D(2023, 9, 1), "fin": D(2024, 9, 30),
        "question_professionnelle": (
            "Comment, en tant que chef de service, rendre effective la participation des jeunes "
            "accueilli·es aux décisions qui les concernent ?"
        ),
    },
]

# --- Bilans intermédiaires (periods 1 to 3, as of February 2024) -----------------------

_P1, _P2, _P3 = D(2023, 12, 1), D(2023, 12, 22), D(2024, 1, 19)

_BILAN_KEYS = ("numero", "periode", "date", "activites", "autres_actions", "apports", "attentes")

_BILAN_ROWS: tuple[tuple[Any, ...], ...] = (
    # 22004512 Aïssatou N'Diaye — participation des habitant·es
    ("22004512", 1, _P1,
     "Découverte du centre social et de ses instances (conseil d'administration, commission animation).\n"
     "Premiers entretiens avec six bénévoles et deux administratrices.",
     "Participation à la fête de quartier de fin novembre : observation des interactions entre salarié·es et habitant·es.",
     "Diagnostic territorial participatif et observation sociale.",
     "Mieux cerner ce que le conseil d'administration attend du diagnostic."),
    ("22004512", 2, _P2,
     "Observation de deux réunions de commission et d'un conseil d'administration. Élaboration d'une grille d'observation de la prise de parole.",
     "",
     "Méthodologie de la recherche-action ; Dynamique de groupe.",
     "Besoin d'outils pour animer un atelier avec des habitant·es peu habitué·es aux réunions."),
    ("22004512", 3, _P3,
     "Animation d'un premier atelier « Qui décide au centre social ? » avec douze habitant·es.\n"
     "Rédaction du cahier des charges, relu avec Gaëlle L'Hôte.",
     "Accompagnement d'un groupe de parents au conseil d'école.",
     "Les approches collectives de l'intervention sociale.",
     "Préparer la restitution intermédiaire au bureau de l'association."),
    # 22004587 Maël Le Bihan — initiatives d'habitant·es
    ("22004587", 1, _P1,
     "Recensement des initiatives d'habitant·es accompagnées par le centre social depuis 2020.",
     "Permanence à l'accueil du centre social deux demi-journées par semaine.",
     "Le développement social territorial.",
     "Clarifier le périmètre de la mission avec la direction."),
    ("22004587", 2, D(2023, 12, 21),
     "Entretiens avec les porteur·euses de cinq initiatives (jardin partagé, repair café, cuisine du monde…).",
     "",
     "Partenariats et réseaux.",
     ""),
    ("22004587", 3, _P3,
     "Co-animation d'un temps d'échange entre porteur·euses d'initiatives ; rédaction d'une première fiche-outil « monter son projet ».",
     "Participation au comité de pilotage du contrat de ville.",
     "Méthodologie de la démarche de projet ; Gestion financière de projet.",
     "Se former aux petits financements (fonds de participation des habitant·es)."),
    # 22001843 Inès Moreau — habitat regroupé
    ("22001843", 1, _P1,
     "Revue documentaire sur l'habitat regroupé et l'habitat inclusif ; visite de deux réalisations en Ille-et-Vilaine.",
     "",
     "Innovations et expérimentations sociales.",
     "Obtenir les données de l'observatoire départemental du vieillissement."),
    ("22001843", 2, _P2,
     "Construction du questionnaire auprès des personnes âgées et de leurs aidant·es.",
     "Participation à l'atelier numérique de l'association : les participant·es ont compris pourquoi un texte comme {{ 7*7 }} doit s'afficher tel quel dans un formulaire.",
     "Méthodologie de la recherche en SHS.",
     "Un appui sur le traitement statistique du questionnaire serait utile."),
    ("22001843", 3, _P3,
     "Passation de 38 questionnaires et de 6 entretiens approfondis.\n"
     "Premier rendu au conseil d'administration de l'association.",
     "Rencontre avec le bailleur social partenaire : accueil très positif 🙂",
     "Intervention sociale et vieillissement ; Problématiques et concepts de l'intervention sociale.",
     "Travailler l'articulation entre faisabilité technique et attentes des habitant·es."),
    # 22006120 Linh Nguyen — accès aux droits numérique
    ("22006120", 1, _P1,
     "Prise en main du dispositif d'accompagnement aux démarches en ligne ; observation de vingt rendez-vous.",
     "Permanences numériques à la médiathèque.",
     "Analyse des politiques sociales.",
     "Définir les critères d'évaluation avec le bureau."),
    ("22006120", 2, _P2,
     "Élaboration du référentiel d'évaluation (indicateurs d'accès aux droits, d'autonomie, de satisfaction).",
     "",
     "Évaluation participative.",
     ""),
    ("22006120", 3, D(2024, 1, 22),
     "Entretiens avec les partenaires (CAF, France Services, CCAS) ; premiers résultats partagés en équipe.",
     "Formation des bénévoles aux nouveaux outils de prise de rendez-vous.",
     "Partenariats et réseaux.",
     "Besoin d'échanger sur la posture d'évaluateur·rice interne."),
    # 22003398 Yanis Benhamou — visiteur·euses bénévoles
    ("22003398", 1, _P1,
     "Rencontre des bénévoles de l'association et repérage des personnes isolées avec le CCAS.",
     "",
     "Le développement social territorial.",
     "Mieux connaître le cadre du service civique dans l'association."),
    ("22003398", 2, _P2,
     "Conception d'une charte du ou de la visiteur·euse bénévole ; organisation d'un goûter de lancement.",
     "Tenue du stand de l'association au marché de Noël.",
     "Méthodologie de la démarche de projet.",
     "Penser le recrutement des bénévoles dans la durée."),
    ("22003398", 3, _P3,
     "Premières visites en binôme ; mise en place d'un carnet de liaison.",
     "",
     "Intervention sociale et vieillissement.",
     "Outils pour le suivi et l'évaluation des visites."),
    # 22005071 Louise Kerjean — familles monoparentales
    ("22005071", 1, _P1,
     "Analyse des données de l'analyse des besoins sociaux et de la CAF sur les familles monoparentales.",
     "Participation à la commission permanente d'attribution des aides facultatives.",
     "Diagnostic territorial participatif et observation sociale.",
     ""),
    ("22005071", 2, _P2,
     "Entretiens avec huit mères et deux pères élevant seul·es leurs enfants ; rencontre du relais petite enfance.",
     "",
     "Méthodologie de la recherche en SHS ; Intervention sociale, enfance et jeunesse.",
     "Travailler la restitution aux familles rencontrées."),
    ("22005071", 3, _P3,
     "Réunion de travail avec trois employeurs du commerce et du soin sur les horaires atypiques.",
     "Visite d'une crèche à horaires étendus dans une commune voisine.",
     "Partenariats et réseaux ; Réponse à appels à projets.",
     "Approfondir le montage financier d'un mode de garde innovant."),
    # 22002264 Mamadou Traoré — mobilité des jeunes
    ("22002264", 1, _P1,
     "Découverte de l'offre de mobilité du territoire ; analyse des freins repérés par les conseiller·es.",
     "",
     "Diagnostic territorial participatif et observation sociale.",
     "Avoir accès aux données de fréquentation des transports."),
    ("22002264", 2, _P2,
     "Cartographie des trajets domicile-formation de 45 jeunes ; entretiens avec deux auto-écoles solidaires.",
     "Participation au comité local pour l'emploi.",
     "Les politiques sociales territorialisées.",
     ""),
    ("22002264", 3, _P3,
     "Animation d'un groupe de jeunes pour construire le questionnaire mobilité.",
     "Atelier CV collectif.",
     "Dynamique de groupe ; Communication orale.",
     "Besoin d'appui pour l'analyse cartographique."),
    # 22007719 Camille Da Silva — évaluation CEJ
    ("22007719", 1, _P1,
     "Lecture du cahier des charges national du contrat d'engagement jeune ; entretiens avec les conseiller·es.",
     "",
     "Analyse des politiques sociales ; Dispositifs d'insertion liés à l'emploi.",
     "Choisir une focale d'évaluation réaliste."),
    ("22007719", 2, _P2,
     "Construction des indicateurs avec l'équipe et Sandrine Morvan.",
     "Animation d'un atelier « budget » avec des jeunes en CEJ.",
     "Évaluation participative.",
     "Se former aux entretiens collectifs."),
    ("22007719", 3, _P3,
     "Passation de douze entretiens avec des jeunes sortis du dispositif.",
     "",
     "Méthodologie de la recherche en SHS.",
     ""),
    # 22004033 Théo Lefèvre — comparaison de trois agences
    ("22004033", 1, _P1,
     "Présentation de la mission aux trois agences ; constitution du corpus de documents.",
     "Participation à une instance de coordination gérontologique.",
     "Les politiques sociales territorialisées.",
     "Obtenir les rendez-vous avec les cadres des deux autres agences."),
    ("22004033", 2, _P2,
     "Entretiens avec les responsables de l'action sociale de deux agences ; élaboration d'une grille de comparaison.",
     "",
     "Analyse institutionnelle.",
     ""),
    ("22004033", 3, _P3,
     "Observation de deux réunions partenariales de territoire.",
     "Contribution au rapport d'activité de l'agence.",
     "Partenariats et réseaux ; Le développement social territorial.",
     "Travailler la mise en forme comparative des résultats."),
    # 22008845 Sarah Belkacem — prévention spécialisée
    ("22008845", 1, _P1,
     "Rencontre des deux associations de prévention spécialisée du territoire et des services jeunesse des communes.",
     "",
     "Les démarches de prévention spécialisée.",
     "Comprendre les enjeux historiques entre les partenaires."),
    ("22008845", 2, _P2,
     "Organisation d'un premier temps de rencontre inter-acteurs (22 participant·es).",
     "Participation à une maraude éducative.",
     "Animation de réunion ; Partenariats et réseaux.",
     "Besoin d'outils de facilitation pour les conflits de territoire."),
    ("22008845", 3, _P3,
     "Rédaction d'une charte de coopération, en cours de relecture par les partenaires.",
     "",
     "Coordination d'équipe-projet.",
     ""),
    # 21009132 Jules Rivière — projets sociaux des centres sociaux
    ("21009132", 1, _P1,
     "Accompagnement de deux centres sociaux dans la phase de diagnostic de leur projet social.",
     "Organisation de la journée régionale des bénévoles.",
     "Diagnostic territorial participatif et observation sociale.",
     "Articuler mon rôle d'appui avec celui des directions."),
    ("21009132", 2, _P2,
     "Conception d'un kit d'animation « Notre centre social demain » testé avec trois groupes d'habitant·es.",
     "",
     "Les approches collectives de l'intervention sociale ; Dynamique de groupe.",
     ""),
    ("21009132", 3, _P3,
     "Rédaction des synthèses de diagnostic pour deux centres ; préparation des comités de pilotage.",
     "Participation au groupe de travail régional sur l'agrément CAF.",
     "Conduite de projet.",
     "Renforcer mes compétences en écriture de synthèse."),
    # 22000417 Manon Guérin — ABS
    ("22000417", 1, _P1,
     "Relecture des trois dernières analyses des besoins sociaux ; entretiens avec les élu·es.",
     "",
     "Analyse des politiques sociales.",
     "Clarifier ce que « participatif » veut dire pour les élu·es."),
    ("22000417", 2, _P2,
     "Constitution d'un groupe d'usager·es volontaires pour co-évaluer l'ABS.",
     "Permanence d'accueil du CCAS.",
     "Évaluation participative.",
     ""),
    ("22000417", 3, _P3,
     "Deux séances de travail avec le groupe d'usager·es ; premiers critères d'évaluation co-construits.",
     "",
     "Méthodologie de la recherche-action.",
     "Besoin d'appui pour la restitution aux élu·es."),
    # 22001176 Adaeze Okafor — accès aux droits (two periods only)
    ("22001176", 1, _P1,
     "Recensement des lieux d'accès aux droits du quartier ; entretiens avec les travailleur·euses sociaux·ales.",
     "Participation au collectif « Landry solidaire ».",
     "Diagnostic territorial participatif et observation sociale.",
     ""),
    ("22001176", 2, None,
     "Micro-trottoirs et questionnaires auprès de 60 habitant·es.",
     "",
     "Méthodologie de la recherche en SHS.",
     "Travailler l'analyse des non-recours."),
    # 22002958 Lucas Rolland — habitat intergénérationnel
    ("22002958", 1, _P1,
     "Étude des dispositifs d'habitat intergénérationnel existants ; rencontre de deux associations du réseau national.",
     "",
     "Innovations et expérimentations sociales.",
     "Identifier les partenaires universitaires pour le recrutement des étudiant·es."),
    ("22002958", 2, _P2,
     "Rédaction du projet et de la charte de cohabitation ; budget prévisionnel.",
     "Participation au conseil d'administration.",
     "Gestion financière de projet ; Réponse à appels à projets.",
     ""),
    ("22002958", 3, _P3,
     "Dépôt d'une demande de subvention auprès de la conférence des financeurs.",
     "",
     "Méthodologie de la démarche de projet.",
     "Besoin d'éclairage juridique sur la convention d'occupation."),
    # 22003604 Zoé Petit — mobilité solidaire
    ("22003604", 1, _P1,
     "Inventaire des initiatives de mobilité solidaire portées par les centres sociaux ruraux.",
     "",
     "Le développement social territorial.",
     ""),
    ("22003604", 2, _P2,
     "Organisation d'une visioconférence d'échange de pratiques entre huit centres sociaux.",
     "Contribution à la lettre d'information régionale.",
     "Partenariats et réseaux.",
     "Trouver le bon format pour une rencontre en présentiel."),
    ("22003604", 3, _P3,
     "Préparation d'une journée régionale « Bouger en milieu rural » prévue en mars.",
     "",
     "Animation de réunion ; Coordination d'équipe-projet.",
     "Travailler la recherche de cofinancements."),
    # 22005530 Rafael Mendes — santé précarité
    ("22005530", 1, _P1,
     "Entretiens avec les membres du réseau (médecins, travailleur·euses sociaux·ales, bénévoles).",
     "Participation à une permanence d'accès aux soins.",
     "Prévention et promotion de la santé.",
     ""),
    ("22005530", 2, _P2,
     "Construction d'un guide d'entretien adapté aux personnes en situation de précarité.",
     "",
     "Méthodologie de la recherche en SHS.",
     "Besoin d'échanger sur l'éthique de l'enquête auprès de publics vulnérables."),
    ("22005530", 3, _P3,
     "Quinze entretiens réalisés en accueil de jour et en épicerie solidaire.",
     "Co-animation d'un atelier santé.",
     "Problématiques et concepts de l'intervention sociale.",
     ""),
    # 21007788 Zofia Kowalska — partenariat aide à domicile / CCAS
    ("21007788", 1, _P1,
     "Recensement des conventions entre l'association et les CCAS du territoire.",
     "",
     "Partenariats et réseaux.",
     "Préciser les attentes du conseil d'administration."),
    ("21007788", 2, _P2,
     "Entretiens avec quatre responsables de CCAS et deux responsables de secteur de l'association.",
     "Participation à la réunion des aides à domicile.",
     "Analyse institutionnelle.",
     ""),
    ("21007788", 3, _P3,
     "Analyse croisée des entretiens ; premières pistes d'amélioration partagées en équipe de direction.",
     "",
     "Évaluation participative ; Droit de l'action sociale et médico-sociale.",
     "Besoin d'appui pour formaliser des recommandations."),
    # 22006684 Ibrahima Diallo — IAE
    ("22006684", 1, _P1,
     "Étude des besoins en services de proximité non couverts dans le quartier.",
     "Encadrement d'une équipe de salarié·es en insertion sur un chantier.",
     "Économie sociale et solidaire.",
     ""),
    ("22006684", 2, _P2,
     "Benchmark de trois activités innovantes en IAE (réemploi, conciergerie, mobilité).",
     "",
     "Dispositifs d'insertion liés à l'emploi.",
     "Comprendre le modèle économique des chantiers d'insertion."),
    ("22006684", 3, _P3,
     "Présentation des trois scénarios au conseil d'administration.",
     "",
     "Gestion financière de projet.",
     "Travailler l'étude de marché du scénario retenu."),
    # 22007203 Léa Fontaine — forum emploi handicap (one period only)
    ("22007203", 1, D(2023, 12, 4),
     "Constitution du comité d'organisation du forum avec des personnes concernées et des employeurs.",
     "",
     "Intervention sociale et handicap ; Méthodologie de la démarche de projet.",
     "Besoin d'outils pour rendre les réunions accessibles (FALC)."),
    # 22008391 Nour Abdallah — épicerie sociale
    ("22008391", 1, _P1,
     "Rencontres avec les épiceries sociales du département et la banque alimentaire.",
     "",
     "Économie sociale et solidaire.",
     ""),
    ("22008391", 2, _P2,
     "Questionnaire auprès de 80 ménages orientés par les travailleur·euses sociaux·ales.",
     "Participation à la distribution alimentaire de décembre.",
     "Méthodologie de la recherche en SHS.",
     "Trouver un appui pour le traitement des données."),
    ("22008391", 3, _P3,
     "Analyse des besoins : rédaction d'une note de synthèse pour les financeurs.",
     "",
     "Réponse à appels à projets.",
     ""),
    # 19004471 Christophe Lebrun — emploi
    ("19004471", 1, _P1,
     "Mise en place d'un groupe de travail avec des retraité·es bénévoles sur les ateliers de prévention.",
     "",
     "Intervention sociale et vieillissement.",
     "Distinguer ma question professionnelle de ma question de mémoire."),
    ("19004471", 2, _P2,
     "Co-construction d'un questionnaire de satisfaction avec le groupe de retraité·es.",
     "Participation au conseil départemental de la citoyenneté et de l'autonomie.",
     "Les approches communautaires d'intervention sociale.",
     ""),
    ("19004471", 3, _P3,
     "Rédaction de la feuille de route ; présentation au service.",
     "",
     "Analyse des pratiques professionnelles.",
     "Besoin de temps d'analyse de pratiques entre pairs."),
    # 18006539 Sylvie Bouvier — emploi
    ("18006539", 1, _P1,
     "Observation de l'accueil du CCAS et recueil des demandes récurrentes.",
     "",
     "Le développement social territorial.",
     ""),
    ("18006539", 2, _P2,
     "Animation d'un premier café-rencontre avec des usager·es de l'accueil.",
     "Participation à la commission d'attribution des aides.",
     "Les approches collectives de l'intervention sociale.",
     "Trouver comment associer l'équipe d'accueil."),
    ("18006539", 3, _P3,
     "Réunion d'équipe sur l'évolution de l'accueil ; rédaction de la feuille de route.",
     "",
     "Analyse institutionnelle ; Coordination d'équipe-projet.",
     ""),
    # 20003312 Khady Mbaye — emploi
    ("20003312", 1, _P1,
     "Journal de bord de mes interventions en accueil ; repérage des moments d'initiative des parents.",
     "",
     "Analyse des pratiques professionnelles.",
     ""),
    ("20003312", 2, _P2,
     "Réunion avec les parents sur l'organisation des ateliers du samedi.",
     "Participation au réseau parentalité du département.",
     "Intervention sociale, enfance et jeunesse.",
     "Outils pour prendre du recul sur ma propre posture."),
    ("20003312", 3, _P3,
     "Deux ateliers animés par des parents ; analyse avec l'équipe.",
     "",
     "Les approches communautaires d'intervention sociale.",
     ""),
    # 17005820 Hugo Garnier — emploi
    ("17005820", 1, _P1,
     "Expérimentation d'un atelier collectif mensuel pour les jeunes suivi·es.",
     "",
     "Dynamique de groupe.",
     ""),
    ("17005820", 2, _P2,
     "Bilan du premier atelier avec les jeunes et les collègues.",
     "Participation au comité local de la garantie jeunes.",
     "Dispositifs d'insertion liés à l'emploi.",
     "Réfléchir à la place du collectif dans les objectifs chiffrés."),
    ("17005820", 3, _P3,
     "Rédaction de la feuille de route.\nDeuxième atelier co-animé avec une collègue.",
     "",
     "Analyse des pratiques professionnelles.",
     ""),
    # 21002096 Yasmina Ben Salah — emploi
    ("21002096", 1, _P1,
     "Analyse des situations individuelles récurrentes pouvant relever d'une action collective.",
     "",
     "Problématiques et concepts de l'intervention sociale.",
     "Convaincre la hiérarchie de dégager du temps pour l'ISIC."),
    ("21002096", 2, _P2,
     "Rencontre avec le centre social de Lannion pour un projet d'action collective sur le logement.",
     "",
     "Les approches collectives de l'intervention sociale.",
     ""),
    ("21002096", 3, _P3,
     "Premier groupe d'habitant·es réuni sur la question des charges de chauffage.",
     "Participation au groupe départemental « ISIC ».",
     "Animation de réunion.",
     "Besoin d'échanges avec d'autres professionnel·les de polyvalence."),
)

BILANS: list[dict[str, Any]] = [dict(zip(_BILAN_KEYS, row, strict=True)) for row in _BILAN_ROWS]

# --- Bilans tripartites (6 or 7 June 2024) ------------------------------------------------

TRIPARTITES: list[dict[str, Any]] = [
    {
        "numero": "22004512", "date": D(2024, 6, 6), "heure": T(9, 0),
        "participants": "Aïssatou N'Diaye (étudiante)\nGaëlle L'Hôte (tutrice professionnelle)\nPascale Perron (accompagnement de l'alternance)",
        "realisations": "Diagnostic de la participation remis au conseil d'administration ; trois ateliers « Qui décide au centre social ? » ; une commission ouverte aux habitant·es créée en avril.",
        "processus": "Démarche de recherche-action assumée, ajustée après le premier atelier.\nBonne coopération avec l'équipe d'animation.",
        "apprentissages": "Animer un groupe hétérogène ; accepter que le calendrier des habitant·es ne soit pas celui de la structure.",
        "processus_apprentissage": "Journal de bord tenu chaque semaine ; relectures régulières avec la tutrice ; analyse de pratiques à l'université.",
        "retours": "Rapport de qualité, à compléter par une partie sur les limites du diagnostic.\nLa tutrice propose de présenter le travail à l'assemblée générale.",
    },
    {
        "numero": "22001843", "date": D(2024, 6, 6), "heure": T(10, 0),
        "participants": "Inès Moreau (étudiante)\nBaptiste Ferrand (tuteur professionnel)\nPascale Perron (accompagnement de l'alternance)",
        "realisations": 'Étude de faisabilité livrée à R&D <Centre> "Les Îlots" ; scénario d\'habitat regroupé retenu par le bailleur partenaire.',
        "processus": "Questionnaire et entretiens menés avec rigueur ; difficulté à mobiliser les aidant·es, contournée par des rencontres à domicile.",
        "apprentissages": "Traduire des attentes d'habitant·es en contraintes de programme.",
        "processus_apprentissage": "",
        "retours": "Soutenance à préparer en insistant sur la posture de chargée d'étude.",
    },
    {
        "numero": "22005071", "date": D(2024, 6, 6), "heure": T(11, 0),
        "participants": "Louise Kerjean (étudiante)\nOlivier Danet (tuteur professionnel)\nClaire Guillou (équipe pédagogique)",
        "realisations": "Analyse des besoins restituée aux élu·es ; une expérimentation de garde à horaires étendus inscrite au budget 2025.",
        "processus": "Très bonne mobilisation des familles ; les employeurs ont été plus difficiles à associer.",
        "apprentissages": "Construire une restitution adaptée à chaque public (familles, élu·es, employeurs).",
        "processus_apprentissage": "Appui sur les cours de méthodologie et sur les échanges entre alternant·es.",
        "retours": "",
    },
    {
        "numero": "22007719", "date": D(2024, 6, 7), "heure": T(9, 30),
        "participants": "Camille Da Silva (étudiante)\nSandrine Morvan (tutrice professionnelle)\nPascale Perron (accompagnement de l'alternance)",
        "realisations": "Rapport d'évaluation du contrat d'engagement jeune diffusé à l'équipe et au conseil d'administration.",
        "processus": "Évaluation participative : les jeunes ont co-construit deux indicateurs.\nTravail d'équipe apprécié.",
        "apprentissages": "Tenir une posture d'évaluatrice au sein d'une équipe dont on partage le quotidien.",
        "processus_apprentissage": "Supervision mensuelle avec la tutrice ; lectures conseillées par la tutrice mémoire.",
        "retours": "Proposition de poste de chargée de projet à la mission locale à la rentrée.",
    },
    {
        "numero": "19004471", "date": D(2024, 6, 7), "heure": T(14, 0),
        "participants": "Christophe Lebrun (étudiant)\nAnne-Sophie Perrot (tutrice professionnelle)\nPascale Perron (accompagnement de l'alternance)",
        "realisations": "Un comité de retraité·es associé au programme de prévention du service.",
        "processus": "Feuille de route suivie ; réajustements après les premières réunions du comité.",
        "apprentissages": "Faire une place réelle aux personnes concernées dans un service départemental.",
        "processus_apprentissage": "Analyse de pratiques et écriture réflexive.",
        "retours": "Poursuivre l'expérimentation et la documenter pour le service.",
    },
    {
        "numero": "22004033", "date": D(2024, 6, 7), "heure": T(15, 0),
        "participants": "Théo Lefèvre (étudiant)\nHélène Rouxel (tutrice professionnelle)\nHélène Marchetti (tutrice mémoire)",
        "realisations": "Note comparative des trois agences présentée à la direction de l'action sociale.",
        "processus": "Grille de comparaison solide ; accès aux terrains plus lent que prévu.",
        "apprentissages": "Comprendre le fonctionnement d'une collectivité et ses circuits de décision.",
        "processus_apprentissage": "",
        "retours": "Mieux expliciter la démarche comparative dans le rapport.",
    },
]

# --- Jurys and Soutenances ------------------------------------------------------------------

JURYS: list[dict[str, Any]] = [
    {
        "jury": "Jury A", "date": D(2024, 6, 25),
        "lieu": "Université Rennes 2, campus Villejean, bâtiment B, salle B 224",
        "president": "Claire Guillou",
        "membres": "Karim Haddad, maître de conférences en sociologie\nHélène Marchetti, professionnelle associée",
    },
    {
        "jury": "Jury B", "date": D(2024, 6, 27),
        "lieu": "Université Rennes 2, campus Villejean, bâtiment B, salle B 224",
        "president": "Mathieu Renaud",
        "membres": "Sophie Kervella, maîtresse de conférences en sociologie\nKarim Haddad, maître de conférences en sociologie",
    },
    {
        "jury": "Jury C", "date": D(2024, 9, 12),
        "lieu": "Université Rennes 2, campus Villejean, salle E 112",
        "president": "Sophie Kervella",
        "membres": "Claire Guillou, maîtresse de conférences en sociologie\nMathieu Renaud, professionnel associé",
    },
]

SOUTENANCES: list[dict[str, Any]] = [
    # Jury A — 25 June, morning
    {"numero": "22004512", "jury": "Jury A", "heure": T(9, 0), "note_rapport": 8, "note_soutenance": 8.5,
     "appreciation": "Diagnostic rigoureux et restitution vivante.\nTrès bonne lecture réflexive des apprentissages."},
    {"numero": "22004587", "jury": "Jury A", "heure": T(9, 30), "note_rapport": 7.5, "note_soutenance": 8,
     "appreciation": "Mission menée avec engagement ; analyse de la contribution à approfondir."},
    {"numero": "22001843", "jury": "Jury A", "heure": T(10, 0), "note_rapport": 6.5, "note_soutenance": 7,
     "appreciation": "Étude solide ; l'écrit gagnerait à être plus synthétique."},
    {"numero": "22006120", "jury": "Jury A", "heure": T(10, 30), "note_rapport": 9, "note_soutenance": 8.5,
     "appreciation": "Évaluation exemplaire, très bon dialogue avec le jury."},
    {"numero": "22003398", "jury": "Jury A", "heure": T(11, 0), "note_rapport": 7, "note_soutenance": 7.5},
    {"numero": "22005071", "jury": "Jury A", "heure": T(11, 30), "note_rapport": 8, "note_soutenance": 9,
     "appreciation": "Travail remarquable, directement utile à la structure."},
    {"numero": "22002264", "jury": "Jury A", "heure": T(12, 0)},
    # Jury B — 27 June, afternoon
    {"numero": "22007719", "jury": "Jury B", "heure": T(14, 0), "note_rapport": 7.5, "note_soutenance": 8,
     "appreciation": "Posture d'évaluatrice bien analysée."},
    {"numero": "22004033", "jury": "Jury B", "heure": T(14, 30), "note_rapport": 6, "note_soutenance": 6.5},
    {"numero": "22008845", "jury": "Jury B", "heure": T(15, 0)},
    {"numero": "19004471", "jury": "Jury B", "heure": T(15, 30)},
    {"numero": "18006539", "jury": "Jury B", "heure": T(16, 0)},
    {"numero": "20003312", "jury": "Jury B", "heure": T(16, 30)},
    # Jury C — 12 September (formation continue)
    {"numero": "21009132", "jury": "Jury C", "heure": T(9, 0)},
    {"numero": "22000417", "jury": "Jury C", "heure": T(9, 30)},
    {"numero": "22003604", "jury": "Jury C", "heure": T(10, 0)},
    {"numero": "21007788", "jury": "Jury C", "heure": T(10, 30)},
    {"numero": "22006684", "jury": "Jury C", "heure": T(11, 0)},
    {"numero": "17005820", "jury": "Jury C", "heure": T(11, 30)},
]

# --- Grille d'évaluation (points add up to 20) ------------------------------------------------

GRILLE: list[dict[str, Any]] = [
    {"section": "Rapport de mission", "critere": "Présentation de la mission (ou de la question professionnelle) et de son contexte, rappel des attendus", "points": 3},
    {"section": "Rapport de mission", "critere": "Lecture réflexive des apprentissages professionnels : réalisations, résultats et impact, processus", "points": 3},
    {"section": "Rapport de mission", "critere": "Évaluation de la mission et analyse de la contribution de l'étudiant·e à la structure", "points": 2},
    {"section": "Rapport de mission", "critere": "Qualité de l'écrit : structure, clarté, une quinzaine de pages", "points": 2},
    {"section": "Soutenance orale", "critere": "Clarté et structuration de la présentation", "points": 2},
    {"section": "Soutenance orale", "critere": "Prise de recul et posture professionnelle réflexive", "points": 2},
    {"section": "Soutenance orale", "critere": "Qualité des échanges avec le jury", "points": 2},
    {"section": "Bilan tripartite et alternance", "critere": "Apprentissages et processus d'apprentissage identifiés lors du bilan tripartite", "points": 2},
    {"section": "Bilan tripartite et alternance", "critere": "Transférabilité des acquis dans d'autres contextes professionnels", "points": 2},
]

# --- Équipe (the people the other sheets name: jury members, teachers of the tripartite reviews) ----

EQUIPE: list[dict[str, Any]] = [
    {"nom": "Yves Bonny", "role": "responsable pédagogique", "courriel": "yves.bonny@univ-rennes2.fr",
     "civilite": "Monsieur"},
    {"nom": "Pascale Perron", "role": "accompagnement de l'alternance", "courriel": "pascale.perron@univ-rennes2.fr",
     "civilite": "Madame"},
    {"nom": "Nadia Le Gall", "role": "secrétariat pédagogique", "courriel": "secretariat.copar@univ-exemple.fr"},
    {"nom": "Claire Guillou", "role": "enseignante, membre de jury", "courriel": "claire.guillou@univ-exemple.fr",
     "civilite": "Madame"},
    {"nom": "Karim Haddad", "role": "enseignant, membre de jury", "courriel": "karim.haddad@univ-exemple.fr"},
    {"nom": "Sophie Kervella", "role": "enseignante, membre de jury", "courriel": "sophie.kervella@univ-exemple.fr"},
    {"nom": "Mathieu Renaud", "role": "professionnel associé, membre de jury",
     "courriel": "mathieu.renaud@example.org"},
    {"nom": "Hélène Marchetti", "role": "professionnelle associée, membre de jury",
     "courriel": "helene.marchetti@example.org"},
]

# --- Disponibilités (read by `copar planning`) ---------------------------------------------------

DISPONIBILITES: list[dict[str, Any]] = [
    {"personne": "s.morvan@mission-locale.example.org", "date": D(2024, 6, 6)},
    {"personne": "Claire Guillou", "date": D(2024, 6, 7), "de": T(14, 0), "a": T(17, 30)},
]

# --- Notes par critère (two students; each sums to their rapport + soutenance notes) ---------------

_NOTES = {
    "22004512": (2.5, 2.5, 1.5, 1.5, 2, 1.5, 1.5, 2, 1.5),  # 8 + 8.5
    "22005071": (2.5, 2, 2, 1.5, 2, 2, 1.5, 2, 1.5),  # 8 + 9
}
NOTES: list[dict[str, Any]] = [
    {"numero": numero, "critere": c["critere"], "note": note}
    for numero, notes in _NOTES.items()
    for c, note in zip(GRILLE, notes, strict=True)
]

_ROWS: dict[str, list[dict[str, Any]]] = {
    "equipe": EQUIPE,
    "calendrier": CALENDRIER,
    "etudiants": ETUDIANTS,
    "bilans": BILANS,
    "tripartites": TRIPARTITES,
    "jurys": JURYS,
    "soutenances": SOUTENANCES,
    "grille": GRILLE,
    "notes": NOTES,
    "disponibilites": DISPONIBILITES,
}


def rows(sheet_key: str) -> list[dict[str, Any]]:
    """The sample rows of one sheet, as dicts keyed by column key.

    For the key-value `promotion` sheet, one {"parametre", "valeur"} row per
    parameter of `schema.PROMOTION_PARAMETERS`, headers as they are written.
    """
    if sheet_key == "promotion":
        return [{"parametre": p.header, "valeur": PROMOTION.get(p.key, "")} for p in schema.PROMOTION_PARAMETERS]
    sheet = schema.SHEETS_BY_KEY[sheet_key]
    known = {c.key for c in sheet.columns}
    result = []
    for row in _ROWS[sheet_key]:
        unknown = set(row) - known
        if unknown:
            raise KeyError(f"{sheet_key}: unknown column keys {sorted(unknown)}")
        result.append(dict(row))
    return result
