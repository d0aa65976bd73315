"""Returned forms dropped on the page: bounded, checked by content, kept in a private folder.

Each batch goes to its own folder made by `tempfile.mkdtemp` (mode 0700), under a name of our
choosing (the number of the file and a cleaned name: the sender's file name never chooses a
path). A batch is refused whole, and nothing is kept, when it holds too many files, when a file
is larger than the limit, or when a file is not a form copar reads (the collect's own pre-check,
`pipeline.forms.guard.precheck`, on the content, not the name).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Protocol

from pipeline.errors import CoparError
from pipeline.files import megabytes
from pipeline.forms import guard

MAX_FILES = 200  # files in one drop (a promotion returns a few dozen forms per period)
MAX_MB = guard.RETURN_MAX_MB  # one file, as `copar collect --retour-max-mo`'s default
CHUNK = 1 << 16
_UNSAFE = re.compile(r"[^\w.\- ]+")
ACCEPTED = (guard.PDF, guard.ZIP, guard.OLE)


class UploadRefused(CoparError):
    """Raised when a drop of returned forms is refused as a whole (too many, too large, not a form)."""


class Upload(Protocol):
    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


def safe_name(number: int, name: str | None) -> str:
    """`003-bilan-dupont.pdf` from the sender's name: no folder, no control character, bounded."""
    base = _UNSAFE.sub("-", Path(name or "retour").name).strip(" .-")[:80] or "retour"
    return f"{number:03d}-{base}"


async def _chunks(upload: Upload) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def store(uploads: Iterable[Upload], max_mb: int | None = None, max_files: int | None = None) -> Path:
    """Write the uploads into a new private folder and check each one; UploadRefused (folder removed) if not.
    The limits default to MAX_MB and MAX_FILES."""
    max_mb = MAX_MB if max_mb is None else max_mb
    max_files = MAX_FILES if max_files is None else max_files
    files = list(uploads)
    if not files:
        raise UploadRefused("Aucun fichier reçu : choisissez ou déposez les formulaires remplis.")
    if len(files) > max_files:
        raise UploadRefused(f"{len(files)} fichiers déposés, plus que la limite de {max_files} par dépôt : "
                            "déposez-les en plusieurs fois.")
    limit = max_mb * 2**20
    folder = Path(tempfile.mkdtemp(prefix="copar-retours-"))
    try:
        for number, upload in enumerate(files, 1):
            target = folder / safe_name(number, upload.filename)
            size = 0
            with open(target, "xb") as out:
                async for chunk in _chunks(upload):
                    size += len(chunk)
                    if size > limit:
                        raise UploadRefused(f"« {Path(upload.filename or '?').name} » dépasse {megabytes(limit)} Mo, "
                                            "la taille maximale d'un formulaire rempli : rien n'a été enregistré. "
                                            "Demandez un nouvel envoi du formulaire.")
                    out.write(chunk)
            try:
                kind = guard.precheck(target, limit)
            except guard.Refused as exc:
                raise UploadRefused(f"« {Path(upload.filename or '?').name} » est refusé : {exc}. Rien n'a été "
                                    "enregistré.") from exc
            if kind not in ACCEPTED and not target.name.lower().endswith(".csv"):
                raise UploadRefused(f"« {Path(upload.filename or '?').name} » n'est ni un PDF, ni un document Word, "
                                    "ni un classeur, ni un export CSV de formulaire : rien n'a été enregistré.")
    except BaseException:
        discard(folder)
        raise
    return folder


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
