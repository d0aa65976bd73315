"""The staff guide: linked from the README, and its quoted terminal sessions still true."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.helpers import ROOT

GUIDE = ROOT / "docs" / "guide.md"
TEXT = GUIDE.read_text(encoding="utf-8")
# ```console blocks are real sessions: a `$ copar …` line, then exactly what copar prints
SESSIONS = re.findall(r"```console\n\$ (copar [^\n]*)\n(.*?)```", TEXT, flags=re.S)


def test_readme_links_to_the_guide_at_the_top() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/guide.md)" in readme.split("##", 1)[0]


def test_guide_covers_what_staff_need() -> None:
    headings = re.findall(r"^## (.+)$", TEXT, flags=re.M)
    assert headings == ["1. Installer copar", "2. L'année en commandes", "3. Le classeur, feuille par feuille",
                        "4. Les réglages : copar.toml", "5. Modifier les modèles Word",
                        "6. Lire le résumé et le rapport de construction", "7. Quand quelque chose ne va pas"]
    for chapter in ("formulaires", "suivi-et-planning", "courriels-et-impressions", "envoyer-relancer-renvoyer"):
        assert f"(guide/{chapter}.md)" in TEXT


def test_guide_images_exist() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", TEXT)
    assert len(images) >= 5
    assert [i for i in images if not (GUIDE.parent / i).is_file()] == []


def test_guide_quotes_at_least_a_failing_check() -> None:
    assert any(cmd.startswith("copar check") and "erreur" in out for cmd, out in SESSIONS)


@pytest.mark.parametrize(("command", "expected"), SESSIONS, ids=[c for c, _ in SESSIONS])
def test_guide_sessions_are_what_copar_prints(command: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, shlex.split(command)[1:], obj={}, prog_name="copar")
    assert result.output == expected


SENDING = GUIDE.parent / "guide" / "envoyer-relancer-renvoyer.md"
SENDING_SESSIONS = re.findall(r"```console\n\$ (copar [^\n]*)\n(.*?)```", SENDING.read_text(encoding="utf-8"),
                              flags=re.S)


def _stable(text: str, port: int) -> str:
    """The chapter's session with what changes from run to run (server port, date and time) made fixed."""
    text = text.replace(f"127.0.0.1:{port}", "smtp.univ-exemple.fr:587")
    text = re.sub(r"\d\d/\d\d/\d{4}( à)? \d\d:\d\d", lambda m: "JJ/MM/AAAA" + (m.group(1) or "") + " HH:MM", text)
    text = re.sub(r"\d\d/\d\d/\d{4}", "JJ/MM/AAAA", text)
    return re.sub(r"\d{4}-\d\d-\d\d", "AAAA-MM-JJ", text)


@pytest.mark.slow
def test_sending_chapter_sessions_are_what_copar_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chapter's sessions, in order, on a copy of the sample, through a local SMTP server."""
    from tests.smtp_server import HOST, PASSWORD, Server

    assert [c for c, _ in SENDING_SESSIONS] == [
        "copar forms --type bilan --periode 2", "copar mails --pour formulaires --periode 2 --envoyer --oui",
        "copar mails --pour formulaires --periode 2 --envoyer --oui", "copar envois",
        "copar mails --pour relance --type bilan --periode 2 --envoyer --oui",
        "copar forms --type bilan --periode 2", "copar envois --a-renvoyer",
        "copar mails --pour formulaires --periode 2 --a-renvoyer --envoyer --oui"]
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPAR_SMTP_MOT_DE_PASSE", PASSWORD)
    with Server(tmp_path) as server:
        settings = server.settings(expediteur="Pascale Perron <pascale.perron@univ-exemple.fr>")
        assert f'serveur = "{HOST}"' in settings  # nothing leaves this machine
        with (tmp_path / "inputs" / "copar.toml").open("a", encoding="utf-8") as fh:
            fh.write("\n" + settings)
        # the sessions are quoted in the order of the text; « copar envois » is run after the reminder,
        # then a student's name is corrected (None) and what it changed is sent again
        order = [0, 1, 2, 4, 3, None, 5, 6, 7]
        outputs = {}
        for i in order:
            if i is None:
                _rename(tmp_path / "inputs" / "promotion.xlsx", "22004512", "N'Diaye-Sow")
                continue
            command = SENDING_SESSIONS[i][0]
            result = CliRunner().invoke(cli, shlex.split(command)[1:], obj={}, prog_name="copar")
            assert result.exit_code == 0, result.output
            outputs[i] = result.stdout
        for i, (command, expected) in enumerate(SENDING_SESSIONS):
            assert _stable(outputs[i], server.port) == _stable(expected, server.port), command
        assert len(server.mailbox.messages) == 24


def _rename(workbook: Path, numero: str, nom: str) -> None:
    """What the secretary does in Excel: the Nom cell of one student, corrected."""
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    ws = wb["Étudiant·es"]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if str(row[headers.index("N° étudiant")].value) == numero:
            row[headers.index("Nom")].value = nom
    wb.save(workbook)
