"""End to end: the sample promotion built to DOCX and PDF with the real LibreOffice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest

from pipeline.workbook.validate import check

from .helpers import INPUTS, pdf_text, run

STUDENT_FAMILIES = ("fiche-alternance", "livret-de-bilans", "compte-rendu-bilan-tripartite", "grille-evaluation",
                    *(f"bilan-periode-{n}" for n in range(1, 7)))
HOSTILE_STRUCTURE = 'R&D <Centre> "Les Îlots"'


@pytest.fixture(scope="session")
def sample():
    dataset, report = check(INPUTS)
    assert dataset is not None, report.to_table()
    return dataset


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("build") / "outputs"
    code, stdout, stderr = run("build", str(INPUTS), "-o", str(out))
    assert code == 0, stdout + stderr
    return out, stdout


def folder_of(out: Path, numero: str) -> Path:
    (folder,) = (out / "etudiants").glob(f"{numero}-*")
    return folder


@pytest.mark.soffice
def test_every_student_gets_every_document(built, sample) -> None:
    out, _ = built
    for s in sample.students:
        folder = folder_of(out, s.numero)
        names = {p.name for p in folder.iterdir()}
        for stem in STUDENT_FAMILIES:
            assert {f"{stem}.docx", f"{stem}.pdf"} <= names, (s.numero, stem)
        own = "feuille-de-route" if s.en_emploi else "cahier-des-charges"
        other = "cahier-des-charges" if s.en_emploi else "feuille-de-route"
        assert {f"{own}.docx", f"{own}.pdf"} <= names
        assert not any(n.startswith(other) for n in names)


@pytest.mark.soffice
def test_period_review_pdf_has_the_students_data(built) -> None:
    out, _ = built
    folder = folder_of(out, "22001843")
    text = pdf_text(folder / "bilan-periode-2.pdf")
    assert "Inès Moreau" in text or "Moreau" in text
    assert "Période 2" in text
    assert "{{ 7*7 }}" in text and " 49 " not in text
    assert HOSTILE_STRUCTURE in text
    assert "Construction du questionnaire auprès des personnes âgées" in text
    assert "APPORTS DE FORMATION MOBILISÉS".lower() in text.lower()


@pytest.mark.soffice
def test_multiline_text_keeps_its_line_breaks(built) -> None:
    out, _ = built
    folder = folder_of(out, "22001843")
    document = docx.Document(str(folder / "bilan-periode-3.docx"))
    body = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    body += "\n".join(p.text for p in document.paragraphs)
    assert ("Passation de 38 questionnaires et de 6 entretiens approfondis.\n"
            "Premier rendu au conseil d'administration de l'association.") in body


@pytest.mark.soffice
def test_period_dates_come_from_the_calendar(built, sample) -> None:
    out, _ = built
    event = sample.calendar["periode_1"]
    text = pdf_text(folder_of(out, "22004512") / "bilan-periode-1.pdf")
    from pipeline.documents.formats import long_date

    assert long_date(event.debut) in text
    assert "N'Diaye" in text


@pytest.mark.soffice
def test_livret_holds_six_periods(built) -> None:
    out, _ = built
    text = pdf_text(folder_of(out, "22004512") / "livret-de-bilans.pdf")
    for n in range(1, 7):
        assert f"Période {n}" in text


@pytest.mark.soffice
def test_hostile_structure_verbatim_in_every_family_that_shows_it(built) -> None:
    out, _ = built
    folder = folder_of(out, "22001843")
    for stem in ("fiche-alternance", "cahier-des-charges", "bilan-periode-1", "livret-de-bilans",
                 "compte-rendu-bilan-tripartite", "grille-evaluation"):
        assert HOSTILE_STRUCTURE in pdf_text(folder / f"{stem}.pdf"), stem


@pytest.mark.soffice
def test_manifest_and_build_report(built) -> None:
    out, stdout = built
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 1
    assert any(k.endswith("promotion.xlsx") for k in manifest["inputs"])
    entry = next(v for k, v in manifest["files"].items() if k.endswith("/fiche-alternance"))
    assert entry["template"] == "fiche.docx" and len(entry["template_sha256"]) == 64
    assert entry["docx"]["sha256"] and entry["pdf"]["sha256"]
    report = (out / "rapport-de-construction.txt").read_text(encoding="utf-8")
    assert "0 en échec" in report
    assert "0 en échec" in stdout


@pytest.mark.soffice
def test_second_build_skips_unchanged_documents(built, tmp_path: Path) -> None:
    out, _ = built
    copy = tmp_path / "outputs"
    shutil.copytree(out, copy)
    code, stdout, _ = run("build", str(INPUTS), "-o", str(copy), "--only", "fiche")
    assert code == 0
    first, rest = stdout.split("\n", 1)  # the first line names the templates and settings used
    assert first.startswith("Modèles : modèles fournis avec copar ;")
    assert rest.startswith("0 document écrit, 29 inchangés (déjà à jour), 0 en échec.\n"
                             "  - Fiche d'alternance : 0 écrit, 26 inchangés\n"
                             "  - Dossier de jury (PDF) : 0 écrit, 3 inchangés\n")  # packets checked, up to date


@pytest.mark.slow
def test_build_refuses_an_invalid_workbook(tmp_path: Path) -> None:
    import openpyxl

    bad = tmp_path / "in"
    bad.mkdir()
    wb = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    wb["Étudiant·es"]["E2"] = "Stagiaire pro"
    wb.save(bad / "promotion.xlsx")
    code, stdout, stderr = run("build", str(bad), "-o", str(tmp_path / "out"), "--no-pdf")
    assert code == 1
    assert "Statut inconnu" in stderr
    assert "erreur dans le classeur : corrigez-les" in stderr
    assert not (tmp_path / "out").exists()


def test_only_and_etudiant_restrict_the_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche",
                               "--etudiant", "22004512")
    assert code == 0, stdout + stderr
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.docx"))
    assert files == ["etudiants/22004512-n-diaye-aissatou/fiche-alternance.docx"]


def test_unknown_only_family(tmp_path: Path) -> None:
    code, _, stderr = run("build", str(INPUTS), "-o", str(tmp_path / "o"), "--only", "diplomes")
    assert code == 1
    assert "famille inconnue pour --only : diplomes" in stderr


def test_unknown_student(tmp_path: Path) -> None:
    code, _, stderr = run("build", str(INPUTS), "-o", str(tmp_path / "o"), "--no-pdf", "--etudiant", "1")
    assert code == 1
    assert "Aucun·e étudiant·e n° 1" in stderr


@pytest.mark.soffice
def test_one_failed_conversion_does_not_lose_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in soffice that fails on one document: the others are converted, the failure named."""
    real = shutil.which("soffice")
    assert real, "LibreOffice is required"
    fake = tmp_path / "soffice"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'for a in "$@"; do case "$a" in *22004512*) echo "boom" >&2; exit 1;; esac; done\n'
        f'exec {real} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("COPAR_SOFFICE", str(fake))
    out = tmp_path / "out"
    code, stdout, _ = run("build", str(INPUTS), "-o", str(out), "--only", "fiche")
    assert code == 1
    assert "ÉCHEC : Fiche d'alternance — Aïssatou N'Diaye" in stdout
    assert "25 documents écrits, 0 inchangé, 1 en échec." in stdout
    pdfs = list(out.rglob("fiche-alternance.pdf"))
    assert len(pdfs) == 25
    assert not (folder_of(out, "22004512") / "fiche-alternance.pdf").exists()


# --- every family, as a reader of its PDF would check it -------------------------------


@pytest.mark.soffice
def test_invitation_names_both_students_of_a_tutor(built, sample) -> None:
    out, _ = built
    tutor, students = next((t, ss) for t, ss in sample.tutors() if len(ss) == 2)
    from pipeline.documents.catalogue import Layout

    stem = Layout.of(sample).tutors[tutor.key]
    assert stem == "invitation-l-hote-gaelle"
    pdf = out / "reunion-tuteurs" / "invitations" / f"{stem}.pdf"
    text = pdf_text(pdf)
    assert tutor.nom_complet in text
    for s in students:
        assert s.nom_complet in text
    assert "mardi 5 décembre 2023" in text and "14h–16h30" in text
    assert "réunion des tuteur·rices" in text.lower()
    assert "échanges réguliers" in text and "bilans intermédiaires" in text
    assert "entretien de bilan" in text and "soutenance du rapport de mission" in text
    assert "lundi 22 janvier 2024" in text and "vendredi 24 mai 2024" in text  # deliverables
    assert len(list((out / "reunion-tuteurs" / "invitations").glob("*.pdf"))) == len(sample.tutors())


@pytest.mark.soffice
def test_attendance_sheet_lists_everyone(built, sample) -> None:
    out, _ = built
    text = pdf_text(out / "reunion-tuteurs" / "feuille-emargement.pdf")
    assert "Feuille d'émargement" in text and "Signature" in text
    for s in sample.students:
        assert s.nom_complet in text
        assert s.tuteur.nom_complet in text
    assert HOSTILE_STRUCTURE in text
    assert sample.promotion.responsable in text


@pytest.mark.soffice
def test_fiche_states_statut_hours_and_rhythm(built, sample) -> None:
    out, _ = built
    stage = pdf_text(folder_of(out, "22001843") / "fiche-alternance.pdf")
    assert "Fiche d'alternance" in stage and "Inès Moreau" in stage
    assert "420 heures minimum sur 6 mois" in stage and "deux semaines par mois" in stage
    assert "une semaine par mois (stage)" in stage
    apprenti = next(s for s in sample.students if s.statut == "apprentissage")
    text = pdf_text(folder_of(out, apprenti.numero) / "fiche-alternance.pdf")
    assert "Contrat d'apprentissage" in text and "deux jours par mois" in text
    assert "420 heures minimum" not in text
    civique = next(s for s in sample.students if s.service_civique)
    assert "Stage (service civique)" in pdf_text(folder_of(out, civique.numero) / "fiche-alternance.pdf")


@pytest.mark.soffice
def test_cahier_des_charges_has_the_seven_sections(built) -> None:
    out, _ = built
    text = pdf_text(folder_of(out, "22001843") / "cahier-des-charges.pdf")
    assert "À transmettre au plus tard le lundi 22 janvier 2024" in text
    for heading in (
        "La structure et son environnement",
        "La contextualisation et la problématisation de la mission",
        "Le système d'acteurs et leurs enjeux respectifs",
        "Les objectifs de travail",
        "La démarche ou la méthodologie conçue et sa justification argumentée",
        "Le plan d'intervention étape par étape ou le calendrier prévisionnel",
        "Anticipation de la fin de l'intervention",
    ):
        assert heading in text, heading
    assert "Baptiste Ferrand" in text


@pytest.mark.soffice
def test_feuille_de_route_carries_the_question_professionnelle(built, sample) -> None:
    out, _ = built
    student = next(s for s in sample.students if s.en_emploi)
    text = pdf_text(folder_of(out, student.numero) / "feuille-de-route.pdf")
    assert "Feuille de route" in text and student.nom_complet in text
    assert " ".join(student.question_professionnelle.split()) in text
    assert "Les espaces où la question sera mise en travail" in text
    assert "Ce que j'envisage d'expérimenter" in text


@pytest.mark.soffice
def test_compte_rendu_filled_and_blank(built, sample) -> None:
    out, _ = built
    filled = pdf_text(folder_of(out, "22004512") / "compte-rendu-bilan-tripartite.pdf")
    for heading in ("Réalisations, résultats et impact", "Processus", "Apprentissages",
                    "Processus d'apprentissage", "Retours et suites"):
        assert heading in filled
    assert "jeudi 6 juin 2024" in filled and "environ 45 min" in filled
    assert "Diagnostic de la participation remis au conseil d'administration" in filled
    assert "transmis au jury" in filled
    blank_student = next(s for s in sample.students if sample.tripartite_of(s.numero) is None)
    blank = pdf_text(folder_of(out, blank_student.numero) / "compte-rendu-bilan-tripartite.pdf")
    assert blank_student.nom_complet in blank and "Retours et suites" in blank


@pytest.mark.soffice
def test_grille_prints_criteria_and_notes(built, sample) -> None:
    out, _ = built
    text = pdf_text(folder_of(out, "22004512") / "grille-evaluation.pdf")
    assert "Grille d'évaluation du jury" in text and "Jury A" in text and "9 h 00" in text
    for criterion in sample.criteria:
        assert " ".join(criterion.critere.split()) in text
    noted = next(d for d in sample.defenses if d.note_rapport is not None and d.note_soutenance is not None)
    from pipeline.documents.formats import number_fr

    text = pdf_text(folder_of(out, noted.numero) / "grille-evaluation.pdf")
    assert f"{number_fr(noted.note_rapport + noted.note_soutenance)} / 20" in text


@pytest.mark.soffice
def test_university_templates_replace_the_defaults(tmp_path: Path) -> None:
    mine = tmp_path / "modeles"
    mine.mkdir()
    document = docx.Document()
    document.add_paragraph("Fiche maison de {{ etudiant.nom_complet }} ({{ etudiant.structure }})")
    document.save(mine / "fiche.docx")
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(INPUTS), "-o", str(out), "--only", "fiche,livret",
                               "--etudiant", "22001843", "--templates", str(mine))
    assert code == 0, stdout + stderr
    folder = folder_of(out, "22001843")
    assert pdf_text(folder / "fiche-alternance.pdf") == f"Fiche maison de Inès Moreau ({HOSTILE_STRUCTURE})"
    assert "Livret de bilans" in pdf_text(folder / "livret-de-bilans.pdf")  # the default template
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"]["etudiants/" + folder.name + "/fiche-alternance"]
    assert entry["custom_template"] is True


@pytest.mark.soffice
def test_emoji_typed_in_the_workbook_reach_the_pdf(built) -> None:
    out, _ = built
    text = pdf_text(folder_of(out, "22001843") / "bilan-periode-3.pdf")
    assert "accueil très positif" in text and "🙂" in text
