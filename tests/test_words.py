"""One inclusive-writing convention, French elision, and which documents say when they were generated."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from pipeline.documents.formats import de
from pipeline.documents.render import PACKAGE_TEMPLATES, render_docx
from tests.helpers import ROOT

TEMPLATES = sorted(PACKAGE_TEMPLATES.glob("*.docx"))
# Spellings the handbook's convention (étudiant·e, tuteur·rice, professionnel·le) replaces.
OTHER_CONVENTIONS = [
    r"tuteurs? et tutrices?", r"tuteurs? ou (?:la |sa |de la |à la )?tutrices?", r"étudiant\(e\)", r"étudiant\.e\b",
    r"étudiant-e", r"tuteur\(trice\)", r"tuteur/tutrice", r"professionnel\(le\)", r"Président·e du jury",
    r"(?<!ou )la responsable des stages",
]


def _text(path: Path, parts: str = r"word/(document|header\d*|footer\d*)\.xml") -> str:
    with zipfile.ZipFile(path) as archive:
        xml = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if re.fullmatch(parts, n))
    return re.sub(r"<[^>]+>", "", xml)


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_templates_follow_one_inclusive_convention(path: Path) -> None:
    text = _text(path)
    assert [p for p in OTHER_CONVENTIONS if re.search(p, text, re.IGNORECASE)] == []


def test_messages_follow_one_inclusive_convention() -> None:
    lines = [line for p in (ROOT / "pipeline").rglob("*.py") if p.name != "sample.py"
             for line in p.read_text(encoding="utf-8").splitlines()
             if "aliases=" not in line]  # aliases are spellings accepted from the workbook, not written
    strings = " ".join(re.findall(r"\"[^\"\n]*\"", "\n".join(lines)))
    assert [p for p in OTHER_CONVENTIONS if re.search(p, strings, re.IGNORECASE)] == []


def test_named_president_is_presented_as_presidence() -> None:
    for name in ("grille", "couverture_jury"):
        text = _text(PACKAGE_TEMPLATES / f"{name}.docx")
        assert "Présidence" in text and "Président·e" not in text


def test_letters_going_out_carry_no_generation_footer() -> None:
    assert "Document généré le" not in _text(PACKAGE_TEMPLATES / "invitation.docx")
    for internal in ("fiche", "grille", "livret", "emargement"):
        assert "Document généré le" in _text(PACKAGE_TEMPLATES / f"{internal}.docx", r"word/footer\d*\.xml")


@pytest.mark.parametrize(("phrase", "expected"), [
    ("Antoine", "d'Antoine"), ("Marie", "de Marie"), ("Hélène", "d'Hélène"), ("Éloïse Martin", "d'Éloïse Martin"),
    ("la équipe", "de l'équipe"), ("l'équipe", "de l'équipe"), ("le jury", "du jury"), ("les membres", "des membres"),
    ("la structure", "de la structure"),
])
def test_french_elision_in_generated_phrases(phrase: str, expected: str) -> None:
    assert de(phrase) == expected


def test_templates_can_elide_with_the_de_filter(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Rapport {{ prenom|de }}")
    document.save(str(tmp_path / "t.docx"))
    render_docx(tmp_path / "t.docx", {"prenom": "Antoine"}, tmp_path / "out.docx")
    assert docx.Document(str(tmp_path / "out.docx")).paragraphs[0].text == "Rapport d'Antoine"
