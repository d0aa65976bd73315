"""Every command goes through the front door: copar.toml's `sorties` and `modeles` apply to all of them.

The sample promotion gets a copar.toml with `sorties = "../sorties-promo"` and `modeles =
"mes-modeles"` (the shipped templates with a visible marker in a Word header and in a mail
subject); then each command runs with no option naming a folder, from the folder that holds
`inputs/`, as a secretary would. Nothing may land in the default `outputs/`, and what each command
writes or reads must be where copar.toml says. (Before the front door, only `build` read copar.toml.)
"""

from __future__ import annotations

import email
import shutil
import zipfile
from email import policy
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from reportlab.pdfgen import canvas

from pipeline.cli import cli
from pipeline.documents.render import PACKAGE_TEMPLATES

MARK = "MARQUE-DES-MODELES-DE-L-UNIVERSITE"
pytestmark = pytest.mark.slow


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], obj={})
    return result.exit_code, result.stdout + result.stderr


def _university_templates(folder: Path) -> None:
    shutil.copytree(PACKAGE_TEMPLATES, folder, ignore=shutil.ignore_patterns("__*", "*.py"))
    for name in ("invitation.docx", "bilan.docx"):
        document = docx.Document(str(folder / name))
        document.sections[0].header.add_paragraph(MARK)
        document.save(str(folder / name))
    mail = folder / "courriel-reunion-tuteurs.txt"
    text = mail.read_text(encoding="utf-8")
    mail.write_text(text.replace("Objet : Invitation", f"Objet : {MARK} Invitation", 1), encoding="utf-8")


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/header"))


def _blank_pdf(path: Path) -> None:
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, path.stem)
    page.save()


@pytest.fixture
def secretary(promo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder holding inputs/ (the sample, copar.toml, mes-modeles/), as the current directory."""
    inputs = promo.parent
    _university_templates(inputs / "mes-modeles")
    (inputs / "copar.toml").write_text('sorties = "../sorties-promo"\nmodeles = "mes-modeles"\n', encoding="utf-8")
    monkeypatch.chdir(inputs.parent)
    return inputs.parent


def test_every_command_uses_the_output_folder_and_templates_of_copar_toml(secretary: Path) -> None:
    out = secretary / "sorties-promo"

    code, text = run("build", "--no-pdf", "--only", "reunion-tuteurs,fiche")
    assert code == 0, text
    assert "mes-modeles" in text.splitlines()[0]  # the describe line names the templates from copar.toml
    invitations = sorted((out / "reunion-tuteurs").rglob("invitation*.docx"))
    assert invitations and MARK in _docx_text(invitations[0])
    for built in sorted(out.rglob("*.docx")):
        _blank_pdf(built.with_suffix(".pdf"))  # stand-ins for LibreOffice's PDFs, where the build puts them

    code, text = run("calendriers")
    assert code == 0, text
    assert (out / "calendriers" / "promotion.ics").is_file()

    code, text = run("mails", "--pour", "reunion-tuteurs")
    drafts = sorted((out / "courriels" / "reunion-tuteurs").glob("*.eml"))
    assert drafts, text
    assert "pièce jointe manquante" not in text  # attachments looked up in sorties-promo, not outputs/
    message = email.message_from_bytes(drafts[0].read_bytes(), policy=policy.default)
    assert MARK in str(message["Subject"])
    assert any(part.get_filename() and part.get_filename().endswith(".pdf") for part in message.iter_attachments())

    code, text = run("lots", "--famille", "invitation")
    assert code == 0, text
    assert (out / "impression").is_dir() and list((out / "impression").glob("*.pdf"))

    code, text = run("forms", "--type", "bilan", "--periode", "2", "--format", "docx")
    assert code == 0, text
    forms = sorted((out / "formulaires").rglob("*.docx"))
    assert forms and MARK in _docx_text(forms[0])

    returned = secretary / "retours"
    returned.mkdir()
    shutil.copy(forms[0], returned / forms[0].name)
    code, text = run("collect", "retours", "--simulation")
    assert code in (0, 1), text
    assert "Fichiers :" in text

    code, text = run("suivi", "--format", "xlsx")
    assert code == 0, text
    assert (out / "suivi.xlsx").is_file()

    code, text = run("envois", "--format", "xlsx")
    assert code == 0, text
    assert (out / "envois.xlsx").is_file()

    code, text = run("templates", "check")
    assert "mes-modeles" in text.splitlines()[0], text

    code, text = run("archive")
    assert code == 0, text
    assert (secretary / "sorties-promo.zip").is_file()

    for command in (["check"], ["suivi"], ["sauvegardes"], ["planning", "jurys", "--simulation"]):
        code, text = run(*command)
        assert code in (0, 1), f"{command}: {text}"

    assert not (secretary / "outputs").exists()
    assert not Path("outputs").exists()


def test_a_typed_option_still_wins_over_copar_toml(secretary: Path) -> None:
    code, text = run("calendriers", "-o", "ailleurs")
    assert code == 0, text
    assert (secretary / "ailleurs" / "calendriers" / "promotion.ics").is_file()
    assert not (secretary / "sorties-promo").exists()
