"""Forms out to the tutors: `forms --tuteur`, mails that say when and how, one format per form, and
nothing in a form or a mail that names the tool (the tutors know the programme, not copar)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from tests.helpers import invoke
from tests.sending_helpers import attachments, bodies, read_eml

pytestmark = pytest.mark.slow  # whole promotions through the CLI or a real SMTP server: not the fast tier

LHOTE = "tuteur-l-hote-gaelle"


def _forms(promo: Path, out: Path, *extra: str) -> None:
    result = invoke("forms", promo, "-o", out, "--type", "bilan", "--periode", "2", *extra)
    assert result.exit_code == 0, result.output


def test_forms_for_one_tutor_whatever_the_spelling(promo: Path, tmp_path: Path) -> None:
    for spelling in ("l'hôte gaëlle", "GAELLE LHOTE", "L'Hôte", "Gaelle.Lhote@example.org"):
        out = tmp_path / spelling.replace(" ", "_")
        result = invoke("forms", promo, "-o", out, "--type", "bilan", "--periode", "2", "--tuteur", spelling)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("2 formulaires pour 1 destinataire, 2 fichiers écrits")
        assert [p.parent.name for p in (out / "formulaires").rglob("*.pdf")] == [LHOTE, LHOTE]
    wrong = invoke("forms", promo, "-o", tmp_path / "x", "--type", "bilan", "--periode", "2", "--tuteur", "Gaelle Lhotte")
    assert wrong.exit_code == 1
    assert wrong.stderr == "Erreur : Tuteur·rice inconnu·e pour --tuteur : « Gaelle Lhotte ». Vouliez-vous dire : " \
                           "Gaëlle L'Hôte ?\n"
    grille = invoke("forms", promo, "-o", tmp_path / "x", "--type", "grille", "--tuteur", "L'Hôte")
    assert grille.exit_code == 1 and "--tuteur ne s'emploie pas avec --type grille" in grille.stderr


def test_nothing_in_forms_or_mails_names_the_tool(promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "sorties"
    _forms(promo, out)
    _forms(promo, out, "--format", "docx", "--etudiant", "22004512")
    folder = out / "formulaires" / "bilan-periode-2" / LHOTE
    pdf = PdfReader(next(folder.glob("22004512-*.pdf")))
    shown = "\n".join(page.extract_text() for page in pdf.pages)
    shown += "\n".join(str(v) for k, v in (pdf.metadata or {}).items() if k != "/CoparFormulaire")
    assert "Formulaire à renvoyer rempli à l'équipe pédagogique" in shown and "réf. bilan · n° 22004512" in shown
    word = docx.Document(str(next(folder.glob("22004512-*.docx"))))
    shown += "\n".join(p.text for p in word.paragraphs)
    props = word.core_properties
    shown += "\n".join([props.author, props.keywords, props.last_modified_by, props.title, props.subject])
    assert invoke("mails", promo, "-o", out, "--pour", "formulaires", "--periode", "2").exit_code == 0
    assert invoke("mails", promo, "-o", out, "--pour", "relance", "--type", "bilan", "--periode", "2").exit_code == 0
    for draft in (out / "courriels").rglob("*.eml"):
        msg = read_eml(draft)
        text, html = bodies(msg)
        shown += f"\n{msg['Subject']}\n{text}\n{html}"
    # the programme is « COPAR » (its Parcours); the tool, « copar », is named nowhere
    assert "copar" not in shown and "Copar" not in shown and "COPAR" in shown


def test_form_mails_say_when_and_how_with_one_format_per_form(promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "sorties"
    _forms(promo, out)
    _forms(promo, out, "--format", "docx")  # both formats written: the mail attaches the PDF only
    assert invoke("mails", promo, "-o", out, "--pour", "formulaires", "--periode", "2").exit_code == 0
    msg = read_eml(out / "courriels" / "formulaires-periode-2" / f"{LHOTE}.eml")
    assert sorted(attachments(msg)) == ["bilan-22004512-n-diaye-aissatou-periode-2.pdf",
                                        "bilan-22004587-le-bihan-mael-periode-2.pdf"]
    text, html = bodies(msg)
    assert "Merci de nous les renvoyer au plus tard le vendredi 22 décembre 2023." in text
    assert ("Le formulaire PDF se remplit dans un navigateur (Chrome, Edge ou Firefox) ou dans Adobe Acrobat "
            "Reader") in text
    assert "Le formulaire Word" not in text  # none attached
    assert "Enregistrez le fichier une fois rempli, puis renvoyez-le en réponse à ce message" in text
    assert "<strong>vendredi 22 décembre 2023</strong>" in html
    # asked for more: every format
    assert invoke("mails", promo, "-o", out, "--pour", "formulaires", "--periode", "2", "--tous-formats").exit_code == 0
    msg = read_eml(out / "courriels" / "formulaires-periode-2" / f"{LHOTE}.eml")
    assert len(attachments(msg)) == 4
    assert "Le formulaire Word se remplit dans Word ou LibreOffice Writer." in bodies(msg)[0]
