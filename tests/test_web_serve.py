"""`copar serve` as people start it: the link first, the page behind it, Ctrl-C stops it cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.web, pytest.mark.slow]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_serve_prints_the_link_first_and_stops_on_ctrl_c(promo: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", str(promo.parent), "--port", "0",
                             "--sans-navigateur"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.fullmatch(r"Ouvrez (http://127\.0\.0\.1:(\d+)/)\?jeton=([\w-]+)\n", first)
        assert found, first
        base, token = found.group(1), found.group(3)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base, timeout=10)
        assert refused.value.code == 403
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(f"{base}?jeton={token}", timeout=10)
        assert redirected.value.code == 303
        cookie = redirected.value.headers["set-cookie"].split(";")[0]
        page = urllib.request.urlopen(urllib.request.Request(base, headers={"Cookie": cookie}), timeout=10)
        assert "<h1>L&#39;année</h1>" in page.read().decode("utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.endswith("Page arrêtée.\n")
    assert "Traceback" not in err


def test_a_busy_port_is_said_in_french(promo: Path, copar) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        r = copar("serve", str(promo.parent), "--port", str(port), "--sans-navigateur")
    assert r.exit_code == 1
    assert f"Le port {port} est déjà utilisé" in r.stderr
