"""For staff editing templates: which variables each document type receives, and a lint."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from pipeline.documents import catalogue as documents
from pipeline.documents import contexts as cx
from pipeline.documents.catalogue import CATALOGUE, FAMILIES, Layout
from pipeline.documents.formats import plural
from pipeline.documents.limits import limit_worker
from pipeline.documents.render import MIXED_FORMAT, PACKAGE_TEMPLATES, TemplateIssue, lint, render_docx
from pipeline.errors import CoparError, TemplateProblem
from pipeline.workbook.model import Dataset
from pipeline.workbook.validate import check

# One French line per variable path; list items are written `liste[].champ`.
DESCRIPTIONS = {
    "promo": "la promotion (feuille Promotion)",
    "promo.formation": "intitulé du diplôme",
    "promo.parcours": "intitulé du parcours",
    "promo.promotion": "numéro de la promotion",
    "promo.annee": "année universitaire",
    "promo.etablissement": "université",
    "promo.adresse": "adresse postale de l'université (plusieurs lignes)",
    "promo.responsable": "responsable pédagogique",
    "promo.courriel_responsable": "courriel de la ou du responsable pédagogique",
    "promo.accompagnement": "personne qui accompagne l'alternance",
    "promo.courriel_accompagnement": "courriel de l'accompagnement de l'alternance",
    "promo.telephone_accompagnement": "téléphone de l'accompagnement de l'alternance",
    "promo.secretariat": "personne qui envoie les courriels (paramètre Secrétariat)",
    "promo.courriel_secretariat": "courriel du secrétariat",
    "promo.signataire": "personne qui signe les courriels (vide : l'équipe pédagogique)",
    "genere_le": "date de production du document",
    "date_courrier": "date des courriers (paramètre « Date des courriers » ou option --date-courrier), vide sinon",
    "lieu_courrier": "ville d'où sont datés les courriers (paramètre « Lieu des courriers », Rennes sinon)",
    "promo.lieu_courriers": "paramètre « Lieu des courriers » tel que saisi (vide : Rennes)",
    "echeances": "les échéances du calendrier, par clé (reunion_tuteurs, cahier_des_charges, …)",
    "calendrier": "toutes les lignes du Calendrier, par date",
    "evenement": "libellé de l'échéance",
    "date": "date en toutes lettres",
    "date_courte": "date JJ/MM/AAAA",
    "horaire": "horaire",
    "lieu": "lieu",
    "public": "public concerné (tous, stage, formation continue)",
    "numero": "numéro",
    "nom": "nom",
    "prenom": "prénom",
    "nom_complet": "prénom et nom",
    "civilite": "civilité (Madame, Monsieur) si le classeur la donne, vide sinon",
    "appel": "« Madame », « Monsieur » selon la civilité, « Madame, Monsieur » sans",
    "e": "accord : « e », rien ou « ·e » selon la civilité (convié{{ tuteur.e }})",
    "etudiant_mot": "« étudiante », « étudiant » ou « étudiant·e » selon la civilité",
    "tuteur_mot": "« tutrice », « tuteur » ou « tuteur·rice » selon la civilité",
    "courriel": "courriel",
    "statut": "statut en clair (Stage, Contrat d'apprentissage…)",
    "statut_cle": "statut codé : stage, apprentissage, professionnalisation, emploi",
    "en_emploi": "oui pour un·e étudiant·e en situation d'emploi",
    "formation_continue": "oui pour l'apprentissage, la professionnalisation et l'emploi",
    "structure": "structure d'accueil",
    "adresse_structure": "adresse de la structure",
    "mission": "intitulé de la mission",
    "type_mission": "type de mission en clair",
    "debut": "début de l'alternance, en toutes lettres",
    "fin": "fin de l'alternance, en toutes lettres",
    "debut_court": "début JJ/MM/AAAA",
    "fin_court": "fin JJ/MM/AAAA",
    "heures": "heures prévues (« 420 h »)",
    "rythme_tic": "rythme des travaux individuels et collectifs selon le statut",
    "question_professionnelle": "question professionnelle (étudiant·es en emploi)",
    "tuteur_memoire": "tuteur·rice de mémoire",
    "tuteur": "tuteur·rice professionnel·le",
    "fonction": "fonction",
    "telephone": "téléphone",
    "etudiant": "l'étudiant·e",
    "etudiants": "les étudiant·es (liste)",
    "periode": "la période du bilan",
    "periodes": "les six périodes (liste)",
    "titre": "titre",
    "dates": "dates de la période (feuille Calendrier, clés periode_1 à periode_6)",
    "date_bilan": "date du bilan",
    "activites": "activités de la période, contribution à la mission",
    "autres_actions": "participation à des actions autres que la mission",
    "apports": "apports de formation mobilisés",
    "attentes": "attentes ou propositions, besoins de formation",
    "rempli": "oui si le classeur contient cette ligne",
    "concerne": "non pour une période hors des dates d'alternance de l'étudiant·e (non concerné·e)",
    "reunion": "la réunion des tuteur·rices (clé reunion_tuteurs)",
    "groupes": "tuteur·rices et leurs étudiant·es (liste)",
    "equipe": "équipe pédagogique (liste)",
    "role": "rôle",
    "nb_tuteurs": "nombre de tuteur·rices attendu·es",
    "nb_etudiants": "nombre d'étudiant·es attendu·es",
    "echeance": "échéance de remise (clé cahier_des_charges)",
    "bilan": "le bilan tripartite (feuille Bilans tripartites)",
    "heure": "heure",
    "duree": "durée prévue",
    "participants": "participant·es",
    "realisations": "réalisations, résultats et impact",
    "processus": "processus",
    "apprentissages": "apprentissages",
    "processus_apprentissage": "processus d'apprentissage",
    "retours": "retours et suites",
    "jury": "le jury (feuille Jurys)",
    "president": "présidence du jury : prénom et nom de la personne",
    "membres": "membres du jury (liste)",
    "membres_texte": "membres du jury, séparés par des virgules",
    "passage": "la soutenance (feuille Soutenances)",
    "passages": "ordre de passage (liste)",
    "sommaire": "sommaire du dossier (liste, avec la page)",
    "page": "page du dossier où commence la partie",
    "note_rapport": "note du rapport",
    "note_soutenance": "note de la soutenance",
    "total": "total des notes",
    "appreciation": "appréciation du jury",
    "sections": "sections de la Grille (liste)",
    "criteres": "critères de la section (liste)",
    "critere": "critère",
    "points": "points",
    "note": "note du jury (feuille Notes)",
    "total_points": "total de la grille (20)",
    "motif": "raison pour laquelle le rapport manque",
    "fichier": "fichier concerné",
    "document": "document remplacé",
}


def example_dataset(source: Path | None = None) -> Dataset:
    """The dataset of `source`, or of the sample promotion written to a temporary file."""
    if source is not None:
        dataset, report = check(source)
        if dataset is None:
            raise CoparError(f"Le classeur {source} contient des erreurs : corrigez-les (« copar check »).")
        return dataset
    from pipeline.workbook.init import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook(Path(tmp) / "exemple.xlsx", example=True)
        dataset, report = check(path)
    if dataset is None:  # pragma: no cover - the sample is tested to be valid
        raise CoparError("La promotion d'exemple contient des erreurs.")
    return dataset


def example_contexts(ds: Dataset, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """One realistic context per family, the richest the dataset offers."""
    today = today or dt.date.today()
    layout = Layout.of(ds)
    units = documents.units(ds, {f.name for f in CATALOGUE}, today, layout)
    result: dict[str, dict[str, Any]] = {}
    for unit in units:
        if unit.family not in result or _richness(unit.context) > _richness(result[unit.family]):
            result[unit.family] = unit.context
    common = cx.common(ds, today)
    if ds.students:
        s = ds.students[0]
        result["rapport_indisponible"] = {**common, "etudiant": cx.student(s, ds), "document": "Rapport de mission",
                                          "motif": "PDF protégé par un mot de passe", "fichier": f"{s.numero}.pdf"}
    if ds.juries:
        jury = ds.juries[0]
        defenses = ds.defenses_of(jury.jury)
        passages = [cx.passage(d, ds.student(d.numero), ds, page=1 + 10 * i) for i, d in enumerate(defenses)]
        result["couverture_jury"] = {**common, "jury": cx.jury(jury), "passages": passages, "sommaire": passages}
    return result


def _richness(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_richness(v) for v in value.values())
    if isinstance(value, list):
        return len(value) + sum(_richness(v) for v in value[:3])
    return 1 if value not in ("", None, False) else 0


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(item, (dict, list)) and item:
                rows.append((path, None))
                rows.extend(flatten(item, path))
            else:
                rows.append((path, item))
        return rows
    if isinstance(value, list):
        return flatten(value[0], f"{prefix}[]") if value else []
    return [(prefix, value)]


def _describe_path(path: str) -> str:
    plain = path.replace("[]", "")
    if plain.startswith("echeances.") and plain.count(".") == 1:
        return f"l'échéance {plain.split('.')[1]} du Calendrier (mêmes champs que reunion_tuteurs)"
    if plain in DESCRIPTIONS:
        return DESCRIPTIONS[plain]
    last = plain.split(".")[-1]
    return DESCRIPTIONS.get(last, "")


MARKDOWN_DAY = dt.date(2023, 9, 4)  # the date examples are produced on in the markdown, so that it is stable
MARKDOWN_INTRO = """# Variables reçues par chaque modèle

Page produite par `copar templates vars --format markdown > docs/template-context.md`, à partir des
mêmes descriptions que `copar templates vars` ; les exemples viennent de la promotion d'exemple.
Un test vérifie qu'elle est à jour.

Chaque valeur est déjà mise en forme pour l'impression (dates en français, « 14,5 », « 420 h ») :
c'est un texte, sauf mention contraire. Un texte vide veut dire « inconnu » : le modèle imprime
alors des lignes ou une case à remplir. Les textes saisis gardent leurs retours à la ligne (⏎
ci-dessous). Les valeurs sont échappées automatiquement : n'utilisez jamais `|safe`. Dans une
liste, `liste[].champ` désigne le champ de chaque élément (`{%p for e in etudiants %}…{{ e.nom }}`).
"""


def _variables(name: str, context: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(path, French description, example) of every variable of one context, but those under `skip`."""
    rows = []
    for path, value in flatten(context):
        if path.split(".")[0].split("[")[0] in skip:
            continue
        if path.startswith("echeances.") and path.count(".") > 1 and not path.startswith("echeances.reunion_tuteurs"):
            continue  # every calendar key has the same fields: show one
        rows.append((path, _describe_path(path), "" if value is None else _example(value)))
    return rows


def _family_names(family: str | None) -> list[str]:
    names = [f.name for f in CATALOGUE]
    if family is None:
        return names
    key = family.replace("-", "_")
    if key not in FAMILIES:
        raise CoparError(f"Type de document inconnu : {family}. Types : {', '.join(names)}.")
    return [key]


def describe(family: str | None = None, source: Path | None = None) -> str:
    """What `copar templates vars` prints: every variable of each family, with an example."""
    names = _family_names(family)
    contexts = example_contexts(example_dataset(source))
    out = []
    for name in names:
        f = FAMILIES[name]
        out.append(f"{f.name} — {f.title} (un document par {f.per}, modèle {f.template})")
        for path, description, example in _variables(name, contexts.get(name, {})):
            line = f"  {{{{ {path} }}}}".ljust(48) + description
            out.append(line + (f" — ex. : {example}" if example else ""))
        out.append("")
    return "\n".join(out)


def describe_markdown(family: str | None = None, source: Path | None = None) -> str:
    """The same descriptions as a Markdown page (docs/template-context.md): the variables common to
    every document once, then what each family adds."""
    names = _family_names(family)
    dataset = example_dataset(source)
    contexts = example_contexts(dataset, MARKDOWN_DAY)
    common = cx.common(dataset, MARKDOWN_DAY)
    out = [MARKDOWN_INTRO, "## Communes à tous les documents", "", *_table(_variables("", common))]
    for name in names:
        f = FAMILIES[name]
        out += ["", f"## `{f.name}` — {f.title}", "",
                f"Un document par {f.per}, modèle `{f.template}`. En plus des variables communes :", "",
                *_table(_variables(name, contexts.get(name, {}), skip=frozenset(common)))]
    return "\n".join(out) + "\n"


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| variable | signification | exemple |", "|---|---|---|"]
    lines += [f"| `{{{{ {path} }}}}` | {cell(description)} | {cell(example)} |" for path, description, example in rows]
    return lines


def _example(value: Any) -> str:
    if isinstance(value, bool):  # a condition for {% if %}: staff read oui / non, not True / False
        return f"oui / non (ici : {'oui' if value else 'non'})"
    text = str(value).replace("\n", " ⏎ ")
    return text if len(text) <= 60 else text[:57] + "…"


def _trial_render(path: Path, context: dict[str, Any]) -> TemplateIssue | None:
    """Render once with the sample's values: catches what only shows with data (e.g. {{ nom / 2 }}).

    In a worker process capped in memory as a build's render workers are (documents.limits).
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    with tempfile.TemporaryDirectory() as tmp:
        try:
            with ProcessPoolExecutor(1, mp_context=get_context("fork"), initializer=limit_worker) as pool:
                error = pool.submit(_render_error, path, context, Path(tmp) / path.name).result()
        except BrokenProcessPool:
            error = f"Modèle {path.name} : le rendu d'essai s'est arrêté brutalement (mémoire ?). Simplifiez le modèle."
    if error is not None:
        return TemplateIssue(path.name, "render", f"Échec d'un essai avec la promotion d'exemple : {error}")
    return None


def _render_error(path: Path, context: dict[str, Any], out: Path) -> str | None:
    """Runs in the capped worker: the French error of a trial render, or None."""
    try:
        render_docx(path, context, out)
    except TemplateProblem as exc:
        return str(exc)
    return None


def check_templates(folder: Path | None = None) -> tuple[list[str], bool]:
    """Lint every template of `folder` (default: the shipped ones); lines to print and broken?"""
    folder = folder or PACKAGE_TEMPLATES
    if not folder.is_dir():
        raise CoparError(f"Dossier de modèles introuvable : {folder}.")
    contexts = example_contexts(example_dataset())
    lines: list[str] = []
    broken = False
    files = sorted(folder.glob("*.docx"))
    if not files:
        return [f"Aucun modèle .docx dans {folder}."], True
    for path in files:
        if path.name.startswith("~$"):
            continue
        name = path.stem
        if name not in FAMILIES:
            lines.append(f"{path.name} : ne correspond à aucun type de document (ignoré). "
                         f"Noms attendus : {', '.join(f.template for f in CATALOGUE)}.")
            continue
        found = lint(path, contexts.get(name, {}))
        warnings = [i for i in found if i.kind == MIXED_FORMAT]
        issues = [i for i in found if i.kind != MIXED_FORMAT]
        if not issues and (trial := _trial_render(path, contexts.get(name, {}))) is not None:
            issues = [trial]
        if not issues and not warnings:
            lines.append(f"{path.name} : OK")
            continue
        broken = broken or bool(issues)
        counts = [plural(len(issues), "problème")] if issues else []
        counts += [plural(len(warnings), "avertissement")] if warnings else []
        lines.append(f"{path.name} : {', '.join(counts)}")
        for issue in issues + warnings:
            mark = "avertissement : " if issue.kind == MIXED_FORMAT else ""
            lines.append(f"  - {mark}{issue.message}" + (f"\n      texte : « {issue.context} »" if issue.context else ""))
    return lines, broken
