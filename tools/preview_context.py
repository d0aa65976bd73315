"""Fake render contexts for the visual checks of the Word templates.

`fake_context(family)` returns a realistic context for one document family, shaped
exactly as docs/template-context.md describes, with hostile values on purpose:
markup characters (`R&D <Centre> "Les Îlots"`), an apostrophe and diacritics
(`Aïssatou N'Diaye`), a Jinja-looking text (`{{ 7*7 }}`), multi-line texts, a
~200-character mission title and a ~1200-character text.

Used only by the template previews (tools/), never by the pipeline.
"""

from __future__ import annotations

import copy

HOSTILE_STRUCTURE = 'R&D <Centre> "Les Îlots"'
JINJA_LOOKALIKE = "{{ 7*7 }}"

LONG_MISSION = (
    "Diagnostic territorial participatif de l'accès aux droits des habitant·es des quartiers prioritaires "
    "de Rennes Métropole, conception d'un dispositif d'« aller-vers » et évaluation de ses premiers effets"
)  # ~200 characters

LONG_TEXT = (
    "Cette période a été consacrée à la construction du diagnostic partagé avec les partenaires du territoire. "
    "J'ai conduit douze entretiens semi-directifs avec des professionnel·les de l'action sociale (CCAS, "
    "centre social, mission locale, bailleur social) et animé deux ateliers collectifs avec des habitant·es, "
    "dont l'un en soirée pour permettre la participation des personnes en emploi. Les premiers résultats "
    "montrent un écart important entre l'offre de services perçue par les institutions et les besoins "
    "exprimés par les habitant·es, en particulier sur l'accès aux droits numériques et la mobilité. "
    "J'ai également contribué à la préparation du comité de pilotage du 14 mars : rédaction de la note de "
    "synthèse, conception des supports de présentation et animation d'une séquence de travail en sous-groupes. "
    "Les échanges avec ma tutrice ont permis de reformuler la commande initiale : plutôt qu'un état des lieux "
    "exhaustif, la structure attend désormais des pistes d'action concrètes, hiérarchisées et chiffrées. "
    "Cette évolution m'a conduite à revoir le calendrier prévisionnel et à prioriser l'analyse des parcours "
    "d'accès aux droits des familles monoparentales, public identifié comme prioritaire par les partenaires. "
    "Difficultés rencontrées : la mobilisation des habitant·es reste fragile et dépend fortement des relais "
    "associatifs ; certains partenaires institutionnels tardent à transmettre leurs données d'activité."
)  # ~1200 characters

MULTILINE = (
    "Réunion d'équipe hebdomadaire : présentation de l'avancée du diagnostic.\n"
    "Participation au forum des associations du quartier (stand commun avec le centre social).\n"
    "Question en suspens : comment associer les habitant·es au comité de pilotage ?"
)


def _event(evenement: str, date: str = "", date_courte: str = "", horaire: str = "", lieu: str = "",
           public: str = "tous") -> dict:
    return {"evenement": evenement, "date": date, "date_courte": date_courte, "horaire": horaire,
            "lieu": lieu, "public": public}


EMPTY_EVENT = _event("")

ECHEANCES = {
    "reunion_tuteurs": _event("Réunion des tuteurs et tutrices", "mardi 5 décembre 2023", "05/12/2023",
                              "de 14 h à 16 h 30", "Université Rennes 2, campus Villejean, salle B 228"),
    "cahier_des_charges": _event("Cahier des charges à transmettre", "lundi 22 janvier 2024", "22/01/2024"),
    "point_etape": _event("Point d'étape individuel",
                          "du jeudi 8 février 2024 au vendredi 9 février 2024", "08/02/2024 – 09/02/2024",
                          "", "Université Rennes 2"),
    "rapport_mission": _event("Rapport de mission à rendre", "vendredi 24 mai 2024", "24/05/2024"),
    "bilan_tripartite": _event("Bilans tripartites de l'alternance",
                               "du jeudi 6 juin 2024 au vendredi 7 juin 2024", "06/06/2024 – 07/06/2024",
                               "environ 45 min", "Dans la structure d'accueil"),
    "jury": _event("Jurys de soutenance", "", "", "", ""),  # unknown yet: every field ""
}
_PERIODS = [
    ("du lundi 20 novembre 2023 au vendredi 1er décembre 2023", "20/11/2023 – 01/12/2023"),
    ("du lundi 11 décembre 2023 au vendredi 22 décembre 2023", "11/12/2023 – 22/12/2023"),
    ("du lundi 15 janvier 2024 au vendredi 26 janvier 2024", "15/01/2024 – 26/01/2024"),
    ("du lundi 12 février 2024 au vendredi 23 février 2024", "12/02/2024 – 23/02/2024"),
    ("du lundi 11 mars 2024 au vendredi 22 mars 2024", "11/03/2024 – 22/03/2024"),
    ("du lundi 15 avril 2024 au vendredi 26 avril 2024", "15/04/2024 – 26/04/2024"),
]
for _n, (_d, _c) in enumerate(_PERIODS, 1):
    ECHEANCES[f"periode_{_n}"] = _event(f"Période {_n} en structure", _d, _c, "", "", "stage")

CALENDRIER = [
    ECHEANCES["reunion_tuteurs"],
    ECHEANCES["periode_1"],
    ECHEANCES["periode_2"],
    ECHEANCES["cahier_des_charges"],
    ECHEANCES["periode_3"],
    ECHEANCES["point_etape"],
    ECHEANCES["periode_4"],
    ECHEANCES["periode_5"],
    ECHEANCES["periode_6"],
    ECHEANCES["rapport_mission"],
    ECHEANCES["bilan_tripartite"],
]

PROMO = {
    "formation": "Master 2 Sociologie, mention Intervention et développement social",
    "parcours": "Chargé·es de projets collectifs et participatifs (COPAR)",
    "promotion": "20e promotion",
    "annee": "2023-2024",
    "etablissement": "Université Rennes 2",
    "adresse": "Place du Recteur Henri Le Moal\nCS 24 307\n35 043 Rennes Cedex",
    "responsable": "Yves Bonny",
    "courriel_responsable": "yves.bonny@univ-rennes2.fr",
    "accompagnement": "Pascale Perron",
    "courriel_accompagnement": "pascale.perron@univ-rennes2.fr",
    "telephone_accompagnement": "06 66 72 56 33",
}


def _tutor(prenom, nom, fonction, courriel, telephone, structure) -> dict:
    return {"nom": nom, "prenom": prenom, "nom_complet": f"{prenom} {nom}", "fonction": fonction,
            "courriel": courriel, "telephone": telephone, "structure": structure}


def _student_echeances(formation_continue: bool) -> list[dict]:
    public = "formation continue" if formation_continue else "stage"
    return [e for e in CALENDRIER if e["public"] in ("tous", public)]


def _student(numero, prenom, nom, statut_cle, structure, tuteur, mission, **extra) -> dict:
    labels = {"stage": "Stage", "apprentissage": "Contrat d'apprentissage",
              "professionnalisation": "Contrat de professionnalisation", "emploi": "Situation d'emploi"}
    fc = statut_cle != "stage"
    s = {
        "numero": numero, "nom": nom, "prenom": prenom, "nom_complet": f"{prenom} {nom}",
        "courriel": f"{prenom.lower()}.{nom.lower()}@etudiant.univ-rennes2.fr".replace("'", ""),
        "statut": labels[statut_cle], "statut_cle": statut_cle, "en_emploi": statut_cle == "emploi",
        "formation_continue": fc, "structure": structure,
        "adresse_structure": "12 rue de la Motte Brûlon\n35000 Rennes",
        "mission": mission, "type_mission": "Diagnostic",
        "debut": "lundi 20 novembre 2023", "fin": "vendredi 26 avril 2024",
        "debut_court": "20/11/2023", "fin_court": "26/04/2024",
        "heures": "420 h", "rythme_tic": "deux jours par mois" if fc else "une semaine par mois",
        "question_professionnelle": "", "tuteur_memoire": "Yves Bonny", "tuteur": tuteur,
        "echeances": _student_echeances(fc),
    }
    s.update(extra)
    return s


TUTRICE = _tutor("Gwenaëlle", "Le Bihan-Kerjean", "Responsable du pôle développement social " + JINJA_LOOKALIKE,
                 "g.lebihan@ilots.example.org", "02 99 00 11 22", HOSTILE_STRUCTURE)
TUTEUR_2 = _tutor("Karim", "Benali", "Directeur", "k.benali@cs-maurepas.example.org", "", "Centre social de Maurepas")
TUTRICE_3 = _tutor("Hélène", "Moreau", "Cheffe de service insertion", "h.moreau@cd35.example.org",
                   "02 99 02 35 35", "Conseil départemental d'Ille-et-Vilaine")

AISSATOU = _student("22004512", "Aïssatou", "N'Diaye", "stage", HOSTILE_STRUCTURE, TUTRICE, LONG_MISSION)
LEA = _student("22104877", "Léa", "Martin", "apprentissage", HOSTILE_STRUCTURE, TUTRICE,
               "Évaluation du dispositif d'accès au droit", type_mission="Évaluation", heures="",
               adresse_structure="", tuteur_memoire="")
THOMAS = _student("21908833", "Thomas", "Ruiz-Lefèvre", "emploi",
                  "Conseil départemental d'Ille-et-Vilaine — Agence départementale du Pays de Fougères",
                  TUTRICE_3, "Coordination du réseau partenarial de l'insertion sur le pays de Fougères",
                  type_mission="Mise en synergie", heures="",
                  question_professionnelle="Comment passer d'une logique de guichet à une logique "
                  "d'accompagnement collectif ?\nQuelle place pour les personnes accompagnées dans "
                  "la définition des actions ?")
MAXIME = _student("22007310", "Maxime", "Le Floc'h", "professionnalisation",
                  "Centre social de Maurepas — Association pour l'animation des quartiers nord-est de Rennes",
                  TUTEUR_2,
                  "La participation des habitant·es dans les instances du centre social",
                  type_mission="Conception et conduite de projet")

PERIODES = []
for _n, (_d, _c) in enumerate(_PERIODS, 1):
    PERIODES.append({"numero": _n, "titre": f"Période {_n}", "dates": _d, "date_bilan": "", "activites": "",
                     "autres_actions": "", "apports": "", "attentes": "", "rempli": False})
PERIODES[0].update(date_bilan="vendredi 1er décembre 2023", rempli=True,
                   activites=LONG_TEXT + "\nCalcul à ne pas évaluer : " + JINJA_LOOKALIKE,
                   autres_actions=MULTILINE,
                   apports="Diagnostic territorial participatif et observation sociale.\n"
                           "Méthodologie de la démarche de projet.",
                   attentes="")
PERIODES[1].update(date_bilan="vendredi 22 décembre 2023", rempli=True,
                   activites="Préparation des ateliers collectifs.\nRédaction du cahier des charges.",
                   apports="Dynamique de groupe ; animation de réunion.")

SECTIONS = [
    {"titre": "Rapport de mission", "points": "8", "note": "", "criteres": [
        {"critere": "Présentation de la mission, du contexte et des enjeux", "points": "2", "note": ""},
        {"critere": "Lecture réflexive des apprentissages professionnels (réalisations, processus, "
                    "apprentissages, processus d'apprentissage)", "points": "4", "note": ""},
        {"critere": "Qualité de l'écrit et transférabilité des acquis", "points": "2", "note": ""},
    ]},
    {"titre": "Soutenance orale", "points": "6", "note": "", "criteres": [
        {"critere": "Clarté et structuration de la présentation", "points": "3", "note": ""},
        {"critere": "Qualité des échanges avec le jury " + JINJA_LOOKALIKE, "points": "3", "note": ""},
    ]},
    {"titre": "Bilan tripartite de l'alternance", "points": "6", "note": "", "criteres": [
        {"critere": "Réalisations, résultats et impact de la mission", "points": "3", "note": ""},
        {"critere": "Posture professionnelle réflexive", "points": "3", "note": ""},
    ]},
]

JURY = {"nom": "Jury 1 — " + HOSTILE_STRUCTURE, "date": "jeudi 20 juin 2024", "lieu": "Université Rennes 2, salle " + JINJA_LOOKALIKE,
        "president": "Yves Bonny", "membres": ["Pascale Perron", "Aurélien Cadet", "Gwenaëlle Le Bihan-Kerjean"],
        "membres_texte": "Pascale Perron, Aurélien Cadet, Gwenaëlle Le Bihan-Kerjean"}


def _passage(etudiant, heure, page="", **notes) -> dict:
    p = {"heure": heure, "note_rapport": "", "note_soutenance": "", "total": "", "appreciation": "",
         "etudiant": etudiant, "page": page}
    p.update(notes)
    return p


def _common() -> dict:
    return {"promo": dict(PROMO), "genere_le": "samedi 28 novembre 2026", "echeances": copy.deepcopy(ECHEANCES),
            "calendrier": copy.deepcopy(CALENDRIER)}


def fake_context(family: str) -> dict:
    """A realistic, hostile context for one template family (see docs/template-context.md)."""
    ctx = _common()
    if family == "bilan":
        ctx.update(etudiant=AISSATOU, periode=PERIODES[0])
    elif family == "livret":
        ctx.update(etudiant=AISSATOU, periodes=PERIODES)
    elif family == "invitation":
        ctx.update(tuteur=TUTRICE, etudiants=[AISSATOU, LEA], reunion=ECHEANCES["reunion_tuteurs"])
    elif family == "emargement":
        ctx.update(reunion=ECHEANCES["reunion_tuteurs"],
                   groupes=[{"tuteur": TUTRICE, "etudiants": [AISSATOU, LEA]},
                            {"tuteur": TUTEUR_2, "etudiants": [MAXIME]},
                            {"tuteur": TUTRICE_3, "etudiants": [THOMAS]}],
                   equipe=[{"nom": "Yves Bonny", "role": "Responsable pédagogique"},
                           {"nom": "Pascale Perron", "role": "Accompagnement " + JINJA_LOOKALIKE},
                           {"nom": "Aurélien Cadet", "role": "Tuteur pédagogique des contrats d'apprentissage"}],
                   nb_tuteurs="3", nb_etudiants="4")
    elif family == "fiche":
        ctx.update(etudiant=AISSATOU)
    elif family == "cahier":
        ctx.update(etudiant=AISSATOU, echeance=ECHEANCES["cahier_des_charges"])
    elif family == "feuille_de_route":
        etudiant = dict(THOMAS, prenom="Aïssatou", nom="N'Diaye", nom_complet="Aïssatou N'Diaye",
                        structure=HOSTILE_STRUCTURE,
                        question_professionnelle=THOMAS["question_professionnelle"] + "\nNote : "
                        + JINJA_LOOKALIKE)
        ctx.update(etudiant=etudiant, echeance=ECHEANCES["cahier_des_charges"])
    elif family == "compte_rendu":
        ctx.update(etudiant=AISSATOU, bilan={
            "date": "", "heure": "14 h 30", "duree": "environ 45 min",
            "participants": "Aïssatou N'Diaye, étudiante\nGwenaëlle Le Bihan-Kerjean, tutrice\n"
                            "Pascale Perron, équipe pédagogique",
            "realisations": LONG_TEXT, "processus": MULTILINE, "apprentissages": "J'ai appris à dire "
            + JINJA_LOOKALIKE + " sans que personne ne calcule.", "processus_apprentissage": "",
            "retours": "", "rempli": True})
    elif family == "grille":
        ctx.update(etudiant=AISSATOU, jury=JURY, passage=_passage(AISSATOU, "9 h 00", note_rapport="6,5"),
                   sections=SECTIONS, total_points="20")
    elif family == "couverture_jury":
        names = [("Aïssatou", "N'Diaye"), ("Léa", "Martin"), ("Thomas", "Ruiz-Lefèvre"), ("Maxime", "Le Floc'h"),
                 ("Zoé", "Guillou"), ("Inès", "Haddad"), ("Paul-Émile", "Tanguy"), ("Chloé", "Rivière"),
                 ("Yanis", "Cordier"), ("Mélissa", "Da Silva"), ("Baptiste", "Hervé"), ("Nour", "El Amrani")]
        passages = []
        page = 3
        for k, (prenom, nom) in enumerate(names):
            base = [AISSATOU, LEA, THOMAS, MAXIME][k % 4]
            e = dict(base, prenom=prenom, nom=nom, nom_complet=f"{prenom} {nom}", numero=f"2200{4512 + k * 37}")
            h, m = divmod(9 * 60 + k * 45, 60)
            passages.append(_passage(e, f"{h} h {m:02d}", page=str(page)))
            page += 21 + k % 5
        ctx.update(jury=JURY, passages=passages, sommaire=passages)
    elif family == "rapport_indisponible":
        ctx.update(etudiant=AISSATOU, motif="Le fichier est protégé par un mot de passe : impossible de "
                   "l'ouvrir.", fichier="22004512-rapport " + JINJA_LOOKALIKE + " <v2>.pdf")
    else:
        raise KeyError(family)
    return ctx


FAMILIES = ("bilan", "livret", "invitation", "emargement", "fiche", "cahier", "feuille_de_route",
            "compte_rendu", "grille", "couverture_jury", "rapport_indisponible")
