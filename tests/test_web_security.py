"""`copar serve`'s page refuses what does not come from its own tab: Starlette's TestClient, no browser."""

from __future__ import annotations

import hashlib
import html
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.web import uploads
from pipeline.web.security import COOKIE, Secrets, host_allowed, inside
from tests.web_client import BASE, PORT, page_client

pytestmark = pytest.mark.web


@pytest.fixture
def keys() -> Secrets:
    return Secrets()


@pytest.fixture
def client(promo: Path, keys: Secrets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A client without the cookie, on the server's own address; temp folders under tmp_path/tmp."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    with page_client(promo.parent, tmp_path / "outputs", keys, signed_in=False) as c:
        yield c


def _signed_in(client: TestClient, keys: Secrets) -> TestClient:
    client.cookies.set(COOKIE, keys.session)
    return client


def _text(response: object) -> str:
    """The page as read (entities decoded: « n'a » is written n&#39;a)."""
    return html.unescape(response.text)  # type: ignore[attr-defined]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_token_is_refused_in_french(client: TestClient) -> None:
    for path in ("/", "/suivi", "/static/copar.css", "/fichiers/rapport-de-construction.txt"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "ouvrez la page avec le lien que « copar serve » a affiché" in _text(r)
    client.cookies.set(COOKIE, "pas-le-bon")
    assert client.get("/").status_code == 403
    assert client.get("/?jeton=pas-le-bon").status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_address(client: TestClient, keys: Secrets) -> None:
    r = client.get(f"/suivi?jeton={keys.token}&x=1")
    assert r.status_code == 303
    assert r.headers["location"] == "/suivi?x=1"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={keys.session};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    r = client.get("/suivi")  # the client keeps the cookie, as a browser does
    assert r.status_code == 200
    assert "Suivi de la promotion" in _text(r)
    assert "default-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9999", "localhost.evil.example",
                                  "127.0.0.2", "[::1]", "127.0.0.1:notaport"])
def test_another_host_is_refused_even_with_the_cookie(client: TestClient, keys: Secrets, host: str) -> None:
    _signed_in(client, keys)
    r = client.get("/", headers={"host": host})
    assert r.status_code == 403
    assert "Adresse refusée" in _text(r)
    r = client.get(f"/?jeton={keys.token}", headers={"host": host})  # nor does it hand out the cookie
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_local_hosts_are_allowed() -> None:
    assert host_allowed("127.0.0.1", PORT) and host_allowed(f"localhost:{PORT}", PORT)
    assert not host_allowed("127.0.0.1:1", PORT) and not host_allowed("", PORT)


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client: TestClient, keys: Secrets,
                                                                      promo: Path) -> None:
    _signed_in(client, keys)
    before = _digest(promo)
    for url in ("/planning/appliquer", "/planning/appliquer?csrf=faux"):
        r = client.post(url, data={"quoi": "tripartites"})
        assert r.status_code == 403
        assert "jeton anti-falsification" in _text(r)
    # the right token from another site's page (its Origin) is refused too
    r = client.post(f"/planning/appliquer?csrf={keys.csrf}", data={"quoi": "tripartites"},
                    headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    assert _digest(promo) == before
    assert not (promo.parent / "sauvegardes").exists()
    # with the token, from the page itself: written, with a backup first
    r = client.post(f"/planning/appliquer?csrf={keys.csrf}", data={"quoi": "tripartites"},
                    headers={"origin": BASE})
    assert r.status_code == 200, r.text
    assert "Classeur mis à jour" in _text(r)
    assert _digest(promo) != before
    assert len(list((promo.parent / "sauvegardes").glob("*-avant-planning.xlsx"))) == 1


@pytest.mark.parametrize("path", ["/fichiers/../inputs/promotion.xlsx", "/fichiers/%2e%2e/inputs/promotion.xlsx",
                                  "/fichiers/..%2finputs%2fpromotion.xlsx", "/fichiers//etc/passwd",
                                  "/fichiers/%2fetc%2fpasswd", "/fichiers/formulaires"])
def test_downloads_stay_in_the_output_folder(client: TestClient, keys: Secrets, path: str, tmp_path: Path) -> None:
    (tmp_path / "outputs" / "formulaires").mkdir(parents=True)
    (tmp_path / "outputs" / "rapport.txt").write_text("ok", encoding="utf-8")
    _signed_in(client, keys)
    r = client.get(path)
    assert r.status_code == 404
    assert "introuvable" in r.text and "promotion" not in r.text.split("<main")[1].split("</main>")[0].lower()
    assert client.get("/fichiers/rapport.txt").text == "ok"


def test_inside_resolves_links_and_dots(tmp_path: Path) -> None:
    root = tmp_path / "outputs"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    (root / "lien.txt").symlink_to(tmp_path / "secret.txt")
    (root / "a.txt").write_text("a", encoding="utf-8")
    assert inside(root, "a.txt") == (root / "a.txt").resolve()
    assert inside(root, "../secret.txt") is None
    assert inside(root, "lien.txt") is None
    assert inside(root, str(tmp_path / "secret.txt")) is None


def _drop(client: TestClient, keys: Secrets, files: list[tuple[str, bytes]]) -> object:
    return client.post(f"/formulaires/retours?csrf={keys.csrf}",
                       files=[("retours", (name, data, "application/octet-stream")) for name, data in files])


def test_an_upload_over_the_limit_is_refused_in_french_and_nothing_is_kept(
        client: TestClient, keys: Secrets, promo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _signed_in(client, keys)
    before = _digest(promo)
    monkeypatch.setattr(uploads, "MAX_MB", 1)
    r = _drop(client, keys, [("petit.pdf", b"%PDF-1.7\n%%EOF\n"), ("gros.pdf", b"%PDF-1.7\n" + b"0" * (2 * 2**20))])
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert "« gros.pdf » dépasse 1 Mo" in _text(r) and "rien n'a été enregistré" in _text(r)
    monkeypatch.setattr(uploads, "MAX_FILES", 2)
    r = _drop(client, keys, [(f"{n}.pdf", b"%PDF-1.7\n%%EOF\n") for n in range(3)])
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert "3 fichiers déposés, plus que la limite de 2" in _text(r)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert _digest(promo) == before and not (promo.parent / "sauvegardes").exists()


def test_an_upload_is_checked_by_its_content_not_its_name(client: TestClient, keys: Secrets, promo: Path,
                                                          tmp_path: Path) -> None:
    _signed_in(client, keys)
    r = _drop(client, keys, [("bilan.pdf", b"MZ\x90\x00 an executable named like a form")])
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert "« bilan.pdf » n'est ni un PDF, ni un document Word" in _text(r)
    bomb = tmp_path / "bombe.docx"
    import zipfile

    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (40 * 2**20))
    r = _drop(client, keys, [("bombe.docx", bomb.read_bytes())])
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert "« bombe.docx » est refusé" in _text(r)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_errors_are_french_sentences_never_a_traceback(client: TestClient, keys: Secrets) -> None:
    _signed_in(client, keys)
    r = client.post(f"/sauvegardes/restaurer?csrf={keys.csrf}", data={"nom": "promotion-inconnue.xlsx"})
    assert r.status_code == 409
    assert "Traceback" not in r.text and "promotion-inconnue.xlsx" in _text(r)
    r = client.get("/sauvegardes/restaurer?nom=../promotion.xlsx")
    assert r.status_code == 404
    assert client.get("/page-inconnue").status_code == 404
    assert client.post(f"/classeur?csrf={keys.csrf}").status_code == 405


def test_one_build_at_a_time(client: TestClient, keys: Secrets, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second « Produire » while a build runs starts nothing: the page shows the running one."""
    import threading

    from pipeline.promotion import Promotion

    release, started, calls = threading.Event(), threading.Event(), []

    def slow_build(self: Promotion, options: object, progress: object = None) -> object:
        calls.append(options)
        started.set()
        release.wait(10)
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(Promotion, "build", slow_build)
    _signed_in(client, keys)
    assert client.post(f"/documents/produire?csrf={keys.csrf}", data={"pdf": "non"}).status_code == 303
    assert started.wait(10)
    assert client.post(f"/documents/produire?csrf={keys.csrf}", data={"pdf": "non"}).status_code == 303
    page = client.get("/documents").text
    assert "Production en cours" in page and 'disabled>Produire les documents' in page
    assert client.get("/documents/progression").json()["running"] is True
    release.set()
    client.app.state.web.job.wait(10)  # type: ignore[attr-defined]
    assert len(calls) == 1
    job = client.get("/documents/progression").json()
    assert job["running"] is False and "erreur inattendue (RuntimeError" in job["error"]


def test_stopping_the_server_interrupts_a_running_build_as_ctrl_c_does() -> None:
    import threading

    from pipeline.web.jobs import INTERRUPTED, BuildJob

    job, started, cleaned = BuildJob(), threading.Event(), threading.Event()

    def endless(progress: BuildJob) -> object:
        progress.start("Documents Word", 1000)
        started.set()
        try:
            while True:
                progress.advance("un document")
                threading.Event().wait(0.01)
        finally:
            cleaned.set()  # the build's own clean-up (lock released, LibreOffice stopped) runs

    assert job.launch(endless)  # type: ignore[arg-type]
    assert started.wait(10)
    assert job.interrupt(timeout=30)
    assert cleaned.is_set()
    state = job.snapshot()
    assert not state.running and state.error == INTERRUPTED
    assert not job.interrupt()  # nothing left to stop
