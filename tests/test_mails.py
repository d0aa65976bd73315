"""copar mails without a build: drafts parsed back, hostile and non-ASCII text, missing files, sizes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.documents.catalogue import Layout
from pipeline.sending.mails import MailRequest, run
from pipeline.workbook.validate import check
from tests.sending_helpers import addresses, attachments, bodies, edited_sample, read_eml

HOSTILE_STRUCTURE = 'R&D <Centre> "Les Îlots"'
HOSTILE_MISSION = "{{ 7*7 }} et {% raw %}"
TEAM = [("Yves Bonny", "yves.bonny@univ-rennes2.fr"), ("Pascale Perron", "pascale.perron@univ-rennes2.fr")]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, with a hostile structure and mission for Aïssatou N'Diaye (row 1, a stage),
    a tutor called Ørsted (row 3), and an address for one jury member of Jury A."""
    folder = tmp_path_factory.mktemp("inputs")
    return edited_sample(folder, {
        "Étudiant·es": {
            1: {"Structure": HOSTILE_STRUCTURE, "Intitulé de la mission": HOSTILE_MISSION, "Statut": "Stage"},
            3: {"Tuteur·rice nom": "Ørsted", "Tuteur·rice prénom": "Åse"},
        },
        "Jurys": {1: {"Membres": "Karim Haddad <karim.haddad@example.org>, maître de conférences\n"
                                 "Hélène Marchetti, professionnelle associée"}},
    })


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
            f"{tmp_path.name}/reunion-tuteurs/invitations/invitation-l-hote-gaelle.pdf : "
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
    assert "jury-a.eml : Claire Guillou (président·e du jury) n'a pas d'adresse valide" in result.stdout
    assert "dépasse la taille maximale des pièces jointes (0,2 Mo)" in result.stdout
    with (folder / "envoi.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    jury_a = [r for r in rows if r["brouillon"] == "jury-a.eml"]
    assert [(r["destinataire"], r["adresse"]) for r in jury_a] == [
        ("Claire Guillou", ""), ("Karim Haddad", "karim.haddad@example.org"), ("Hélène Marchetti", "")]
    assert jury_a[0]["statut"].startswith("à compléter : adresse manquante.")
    assert rows[0].keys() == {"destinataire", "adresse", "copie", "objet", "pieces_jointes", "brouillon", "statut"}


def test_formulaires_attach_the_tutors_forms(workbook: Path, tmp_path: Path, copar) -> None:
    assert copar("mails", workbook, "-o", tmp_path, "--pour", "formulaires").exit_code == 1  # none yet
    forms = tmp_path / "formulaires" / "bilan-periode-2" / "tuteur-l-hote-gaelle"
    forms.mkdir(parents=True)
    (forms / "bilan-n-diaye-aissatou.pdf").write_bytes(b"%PDF-1.7 one")
    (forms / "bilan-le-bihan-mael.pdf").write_bytes(b"%PDF-1.7 two")
    result = copar("mails", workbook, "-o", tmp_path, "--pour", "formulaires", "--periode", "2")
    msg = read_eml(tmp_path / "courriels" / "formulaires-periode-2" / "tuteur-l-hote-gaelle.eml")
    assert attachments(msg) == {"bilan-le-bihan-mael.pdf": b"%PDF-1.7 two", "bilan-n-diaye-aissatou.pdf": b"%PDF-1.7 one"}
    assert msg["Subject"] == "Formulaires à remplir — période 2 — Aïssatou N'Diaye, Maël Le Bihan"
    assert "tuteur-le-floch-romain.eml : pièce jointe manquante" in result.stdout  # a tutor with no form is listed


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
    default = copar("templates", "check")
    assert default.exit_code == 0 and "courriel-reunion-tuteurs.html : OK" in default.stdout
