"""copar mails without a build: drafts parsed back, hostile and non-ASCII text, missing files, sizes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from icalendar import Calendar

from pipeline.documents.catalogue import Layout
from pipeline.sending.calendars import PARIS
from pipeline.sending.mails import MailRequest, check_mail_templates, run
from pipeline.workbook.validate import check
from tests.helpers import INPUTS
from tests.sending_helpers import addresses, attachments, bodies, edited_sample, read_eml

HOSTILE_STRUCTURE = 'R&D <Centre> "Les Îlots"'
HOSTILE_MISSION = "{{ 7*7 }} et {% raw %}"
TEAM = [("Yves Bonny", "yves.bonny@univ-rennes2.fr"), ("Pascale Perron", "pascale.perron@univ-rennes2.fr")]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, with a hostile structure and mission for Aïssatou N'Diaye (row 1, a stage),
    a tutor called Ørsted (row 3), an address typed in the cell of one jury member of Jury A, and no
    address in Équipe for the two others."""
    folder = tmp_path_factory.mktemp("inputs")
    return edited_sample(folder, {
        "Étudiant·es": {
            1: {"Structure": HOSTILE_STRUCTURE, "Intitulé de la mission": HOSTILE_MISSION, "Statut": "Stage"},
            3: {"Tuteur·rice nom": "Ørsted", "Tuteur·rice prénom": "Åse"},
        },
        "Jurys": {1: {"Membres": "Karim Haddad <karim.haddad@example.org>, maître de conférences\n"
                                 "Hélène Marchetti, professionnelle associée"}},
        "Équipe": {4: {"Courriel": ""}, 8: {"Courriel": ""}},  # Claire Guillou and Hélène Marchetti: none
    })


@pytest.mark.slow
def test_cahier_drafts_round_trip(workbook: Path, tmp_path: Path, copar) -> None:
    out = tmp_path / "out"
    result = copar("mails", workbook, "-o", out, "--pour", "cahier")
    ds, _ = check(workbook)
    assert ds is not None
    folder = out / "courriels" / "cahier"
    assert sorted(p.name for p in folder.glob("*.eml")) == sorted(f"{Layout.of(ds).students[s.numero]}.eml" for s in ds.students)
    # no build ran: every draft lacks its PDF, says so with the command, and the exit code says "to complete"
    assert result.exit_code == 1, result.output
    assert "copar build --only cahier" in result.stdout and "copar build --only feuille-de-route" in result.stdout
    assert "26 brouillons écrits" in result.stdout and "26 brouillons à compléter" in result.stdout

    s = ds.students[0]
    msg = read_eml(folder / f"{Layout.of(ds).students[s.numero]}.eml")
    assert msg["X-Unsent"] == "1"
    assert addresses(msg, "To") == [("Aïssatou N'Diaye", "aissatou.ndiaye@etudiant.example.fr")]
    assert addresses(msg, "Cc") == [(s.tuteur.nom_complet, s.tuteur.courriel), *TEAM]
    assert msg["Subject"] == "Votre cahier des charges à remettre pour le lundi 22 janvier 2024 — Aïssatou N'Diaye"
    text, html = bodies(msg)
    # hostile workbook text: verbatim in the text part, escaped in the HTML part, never evaluated
    assert HOSTILE_STRUCTURE in text and HOSTILE_MISSION in text
    assert "R&amp;D &lt;Centre&gt; &#34;Les Îlots&#34;" in html and HOSTILE_STRUCTURE not in html
    assert HOSTILE_MISSION in html and "49" not in text
    assert list(attachments(msg)) == ["cahier-des-charges.ics"]


@pytest.mark.slow
def test_non_ascii_names_encoded_in_headers(workbook: Path, tmp_path: Path) -> None:
    result = run(MailRequest(workbook, tmp_path, "reunion-tuteurs"))
    drafts = {d.path.name: d for d in result.drafts}
    raw = (tmp_path / "courriels" / "reunion-tuteurs" / "tuteur-orsted-ase.eml").read_bytes()
    header_block = raw.split(b"\r\n\r\n")[0]
    assert header_block.isascii()  # RFC 2047 encoded words, not raw UTF-8
    assert b"=?utf-8?" in header_block
    msg = read_eml(drafts["tuteur-orsted-ase.eml"].path)
    assert addresses(msg, "To")[0][0] == "Åse Ørsted"
    lhote = read_eml(tmp_path / "courriels" / "reunion-tuteurs" / "tuteur-l-hote-gaelle.eml")
    assert addresses(lhote, "To") == [("Gaëlle L'Hôte", "gaelle.lhote@example.org")]
    text, _ = bodies(lhote)
    assert "Aïssatou N'Diaye" in text and "leur alternance" in text


def test_missing_pdfs_named_with_the_command(workbook: Path, tmp_path: Path, copar) -> None:
    result = copar("mails", workbook, "-o", tmp_path, "--pour", "reunion-tuteurs")
    assert result.exit_code == 1
    assert ("[attention] tuteur-l-hote-gaelle.eml : pièce jointe manquante "
            f"{tmp_path}/reunion-tuteurs/invitations/invitation-l-hote-gaelle.pdf : "
            "lancez « copar build --only invitation » puis relancez « copar mails ».") in result.stdout
    assert "copar build --only fiche" in result.stdout


def test_jury_members_without_address_listed_and_large_packet_mentioned(workbook: Path, tmp_path: Path, copar) -> None:
    packet = tmp_path / "jurys" / "jury-a" / "dossier-jury-a.pdf"
    packet.parent.mkdir(parents=True)
    packet.write_bytes(b"%PDF-1.7\n" + b"0" * 300_000)
    result = copar("mails", workbook, "-o", tmp_path, "--pour", "jurys", "--taille-max", "0.2")
    assert result.exit_code == 1
    folder = tmp_path / "courriels" / "jurys"
    msg = read_eml(folder / "jury-a.eml")
    assert addresses(msg, "To") == [("Karim Haddad", "karim.haddad@example.org")]
    assert list(attachments(msg)) == ["jury.ics"]  # the packet is over the limit: mentioned, not attached
    text, html = bodies(msg)
    assert "dossier-jury-a.pdf, 0,3 Mo" in text and "trop volumineux" in html
    assert "jury-a.eml : Claire Guillou (présidence du jury) n'a pas d'adresse valide" in result.stdout
    assert "dépasse la taille maximale des pièces jointes (0,2 Mo)" in result.stdout
    with (folder / "envoi.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    jury_a = [r for r in rows if r["brouillon"] == "jury-a.eml"]
    assert [(r["destinataire"], r["adresse"]) for r in jury_a] == [
        ("Claire Guillou", ""), ("Karim Haddad", "karim.haddad@example.org"), ("Hélène Marchetti", "")]
    assert jury_a[0]["statut"].startswith("à compléter : adresse manquante.")
    assert rows[0].keys() == {"destinataire", "adresse", "copie", "objet", "pieces_jointes", "brouillon", "statut"}


@pytest.mark.slow
def test_formulaires_attach_the_tutors_forms(workbook: Path, tmp_path: Path, copar) -> None:
    assert copar("mails", workbook, "-o", tmp_path, "--pour", "formulaires").exit_code == 1  # none yet
    forms = tmp_path / "formulaires" / "bilan-periode-2" / "tuteur-l-hote-gaelle"  # the layout of copar forms
    forms.mkdir(parents=True)
    (forms / "22004512-n-diaye-aissatou-periode-2.pdf").write_bytes(b"%PDF-1.7 one")
    (forms / "22004587-le-bihan-mael-periode-2.pdf").write_bytes(b"%PDF-1.7 two")
    grille = tmp_path / "formulaires" / "grille" / "jury-a"
    grille.mkdir(parents=True)
    (grille / "jury-a.xlsx").write_bytes(b"PK workbook")
    result = copar("mails", workbook, "-o", tmp_path, "--pour", "formulaires", "--periode", "2")
    msg = read_eml(tmp_path / "courriels" / "formulaires-periode-2" / "tuteur-l-hote-gaelle.eml")
    assert attachments(msg) == {"bilan-22004512-n-diaye-aissatou-periode-2.pdf": b"%PDF-1.7 one",
                                "bilan-22004587-le-bihan-mael-periode-2.pdf": b"%PDF-1.7 two"}
    assert msg["Subject"] == "Formulaires à remplir — période 2 — Aïssatou N'Diaye, Maël Le Bihan"
    assert ("tuteur-le-floch-romain.eml : pièce jointe manquante "
            f"{tmp_path}/formulaires/bilan-periode-2/tuteur-le-floch-romain : lancez « copar forms »") in result.stdout
    assert not (tmp_path / "courriels" / "formulaires-periode-2" / "jury-a.eml").exists()  # grilles have no period
    copar("mails", workbook, "-o", tmp_path, "--pour", "formulaires")
    jury = read_eml(tmp_path / "courriels" / "formulaires" / "jury-a.eml")
    assert addresses(jury, "To") == [("Karim Haddad", "karim.haddad@example.org")]
    assert attachments(jury) == {"grille-jury-a.xlsx": b"PK workbook"}
    assert jury["Subject"] == "Formulaires à remplir — Jury A"
    assert bodies(jury)[0].startswith("Bonjour,\n\nVous trouverez ci-joint les formulaires du Jury A à remplir pour ")


@pytest.mark.slow
def test_mail_templates_linted(tmp_path: Path, copar) -> None:
    (tmp_path / "courriel-cahier.txt").write_text("Objet : {{ etudiant.inconnu }}\n{{ etudiant.__class__ }}\n")
    (tmp_path / "courriel-cahier.html").write_text("{% if %}")
    (tmp_path / "courriel-jurys.txt").write_text("Bonjour {{ jury.nom }}\n")
    result = copar("templates", "check", tmp_path)
    assert result.exit_code == 1
    out = result.stdout
    assert "courriel-cahier.html : 1 problème\n  - Erreur de syntaxe Jinja, ligne 1" in out
    assert "Variable « etudiant.inconnu » inconnue" in out and "Accès interdit à « etudiant.__class__ »" in out
    assert "courriel-jurys.txt : 1 problème\n  - La première ligne doit être l'objet : « Objet : … »." in out
    lines, broken = check_mail_templates()  # the shipped ones (`copar templates check` runs the same)
    assert not broken and len(lines) == 14 and "courriel-reunion-tuteurs.html : OK" in lines
    assert "courriel-relance.txt : OK" in lines  # the reminders (--pour relance)


@pytest.mark.slow
def test_rerun_keeps_a_hand_edited_draft_and_removes_obsolete_ones(workbook: Path, tmp_path: Path, copar) -> None:
    folder = tmp_path / "courriels" / "jurys"
    copar("mails", workbook, "-o", tmp_path, "--pour", "jurys")
    edited = folder / "jury-a.eml"
    edited.write_bytes(edited.read_bytes().replace(b"Bonjour,", b"Bonjour cher jury,"))
    obsolete = folder / "jury-z.eml"
    obsolete.write_bytes(b"written by an older run")
    ledger = folder / ".copar-brouillons.json"  # as if an earlier run had written jury-z.eml
    ledger.write_text(json.dumps({**json.loads(ledger.read_text()),
                                  "jury-z.eml": hashlib.sha256(b"written by an older run").hexdigest()}))
    result = copar("mails", workbook, "-o", tmp_path, "--pour", "jurys")
    assert ("[attention] jury-a.eml : brouillon modifié depuis que copar l'a écrit : conservé tel quel "
            "(relancez avec --force pour le remplacer).") in result.stdout
    assert b"Bonjour cher jury," in edited.read_bytes()
    assert "Brouillon retiré (plus de destinataire correspondant dans le classeur) : jury-z.eml" in result.stdout
    assert not obsolete.exists()
    forced = copar("mails", workbook, "-o", tmp_path, "--pour", "jurys", "--force")
    assert "conservé tel quel" not in forced.stdout
    assert b"Bonjour cher jury," not in edited.read_bytes()


def test_compte_rendu_to_tutor_and_student_with_the_45_minute_slot(workbook: Path, tmp_path: Path) -> None:
    run(MailRequest(workbook, tmp_path, "compte-rendu"))
    msg = read_eml(tmp_path / "courriels" / "compte-rendu" / "22004512-n-diaye-aissatou.eml")
    assert addresses(msg, "To") == [("Gaëlle L'Hôte", "gaelle.lhote@example.org"),
                                    ("Aïssatou N'Diaye", "aissatou.ndiaye@etudiant.example.fr")]
    assert addresses(msg, "Cc") == TEAM
    assert msg["Subject"] == "Bilan tripartite de l'alternance — Aïssatou N'Diaye — jeudi 6 juin 2024 à 9 h 00"
    (slot,) = Calendar.from_ical(attachments(msg)["bilan-tripartite.ics"]).walk("VEVENT")
    assert slot.decoded("DTSTART") == dt.datetime(2024, 6, 6, 9, 0, tzinfo=PARIS)
    assert slot.decoded("DTEND") == dt.datetime(2024, 6, 6, 9, 45, tzinfo=PARIS)


@pytest.mark.slow
def test_formulaires_from_copar_forms(tmp_path: Path, copar) -> None:
    """The contract with `copar forms`: what it writes for a tutor is what their draft carries."""
    made = copar("forms", INPUTS, "-o", tmp_path, "--type", "bilan", "--periode", "3", "--etudiant", "22004512")
    assert made.exit_code == 0, made.output
    (form,) = (tmp_path / "formulaires").rglob("*.pdf")
    result = copar("mails", INPUTS, "-o", tmp_path, "--pour", "formulaires", "--periode", "3")
    msg = read_eml(tmp_path / "courriels" / "formulaires-periode-3" / "tuteur-l-hote-gaelle.eml")
    assert attachments(msg) == {f"bilan-{form.name}": form.read_bytes()}
    assert result.exit_code == 1  # the other tutors have no form yet: listed, with the command
    assert "tuteur-ferrand-baptiste.eml : pièce jointe manquante" in result.stdout
