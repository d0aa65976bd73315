"""Run the page: uvicorn on 127.0.0.1, the token URL printed first, the browser opened.

`serve` returns when the server stops (Ctrl-C: uvicorn finishes the requests in flight and
returns; dropped returns never confirmed are removed). The port must be free: a busy one is
said in French, as is an unreadable workbook (the page would only show errors).
"""

from __future__ import annotations

import socket
import webbrowser
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import CoparError

HOST = "127.0.0.1"


class PortBusy(CoparError):
    """Raised when the port asked for `copar serve` is already taken."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def bind(port: int) -> socket.socket:
    """The listening socket, bound before uvicorn starts so that a busy port is said plainly."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise PortBusy(f"Le port {port} est déjà utilisé (par un autre « copar serve » ?) : choisissez-en un autre "
                       "avec --port, ou fermez l'autre programme.") from exc
    sock.listen(64)  # connections wait in the backlog until uvicorn accepts: the printed link works at once
    return sock


def serve(entrees: Path, port: int = 0, open_browser: bool = True, echo: Callable[[str], None] = print,
          output: Path | None = None) -> None:
    """Serve the promotion `entrees` until Ctrl-C; `port` 0 picks a free one."""
    import uvicorn

    from pipeline.promotion import Promotion
    from pipeline.web.app import clean_up, create_app
    from pipeline.web.jobs import INTERRUPTED
    from pipeline.web.security import TOKEN_PARAM, Secrets

    workbook = Promotion.open(entrees, output=output).workbook  # an unreadable ENTRÉES is said now, not in the page
    if not workbook.exists():
        raise CoparError(f"Classeur introuvable : {workbook}. Indiquez le classeur de la promotion (ou le dossier qui le "
                         "contient), ou créez-en un avec « copar init ».")
    sock = bind(port)
    port = int(sock.getsockname()[1])
    keys = Secrets()
    app = create_app(entrees, output=output, keys=keys, port=port)
    url = f"http://{HOST}:{port}/?{TOKEN_PARAM}={keys.token}"
    echo(f"Ouvrez {url}")
    echo("La page reste ouverte tant que cette fenêtre l'est ; Ctrl-C pour l'arrêter.")
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])  # returns, or re-raises the Ctrl-C, after a graceful shutdown
    except KeyboardInterrupt:
        pass  # stopping the page is its normal end
    finally:
        if clean_up(app):
            echo(f"Erreur : {INTERRUPTED}")
        sock.close()
    echo("Page arrêtée.")
