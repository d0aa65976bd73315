"""`copar mails … --envoyer` against a real SMTP server (aiosmtpd, STARTTLS + AUTH, tests/smtp_server.py).

Every server is on 127.0.0.1 and every copar.toml of these tests points there only (asserted
in `_promotion`): nothing can reach another address. The campaigns are the sample's: the
period-2 forms (fast, made by `copar forms`) and the tutors' meeting (built by LibreOffice).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.sending import journal as jr
from pipeline.sending.smtp import PASSWORD_ENV, read_smtp_settings
from tests.helpers import INPUTS, ROOT, alive, edited_sample, invoke
from tests.smtp_server import HOST, PASSWORD, Server


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def _promotion(tmp_path: Path, smtp: Server, workbook: Path | None = None, **settings: Any) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(workbook or INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    (folder / "copar.toml").write_text(smtp.settings(**settings), encoding="utf-8")
    assert read_smtp_settings(folder).serveur == HOST  # nothing in these tests can reach another address
    return folder


def _tutors(workbook: Path) -> dict[str, list[str]]:
    """Tutor address → their students' N°, read straight from the sheet."""
    ws = openpyxl.load_workbook(workbook, read_only=True)["Étudiant·es"]
    rows = ws.iter_rows(values_only=True)
    headers = list(next(rows))
    number, address = headers.index("N° étudiant"), headers.index("Tuteur·rice courriel")
    result: dict[str, list[str]] = {}
    for row in rows:
        if row[number]:
            result.setdefault(str(row[address]).strip().lower(), []).append(str(row[number]))
    return result


def _forms(tmp_path: Path, folder: Path, periode: int = 2) -> Path:
    out = tmp_path / "sorties"
    result = invoke("forms", folder, "-o", out, "--type", "bilan", "--periode", periode)
    assert result.exit_code == 0, result.output
    return out


def _journal(folder: Path) -> dict[str, jr.Entry]:
    return jr.read_entries(folder / jr.FOLDER)


def _send(folder: Path, out: Path, *extra: str) -> Any:
    return invoke("mails", folder, "-o", out, "--pour", "formulaires", "--periode", "2", "--envoyer", *extra)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.slow
def test_every_tutor_gets_their_forms_once(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    result = _send(folder, out, "--oui")
    assert result.exit_code == 0, result.output
    assert "21 messages à envoyer à 21 destinataires" in result.stdout
    assert "21 messages envoyés, 0 refusé, 0 non envoyé, 0 incertain" in result.stdout
    box = smtp.mailbox
    assert box.logins and all(box.tls_at_auth)  # authenticated, and only once encrypted
    tutors = _tutors(folder / "promotion.xlsx")
    assert len(tutors) == 21
    assert sorted(a for m in box.messages for a in m.rcpt_tos) == sorted(tutors)
    entries = _journal(folder)
    assert len(entries) == 21 and {e.state for e in entries.values()} == {jr.ENVOYE}
    for address in tutors:
        [received] = box.to(address)
        msg = received.message
        assert received.mail_from == "secretariat@copar.test" and "X-Unsent" not in msg
        [entry] = [e for e in entries.values() if e.data["destinataires"][0]["adresse"].lower() == address]
        assert msg["Message-ID"] == entry.data["message_id"]
        # the attachments are the tutor's forms, byte for byte, and the journal has their hashes
        forms_dir = next((out / "formulaires" / "bilan-periode-2").glob(f"tuteur-*/{tutors[address][0]}-*"))
        mine = {f.name: f.read_bytes() for f in forms_dir.parent.iterdir()}
        attached = {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}
        assert sorted(attached.values()) == sorted(mine.values())
        assert sorted(p["sha256"] for p in entry.data["pieces"]) == sorted(_sha(d) for d in mine.values())
    # the same command again sends nothing: everything is « déjà envoyé »
    again = _send(folder, out, "--oui")
    assert again.exit_code == 0, again.output
    assert "Rien à envoyer." in again.stdout and "21 messages déjà envoyés (le dernier le " in again.stdout
    assert len(box.messages) == 21


@pytest.mark.slow
def test_confirmation_and_summary_before_anything_is_sent(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    from click.testing import CliRunner

    from pipeline.cli import cli

    result = CliRunner().invoke(cli, ["mails", str(folder), "-o", str(out), "--pour", "formulaires", "--periode", "2",
                                      "--envoyer"], input="n\n", obj={})
    assert result.exit_code == 1
    assert "pièces jointes" in result.stdout and " Mo au total, par 127.0.0.1:" in result.stdout
    assert "Envoyer 21 messages maintenant ? [y/N]" in result.stdout or "Envoyer 21 messages maintenant ?" in \
        result.stdout
    assert "Rien n'a été envoyé." in result.stdout
    assert smtp.mailbox.messages == [] and _journal(folder) == {}


@pytest.mark.slow
def test_wrong_password_sends_nothing_and_says_so(tmp_path: Path, smtp: Server,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    monkeypatch.setenv(PASSWORD_ENV, "faux")
    result = _send(folder, out, "--oui")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : Le serveur 127.0.0.1:")
    assert "refuse l'identifiant « secretariat » et ce mot de passe" in result.stderr
    assert "faux" not in result.output  # the password is never printed
    assert smtp.mailbox.messages == [] and _journal(folder) == {}


def _addresses(folder: Path) -> list[str]:
    return sorted(_tutors(folder / "promotion.xlsx"))


@pytest.mark.slow
def test_dropped_connection_451_and_550(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    tutors = list(_tutors(folder / "promotion.xlsx"))  # in the workbook's order, the order of sending
    later, unknown = tutors[9], tutors[12]
    box = smtp.mailbox
    box.drop_after, box.temporary[later], box.permanent = 5, 2, {unknown}
    result = _send(folder, out, "--oui")
    assert result.exit_code == 1
    assert box.dropped
    assert "[refusé] formulaires-periode-2/" in result.stdout and f"{unknown} (550 5.1.1 destinataire inconnu)" in \
        result.stdout
    assert "20 messages envoyés, 1 refusé, 0 non envoyé, 0 incertain" in result.stdout
    for address in tutors:
        assert len(box.to(address)) == (0 if address == unknown else 1), address
    entries = {e.data["destinataires"][0]["adresse"].lower(): e for e in _journal(folder).values()}
    assert {a: e.state for a, e in entries.items()} == {a: jr.REFUSE if a == unknown else jr.ENVOYE for a in tutors}
    assert entries[later].history[-1]["reprises"] == [f"{later} : 451 4.3.0 essayez plus tard"] * 2
    assert entries[unknown].history[-1]["refuses"] == {unknown: "550 5.1.1 destinataire inconnu"}
    lost = [a for a, e in entries.items() if any(r.startswith("connexion perdue") for r in e.history[-1].get("reprises", []))]
    assert lost == [tutors[5]]  # the sixth message met the dropped connection, and went on a new one
    # again: only the refused one is tried (and refused) again; nobody gets a second message
    again = _send(folder, out, "--oui")
    assert again.exit_code == 1 and "20 messages déjà envoyés" in again.stdout
    assert "0 message envoyé, 1 refusé" in again.stdout
    assert all(len(box.to(a)) == (0 if a == unknown else 1) for a in tutors)


def _copar_process(folder: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, PASSWORD_ENV: PASSWORD}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "mails", str(folder), "-o", str(out), "--pour",
                             "formulaires", "--periode", "2", "--envoyer", "--oui"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_kill_9_mid_campaign_then_again(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    tutors = _addresses(folder)
    unknown = tutors[3]
    box = smtp.mailbox
    box.drop_after, box.temporary[tutors[6]], box.permanent, box.hold_at = 5, 1, {unknown}, 11
    process = _copar_process(folder, out)
    try:
        assert box.held.wait(120), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)  # while the server holds message 11 before answering
        process.wait(30)
    finally:
        if alive(process.pid):
            process.kill()
    assert process.returncode == -signal.SIGKILL
    box.release.set()
    killed = _journal(folder)
    held = box.messages[10].rcpt_tos[0].lower()
    assert [e.state for e in killed.values()].count(jr.INCERTAIN) == 1
    assert {e.data["destinataires"][0]["adresse"].lower() for e in killed.values()
            if e.state == jr.INCERTAIN} == {held}
    box.hold_at = None
    result = _send(folder, out, "--oui")
    assert result.exit_code == 1
    assert "[incertain] formulaires-periode-2/" in result.stdout and "--renvoyer" in result.stdout
    assert f"{unknown} (550 5.1.1 destinataire inconnu)" in result.stdout  # refused again, reported again
    for address in tutors:
        assert len(box.to(address)) == (0 if address == unknown else 1), address
    entries = _journal(folder)
    states = {e.data["destinataires"][0]["adresse"].lower(): e.state for e in entries.values()}
    assert states == {a: jr.REFUSE if a == unknown else jr.INCERTAIN if a == held else jr.ENVOYE for a in tutors}
    # the ledger is complete: every message has its Message-ID, its attachments' hashes, a time
    assert all(e.data["message_id"] and e.data["pieces"] and e.time for e in entries.values())
    shown = invoke("envois", folder)
    assert shown.exit_code == 0
    assert "incertain" in shown.stdout and held in shown.stdout.lower()


@pytest.mark.slow
def test_renvoyer_sends_the_uncertain_one(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    # an « en cours » left by a run killed after the hand-over, before the answer
    (folder / jr.FOLDER).mkdir()
    key = "formulaires-periode-2/" + next((out / "formulaires" / "bilan-periode-2").iterdir()).name
    line = {"cle": key, "etat": jr.EN_COURS, "heure": "2026-01-05T10:00:00+01:00", "campagne": "formulaires-periode-2",
            "destinataires": [], "copie": [], "objet": "x", "message_id": "<id@copar.test>", "pieces": []}
    (folder / jr.FOLDER / jr.JOURNAL).write_text(json.dumps(line) + "\n" + '{"cle": "coupé', encoding="utf-8")
    first = _send(folder, out, "--oui")
    assert first.exit_code == 1 and "20 messages envoyés" in first.stdout
    assert f"[incertain] {key} : l'envoi du 05/01/2026 à 10:00" in first.stdout
    second = _send(folder, out, "--oui", "--renvoyer")
    assert second.exit_code == 0 and "1 message envoyé" in second.stdout
    assert len(smtp.mailbox.messages) == 21
    assert smtp.mailbox.messages[-1].message["Message-ID"] == "<id@copar.test>"  # the same message, again
    assert _journal(folder)[key].state == jr.ENVOYE
    # the cut line was closed, not glued to the next one
    lines = (folder / jr.FOLDER / jr.JOURNAL).read_text(encoding="utf-8").splitlines()
    assert lines[1] == '{"cle": "coupé' and all(json.loads(x) for x in lines[2:])


@pytest.mark.slow
def test_reminders_reach_exactly_the_tutors_still_owing(tmp_path: Path, smtp: Server) -> None:
    tutors = _tutors(INPUTS / "promotion.xlsx")
    two = next(a for a, numbers in tutors.items() if len(numbers) == 2)
    ones = [a for a, numbers in tutors.items() if len(numbers) == 1][:5]
    answered = [tutors[two][0], *(tutors[a][0] for a in ones)]

    def answer(wb: Any) -> None:  # the returns collected so far: period-4 bilans of these students
        for number in answered:
            wb["Bilans intermédiaires"].append([number, 4, None, "Activités de la période", None, None, None])

    workbook = edited_sample(tmp_path, answer)
    folder = _promotion(tmp_path, smtp, workbook)
    out = _forms(tmp_path, folder, 4)
    due = {f.name.split("-")[0] for f in (out / "formulaires" / "bilan-periode-4").glob("*/*.pdf")}
    expected = sorted(a for a, numbers in tutors.items() if set(numbers) & due - set(answered))
    assert two in expected and not set(ones) & set(expected)
    result = invoke("mails", folder, "-o", out, "--pour", "relance", "--type", "bilan", "--periode", "4",
                    "--envoyer", "--oui")
    assert result.exit_code == 0, result.output
    box = smtp.mailbox
    assert sorted(a for m in box.messages for a in m.rcpt_tos) == expected
    [to_two] = box.to(two)
    text = to_two.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "attendu depuis le" in text and "Enregistrez le fichier une fois rempli" in text
    assert [p.get_filename() for p in to_two.message.iter_attachments()] == [
        f"bilan-{f.name}" for f in (out / "formulaires" / "bilan-periode-4").glob(f"*/{tutors[two][1]}-*")]
    suivi = invoke("suivi", folder)
    late_lines = [line for line in suivi.stdout.splitlines() if "Bilan P4" in line]
    reminded = [line for line in late_lines if "relancé le" in line]
    assert reminded and len(reminded) == len(due - set(answered))
    sheet = openpyxl.load_workbook(_xlsx_suivi(folder, tmp_path))["Suivi"]
    late_column = [str(row[-1] or "") for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum("Bilan P4 : " in cell and "relancé le" in cell for cell in late_column) == len(reminded)
    # the same round again the same day: nobody twice
    again = invoke("mails", folder, "-o", out, "--pour", "relance", "--type", "bilan", "--periode", "4",
                   "--envoyer", "--oui")
    assert again.exit_code == 0 and "Rien à envoyer." in again.stdout
    assert len(box.messages) == len(expected)


def _xlsx_suivi(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "suivi.xlsx"
    result = invoke("suivi", folder, "--format", "xlsx", "-o", target)
    assert result.exit_code == 0, result.output
    return target


@pytest.mark.slow
def test_envois_xlsx_is_text_only(tmp_path: Path, smtp: Server) -> None:
    def rename(wb: Any) -> None:
        ws = wb["Étudiant·es"]
        headers = [c.value for c in ws[1]]
        cell = ws.cell(2, headers.index("Tuteur·rice prénom") + 1)
        cell.value = "=HYPERLINK(\"http://x\")"
        cell.data_type = "s"  # a name typed with a leading « = », kept as text by the spreadsheet

    folder = _promotion(tmp_path, smtp, edited_sample(tmp_path, rename))
    out = _forms(tmp_path, folder)
    assert _send(folder, out, "--oui").exit_code == 0
    target = tmp_path / "envois.xlsx"
    result = invoke("envois", folder, "--format", "xlsx", "-o", target)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Par campagne", "Par personne"]
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert any(str(c.value).startswith("=HYPERLINK") for c in cells)
    assert len(list(wb["Par personne"].iter_rows(min_row=2))) == 21


@pytest.mark.soffice
def test_tutors_meeting_built_then_sent(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = tmp_path / "sorties"
    built = invoke("build", folder, "-o", out, "--only", "reunion-tuteurs")
    assert built.exit_code == 0, built.output
    result = invoke("mails", folder, "-o", out, "--pour", "reunion-tuteurs", "--envoyer", "--oui")
    assert result.exit_code == 0, result.output
    tutors = _tutors(folder / "promotion.xlsx")
    box = smtp.mailbox
    assert len(box.messages) == 21
    for address, numbers in tutors.items():
        [received] = box.to(address)
        names = [p.get_filename() or "" for p in received.message.iter_attachments()]
        assert names[-1] == "reunion-tuteurs.ics"
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert len(pdfs) == 1 + len(numbers)  # the invitation and each student's fiche
        for part in received.message.iter_attachments():
            if (part.get_filename() or "").endswith(".pdf"):
                assert part.get_payload(decode=True).startswith(b"%PDF-")  # type: ignore[union-attr]
        team = [a for a in received.rcpt_tos if a.lower() != address]
        assert len(team) == 2  # the teaching team in copy


@pytest.mark.slow
def test_rate_limit_and_back_off(tmp_path: Path, smtp: Server) -> None:
    """Measured on a clock that only moves when copar waits: the pauses are the settings', nothing is timed."""
    import datetime as dt

    from pipeline.sending.mails import MailRequest
    from pipeline.sending.send import prepare, send

    folder = _promotion(tmp_path, smtp, messages_par_minute=2, attente=10, essais=3)
    out = _forms(tmp_path, folder)
    first = next(iter(_tutors(folder / "promotion.xlsx")))
    smtp.mailbox.temporary[first] = 2
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))
        now[0] += seconds

    plan = prepare(MailRequest(folder, out, "formulaires", 2, today=dt.date.today()))
    result = send(plan, PASSWORD, sleep=sleep, clock=lambda: now[0])
    assert result.complete and len(smtp.mailbox.messages) == 21
    # the first message: 451, 10 s, 451, 20 s, accepted; the second starts 30 s after the first
    # began (already spent), then one every 30 s (2 a minute)
    assert waits == [10, 20] + [30] * 19


@pytest.mark.slow
def test_one_sender_at_a_time(tmp_path: Path, smtp: Server) -> None:
    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    with jr.Journal(folder / jr.FOLDER):
        result = _send(folder, out, "--oui")
    assert result.exit_code == 1
    assert result.stderr == (f"Erreur : Un autre envoi de copar écrit déjà dans {folder / jr.FOLDER / jr.JOURNAL} : "
                             "attendez qu'il se termine, puis relancez la commande.\n")
    assert smtp.mailbox.messages == []


@pytest.mark.slow
def test_password_is_asked_and_not_shown(tmp_path: Path, smtp: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    folder = _promotion(tmp_path, smtp)
    out = _forms(tmp_path, folder)
    monkeypatch.delenv(PASSWORD_ENV)
    result = CliRunner().invoke(cli, ["mails", str(folder), "-o", str(out), "--pour", "formulaires", "--periode", "2",
                                      "--envoyer"], input=f"y\n{PASSWORD}\n", obj={})
    assert result.exit_code == 0, result.output
    assert "Mot de passe SMTP de secretariat: " in result.stderr and PASSWORD not in result.output
    assert len(smtp.mailbox.messages) == 21


def test_sending_needs_the_envoi_settings(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    shutil.copyfile(INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    result = invoke("mails", folder, "-o", tmp_path / "sorties", "--pour", "formulaires", "--envoyer", "--oui")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Erreur : Pour envoyer, {folder / 'copar.toml'} doit avoir une section [envoi] "
                                    "avec au moins serveur et expediteur, par exemple :\n[envoi]\n")
    (folder / "copar.toml").write_text('[envoi]\nserveur = "smtp.example.org"\nexpediteur = "a@example.org"\n'
                                       'securite = "tls"\n', encoding="utf-8")
    result = invoke("mails", folder, "-o", tmp_path / "sorties", "--pour", "formulaires", "--envoyer", "--oui")
    assert result.exit_code == 2
    assert "Réglage « securite » de la section [envoi]" in result.stderr and "« starttls », « ssl » ou « aucune »" in \
        result.stderr


def test_relance_and_type_go_together(tmp_path: Path) -> None:
    for args in (["--pour", "relance"], ["--pour", "formulaires", "--type", "bilan"]):
        result = invoke("mails", INPUTS, "-o", tmp_path, *args)
        assert result.exit_code == 2
        assert result.stderr == ("Erreur : --type s'emploie avec --pour relance, et --pour relance demande --type "
                                 "(bilan, compte-rendu ou grille).\n")
