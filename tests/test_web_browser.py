"""The year on `copar serve`'s page, in Debian's Chromium driven by Playwright.

A uvicorn server runs in a thread on a free port, on a copy of the sample promotion, « today »
being 15/02/2024 (période 2 over, two of its bilans late). The test does what the secretary
does: opens the token URL, checks the workbook, produces documents (Word only: the PDF build is
LibreOffice's, tested elsewhere) and watches the progress end, produces the bilan forms of
période 2, fills two of them (pypdf), drops them on « Déposer des retours », reads the preview,
confirms, sees Suivi turn them to « reçu », restores the backup and sees it undone. axe-core
checks every page (no serious or critical violation) and each page is photographed: into
docs/guide/img/ when COPAR_WEB_SCREENSHOTS=1 (see tools/web_screenshots.sh), else tmp_path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from pipeline.workbook.backups import cell_values
from tests.helpers import ROOT
from tests.viewers import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.web, pytest.mark.browser]
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
TODAY = dt.date(2024, 2, 15)
LATE = ("22007203", "16008814")  # the two bilans of période 2 late on TODAY (Léa Fontaine, Rachid Amrani)
GUIDE_IMAGES = ROOT / "docs" / "guide" / "img"


class Server:
    def __init__(self, entrees: Path, output: Path) -> None:
        import uvicorn

        from pipeline.web.app import create_app
        from pipeline.web.security import Secrets
        from pipeline.web.server import bind

        self.sock = bind(0)
        self.port = int(self.sock.getsockname()[1])
        self.keys = Secrets()
        self.app = create_app(entrees, output=output, keys=self.keys, port=self.port, today=TODAY)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)
        self.sock.close()


@pytest.fixture
def server(promo: Path, tmp_path: Path) -> Iterator[Server]:
    with Server(promo.parent, tmp_path / "outputs") as s:
        yield s


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Visit:
    """The browser page, with axe-core and a screenshot after each step."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page, self.shots = page, shots
        self.axe = AXE.read_text(encoding="utf-8")
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self, name: str, show: str | None = None) -> None:
        """axe-core on the page, then its screenshot: the top of the page, or the element `show`."""
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe)  # through the DevTools protocol: the page's CSP stays strict
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: {bad}"
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring in the guide
        if show is None:
            page.evaluate("window.scrollTo(0, 0)")
        else:
            page.locator(show).evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(self.shots / f"web-{name}.png"), full_page=False)
        assert not self.errors, f"{name}: {self.errors}"


def _fill(src: Path, dst: Path, numero: str) -> None:
    writer = PdfWriter(clone_from=PdfReader(src))
    values = {f"copar__bilan__{numero}__2__activites": "Animation de deux ateliers avec l'équipe ; synthèse écrite.",
              f"copar__bilan__{numero}__2__apports": "Conduite de réunion, analyse des besoins.",
              f"copar__bilan__{numero}__2__attentes": "Approfondir l'évaluation de projet."}
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(dst)


def _wait_for_reload(page: Any, seconds: float = 15) -> None:
    """Until the page has loaded again (its `copar_marker` gone); polled from here, the page's CSP forbids eval."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if page.evaluate("window.copar_marker") is None:
                page.wait_for_load_state("load")
                return
        except Error:  # the page is being replaced
            pass
        time.sleep(0.1)
    raise AssertionError("the page did not reload when the workbook changed")


def _bilan_2(page: Any, numero: str) -> Any:
    """The Suivi cell of période 2's bilan for `numero` (columns: N°, name, cahier, bilans 1–6, …)."""
    row = page.locator("#suivi-table tbody tr", has=page.locator(f"td:text-is('{numero}')"))
    return row.locator("td").nth(3)  # td: N°, cahier, bilan 1, bilan 2 (the name is a th)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (scripts/setup.sh)")
def test_the_year_in_the_browser(server: Server, promo: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not AXE.is_file():
        pytest.fail("axe-core is missing: run scripts/setup.sh (npm ci --prefix tests/js)")
    shots = GUIDE_IMAGES if os.environ.get("COPAR_WEB_SCREENSHOTS") == "1" else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    original = _digest(promo)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True, locale="fr-FR")
            page = context.new_page()
            visit = Visit(page, shots)

            # the token URL, then the same address without it
            page.goto(f"{server.url}/?jeton={server.keys.token}")
            assert page.url == f"{server.url}/"
            expect(page.get_by_role("heading", name="L'année", exact=True)).to_be_visible()
            expect(page.get_by_role("heading", name="Prochaine action")).to_be_visible()
            visit.check("annee")

            # Classeur: Vérifier, with the keyboard only
            page.get_by_role("link", name="Classeur", exact=True).click()
            page.get_by_role("button", name="Vérifier").focus()
            page.keyboard.press("Enter")
            page.wait_for_url("**/classeur?verifier=1")
            verdict = page.locator("#verification")
            expect(verdict).to_contain_text("Aucun problème")
            visit.check("classeur")
            # saved in Excel meanwhile: the page shows itself again (the check with it)
            page.evaluate("window.copar_marker = 1")
            os.utime(promo, (time.time() + 5, time.time() + 5))
            _wait_for_reload(page)
            expect(page.locator("#verification")).to_contain_text("Aucun problème")

            # Documents: two families, Word only; the progress reaches the end, the summary is the CLI's
            page.get_by_role("link", name="Documents", exact=True).click()
            page.get_by_label("Fiches d'alternance").check()
            page.get_by_label("Bilans intermédiaires et livrets").check()
            page.get_by_label("Documents Word seulement").check()
            page.get_by_role("button", name="Produire les documents").click()
            expect(page.locator("#etat-production")).to_have_text("Production terminée.", timeout=60_000)
            assert page.locator("#barre").evaluate("b => b.value === b.max && b.max > 1")
            expect(page.locator("#resume")).to_contain_text("documents écrits, 0 inchangé, 0 en échec.")
            expect(page.locator("#resume")).to_contain_text("Fiche d'alternance : 26 écrits")
            expect(page.get_by_role("link", name="Tout télécharger (.zip)")).to_be_visible()
            with page.expect_download() as zipped:
                page.get_by_role("link", name="Tout télécharger (.zip)").click()
            assert zipped.value.suggested_filename == "outputs.zip"
            visit.check("documents")

            # Formulaires: the bilans of période 2, in PDF
            page.get_by_role("link", name="Formulaires", exact=True).click()
            page.get_by_label("Type").select_option("bilan")
            page.get_by_label("Période (bilans)").select_option("2")
            page.get_by_label("Format").select_option("pdf")
            page.get_by_role("button", name="Produire les formulaires").click()
            expect(page.get_by_role("status")).to_contain_text("26 formulaires pour 21 destinataires, 26 fichiers écrits")
            page.get_by_text("bilan-periode-2").click()  # open the list, per recipient
            filled = []
            for numero in LATE:
                link = page.get_by_role("link", name=f"Télécharger {numero}-", exact=False)
                with page.expect_download() as download:
                    link.click()
                blank = tmp_path / download.value.suggested_filename
                download.value.save_as(blank)
                target = tmp_path / "remplis" / blank.name
                target.parent.mkdir(exist_ok=True)
                _fill(blank, target, numero)
                filled.append(target)
            # the preview of one of them, in the browser's PDF viewer (a new tab, served inline as a PDF)
            with context.expect_page() as preview:
                page.get_by_role("link", name=f"Aperçu de {LATE[0]}-", exact=False).click()
            shown = preview.value
            shown.wait_for_load_state()
            assert shown.url.endswith(".pdf")
            answer = context.request.get(shown.url)
            assert answer.headers["content-type"] == "application/pdf"
            assert answer.headers["content-disposition"].startswith("inline")
            assert answer.body().startswith(b"%PDF")
            shown.close()
            visit.check("formulaires")

            # Suivi: « Relancer » the late tutor of Léa Fontaine's bilan: reminder drafts, in the sending journal
            page.get_by_role("link", name="Suivi", exact=True).click()
            expect(_bilan_2(page, LATE[0])).to_have_class("etat-en_retard")
            page.get_by_role("button", name="Relancer Stéphane Quéré pour Bilan P2 de Léa Fontaine").click()
            expect(page.get_by_role("status").first).to_contain_text("1 brouillon écrit dans")  # hers, not all
            expect(page.get_by_role("status").first).to_contain_text("Stéphane Quéré")
            expect(page.locator(".relances")).to_contain_text("relance préparée le")
            page.get_by_role("link", name="Formulaires", exact=True).click()

            # Déposer des retours: preview, nothing written; Confirmer: written, with a backup first
            page.get_by_label("Formulaires remplis").set_input_files([str(f) for f in filled])
            page.get_by_role("button", name="Déposer des retours").click()
            preview_table = page.locator("#apercu table.retours")
            expect(page.locator("#apercu table.retours > tbody > tr")).to_have_count(2)
            expect(preview_table).to_contain_text("ajouté")
            expect(preview_table).to_contain_text("Approfondir l'évaluation de projet.")  # cell by cell
            expect(page.locator("#apercu")).to_contain_text("Simulation : rien n'a été écrit.")
            assert _digest(promo) == original
            assert not (promo.parent / "sauvegardes").exists()
            visit.check("retours-apercu", show="#retours-titre")
            page.get_by_role("button", name="Confirmer").click()
            expect(page.locator("#apercu")).to_contain_text("écrites dans le classeur")
            after_collect = _digest(promo)
            assert after_collect != original
            backups = list((promo.parent / "sauvegardes").glob("*.xlsx"))
            assert len(backups) == 1 and _digest(backups[0]) == original

            # Suivi: those two bilans are now received
            page.get_by_role("link", name="Suivi", exact=True).click()
            for numero in LATE:
                expect(_bilan_2(page, numero)).to_have_text("reçu")
                expect(_bilan_2(page, numero)).to_have_class("etat-recu")
            page.get_by_label("Filtrer (nom, n° ou état)").fill("Fontaine")
            expect(page.locator("#suivi-table tbody tr:visible")).to_have_count(1)
            page.get_by_label("Filtrer (nom, n° ou état)").fill("")
            visit.check("suivi")

            page.get_by_role("link", name="Envois", exact=True).click()
            expect(page.locator("table.envois tbody tr")).to_have_count(1)  # the one reminder prepared from Suivi
            expect(page.locator("table.envois")).to_contain_text("brouillon")
            visit.check("envois")
            page.get_by_role("link", name="Planning", exact=True).click()
            expect(page.locator("table.grille-jour").first).to_be_visible()
            visit.check("planning")

            # Sauvegardes: Restaurer, after a confirmation saying what will change
            page.get_by_role("link", name="Sauvegardes", exact=True).click()
            expect(page.locator("table.sauvegardes tbody tr")).to_have_count(1)
            expect(page.locator("table.sauvegardes")).to_contain_text("Bilans intermédiaires : ")
            visit.check("sauvegardes")
            page.get_by_role("link", name="Restaurer", exact=False).click()
            expect(page.locator("main")).to_contain_text("Ce qui changera dans promotion.xlsx : Bilans intermédiaires")
            visit.check("restaurer")
            assert _digest(promo) == after_collect  # nothing before the button
            page.get_by_role("button", name="Restaurer").click()
            expect(page.get_by_role("status")).to_contain_text("Classeur remis comme dans")
            assert _digest(promo) != after_collect
            assert cell_values(promo) == cell_values(backups[0])  # as before the returns
            page.get_by_role("link", name="Suivi", exact=True).click()
            for numero in LATE:
                expect(_bilan_2(page, numero)).to_have_class("etat-en_retard")
        finally:
            browser.close()
