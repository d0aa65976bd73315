"""A Starlette TestClient on `copar serve`'s app, as the page's own tab at 127.0.0.1 (no browser)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from starlette.testclient import TestClient

from pipeline.web.app import create_app
from pipeline.web.security import COOKIE, Secrets

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
TODAY = dt.date(2024, 2, 15)  # a day of période 2 in the sample


@contextlib.contextmanager
def page_client(entrees: Path, output: Path, keys: Secrets, signed_in: bool = True) -> Iterator[TestClient]:
    """The app for the promotion at `entrees`; with the session cookie the page's link gives, unless not `signed_in`."""
    app = create_app(entrees, output=output, keys=keys, port=PORT, today=TODAY)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        if signed_in:
            client.cookies.set(COOKIE, keys.session)
        yield client
