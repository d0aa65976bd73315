"""What keeps the page local and its own.

- The server listens on 127.0.0.1 only. The first URL carries a random token (`?jeton=`); it is
  exchanged for an HttpOnly, SameSite=Strict cookie and the browser is sent to the same address
  without it. Every request without the cookie gets 403.
- The Host header must name 127.0.0.1 or localhost (with the server's port, if any): a page of
  another site whose name was made to point at 127.0.0.1 (DNS rebinding) is refused.
- Every POST carries the CSRF token (a form field in the query string `?csrf=`, or the
  `X-CSRF-Token` header) and, when the browser sends one, an Origin of this server.
- Files are served from the output folder only: the path is resolved and must stay inside it.
- Every response forbids fetching anything from elsewhere (Content-Security-Policy default-src 'self').
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import URL, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "copar_session"
TOKEN_PARAM = "jeton"
CSRF_PARAM = "csrf"
CSRF_HEADER = "x-csrf-token"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]


@dataclass(frozen=True)
class Secrets:
    """The first URL's token, the session cookie's value and the CSRF token, random per server."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def host_allowed(host: str, port: int | None) -> bool:
    """Whether a Host header names this server: 127.0.0.1 or localhost, with its port if one is given."""
    parts = urlsplit(f"//{host}")
    try:
        given = parts.port
    except ValueError:
        return False
    return parts.hostname in LOCAL_HOSTS and (given is None or port is None or given == port)


def inside(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root`, or None when it is not a file inside it (`../`, a link out)."""
    base = root.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


class Guard:
    """ASGI middleware: Host, token → cookie, cookie, CSRF, and the security headers on every response."""

    def __init__(self, app: ASGIApp, keys: Secrets, port: int | None, refuse: ASGIApp) -> None:
        self.app, self.keys, self.port, self.refuse = app, keys, port, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        url = URL(scope=scope)
        query = QueryParams(scope.get("query_string", b""))
        scope.setdefault("state", {})
        if not host_allowed(headers.get("host", ""), self.port):
            scope["state"]["refusal"] = ("Adresse refusée : ouvrez la page par http://127.0.0.1 (l'adresse que "
                                         "« copar serve » a affichée).")
            await self.refuse(scope, receive, send_with_headers)
            return
        token = query.get(TOKEN_PARAM)
        if token is not None and secrets.compare_digest(token, self.keys.token):
            await _redirect_with_cookie(url.path, query, self.keys.session, send_with_headers)
            return
        if not secrets.compare_digest(_cookie(headers.get("cookie", "")), self.keys.session):
            scope["state"]["refusal"] = ("Accès refusé : ouvrez la page avec le lien que « copar serve » a affiché "
                                         "dans le terminal (il contient le jeton d'accès).")
            await self.refuse(scope, receive, send_with_headers)
            return
        if scope["method"] not in ("GET", "HEAD") and not self._same_site(query, headers):
            scope["state"]["refusal"] = ("Demande refusée : elle ne vient pas de cette page (jeton anti-falsification "
                                         "absent ou faux). Rechargez la page et recommencez.")
            await self.refuse(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _same_site(self, query: QueryParams, headers: dict[str, str]) -> bool:
        given = headers.get(CSRF_HEADER) or query.get(CSRF_PARAM) or ""
        if not secrets.compare_digest(given, self.keys.csrf):
            return False
        origin = headers.get("origin")
        if origin is None or origin == "null":
            return origin is None
        parts = urlsplit(origin)
        return parts.scheme == "http" and host_allowed(parts.netloc, self.port)


def _cookie(header: str) -> str:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    return ""


async def _redirect_with_cookie(path: str, query: QueryParams, session: str, send: Send) -> None:
    rest = [(k, v) for k, v in query.multi_items() if k != TOKEN_PARAM]
    location = path + (f"?{urlencode(rest)}" if rest else "")
    cookie = f"{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"set-cookie", cookie.encode()),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def csrf_query(keys: Secrets) -> str:
    """The query string every form of the page posts with."""
    return urlencode({CSRF_PARAM: keys.csrf})
