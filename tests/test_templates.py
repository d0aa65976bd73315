"""Template rendering (sandbox, autoescape) and `copar templates check` on broken templates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from pipeline.documents.catalogue import CATALOGUE
from pipeline.documents.render import PACKAGE_TEMPLATES, lint, render_docx
from pipeline.errors import TemplateProblem

from .helpers import invoke, make_docx

HOSTILE = {
    "structure": 'R&D <Centre> "Les Îlots"',
    "texte": "{{ 7*7 }}",
    "nom": "N'Diaye",
    "multi": "première ligne\ndeuxième ligne",
}


def document_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(path).paragraphs]


def test_values_are_printed_verbatim(tmp_path: Path) -> None:
    tpl = make_docx(tmp_path / "t.docx", "{{ v.structure }}", "{{ v.texte }}", "{{ v.nom }}", "{{ v.multi }}")
    out = tmp_path / "out.docx"
    render_docx(tpl, {"v": HOSTILE}, out)
    texts = paragraphs(out)
    assert texts[:3] == ['R&D <Centre> "Les Îlots"', "{{ 7*7 }}", "N'Diaye"]
    assert "49" not in texts
    assert texts[3] == "première ligne\ndeuxième ligne"  # python-docx reads <w:br/> as \n
    assert "<w:br/>" in document_text(out)


def test_sandbox_refuses_internals(tmp_path: Path) -> None:
    tpl = make_docx(tmp_path / "t.docx", "{{ v.__class__.__mro__ }}")
    with pytest.raises(TemplateProblem, match="interdite"):
        render_docx(tpl, {"v": "x"}, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_unknown_variable_fails_the_document_not_silently(tmp_path: Path) -> None:
    tpl = make_docx(tmp_path / "t.docx", "{{ etudiant.nom_inexistant }}")
    with pytest.raises(TemplateProblem, match="variable inconnue"):
        render_docx(tpl, {"etudiant": {"nom": "X"}}, tmp_path / "out.docx")


def test_tag_split_across_runs_of_one_paragraph_is_repaired(tmp_path: Path) -> None:
    tpl = make_docx(tmp_path / "t.docx", ["{", "{ v.nom ", "}}"])
    assert lint(tpl, {"v": HOSTILE}) == []
    render_docx(tpl, {"v": HOSTILE}, tmp_path / "out.docx")
    assert paragraphs(tmp_path / "out.docx")[0] == "N'Diaye"


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "modeles"
    folder.mkdir()
    make_docx(folder / "fiche.docx", "Fiche de {{ etudiant.nom }", "suite")  # unclosed tag
    make_docx(folder / "bilan.docx", "Période {{ periode.", "numero }}")  # tag split across paragraphs
    make_docx(folder / "grille.docx", "{{ etudiant.nom }} {{ note_finale }} {{ jury.salle }}")  # unknown variables
    make_docx(folder / "livret.docx", "{{ etudiant.__class__.__mro__ }}")  # sandbox escape attempt
    make_docx(folder / "invitation.docx", "Bonjour {{ tuteur.nom_complet }}")  # fine
    return folder


@pytest.mark.slow
def test_templates_check_reports_each_broken_template(broken_dir: Path) -> None:
    result = invoke("templates", "check", broken_dir)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "invitation.docx : OK" in out
    assert "fiche.docx : 1 problème" in out and "Erreur de syntaxe (corps du document, paragraphe 1)" in out
    assert "Fiche de {{ etudiant.nom }" in out  # the surrounding document text
    assert "bilan.docx" in out and "Balise coupée entre deux paragraphes" in out
    assert "Variable « note_finale » inconnue" in out
    assert "Variable « jury.salle » inconnue" in out
    assert "livret.docx : 1 problème" in out and "Accès interdit à « etudiant.__class__.__mro__ »" in out
    assert "Traceback" not in out


@pytest.mark.slow
def test_shipped_templates_are_clean() -> None:
    result = invoke("templates", "check")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in PACKAGE_TEMPLATES.glob("*.docx")) == sorted(f.template for f in CATALOGUE)


@pytest.mark.slow
def test_templates_vars_lists_variables_with_examples() -> None:
    result = invoke("templates", "vars", "bilan")
    assert result.exit_code == 0, result.output
    assert "bilan — Bilan intermédiaire" in result.output
    assert "{{ periode.activites }}" in result.output
    assert "activités de la période, contribution à la mission" in result.output
    assert "{{ etudiant.tuteur.courriel }}" in result.output
    assert "ex. :" in result.output


def test_templates_vars_unknown_type() -> None:
    result = invoke("templates", "vars", "diplome")
    assert result.exit_code == 1
    assert "Type de document inconnu : diplome" in result.output


def _render_lightly(template: Path, context: dict, out: Path) -> None:
    from pipeline.documents.render import lighten_rendering

    lighten_rendering()  # in this child process only, as in a render worker
    render_docx(template, context, out)


@pytest.mark.slow
def test_a_render_worker_writes_the_same_documents_for_less_work(tmp_path: Path) -> None:
    """Render workers carry the styles over as bytes instead of parsing and writing them back:
    every part of the document is the same as a normal rendering's."""
    import datetime as dt
    import multiprocessing

    from pipeline.documents import catalogue
    from pipeline.documents.catalogue import FAMILIES, Layout
    from pipeline.documents.render import find_template
    from pipeline.workbook.validate import check

    dataset, _ = check(Path(__file__).resolve().parent.parent / "inputs")
    assert dataset is not None
    families, _ = catalogue.split_selection(())
    units = catalogue.units(dataset, families, dt.date(2026, 11, 30), Layout.of(dataset))
    chosen = list({u.family: u for u in units}.values())  # one document of each family
    for unit in chosen:
        template = find_template(FAMILIES[unit.family].template)
        normal, light = tmp_path / f"{unit.family}-normal.docx", tmp_path / f"{unit.family}-light.docx"
        render_docx(template, unit.context, normal)
        child = multiprocessing.get_context("fork").Process(target=_render_lightly, args=(template, unit.context, light))
        child.start()
        child.join()
        assert child.exitcode == 0
        with zipfile.ZipFile(normal) as a, zipfile.ZipFile(light) as b:
            assert sorted(a.namelist()) == sorted(b.namelist())
            for name in a.namelist():
                assert a.read(name) == b.read(name), (unit.family, name)
