"""After a correction: what was sent and no longer matches (`envois --a-renvoyer`), sent again marked
« Version corrigée » (`mails --a-renvoyer`), and no agenda, bundle, form or draft left under an old name.

A real SMTP server (tests/smtp_server.py, 127.0.0.1 only). The correction is the handbook's
commonest: a student's name fixed in the workbook after the period-2 forms went out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.sending import journal as jr
from pipeline.sending.corrections import fingerprint
from pipeline.sending.smtp import PASSWORD_ENV, read_smtp_settings
from tests.helpers import INPUTS, invoke
from tests.sending_helpers import read_eml
from tests.smtp_server import HOST, PASSWORD, Server

pytestmark = pytest.mark.slow  # whole promotions through the CLI or a real SMTP server: not the fast tier

NUMBER, OLD, NEW = "22004512", "n-diaye-aissatou", "n-diaye-sow-aissatou"
TUTOR = "gaelle.lhote@example.org"  # her tutor, who also has Maël Le Bihan


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def _promotion(tmp_path: Path, smtp: Server) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    shutil.copyfile(INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    (folder / "copar.toml").write_text(smtp.settings(), encoding="utf-8")
    assert read_smtp_settings(folder).serveur == HOST
    return folder


def _rename(folder: Path, number: str, nom: str) -> None:
    path = folder / "promotion.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Étudiant·es"]
    headers = [c.value for c in ws[1]]
    [row] = [r for r in ws.iter_rows(min_row=2) if str(r[headers.index("N° étudiant")].value) == number]
    row[headers.index("Nom")].value = nom
    wb.save(path)


def _ok(*args: object) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_fingerprint_ignores_what_every_writing_changes() -> None:
    ics = b"BEGIN:VEVENT\r\nDTSTAMP:20261204T100000Z\r\nSUMMARY:R\r\nEND:VEVENT\r\n"
    assert fingerprint("a.ics", ics) == fingerprint("a.ics", ics.replace(b"100000", b"110000"))
    assert fingerprint("a.ics", ics) != fingerprint("a.ics", ics.replace(b"SUMMARY:R", b"SUMMARY:S"))
    pdf = b"%PDF-1.7 /CreationDate (D:20261204) /ID [<01> <01>] text"  # not a readable PDF: its bytes, dates aside
    assert fingerprint("a.pdf", pdf) == fingerprint("a.pdf", pdf.replace(b"20261204", b"20261205").replace(b"01", b"02"))
    assert fingerprint("a.pdf", pdf) != fingerprint("a.pdf", pdf.replace(b"text", b"texte"))


def test_a_form_prefilled_with_its_answers_is_not_a_correction(promo: Path, tmp_path: Path) -> None:
    """After `collect`, `forms` writes the same form with the answers in its fields: same print, same fingerprint."""
    from pypdf import PdfReader, PdfWriter

    out = tmp_path / "sorties"
    _ok("forms", promo, "-o", out, "--type", "bilan", "--periode", "2", "--etudiant", NUMBER)
    [form] = out.glob(f"formulaires/bilan-periode-2/*/{NUMBER}-*.pdf")
    writer = PdfWriter(clone_from=PdfReader(form))
    names = [n for n in (writer.get_fields() or {}) if n.endswith("__activites")]
    for page in writer.pages:
        writer.update_page_form_field_values(page, {n: "Ateliers de quartier" for n in names}, auto_regenerate=False)
    filled = tmp_path / "rempli.pdf"
    with filled.open("wb") as fh:
        writer.write(fh)
    assert names and filled.read_bytes() != form.read_bytes()
    assert fingerprint(form.name, filled.read_bytes()) == fingerprint(form.name, form.read_bytes())


def test_renamed_student_after_a_sent_campaign(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = tmp_path / "sorties"
    _ok("forms", folder, "-o", out, "--type", "bilan", "--periode", "2")
    sent = _ok("mails", folder, "-o", out, "--pour", "formulaires", "--periode", "2", "--envoyer", "--oui")
    assert "21 messages envoyés" in sent
    _ok("calendriers", folder, "-o", out)
    _ok("mails", folder, "-o", out, "--pour", "formulaires", "--periode", "2")  # the drafts, kept for reference
    drafts = out / "courriels" / "formulaires-periode-2"
    before = {p.name: p.read_bytes() for p in drafts.glob("*.eml")}
    assert _ok("envois", folder, "--a-renvoyer", "--sorties", out).startswith("Rien à renvoyer")

    _rename(folder, NUMBER, "N'Diaye-Sow")
    forms = _ok("forms", folder, "-o", out, "--type", "bilan", "--periode", "2")
    tutor_forms = out / "formulaires" / "bilan-periode-2" / "tuteur-l-hote-gaelle"
    assert sorted(p.name for p in tutor_forms.iterdir()) == [
        f"{NUMBER}-{NEW}-periode-2.pdf", "22004587-le-bihan-mael-periode-2.pdf"]  # the old name is gone
    assert f"{NUMBER}-{OLD}-periode-2.pdf" in forms
    # the drafts that attached the old form were written again, the others are untouched
    assert f"Brouillons refaits dans {drafts}/" in forms
    after = {p.name: p.read_bytes() for p in drafts.glob("*.eml")}
    assert sorted(after) == sorted(before)
    assert [n for n in after if after[n] != before[n]] == ["tuteur-l-hote-gaelle.eml"]
    attached = [p.get_filename() for p in read_eml(drafts / "tuteur-l-hote-gaelle.eml").iter_attachments()]
    assert attached == [f"bilan-{NUMBER}-{NEW}-periode-2.pdf", "bilan-22004587-le-bihan-mael-periode-2.pdf"]

    built = _ok("build", folder, "-o", out, "--only", "fiche", "--etudiant", NUMBER, "--no-pdf")
    assert "Agendas mis à jour" in built and f"{NUMBER}-{OLD}.ics" in built
    agendas = sorted(p.name for p in (out / "calendriers" / "etudiants").iterdir() if NUMBER in p.name)
    assert agendas == [f"{NUMBER}-{NEW}.ics"]

    listed = _ok("envois", folder, "--a-renvoyer", "--sorties", out)
    rows = [line for line in listed.splitlines() if "@" in line]
    assert len(rows) == 1 and TUTOR in rows[0] and "formulaires-periode-2" in rows[0]
    assert f"bilan-{NUMBER}-{OLD}-periode-2.pdf → bilan-{NUMBER}-{NEW}-periode-2.pdf" in rows[0]
    assert "le-bihan" not in rows[0]  # her other student's form did not change
    assert "copar mails --pour formulaires --periode 2 --a-renvoyer --envoyer" in listed

    resent = _ok("mails", folder, "-o", out, "--pour", "formulaires", "--periode", "2", "--a-renvoyer", "--envoyer",
                 "--oui")
    assert "Campagne formulaires-periode-2-version-corrigee : 1 message à envoyer" in resent
    box = smtp.mailbox
    assert len(box.messages) == 22 and len(box.to(TUTOR)) == 2
    msg = box.to(TUTOR)[-1].message
    assert str(msg["Subject"]).startswith("Version corrigée — Formulaires à remplir — période 2")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("Version corrigée : ce message remplace celui que nous vous avons envoyé le ")
    assert f"bilan-{NUMBER}-{OLD}-periode-2.pdf → bilan-{NUMBER}-{NEW}-periode-2.pdf" in text
    assert [p.get_filename() for p in msg.iter_attachments()] == attached
    entries = jr.read_entries(folder / jr.FOLDER)
    corrected = [e for e in entries.values() if e.data["campagne"] == "formulaires-periode-2-version-corrigee"]
    assert [(e.state, e.data["ident"]) for e in corrected] == [(jr.ENVOYE, f"tuteur:{TUTOR}")]

    # sent once: the same command and the listing now find nothing
    again = _ok("mails", folder, "-o", out, "--pour", "formulaires", "--periode", "2", "--a-renvoyer", "--envoyer",
                "--oui")
    assert "Rien à envoyer." in again and len(box.messages) == 22
    assert _ok("envois", folder, "--a-renvoyer", "--sorties", out).startswith("Rien à renvoyer")
    shown = _ok("envois", folder)
    assert "formulaires-periode-2-version-corrigee  1" in shown


def test_a_renvoyer_does_not_go_with_reminders(tmp_path: Path) -> None:
    result = invoke("mails", INPUTS, "-o", tmp_path, "--pour", "relance", "--type", "bilan", "--a-renvoyer")
    assert result.exit_code == 2
    assert "--a-renvoyer ne s'emploie pas avec --pour relance" in result.stderr


@pytest.mark.soffice
def test_renamed_student_after_the_tutors_meeting(tmp_path: Path, smtp: Server) -> None:
    """The issue's test: the stale bundle and agenda are gone, exactly the tutor concerned gets the corrected mail."""
    from pypdf import PdfReader

    folder = _promotion(tmp_path, smtp)
    out = tmp_path / "sorties"
    _ok("build", folder, "-o", out, "--only", "reunion-tuteurs,fiche")
    _ok("mails", folder, "-o", out, "--pour", "reunion-tuteurs", "--envoyer", "--oui")
    _ok("lots", folder, "-o", out, "--famille", "fiche")
    _ok("calendriers", folder, "-o", out)
    bundle = out / "impression" / "fiche.pdf"
    assert any("Aïssatou N'Diaye (" in title for title in _bookmarks(PdfReader(bundle)))

    _rename(folder, NUMBER, "N'Diaye-Sow")
    built = _ok("build", folder, "-o", out, "--only", "reunion-tuteurs,fiche")
    assert f"Lot d'impression refait, ses documents ayant changé : {bundle}" in built
    titles = _bookmarks(PdfReader(bundle))
    assert any("Aïssatou N'Diaye-Sow (" in t for t in titles) and not any("Aïssatou N'Diaye (" in t for t in titles)
    assert not (out / "calendriers" / "etudiants" / f"{NUMBER}-{OLD}.ics").exists()
    assert (out / "calendriers" / "etudiants" / f"{NUMBER}-{NEW}.ics").is_file()
    assert not list(out.rglob(f"*{OLD}*"))  # no document, agenda or form left under the old name

    listed = _ok("envois", folder, "--a-renvoyer", "--sorties", out)
    rows = [line for line in listed.splitlines() if "@" in line]
    assert len(rows) == 1 and TUTOR in rows[0] and "reunion-tuteurs" in rows[0]
    assert "invitation-l-hote-gaelle.pdf (modifié)" in rows[0]
    assert f"fiche-alternance-{OLD}.pdf → fiche-alternance-{NEW}.pdf" in rows[0]

    _ok("mails", folder, "-o", out, "--pour", "reunion-tuteurs", "--a-renvoyer", "--envoyer", "--oui")
    box = smtp.mailbox
    assert len(box.messages) == 22 and len(box.to(TUTOR)) == 2
    corrected = box.to(TUTOR)[-1]
    assert str(corrected.message["Subject"]).startswith("Version corrigée — Invitation")
    assert len(corrected.rcpt_tos) == 3  # the teaching team in copy, as the first time
    names = [p.get_filename() for p in corrected.message.iter_attachments()]
    assert f"fiche-alternance-{NEW}.pdf" in names and "reunion-tuteurs.ics" in names


def _bookmarks(reader: object) -> list[str]:
    return [str(item.title) for item in reader.outline]  # type: ignore[attr-defined]
