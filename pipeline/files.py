"""Files: atomic writing (a file under outputs/ is either complete or absent) and hashing."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any


def package_folder(name: str) -> Path:
    """The folder of a data package (the default templates, the sample rapports), installed or not."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"données du paquet introuvables : {name} (réinstallez copar)")
    return Path(next(iter(spec.submodule_search_locations)))


def write_atomically(target: Path, write: Callable[[Path], Any]) -> None:
    """Call `write` on a temporary file beside `target`, then move it into place.

    `target` is either its old self or complete: never half-written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # created first with the usual mode (0666 less the umask, as open() gives: readable by
    # colleagues on a shared drive); writers that truncate and rewrite it keep that mode
    os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        write(temporary)
        with temporary.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomically(target: Path, data: bytes) -> None:
    write_atomically(target, lambda tmp: tmp.write_bytes(data))


def megabytes(size: int, decimals: int = 0) -> str:
    """A size in Mo (MiB) as French text: `megabytes(3_250_000, 1)` is "3,1", thousands apart by a thin space."""
    text = f"{size / 2**20:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text.rstrip("0").rstrip(",") if decimals else text


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read once per version of it (templates, parts and rapports are asked for often)."""
    st = path.stat()
    return _sha256_file(path.resolve(), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4096)
def _sha256_file(path: Path, mtime_ns: int, size: int) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
