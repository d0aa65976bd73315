"""One build at a time per output folder: `.copar/verrou`.

The lock is an exclusive `flock` on the file, which the kernel releases when its
holder dies, however it dies: a lock left by a killed build is stale by
construction and simply taken over. The file also says who holds it (pid, host,
start time), for the French message the second build prints.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path

from pipeline.errors import CoparError

LOCK = "verrou"


class BuildLocked(CoparError):
    """Raised when another build is writing into the same output folder."""


class BuildLock:
    def __init__(self, work: Path, output: Path) -> None:
        self.path = work / LOCK
        self.output = output
        self.fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _describe(self.path)
            os.close(fd)
            raise BuildLocked(f"Une autre construction écrit déjà dans {self.output}{holder} : attendez qu'elle "
                              "se termine, ou choisissez un autre dossier de sortie avec -o.") from None
        os.ftruncate(fd, 0)  # whatever a dead holder wrote is stale
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
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


def _describe(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        started = dt.datetime.fromisoformat(info["started"])
        return f" (processus {info['pid']} sur {info['host']}, commencée le {started:%d/%m/%Y à %H:%M})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""
