"""Every problem copar can find in a workbook, by its stable code.

One entry per code: its severity, a short French title, the French message template (fields in
braces are filled from the problem: `{value}`, `{detail}`…) where the message does not depend on
the row, and how to fix it. Codes never change meaning: programs reading `copar check --format
json` may rely on them. `Validator.problem` refuses a code or a severity that is not declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.report import ERROR, WARNING
from pipeline.workbook.schema import MISSION_TYPES, STATUTS


@dataclass(frozen=True)
class Code:
    name: str
    severity: str  # ERROR or WARNING; a few codes take either (see `severities`)
    title: str  # French: what is wrong, in a few words
    fix: str  # French: how to fix it
    message: str = ""  # French template of the whole message, when it does not depend on the row
    also: str = ""  # the other severity this code may take, and when (said in `title`)

    @property
    def severities(self) -> tuple[str, ...]:
        return (self.severity, self.also) if self.also else (self.severity,)


_CODES = (
    # --- the file's structure (the reader) ------------------------------------------------------
    Code("unknown-sheet", WARNING, "Feuille inconnue, ignorée",
         "Renommez-la si elle devait correspondre à une feuille attendue (voir la feuille Instructions)."),
    Code("missing-sheet", ERROR, "Feuille absente (erreur pour Promotion, Calendrier et Étudiant·es ; "
         "avertissement pour les autres)", "Ajoutez-la avec ses en-têtes (« copar init » crée un classeur modèle).",
         also=WARNING),
    Code("duplicate-sheet", ERROR, "Deux feuilles désignent la même donnée", "Supprimez ou renommez l'une des deux.",
         "Deux feuilles désignent la même donnée (« {detail} » et « {sheet} ») : supprimez ou renommez l'une des deux."),
    Code("missing-column", ERROR, "Colonne obligatoire absente", "Ajoutez-la à la ligne d'en-tête."),
    Code("extra-column", WARNING, "Colonne inconnue : ses valeurs sont conservées mais inutilisées",
         "Vérifiez son nom si elle devait correspondre à une colonne attendue (voir la feuille Instructions)."),
    Code("duplicate-column", ERROR, "Colonne en double", "Supprimez ou renommez l'une des deux.",
         "Colonne en double : elle désigne la même donnée que « {detail} ». Supprimez ou renommez l'une des deux."),
    Code("value-without-header", ERROR, "Valeur dans une colonne sans en-tête",
         "Donnez un en-tête à la colonne ou déplacez la valeur dans la bonne colonne.",
         "Valeur dans une colonne sans en-tête : donnez un en-tête à la colonne ou déplacez la valeur dans la "
         "bonne colonne."),
    Code("unwanted-characters", WARNING, "Caractères invisibles ou de contrôle retirés",
         "Vérifiez la cellule et retapez la valeur si besoin.",
         "Caractères invisibles ou de contrôle retirés de la valeur ({detail}) : un document Word ne peut pas les "
         "contenir, ou ils feraient d'une valeur une autre valeur que celle qu'on lit. Vérifiez la cellule."),
    Code("line-break-folded", WARNING, "Saut de ligne dans une valeur d'une seule ligne, remplacé par une espace",
         "Retirez le saut de ligne (Alt+Entrée) de la cellule.",
         "Saut de ligne (Alt+Entrée) dans une valeur qui tient sur une ligne (nom, libellé…) : copar le remplace par "
         "une espace dans les documents, courriels, calendriers et noms de fichiers. Retirez-le de la cellule."),
    Code("csv-encoding", WARNING, "Octet non UTF-8 dans un fichier CSV",
         "Vérifiez la valeur, puis enregistrez le fichier en « CSV UTF-8 ».", "{detail}"),
    Code("newer-workbook", WARNING, "Classeur plus récent, dans un autre format, à côté de celui lu",
         "Enregistrez-le au format .xlsx sous le nom du classeur lu, ou supprimez-le.",
         "Classeur {sheet} plus récent que {source}, qui est pourtant celui que copar lit : si {sheet} contient "
         "vos dernières modifications, {detail}"),
    Code("merged-cells", ERROR, "Cellules fusionnées",
         "Annulez la fusion (Accueil > Fusionner et centrer) et recopiez la valeur dans chaque cellule.",
         "Cellules fusionnées ({value}) : annulez la fusion (Accueil > Fusionner et centrer) et recopiez la valeur "
         "dans chaque cellule."),
    Code("formula-without-value", ERROR, "Formule sans valeur calculée",
         "Ouvrez le classeur dans Excel ou LibreOffice, laissez-le recalculer et enregistrez-le, ou remplacez la "
         "formule par sa valeur.",
         "Formule sans valeur calculée : ouvrez le classeur dans Excel ou LibreOffice, laissez-le recalculer et "
         "enregistrez-le, ou remplacez la formule par sa valeur."),
    Code("formula-error", ERROR, "Cellule en erreur", "Corrigez la formule ou remplacez-la par la valeur voulue.",
         "Cellule en erreur ({value}) : la formule ne donne pas de valeur (référence introuvable, division par zéro, "
         "date hors limites…). Corrigez la formule ou remplacez-la par la valeur voulue."),
    # --- one cell ----------------------------------------------------------------------------------
    Code("required", ERROR, "Valeur obligatoire manquante", "Renseignez la colonne."),
    Code("bad-date", ERROR, "Date illisible ou impossible",
         "Écrivez une date réelle au format JJ/MM/AAAA (par exemple 22/01/2024)."),
    Code("bad-time", ERROR, "Heure illisible", "Écrivez l'heure au format HH:MM (par exemple 14:30)."),
    Code("bad-number", ERROR, "Nombre illisible", "Écrivez un nombre, sans unité (par exemple 420 ou 7,5)."),
    Code("bad-email", ERROR, "Adresse électronique invalide",
         "Corrigez l'adresse électronique (forme attendue : prenom.nom@domaine.fr)."),
    Code("unknown-statut", ERROR, "Statut inconnu",
         "Choisissez dans la liste : " + ", ".join(STATUTS.values()) + " (un service civique compte comme un stage)."),
    Code("unknown-mission-type", ERROR, "Type de mission inconnu",
         "Choisissez dans la liste : " + ", ".join(MISSION_TYPES.values()) + "."),
    Code("bad-periode", ERROR, "Période illisible ou hors de 1 à 6", "Indiquez un numéro de période de 1 à 6."),
    Code("unknown-public", ERROR, "Public inconnu",
         "Choisissez : tous, stage ou formation continue (ou laissez vide pour tous)."),
    Code("unknown-civilite", ERROR, "Civilité inconnue",
         "Écrivez Madame ou Monsieur, ou laissez vide pour les formules inclusives."),
    Code("time-order", ERROR, "L'heure de fin ne suit pas l'heure de début", "Corrigez les colonnes De et À."),
    Code("date-order", ERROR, "La fin précède le début", "Vérifiez les colonnes Début et Fin (jour et mois inversés ?)."),
    Code("note-range", ERROR, "Note hors de l'échelle de 0 à 20", "Corrigez les notes : la note finale est sur 20."),
    Code("bad-points", ERROR, "Points d'un critère nuls ou négatifs", "Corrigez la colonne Points."),
    # --- rows and references -------------------------------------------------------------------------
    Code("duplicate-numero", ERROR, "N° étudiant en double dans la feuille", "Supprimez ou fusionnez l'une des deux lignes."),
    Code("duplicate-cle", ERROR, "Clé du calendrier en double", "Supprimez ou fusionnez l'une des deux lignes."),
    Code("duplicate-jury", ERROR, "Jury en double", "Supprimez ou fusionnez l'une des deux lignes."),
    Code("duplicate-member", ERROR, "Même personne deux fois dans la feuille Équipe",
         "Gardez une seule ligne par personne."),
    Code("duplicate-review", ERROR, "Bilan intermédiaire en double pour une période",
         "Gardez une seule ligne par étudiant·e et par période."),
    Code("unknown-student", ERROR, "N° étudiant absent de la feuille Étudiant·es",
         "Corrigez le numéro ou ajoutez l'étudiant·e."),
    Code("unknown-jury", ERROR, "Jury absent de la feuille Jurys", "Corrigez le nom du jury ou ajoutez-le dans Jurys."),
    Code("unknown-parameter", WARNING, "Paramètre de la feuille Promotion inconnu, ignoré",
         "Vérifiez son nom dans la liste des paramètres attendus."),
    Code("duplicate-parameter", ERROR, "Paramètre en double", "Gardez une seule ligne."),
    Code("missing-parameter", ERROR, "Paramètre obligatoire absent", "Ajoutez une ligne avec sa valeur."),
    Code("missing-calendar-key", WARNING, "Échéance absente du calendrier : la date restera en blanc",
         "Ajoutez une ligne par clé si la date est connue."),
    Code("tutor-mismatch", WARNING, "Même courriel de tuteur·rice sous deux noms", "Corrigez le nom ou le courriel."),
    Code("tutor-spelling", WARNING, "Même tuteur·rice écrit·e de deux façons (casse, tirets, accents)",
         "Gardez une seule orthographe : la première rencontrée est imprimée partout."),
    Code("tutor-two-emails", WARNING, "Même nom de tuteur·rice avec deux courriels",
         "Si c'est la même personne, écrivez le même courriel sur chaque ligne."),
    Code("student-twice", WARNING, "Même nom d'étudiant·e avec deux numéros",
         "Si c'est la même personne, gardez une seule ligne avec le bon N° étudiant."),
    Code("bad-annee", WARNING, "Année universitaire illisible : les dates ne sont pas contrôlées",
         "Écrivez l'année universitaire sous la forme 2023-2024."),
    Code("date-outside-year", WARNING, "Date hors de l'année universitaire de la promotion",
         "Corrigez l'année (le message propose la date probable)."),
    Code("doubtful-value", WARNING, "Valeur reconnue en ignorant des caractères",
         "Vérifiez la valeur et choisissez-la dans la liste déroulante de la colonne."),
    Code("review-not-due", WARNING, "Bilan d'une période hors des dates de l'étudiant·e",
         "Vérifiez la période ou les dates de début et de fin de l'étudiant·e."),
    Code("empty-grille", WARNING, "Feuille Grille sans critère : les grilles n'auront aucun critère",
         "Ajoutez les critères d'évaluation (section, critère, points) dans la feuille Grille."),
    Code("short-stage", WARNING, "Stage de moins de 420 heures", "Vérifiez la durée avec la structure."),
    Code("time-clash", WARNING, "Même jury à la même heure", "Vérifiez l'ordre de passage."),
    Code("unknown-criterion", ERROR, "Critère absent de la feuille Grille",
         "Recopiez le critère exactement comme dans Grille."),
    Code("duplicate-critere", ERROR, "Note en double pour un même critère et un·e même étudiant·e",
         "Supprimez ou fusionnez l'une des deux lignes."),
    Code("note-sum", WARNING, "Les notes par critère ne font pas la note de la feuille Soutenances",
         "Corrigez les notes par critère ou celles de Soutenances."),
    Code("review-date-outside-period", WARNING, "Bilan daté hors de sa période",
         "Vérifiez la date du bilan ou le numéro de la période (feuille Calendrier pour les dates des périodes)."),
    Code("rapport-by-name", WARNING, "Rapport de mission reconnu par le nom de l'étudiant·e, sans son n°",
         "Ajoutez le n° étudiant au nom du fichier dans le dossier rapports/."),
    Code("rapport-unmatched", WARNING, "Fichier du dossier rapports/ attribué à personne",
         "Renommez-le avec le n° étudiant (ou le nom et le prénom) de son auteur·rice."),
    Code("grille-total", ERROR, "Les points de la grille ne font pas 20",
         "Ajustez la colonne Points pour que le total fasse 20."),
)
CODES: dict[str, Code] = {code.name: code for code in _CODES}


def lookup(name: str, severity: str) -> Code:
    """The declared code; a ValueError (a bug in copar, not in the workbook) for an unknown code or severity."""
    code = CODES.get(name)
    if code is None or severity not in code.severities:
        raise ValueError(f"problem code {name!r} with severity {severity!r} is not declared in codes.py")
    return code
