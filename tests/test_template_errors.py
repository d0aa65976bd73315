"""Template mistakes staff make in Word, told in French at the place where they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Pt

from pipeline.documents.render import lint
from pipeline.documents.template_errors import french_message
from pipeline.documents.variables import describe, example_contexts, example_dataset


@pytest.fixture(scope="module")
def fiche_context() -> dict[str, Any]:
    return example_contexts(example_dataset())["fiche"]


def _template(path: Path, body: list[str], cell: str = "", header: str = "") -> Path:
    document = docx.Document()
    for text in body:
        document.add_paragraph(text)
    if cell:
        table = document.add_table(rows=2, cols=2)
        table.cell(1, 1).text = cell
        document.add_paragraph("Après le tableau")
    if header:
        document.sections[0].header.paragraphs[0].text = header
    document.save(str(path))
    return path


def _messages(path: Path, known: dict[str, Any]) -> list[str]:
    return [issue.message for issue in lint(path, known)]


@pytest.mark.slow
def test_unclosed_if_points_at_the_table_cell_where_it_opens(tmp_path: Path, fiche_context: dict[str, Any]) -> None:
    path = _template(tmp_path / "fiche.docx", ["Fiche de {{ etudiant.nom_complet }}", "Deuxième paragraphe"],
                     cell="{% if etudiant.en_emploi %}En emploi")
    issues = lint(path, fiche_context)
    assert [(i.kind, i.message, i.context) for i in issues] == [(
        "syntax",
        "Erreur de syntaxe (corps du document, tableau 1, ligne 2, colonne 2) : balise « {% if %} » jamais "
        "fermée : ajoutez « {% endif %} » là où le bloc doit se terminer.",
        "{% if etudiant.en_emploi %}En emploi",
    )]


def test_unknown_tag_in_the_header_is_told_in_french(tmp_path: Path, fiche_context: dict[str, Any]) -> None:
    path = _template(tmp_path / "fiche.docx", ["Corps"], header="{% si promo.annee %}")
    assert _messages(path, fiche_context) == [
        "Erreur de syntaxe (en-tête, paragraphe 1) : balise inconnue « {% si %} » : les balises possibles sont "
        "if, elif, else, endif, for, endfor et set (vérifiez l'orthographe)."]


def test_nesting_mistake_names_the_open_block(tmp_path: Path, fiche_context: dict[str, Any]) -> None:
    path = _template(tmp_path / "fiche.docx", ["Un", "{% for e in etudiant.echeances %}", "Deux", "{% endif %}"])
    assert _messages(path, fiche_context) == [
        "Erreur de syntaxe (corps du document, paragraphe 4) : balise « {% endif %} » inattendue : le bloc ouvert à "
        "cet endroit est « {% for %} », qui se ferme par « {% endfor %} » (balises mal imbriquées ?)."]


@pytest.mark.parametrize("english", [
    "unexpected end of template, expected 'end of print statement'.",
    "expected token 'end of print statement', got 'y'",
    "Expected an expression, got 'end of statement block'",
    "unexpected char '!' at 6",
    "unexpected '}'",
    "Encountered unknown tag 'endif'.",
])
def test_jinja_syntax_messages_are_translated(english: str) -> None:
    french = french_message(english)
    assert not french.startswith("erreur de syntaxe (")  # a translation, not the English message quoted
    assert "Jinja" not in french and "expected" not in french


def test_misspelled_variable_gets_a_suggestion(tmp_path: Path, fiche_context: dict[str, Any]) -> None:
    path = _template(tmp_path / "fiche.docx", ["{{ etudiant.nom_complett }}", "{{ etudiants }}"])
    assert _messages(path, fiche_context) == [
        "Variable « etudiants » inconnue : ce type de document ne la reçoit pas (liste : « copar templates vars »). "
        "Vouliez-vous dire « etudiant » ?",
        "Variable « etudiant.nom_complett » inconnue : ce type de document ne la reçoit pas (liste : « copar "
        "templates vars »). Vouliez-vous dire « etudiant.nom_complet » ?",
    ]


@pytest.mark.slow
def test_tag_with_mixed_formatting_is_a_warning_naming_the_kept_one(tmp_path: Path, copar: Any) -> None:
    folder = tmp_path / "modeles"
    folder.mkdir()
    document = docx.Document()
    paragraph = document.add_paragraph("Étudiant·e : ")
    paragraph.add_run("{{ etudiant.")
    bold = paragraph.add_run("nom_complet")
    bold.bold = True
    bold.font.size = Pt(14)
    paragraph.add_run(" }}")
    document.save(str(folder / "fiche.docx"))
    result = copar("templates", "check", folder)
    assert result.exit_code == 0, result.output  # a warning: the document still renders
    assert result.stdout == (
        "fiche.docx : 1 avertissement\n"
        "  - avertissement : Balise « {{ etudiant.nom_complet }} » écrite avec plusieurs mises en forme (sans mise "
        "en forme particulière; gras, taille 14 pt) dans corps du document, paragraphe 1 : le document n'en gardera "
        "qu'une, celle du début de la balise (sans mise en forme particulière). Mettez toute la balise, accolades "
        "comprises, dans la même mise en forme.\n"
        "      texte : « {{ etudiant.nom_complet }} »\n")


@pytest.mark.slow
def test_template_vars_shows_oui_non_for_conditions() -> None:
    text = describe("fiche")
    line = next(line for line in text.splitlines() if "{{ etudiant.en_emploi }}" in line)
    assert line.endswith("oui pour un·e étudiant·e en situation d'emploi — ex. : oui / non (ici : oui)")
    assert "False" not in text and "True" not in text
