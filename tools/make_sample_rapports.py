"""Write the sample students' "Rapport de mission" PDFs into inputs/rapports/.

Run from the repository root:

    .venv/bin/python tools/make_sample_rapports.py [OUTPUT_DIR]

Five short, fictional rapports (title page, contents, two pages of text) for students of
the sample promotion (`pipeline/sample.py`) who pass before a jury. The other jury
students have no rapport on purpose: their packets show the "rapport indisponible"
page. Each rapport is written with python-docx, converted by LibreOffice
(`soffice --headless --convert-to pdf`, private profile) and saved as
`<N° étudiant>-rapport-mission.pdf`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.workbook import sample  # noqa: E402

OUT_DIR = ROOT / "inputs" / "rapports"
FONT = "Carlito"
BLUE = RGBColor(0x1F, 0x38, 0x64)

# Per student: (context, course of the mission, evaluation, contribution, learnings).
# Everything is fictional.
RAPPORTS: dict[str, tuple[str, str, str, str, str]] = {
    "22004512": (
        "Le centre social Ty Blosne est une association agréée par la CAF qui accueille chaque année plus de "
        "1 200 habitant·es du quartier du Blosne. Son projet social 2022-2026 affiche l'ambition de « faire "
        "avec les habitant·es » ; pourtant, le conseil d'administration constate que les mêmes personnes "
        "siègent depuis des années et que les nouveaux et nouvelles adhérent·es ne prennent pas la parole "
        "dans les instances. La commande initiale était simple : « comprendre pourquoi les habitant·es ne "
        "viennent pas ». Le cahier des charges l'a reformulée en une question de diagnostic : quelles "
        "conditions, dans le fonctionnement même des instances, favorisent ou freinent la participation ?",
        "La mission s'est déroulée en trois temps. De novembre à décembre, j'ai observé deux commissions et "
        "un conseil d'administration à l'aide d'une grille de prise de parole, et mené dix entretiens avec "
        "des bénévoles, des administratrices et des salarié·es. En janvier et février, j'ai animé trois "
        "ateliers « Qui décide au centre social ? » ouverts à toutes et tous, dont un en soirée pour les "
        "parents. Enfin, de mars à avril, j'ai rédigé le diagnostic et co-construit des propositions avec "
        "un petit groupe d'habitant·es volontaires. Le calendrier des habitant·es n'étant pas celui de la "
        "structure, il a fallu déplacer deux ateliers et renoncer à un questionnaire jugé trop scolaire.",
        "Le diagnostic a été présenté au conseil d'administration en avril. Trois propositions ont été "
        "retenues : une commission ouverte sans condition d'adhésion, un ordre du jour rédigé en langage "
        "courant et diffusé à l'accueil, et un binôme d'accueil pour les nouvelles personnes élues. La "
        "commission ouverte s'est réunie deux fois avant la fin de la mission, avec neuf habitant·es dont "
        "cinq n'avaient jamais participé à une instance.",
        "Ma contribution a surtout consisté à rendre visibles des mécanismes que l'équipe pressentait sans "
        "les nommer : la technicité des échanges budgétaires, l'horaire des réunions, l'implicite des "
        "règles de prise de parole. Gaëlle L'Hôte souligne que le diagnostic a donné à l'équipe un langage "
        "commun pour parler de participation, au-delà du seul nombre de présent·es.",
        "J'ai appris à animer un groupe hétérogène et à accepter de ne pas tout maîtriser. J'ai aussi appris "
        "de mes erreurs : mon premier atelier, trop chargé, a laissé peu de place aux échanges. Dans un "
        "autre contexte, je garderai en mémoire qu'un diagnostic participatif est déjà une intervention : "
        "la manière de poser les questions transforme la situation observée.",
    ),
    "22001843": (
        'R&D <Centre> "Les Îlots" est une petite association de recherche-développement qui accompagne '
        "collectivités et bailleurs sociaux dans la conception d'habitats inclusifs. Sollicitée par un "
        "bailleur de la métropole rennaise, elle m'a confié une étude de faisabilité d'un habitat regroupé "
        "pour des personnes âgées en perte d'autonomie, dans un quartier où la moitié des plus de 75 ans "
        "vivent seul·es.",
        "Après une revue documentaire et la visite de deux réalisations, j'ai construit avec l'équipe un "
        "questionnaire passé auprès de 38 personnes âgées et de leurs aidant·es, puis conduit six entretiens "
        "approfondis. La mobilisation des aidant·es a été plus difficile que prévu : les rencontres à "
        "domicile, proposées par le CCAS, ont permis de dépasser cet obstacle. Les résultats ont été "
        "discutés lors de deux ateliers avec les habitant·es intéressé·es et le bailleur.",
        "L'étude conclut à la faisabilité d'un habitat de huit logements autour d'un espace commun, à "
        "condition d'y associer un poste d'animation partagé. Le bailleur a retenu ce scénario et prévoit "
        "un dépôt de permis en 2025.",
        "J'ai apporté une méthode d'enquête et une capacité de synthèse dont l'association ne disposait pas "
        "en interne cette année. Baptiste Ferrand note que les ateliers ont fait émerger des attentes "
        "(présence d'un animal, jardin partagé) qui n'apparaissaient pas dans la commande.",
        "Cette mission m'a appris à traduire des attentes d'habitant·es en contraintes de programme, et à "
        "tenir une posture de chargée d'étude entre un commanditaire et des personnes concernées. Je retiens "
        "aussi l'importance de restituer les résultats aux personnes enquêtées.",
    ),
    "22005071": (
        "Le CCAS de Saint-Brieuc a relevé, dans sa dernière analyse des besoins sociaux, la difficulté des "
        "familles monoparentales à concilier emploi et garde d'enfants lorsque les horaires sont atypiques "
        "(commerce, soin, nettoyage). Ma mission consistait à analyser ces besoins et à construire des "
        "pistes de solutions avec les employeurs et les assistantes maternelles du territoire.",
        "J'ai d'abord exploité les données de la CAF et de l'analyse des besoins sociaux, puis mené des "
        "entretiens avec huit mères et deux pères élevant seul·es leurs enfants. Le relais petite enfance "
        "m'a permis de rencontrer des assistantes maternelles prêtes à travailler en horaires décalés. "
        "Trois employeurs ont accepté une réunion de travail ; les autres n'ont pas donné suite, ce qui a "
        "conduit à revoir l'ambition de la concertation.",
        "L'analyse a été restituée aux élu·es en mars. Une expérimentation de garde à horaires étendus, "
        "portée par une crèche associative et deux assistantes maternelles, a été inscrite au budget 2025.",
        "Ma contribution a été de mettre en dialogue des acteurs qui ne se parlaient pas et de donner une "
        "place à la parole des familles dans un dossier d'abord traité comme une question d'équipement.",
        "J'ai appris à construire une restitution adaptée à chaque public : des récits pour les élu·es, des "
        "chiffres pour les financeurs, des propositions concrètes pour les familles. Ces acquis me semblent "
        "transférables à toute démarche d'analyse de besoins.",
    ),
    "22007719": (
        "La mission locale du Pays de Redon et de Vilaine accompagne chaque année près de 1 500 jeunes. "
        "Depuis 2022, elle met en œuvre le contrat d'engagement jeune (CEJ), un accompagnement intensif de "
        "quinze à vingt heures par semaine. L'équipe souhaitait évaluer ce qu'il produit réellement pour "
        "les jeunes, au-delà des indicateurs nationaux de sortie vers l'emploi.",
        "J'ai construit un référentiel d'évaluation avec l'équipe et Sandrine Morvan, puis mené douze "
        "entretiens avec des jeunes sorti·es du dispositif et deux entretiens collectifs avec les "
        "conseiller·es. Deux indicateurs ont été co-construits avec un groupe de jeunes : le sentiment de "
        "pouvoir agir sur son parcours et la qualité du réseau de soutien.",
        "Le rapport d'évaluation montre des effets forts sur la mobilité et la confiance en soi, plus "
        "faibles sur l'accès à un emploi durable en zone rurale. Il a été diffusé à l'équipe et présenté "
        "au conseil d'administration.",
        "J'ai contribué à outiller l'équipe pour parler de la qualité de l'accompagnement, et pas seulement "
        "de résultats chiffrés. Les deux nouveaux indicateurs seront suivis l'an prochain.",
        "J'ai appris à tenir une posture d'évaluatrice au sein d'une équipe dont je partageais le quotidien. "
        "Les supervisions mensuelles avec ma tutrice et les lectures conseillées par ma tutrice de mémoire "
        "ont soutenu ces apprentissages.",
    ),
    "21009132": (
        "L'Union régionale des centres sociaux de l'Ouest accompagne une soixantaine de centres sociaux. "
        "En contrat d'apprentissage depuis septembre, j'ai été chargé d'accompagner quatre centres dans le "
        "renouvellement participatif de leur projet social, étape obligatoire de leur agrément par la CAF.",
        "Avec Fatou Camara, j'ai conçu un kit d'animation « Notre centre social demain » (photolangage, "
        "cartographie sensible, porteur de paroles) testé auprès de trois groupes d'habitant·es. J'ai "
        "ensuite rédigé les synthèses de diagnostic de deux centres et préparé leurs comités de pilotage. "
        "Le rythme de l'apprentissage, avec une semaine de cours et deux jours de TIC par mois, a demandé "
        "une organisation rigoureuse pour ne pas interrompre les dynamiques de groupe.",
        "Les quatre centres ont déposé leur projet social dans les délais. Le kit d'animation est désormais "
        "proposé par l'Union à l'ensemble du réseau.",
        "Ma contribution tient à la formalisation d'outils réutilisables et à la capacité d'écrire des "
        "synthèses validées par des collectifs aux intérêts parfois divergents.",
        "J'ai appris à articuler mon rôle d'appui avec celui des directions des centres, sans me substituer "
        "à elles. Je retiens que l'animation participative demande autant de préparation que de souplesse.",
    ),
}

COMMON_REFLEXION = (
    "Au-delà des résultats, cette année d'alternance a transformé ma manière d'aborder l'intervention "
    "sociale. Les cours de méthodologie de projet et de diagnostic territorial participatif m'ont donné "
    "des outils ; c'est leur mise à l'épreuve en situation qui leur a donné du sens. Les temps d'analyse de "
    "pratiques entre alternant·es ont été précieux pour prendre du recul sur des situations vécues seul·e "
    "dans la structure.",
    "Dans la perspective d'une recherche d'emploi, je considère comme transférables la conduite d'une "
    "démarche participative, la capacité à problématiser une commande et à la traduire en cahier des "
    "charges, et l'écriture de documents professionnels adaptés à leurs destinataires.",
)


SOMMAIRE = (
    "1. Déroulé de la mission",
    "    Contexte et enjeux de la mission",
    "    Démarche, grandes étapes et régulations",
    "    Évaluation de la mission",
    "    Analyse de ma contribution à la structure",
    "2. Lecture réflexive des apprentissages",
    "    Ce que j'ai appris",
    "    Processus d'apprentissage et transférabilité",
    "Conclusion",
)


def _style(document: Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(8)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 26), ("Heading 1", 15), ("Heading 2", 12)):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = BLUE
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)


def _centered(document: Document, text: str, *, size: int = 12, bold: bool = False, space: int = 6) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(space)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def build_docx(student: dict, path: Path) -> None:
    context, course, evaluation, contribution, learnings = RAPPORTS[student["numero"]]
    promo = sample.PROMOTION
    document = Document()
    _style(document)

    # Title page
    _centered(document, promo["etablissement"], size=14, bold=True)
    _centered(document, promo["formation"], size=11)
    _centered(document, f"Parcours {promo['parcours']}", size=11)
    _centered(document, f"{promo['promotion']} — Année {promo['annee']}", size=11, space=90)
    _centered(document, "RAPPORT DE MISSION", size=26, bold=True, space=12)
    _centered(document, student["mission"], size=14, space=60)
    _centered(document, f"{student['prenom']} {student['nom']}", size=16, bold=True)
    _centered(document, f"N° étudiant : {student['numero']}", size=11, space=40)
    _centered(document, f"Structure d'accueil : {student['structure']}", size=11)
    _centered(document, f"Tuteur·rice professionnel·le : {student['tuteur_prenom']} {student['tuteur_nom']}", size=11)
    _centered(document, f"Tuteur·rice mémoire : {student.get('tuteur_memoire', '')}", size=11, space=60)
    _centered(document, "Rapport remis le 24 mai 2024 — document fictif (promotion d'exemple de copar)", size=9)
    document.paragraphs[-1].runs[0].add_break(WD_BREAK.PAGE)

    # Acknowledgements and contents
    document.add_heading("Remerciements", level=1)
    document.add_paragraph(
        f"Je remercie {student['tuteur_prenom']} {student['tuteur_nom']}, qui m'a accompagné·e tout au long de "
        f"l'année, l'équipe de la structure «\u00a0{student['structure']}\u00a0» pour son accueil, ainsi que l'équipe "
        "pédagogique du Master et les étudiant·es de la promotion pour nos échanges en analyse de pratiques."
    )
    document.add_heading("Sommaire", level=1)
    for line in SOMMAIRE:
        paragraph = document.add_paragraph(line.strip())
        paragraph.paragraph_format.left_indent = Cm(1 if line.startswith(" ") else 0)
        paragraph.paragraph_format.space_after = Pt(2)
        if not line.startswith(" "):
            paragraph.runs[0].bold = True
    document.paragraphs[-1].runs[0].add_break(WD_BREAK.PAGE)

    # Body
    document.add_heading("1. Déroulé de la mission", level=1)
    document.add_heading("Contexte et enjeux de la mission", level=2)
    document.add_paragraph(context)
    document.add_heading("Démarche, grandes étapes et régulations", level=2)
    document.add_paragraph(course)
    document.add_heading("Évaluation de la mission", level=2)
    document.add_paragraph(evaluation)
    document.add_heading("Analyse de ma contribution à la structure", level=2)
    document.add_paragraph(contribution)
    document.add_heading("2. Lecture réflexive des apprentissages", level=1)
    document.add_heading("Ce que j'ai appris", level=2)
    document.add_paragraph(learnings)
    document.add_heading("Processus d'apprentissage et transférabilité", level=2)
    for text in COMMON_REFLEXION:
        document.add_paragraph(text)
    document.add_heading("Conclusion", level=1)
    document.add_paragraph(
        f"Cette mission au sein de la structure «\u00a0{student['structure']}\u00a0» a été l'occasion de relier "
        "apprentissages théoriques et situations professionnelles. Elle se prolonge dans le mémoire, "
        "qui en reprend certaines questions sous un angle de recherche."
    )
    document.save(path)


def convert(docx_files: list[Path], workdir: Path) -> None:
    """One soffice call for every file, with a throw-away LibreOffice profile."""
    soffice = os.environ.get("COPAR_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (soffice) est introuvable : installez libreoffice-writer-nogui.")
    profile = (workdir / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(workdir), *map(str, docx_files)],
        check=True,
        capture_output=True,
        timeout=300,
    )


def main(out_dir: Path = OUT_DIR) -> list[Path]:
    students = {s["numero"]: s for s in sample.ETUDIANTS}
    in_juries = {s["numero"] for s in sample.SOUTENANCES}
    missing = set(RAPPORTS) - in_juries
    if missing:
        raise SystemExit(f"Rapports prévus pour des étudiant·es sans jury : {sorted(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="copar-rapports-") as tmp:
        workdir = Path(tmp)
        docx_files = []
        for numero in RAPPORTS:
            path = workdir / f"{numero}-rapport-mission.docx"
            build_docx(students[numero], path)
            docx_files.append(path)
        convert(docx_files, workdir)
        for docx in docx_files:
            pdf = docx.with_suffix(".pdf")
            if not pdf.is_file():
                raise SystemExit(f"La conversion de {docx.name} en PDF a échoué.")
            target = out_dir / pdf.name
            shutil.copyfile(pdf, out_dir / f".{pdf.name}.tmp")
            os.replace(out_dir / f".{pdf.name}.tmp", target)
            written.append(target)
    return written


if __name__ == "__main__":
    for written_path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(f"{written_path.relative_to(ROOT) if written_path.is_relative_to(ROOT) else written_path} "
              f"({written_path.stat().st_size // 1024} Ko)")
