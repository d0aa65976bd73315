"""Atomic file writing: a file under outputs/ is either complete or absent."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what open() would give: readable by colleagues on a shared drive


def write_atomically(target: Path, write: Callable[[Path], Any]) -> None:
    """Call `write` on a temporary file beside `target`, then move it into place.

    `target` is either its old self or complete: never half-written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        write(temporary)
        with temporary.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomically(target: Path, data: bytes) -> None:
    write_atomically(target, lambda tmp: tmp.write_bytes(data))
