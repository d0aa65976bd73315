"""Envois on `copar serve`'s page: drafts, and sending through a real SMTP server (aiosmtpd, tests/smtp_server.py).

The server is on 127.0.0.1 and the copar.toml points there only (asserted), as in test_sending_smtp.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.sending.smtp import PASSWORD_ENV, read_smtp_settings
from pipeline.web.security import Secrets
from tests.smtp_server import HOST, PASSWORD, Server
from tests.web_client import page_client

pytestmark = [pytest.mark.web, pytest.mark.slow]


@pytest.fixture
def client(promo: Path, tmp_path: Path, smtp: Server, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[TestClient, Secrets]]:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)  # the page asks for it
    (promo.parent / "copar.toml").write_text(smtp.settings(), encoding="utf-8")
    assert read_smtp_settings(promo.parent).serveur == HOST  # nothing here can reach another address
    keys = Secrets()
    with page_client(promo.parent, tmp_path / "outputs", keys) as c:
        yield c, keys


def _text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def test_forms_are_sent_after_a_confirmation_with_the_password(client: tuple[TestClient, Secrets], smtp: Server) -> None:
    c, keys = client
    c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})
    choice = {"campagne": "formulaires", "periode": "2"}
    page = _text(c.post(f"/envois/verifier?csrf={keys.csrf}", data=choice))
    assert "Campagne formulaires-periode-2 : 21 messages à envoyer" in page
    assert "Mot de passe SMTP de secretariat" in page and "Envoyer 21 messages" in page
    assert smtp.mailbox.messages == []  # nothing before the button

    page = _text(c.post(f"/envois/envoyer?csrf={keys.csrf}", data={**choice, "mot_de_passe": "faux"}))
    assert "Traceback" not in page and smtp.mailbox.messages == []
    assert "alerte" in page  # the server's refusal, in French

    page = _text(c.post(f"/envois/envoyer?csrf={keys.csrf}", data={**choice, "mot_de_passe": PASSWORD}))
    assert "21 messages envoyés, 0 refusé, 0 non envoyé, 0 incertain" in page
    assert len(smtp.mailbox.messages) == 21
    assert len(re.findall(r"<td>envoyé</td>", page)) >= 21  # the journal, per recipient
    # sent once: asked again, nothing left to send
    page = _text(c.post(f"/envois/verifier?csrf={keys.csrf}", data=choice))
    assert "aucun nouveau message à envoyer" in page and "Rien à envoyer." in page


def test_drafts_are_prepared_and_downloadable(client: tuple[TestClient, Secrets], smtp: Server) -> None:
    c, keys = client
    c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})
    page = _text(c.post(f"/envois/preparer?csrf={keys.csrf}", data={"campagne": "formulaires", "periode": "2"}))
    assert "21 brouillons écrits dans" in page and "Rien n'a été envoyé" in page
    links = re.findall(r'href="(/fichiers/courriels/[^"]+\.eml)\?telecharger=1"', page)
    assert len(links) == 21
    assert b"Subject:" in c.get(links[0]).content
    assert smtp.mailbox.messages == []


def test_relancer_prepares_or_sends_the_reminder_of_one_late_line(client: tuple[TestClient, Secrets],
                                                                 smtp: Server, promo: Path) -> None:
    """« Relancer » on one late line: that student's tutor's reminder, not every late tutor's."""
    c, keys = client
    c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})
    page = _text(c.get("/suivi"))
    lines = re.findall(r'name="type" value="([a-z-]+)"><input type="hidden" name="periode" value="(\d*)">\s*'
                       r'<input type="hidden" name="etudiant" value="(\d+)"', page)
    assert len({n for _, _, n in lines}) > 2, "the sample has several late lines, each with its own button"
    one = next(n for kind, periode, n in lines if (kind, periode) == ("bilan", "2"))
    page = _text(c.post(f"/suivi/relancer?csrf={keys.csrf}", data={"campagne": "relance", "type": "bilan",
                                                                   "periode": "2", "etudiant": one}))
    links = re.findall(r'href="(/fichiers/courriels/[^"]+\.eml)\?telecharger=1"', page)
    assert len(links) == 1  # one tutor's reminder, the one owing this student's bilan
    assert b"Subject:" in c.get(links[0]).content
    from pipeline.sending import journal as jr

    drafted = [e for e in jr.read_entries(promo.parent / jr.FOLDER).values() if e.state == jr.BROUILLON]
    assert len(drafted) == 1 and one in {str(i["numero"]) for i in drafted[0].data["relance"]}

    choice = {"campagne": "relance", "type": "bilan", "periode": "2", "etudiant": one}
    page = _text(c.post(f"/envois/verifier?csrf={keys.csrf}", data=choice))
    assert "Envoyer 1 message" in page and 'name="etudiant" value="' + one + '"' in page
    page = _text(c.post(f"/envois/envoyer?csrf={keys.csrf}", data={**choice, "mot_de_passe": PASSWORD}))
    assert "1 message envoyé" in page
    assert len(smtp.mailbox.messages) == 1


def test_envois_shows_what_a_correction_changed_and_sends_only_that(client: tuple[TestClient, Secrets],
                                                                     smtp: Server, promo: Path) -> None:
    c, keys = client
    c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})
    choice = {"campagne": "formulaires", "periode": "2"}
    c.post(f"/envois/envoyer?csrf={keys.csrf}", data={**choice, "mot_de_passe": PASSWORD})
    assert len(smtp.mailbox.messages) == 21
    assert "Rien à renvoyer" in _text(c.get("/envois"))

    import openpyxl

    wb = openpyxl.load_workbook(promo)
    ws = wb["Étudiant·es"]
    headers = [cell.value for cell in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if str(r[headers.index("N° étudiant")].value) == "22004512")
    row[headers.index("Nom")].value = "N'Diaye-Sow"
    wb.save(promo)
    c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})

    page = _text(c.get("/envois"))
    assert "À renvoyer après une correction" in page and "Messages à renvoyer (1)" in page
    assert "n-diaye-sow" in page
    correction = {**choice, "a_renvoyer": "oui"}
    page = _text(c.post(f"/envois/verifier?csrf={keys.csrf}", data=correction))
    assert "version-corrigee : 1 message à envoyer" in page and 'name="a_renvoyer" value="oui"' in page
    page = _text(c.post(f"/envois/envoyer?csrf={keys.csrf}", data={**correction, "mot_de_passe": PASSWORD}))
    assert "1 message envoyé" in page
    assert len(smtp.mailbox.messages) == 22
    assert str(smtp.mailbox.messages[-1].message["Subject"]).startswith("Version corrigée")
    assert "Rien à renvoyer" in _text(c.get("/envois"))
