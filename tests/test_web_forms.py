"""Formulaires on `copar serve`'s page: produce, drop returns, preview, choose per conflicting cell, confirm."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from starlette.testclient import TestClient

from pipeline.promotion import Promotion
from pipeline.web.security import Secrets
from tests.web_client import page_client

pytestmark = [pytest.mark.web, pytest.mark.slow]
NUMERO = "22004512"  # Aïssatou N'Diaye: her bilan of période 2 is already in the sample workbook


@pytest.fixture
def client(promo: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Secrets]]:
    keys = Secrets()
    with page_client(promo.parent, tmp_path / "outputs", keys) as c:
        yield c, keys


def _review(promo: Path) -> object:
    ds = Promotion.open(promo.parent).dataset()
    return next(r for r in ds.reviews if r.numero == NUMERO and r.periode == 2)


def test_a_conflict_is_chosen_cell_by_cell(client: tuple[TestClient, Secrets], promo: Path, tmp_path: Path) -> None:
    c, keys = client
    before = _review(promo)
    r = c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})
    assert r.status_code == 200
    assert "26 formulaires pour 21 destinataires" in r.text
    form = next((tmp_path / "outputs" / "formulaires").rglob(f"{NUMERO}-*.pdf"))
    writer = PdfWriter(clone_from=PdfReader(form))
    name = f"copar__bilan__{NUMERO}__2__"
    for page in writer.pages:
        writer.update_page_form_field_values(page, {name + "activites": "Activités réécrites par la tutrice.",
                                                    name + "apports": "Apports réécrits.",
                                                    name + "autres_actions": "Journée portes ouvertes."},
                                             auto_regenerate=False)
    filled = tmp_path / "rempli.pdf"
    writer.write(filled)
    digest = hashlib.sha256(promo.read_bytes()).hexdigest()

    r = c.post(f"/formulaires/retours?csrf={keys.csrf}",
               files=[("retours", ("rempli.pdf", filled.read_bytes(), "application/pdf"))])
    page = html.unescape(r.text)
    assert r.status_code == 200, page
    assert "Aperçu : ce qui serait reporté dans le classeur" in page and "Simulation : rien n'a été écrit." in page
    assert before.activites in page and "Activités réécrites par la tutrice." in page  # side by side
    assert "Journée portes ouvertes." in page  # what would be added
    choices = re.findall(r'name="choix:([^"]+)" value="formulaire"', page)
    assert len(choices) == 2  # activites and apports differ from the workbook; autres_actions is new
    assert hashlib.sha256(promo.read_bytes()).hexdigest() == digest
    batch = re.search(r'name="lot" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    take = next(k for k in choices if k.endswith("|activites"))
    keep = next(k for k in choices if k.endswith("|apports"))
    r = c.post(f"/formulaires/confirmer?csrf={keys.csrf}",
               data={"lot": batch, f"choix:{take}": "formulaire", f"choix:{keep}": "classeur"})
    page = html.unescape(r.text)
    assert r.status_code == 200, page
    assert "2 cellules écrites dans le classeur" in page
    assert "remplacée par le formulaire" in page and "valeur du classeur gardée" in page
    after = _review(promo)
    assert after.activites == "Activités réécrites par la tutrice."  # type: ignore[attr-defined]
    assert after.apports == before.apports  # type: ignore[attr-defined]
    assert after.autres_actions == "Journée portes ouvertes."  # type: ignore[attr-defined]
    assert len(list((promo.parent / "sauvegardes").glob("*-avant-collecte.xlsx"))) == 1

    # the same batch cannot be confirmed twice
    r = c.post(f"/formulaires/confirmer?csrf={keys.csrf}", data={"lot": batch})
    assert "Ce dépôt n'est plus disponible" in html.unescape(r.text)


def test_relancer_prepares_the_reminder_drafts(client: tuple[TestClient, Secrets], promo: Path,
                                                tmp_path: Path) -> None:
    c, keys = client
    page = html.unescape(c.get("/suivi").text)
    assert "Relancer" in page and "Léa Fontaine" in page.split("À relancer")[1]
    # the reminder attaches the blank form: produce them first
    c.post(f"/formulaires/produire?csrf={keys.csrf}", data={"type": "bilan", "periode": "2", "format": "pdf"})
    r = c.post(f"/suivi/relancer?csrf={keys.csrf}", data={"type": "bilan", "periode": "2"})
    page = html.unescape(r.text)
    assert r.status_code == 200, page
    assert "à compléter" not in page
    assert "brouillons écrits dans" in page and "Rien n'a été envoyé" in page
    drafts = list((tmp_path / "outputs" / "courriels").rglob("*.eml"))
    assert len(drafts) == 2  # the tutors of the two late bilans of période 2
    links = re.findall(r'href="(/fichiers/[^"]+\.eml)\?telecharger=1"', page)
    assert len(links) == 2
    draft = c.get(links[0] + "?telecharger=1")
    assert draft.status_code == 200 and b"Subject:" in draft.content
    assert draft.headers["content-disposition"].startswith("attachment")
    assert "relance préparée le" in html.unescape(c.get("/suivi").text)
    envois = html.unescape(c.get("/envois").text)
    assert "Campagne « relance-" in envois and "brouillon" in envois


@pytest.mark.soffice
def test_a_pdf_build_from_the_page_is_previewed_inline(client: tuple[TestClient, Secrets], tmp_path: Path) -> None:
    """« Produire les documents » with PDF (LibreOffice), for one student and one family; the PDF is listed
    with « Aperçu », served inline as application/pdf."""
    c, keys = client
    r = c.post(f"/documents/produire?csrf={keys.csrf}", data={"famille": "fiche", "etudiant": NUMERO})
    assert r.status_code == 303
    c.app.state.web.job.wait(300)  # type: ignore[attr-defined]
    job = c.get("/documents/progression").json()
    assert job["finished"] and not job["error"], job
    assert job["lines"][0] == "1 document écrit, 0 inchangé, 0 en échec."
    page = html.unescape(c.get("/documents").text)
    (link,) = re.findall(r'href="(/fichiers/etudiants/[^"]+\.pdf)" target="_blank"', page)
    pdf = c.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")


def test_a_workbook_with_errors_is_shown_as_the_problems_table(tmp_path: Path) -> None:
    """Every page that needs a valid workbook says so in French, with the problems table; Vérifier lists them."""
    from tests.helpers import edited_sample, find_row

    def break_statut(wb: object) -> None:
        ws = wb["Étudiant·es"]  # type: ignore[index]
        headers = [c.value for c in ws[1]]
        ws.cell(find_row(ws, headers.index("N° étudiant") + 1, NUMERO), headers.index("Statut") + 1).value = "vacances"

    folder = tmp_path / "inputs"
    folder.mkdir()
    edited_sample(folder, break_statut)
    keys = Secrets()
    with page_client(folder, tmp_path / "outputs", keys) as c:
        for path in ("/", "/suivi", "/planning"):
            r = c.get(path)
            page = html.unescape(r.text)
            assert r.status_code == 409 and "Traceback" not in page
            assert "1 erreur dans le classeur" in page and "vacances" in page and "<table class=\"problemes\">" in page
        page = html.unescape(c.get("/classeur?verifier=1").text)
        assert "Aucun problème" not in page and "vacances" in page and "Étudiant·es" in page
        r = c.post(f"/documents/produire?csrf={keys.csrf}", data={"pdf": "non"})
        c.app.state.web.job.wait(60)  # type: ignore[attr-defined]
        assert "1 erreur dans le classeur" in c.get("/documents/progression").json()["error"]
    assert not (tmp_path / "outputs" / "etudiants").exists()
