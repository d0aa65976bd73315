"""pypdf: what a PDF is — usable or not and why, page count, PDF/A claim, embedded fonts.

Decisions:

- Encryption: a PDF that opens with the empty user password (it only restricts
  permissions, or its user password is empty) is usable — anyone can read it — and
  is copied unencrypted. Any other encrypted PDF is "protégé par un mot de passe".
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfStreamError, PyPdfError

from pipeline.errors import AssemblyError, ConversionError
from pipeline.files import megabytes

ENCRYPTED = "PDF protégé par un mot de passe"
NO_PAGE = "PDF sans aucune page"
AES_MISSING = "PDF chiffré (AES) : illisible sans le paquet Python « cryptography »"
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


class UnusablePdf(Exception):
    """A PDF that cannot go into a packet; args[0] is the French reason."""


# ---------------------------------------------------------------- probing


def probe_pdf(path: Path, *, max_bytes: int | None = None) -> str | None:
    """None when `path` can go into a packet, else a short French reason. Never raises.

    A file larger than `max_bytes` is refused as too large before pypdf reads it.
    """
    try:
        with quiet_pypdf():
            _check_size(path, max_bytes)
            reader = load_pdf(path)
            _trial_copy(reader)
    except UnusablePdf as exc:
        return str(exc)
    except Exception as exc:  # any failure of a hostile file is a reason
        return damage_reason(exc)
    return None


def _check_size(path: Path, max_bytes: int | None) -> None:
    try:
        size = path.stat().st_size
    except OSError:
        return  # load_pdf says why the file cannot be read
    if max_bytes is not None and size > max_bytes:
        raise UnusablePdf(f"PDF trop volumineux ({megabytes(size, 1)} Mo, la limite est de {megabytes(max_bytes, 1)} Mo ; "
                          "réduisez-le, par exemple en compressant ses images, ou relancez avec "
                          "--rapport-max-mo)")


def page_count(pdf: Path) -> int:
    """Number of pages of a usable PDF; AssemblyError (French) otherwise."""
    with quiet_pypdf():
        return len(_load_or_raise(pdf).pages)


def load_pdf(path: Path) -> PdfReader:
    """A decrypted reader with at least one page, or UnusablePdf with the reason."""
    head = _head(path)
    if b"%PDF-" not in head:
        raise UnusablePdf(f"ce n'est pas un PDF ({_kind(head, path.suffix.lower())})")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnusablePdf(ENCRYPTED)
        if len(reader.pages) == 0:
            raise UnusablePdf(NO_PAGE)
    except UnusablePdf:
        raise
    except Exception as exc:  # see probe_pdf
        raise UnusablePdf(damage_reason(exc)) from exc
    return reader


def _load_or_raise(pdf: Path) -> PdfReader:
    try:
        return load_pdf(pdf)
    except UnusablePdf as exc:
        raise AssemblyError(f"{pdf} : {exc}") from None


def _head(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise UnusablePdf("fichier absent")
        if path.stat().st_size == 0:
            raise UnusablePdf("fichier vide")
        with path.open("rb") as fh:
            return fh.read(1024)
    except OSError as exc:
        reason = "accès refusé" if isinstance(exc, PermissionError) else "erreur de lecture"
        raise UnusablePdf(f"fichier illisible ({reason})") from exc


def _kind(head: bytes, suffix: str) -> str:
    """What a file that is not a PDF seems to be, from its first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return {".docx": "document Word", ".odt": "document OpenDocument"}.get(suffix, "archive ZIP")
    signatures = {
        b"\xd0\xcf\x11\xe0": "ancien document Microsoft Office",
        b"{\\rtf": "document RTF",
        b"\x89PNG": "image PNG",
        b"\xff\xd8\xff": "image JPEG",
        b"GIF8": "image GIF",
        b"<": "page web ou fichier XML",
    }
    for signature, kind in signatures.items():
        if head.lstrip().startswith(signature):
            return kind
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut by the 1024-byte window is fine
        if exc.start < len(head) - 3:
            return "contenu non reconnu"
        text = head[: exc.start].decode("utf-8")
    return "fichier texte" if "".join(text.split()).isprintable() else "contenu non reconnu"


def _trial_copy(reader: PdfReader) -> None:
    """Copy every page into a throw-away writer: what assembling will do."""
    writer = PdfWriter()
    writer.append(reader, import_outline=False)
    with open(os.devnull, "wb") as sink:
        writer.write(sink)


def damage_reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotDecryptedError):
        return ENCRYPTED
    if isinstance(exc, DependencyError):
        return AES_MISSING
    if isinstance(exc, LimitReachedError) and _is_size_limit(exc):
        return ("PDF trop volumineux pour être lu en toute sécurité (un de ses contenus dépasse, une fois "
                "décompressé, la limite de pypdf) : réduisez-le, par exemple en compressant ses images")
    if isinstance(exc, LimitReachedError):
        detail = "structure trop profonde ou trop volumineuse"
    elif isinstance(exc, PdfStreamError):
        detail = "données tronquées ou corrompues"
    elif "cyclic" in str(exc).lower():
        detail = "arborescence des pages en boucle"
    elif isinstance(exc, RecursionError):
        detail = "imbrication sans fin"
    else:
        detail = "structure interne invalide"
    return f"PDF endommagé, illisible ({detail})"


def _is_size_limit(exc: LimitReachedError) -> bool:
    """pypdf's limits on decompressed data, as opposed to its limits on nesting depth."""
    text = str(exc).lower()
    return "limit reached while decompressing" in text or "memory limit" in text


_quiet_lock = threading.Lock()
_quiet_users = 0
_quiet_saved_level = logging.NOTSET


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning per oddity of a damaged file: keep them off the terminal.

    Conversion workers probe PDFs in parallel, hence the count of users: the
    logger's level is restored when the last one leaves.
    """
    global _quiet_users, _quiet_saved_level
    logger = logging.getLogger("pypdf")
    with _quiet_lock:
        if _quiet_users == 0:
            _quiet_saved_level = logger.level
            logger.setLevel(logging.ERROR)
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                logger.setLevel(_quiet_saved_level)


# ---------------------------------------------------------------- PDF/A and fonts


def pdfa_claim(pdf: Path) -> str | None:
    """The PDF/A level the file claims in its XMP metadata, e.g. "2B"; None if none."""
    xmp = _reader(pdf).xmp_metadata
    if xmp is None or not xmp.pdfaid_part:
        return None
    return f"{xmp.pdfaid_part}{(xmp.pdfaid_conformance or '').upper()}"


def fonts_embedded(pdf: Path) -> bool:
    """True when every font used on every page (and in its forms) is embedded."""
    seen: set[int] = set()
    for page in _reader(pdf).pages:
        if not all(_font_embedded(font) for font in _fonts(page.get("/Resources"), seen)):
            return False
    return True


def _reader(pdf: Path) -> PdfReader:
    try:
        return PdfReader(pdf)
    except (OSError, PyPdfError) as exc:
        raise ConversionError(f"PDF illisible : {pdf} ({exc})") from exc


def _fonts(resources: Any, seen: set[int]) -> Iterator[Any]:
    """Font dictionaries of a resource dictionary and of the form XObjects it uses."""
    resources = resources.get_object() if resources is not None else None
    if not hasattr(resources, "get") or id(resources) in seen:
        return
    seen.add(id(resources))
    fonts = resources.get("/Font")
    yield from (f.get_object() for f in (fonts.get_object().values() if fonts is not None else ()))
    xobjects = resources.get("/XObject")
    for xobject in xobjects.get_object().values() if xobjects is not None else ():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield from _fonts(xobject.get("/Resources"), seen)


def _font_embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type3":  # glyphs are drawn by the PDF itself
        return True
    if font.get("/Subtype") == "/Type0":
        descendants = font.get("/DescendantFonts")
        return bool(descendants) and all(_font_embedded(d.get_object()) for d in descendants.get_object())
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in FONT_FILES)
