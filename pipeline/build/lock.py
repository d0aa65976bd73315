"""One build at a time per output folder: `.copar/verrou`.

The lock is an exclusive `flock` on the file, which the kernel releases when its
holder dies, however it dies: a lock left by a killed build is stale by
construction and simply taken over. The file also says who holds it (pid, host,
start time, command), for the French message the second build prints. `copar archive`
takes the same lock, waiting a while for a build to end, so that it never zips a
half-built folder and no build starts while it zips.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.documents.formats import time_fr
from pipeline.errors import CoparError

LOCK = "verrou"


class BuildLocked(CoparError):
    """Raised when another build is writing into the same output folder."""


class BuildLock:
    def __init__(self, work: Path, output: Path, command: str = "build") -> None:
        self.path = work / LOCK
        self.output = output
        self.command = command
        self.fd: int | None = None

    def acquire(self, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock; while another command holds it, retry for up to `wait` seconds (saying so
        once through `on_wait`), then refuse."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    message = _refusal(self.output, self.path, self.command)
                    os.close(fd)
                    raise BuildLocked(message) from None
                if on_wait is not None:
                    on_wait(f"{self.output} est en cours d'écriture{_holder(self.path)[1]} : attente de la fin "
                            f"({wait:.0f} s au plus)…")
                    on_wait = None
                time.sleep(0.2)
        os.ftruncate(fd, 0)  # whatever a dead holder wrote is stale
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "command": self.command}
        os.write(fd, json.dumps(info).encode("utf-8"))
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the flock; the file stays, harmless
            self.fd = None

    def __enter__(self) -> BuildLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _refusal(output: Path, path: Path, command: str) -> str:
    holder, details = _holder(path)
    if holder == "archive":
        return (f"Une archive de {output} est en cours d'écriture{details} : attendez qu'elle se termine, puis "
                f"relancez « copar {command} ».")
    if command == "archive":
        return (f"Une construction écrit dans {output}{details} : attendez qu'elle se termine, puis relancez "
                "« copar archive » (l'archive ne contiendrait qu'une partie des documents).")
    return (f"Une autre construction écrit déjà dans {output}{details} : attendez qu'elle se termine, ou choisissez "
            "un autre dossier de sortie avec -o.")


def _holder(path: Path) -> tuple[str, str]:
    """The command holding the lock ("build", "archive"), and who it is in French (" (processus …)" or "")."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        started = dt.datetime.fromisoformat(info["started"])
        return (str(info.get("command", "build")),
                f" (processus {info['pid']} sur {info['host']}, commencée le {started:%d/%m/%Y} à {time_fr(started.time())})")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "build", ""
