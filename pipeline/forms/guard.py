"""Bounds on a returned file, checked before it is parsed and enforced while it is parsed.

Decisions:

- Before anything parses a file: it must be a regular file (a symbolic link is never
  followed), no larger than the collect's `--retour-max-mo`; only its first bytes are read to
  tell its kind. A zip (docx, xlsx) is refused on its central directory alone: too many parts,
  a part or the whole declared too large once inflated, or a part inflating far more than a
  document does (a bomb). Python's zipfile never inflates a part past its declared size, so the
  declared sizes are a bound. A PDF is refused when it declares more objects than a form can
  hold (`/Size` of its cross-reference tables, `/N` of its object streams, `obj` headers).
- XML is parsed by defusedxml (no DTD, no entity) with a bound on depth.
- Each file is then parsed in a forked child capped in memory (RLIMIT_AS, as a template's
  render worker) and in time (an alarm in the child, a SIGKILL from the parent after a grace
  period). The child sends back plain data (the answers as text, numbers and dates) or the
  French reason of a rejection; whatever it does — a bomb, a RecursionError, a crash — ends
  as « rejeté — raison » for that file alone. Where there is no fork (not Linux), the file is
  parsed in the process, with the checks above only.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import selectors
import signal
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.files import megabytes

RETURN_MAX_MB = 50  # default of `copar collect --retour-max-mo`
MAX_PARTS = 1000  # parts of a returned docx or xlsx
PART_MAX = 32 * 2**20  # one part, uncompressed
TOTAL_MAX = 128 * 2**20  # all the parts, uncompressed
RATIO_MAX = 100  # uncompressed / compressed size of a part over RATIO_FROM (XML of real forms: under 20)
RATIO_FROM = 2**20
PDF_OBJECTS_MAX = 100_000  # objects a returned PDF may declare (a copar form has a few hundred)
XML_DEPTH_MAX = 200  # nesting of elements in one XML part (a Word form: under 20)
PARSE_SECONDS = 30  # one returned file
PARSE_MEMORY = 512 * 2**20  # one parsing child, above what it uses when it starts
ANSWER_MAX = 32_767  # characters in one answer: what an Excel cell holds
IDENTITY_MAX = 4096  # characters of a form's identity (a few dozen in practice)
_RESULT_MAX = 64 * 2**20  # bytes of answers a child may send back
PDF, ZIP, OLE, OTHER = "pdf", "zip", "ole", "other"


class Refused(Exception):
    """Raised when a returned file is refused before or while being parsed; args[0] is the French reason
    (args[1], when the file was parsed in a child: its Usage)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Usage:
    """What parsing one file cost: wall time (s) and the child's peak resident memory (bytes)."""

    seconds: float
    peak: int


def precheck(path: Path, max_bytes: int) -> str:
    """The kind of `path` (PDF, ZIP, OLE or OTHER) after the checks that need no parsing; Refused if not."""
    try:
        st = path.lstat()
    except OSError as exc:
        raise Refused(f"fichier illisible ({exc.strerror})") from exc
    if stat.S_ISLNK(st.st_mode):
        raise Refused("lien symbolique : copar ne suit pas les liens du dossier des retours ; "
                      "copiez-y le fichier lui-même")
    if not stat.S_ISREG(st.st_mode):
        raise Refused("ce n'est pas un fichier ordinaire")
    if st.st_size > max_bytes:
        raise Refused(f"fichier de {megabytes(st.st_size, 1)} Mo, plus que la limite de {megabytes(max_bytes)} Mo "
                      "(option --retour-max-mo) : un formulaire rempli pèse bien moins ; demandez un nouvel envoi")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise Refused(f"fichier illisible ({exc.strerror})") from exc
    if head.startswith(b"%PDF"):
        check_pdf(path)
        return PDF
    if head.startswith(b"PK"):
        check_zip(path)
        return ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return OLE
    return OTHER


def check_zip(path: Path) -> None:
    """Refused when the archive's central directory announces more than a form can be."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused("fichier endommagé : l'archive Word ou Excel ne s'ouvre pas") from exc
    if len(infos) > MAX_PARTS:
        raise Refused(f"archive de {len(infos)} parties (limite : {MAX_PARTS}) : ce n'est pas un formulaire")
    total = 0
    for info in infos:
        if info.file_size > PART_MAX:
            raise Refused(f"la partie « {_printable(info.filename)} » occupe {megabytes(info.file_size)} Mo une fois "
                          f"décompressée (limite : {megabytes(PART_MAX)} Mo par partie) : fichier refusé")
        if info.file_size > RATIO_FROM and info.file_size > RATIO_MAX * max(info.compress_size, 1):
            raise Refused(f"la partie « {_printable(info.filename)} » se décompresse {info.file_size // max(info.compress_size, 1)} "
                          f"fois (limite : {RATIO_MAX}) : archive piégée (bombe de décompression), fichier refusé")
        total += info.file_size
    if total > TOTAL_MAX:
        raise Refused(f"l'archive occupe {megabytes(total)} Mo une fois décompressée (limite : "
                      f"{megabytes(TOTAL_MAX)} Mo) : fichier refusé")


_PDF_COUNTS = re.compile(rb"/(?:Size|N)\s+(\d{1,12})")
_PDF_OBJ = re.compile(rb"\d\s+\d{1,5}\s+obj\b")


def check_pdf(path: Path) -> None:
    """Refused when the PDF declares, or holds, more objects than PDF_OBJECTS_MAX; reads in 1 MiB chunks."""
    objects, tail = 0, b""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(2**20):
                data = tail + chunk
                for m in _PDF_COUNTS.finditer(data):
                    if int(m.group(1)) > PDF_OBJECTS_MAX:
                        raise Refused(f"PDF déclarant {int(m.group(1))} objets (limite : {PDF_OBJECTS_MAX}) : "
                                      "ce n'est pas un formulaire, fichier refusé")
                objects += len(_PDF_OBJ.findall(data, len(tail) - 16 if len(tail) > 16 else 0))
                if objects > PDF_OBJECTS_MAX:
                    raise Refused(f"PDF de plus de {PDF_OBJECTS_MAX} objets : ce n'est pas un formulaire, fichier refusé")
                tail = data[-32:]
    except OSError as exc:
        raise Refused(f"fichier illisible ({exc.strerror})") from exc


def check_no_dtd(path: Path) -> None:
    """Refused when an XML part of the zip `path` declares a DTD or entities (no Office file does).

    Streams each part (their sizes were bounded by check_zip): a defence for the parts that
    openpyxl parses itself, where neither the depth nor the entities are ours to limit.
    """
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            tail = b""
            with archive.open(info) as part:
                while chunk := part.read(2**20):
                    if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                        raise Refused(f"la partie « {_printable(info.filename)} » déclare une DTD ou des entités XML, "
                                      "ce qu'aucun fichier Office ne fait : fichier refusé")
                    tail = chunk[-16:]


def parse_xml(data: bytes) -> Any:
    """An lxml element from untrusted XML: no DTD, no entity, at most XML_DEPTH_MAX levels deep."""
    from defusedxml.ElementTree import iterparse

    depth, root = 0, None
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                if depth > XML_DEPTH_MAX:
                    raise Refused(f"XML imbriqué sur plus de {XML_DEPTH_MAX} niveaux : fichier refusé")
            else:
                depth -= 1
    except Refused:
        raise
    except Exception as exc:  # ParseError, DTDForbidden, EntitiesForbidden…
        raise Refused(f"XML illisible ou interdit ({type(exc).__name__}) : fichier refusé") from exc
    if root is None:
        raise Refused("XML vide : fichier refusé")
    # Checked: no DTD, no entity, bounded depth. lxml then gives the tree the Word reader walks
    # (parents and siblings: text typed beside a control).
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Refused(f"XML illisible ({type(exc).__name__}) : fichier refusé") from exc


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:120]


# --- the parsing child -------------------------------------------------------------------------------


def isolated(func: Callable[..., Any], *args: Any, seconds: float = PARSE_SECONDS,
             memory: int = PARSE_MEMORY) -> tuple[Any, Usage | None]:
    """`func(*args)` in a forked child capped at `memory` bytes above its start and `seconds`.

    Returns what it returned (plain data, pickled back) and what it cost; raises Refused with
    a French reason when it raised Refused (or the `Rejected` of the readers), ran out of
    memory or time, or died.
    """
    if not hasattr(os, "fork"):
        return _call(func, args, seconds), None
    start = time.monotonic()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_end)
            _child(func, args, seconds, memory, write_end)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    data, timed_out = _read_all(read_end, seconds + 5)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status, rusage = os.wait4(pid, 0)
    usage = Usage(time.monotonic() - start, rusage.ru_maxrss * 1024)
    if timed_out:
        raise Refused(f"lecture interrompue après {seconds:g} s : fichier trop coûteux à lire, refusé", usage)
    try:
        kind, value = pickle.loads(data)  # noqa: S301 - written by our own child, from plain values
    except Exception:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        raise Refused("la lecture du fichier a échoué" + (f" (signal {sig})" if sig else "") +
                      " : fichier refusé, demandez un nouvel envoi", usage) from None
    if kind == "refused":
        raise Refused(value, usage)
    return value, usage


def _call(func: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
    from pipeline.documents.limits import RenderTimeout, time_limit

    try:
        with time_limit(seconds):
            return func(*args)
    except RenderTimeout:
        raise Refused(f"lecture interrompue après {seconds:g} s : fichier trop coûteux à lire, refusé") from None
    except MemoryError:
        raise Refused(f"lecture interrompue : plus de {megabytes(PARSE_MEMORY)} Mo de mémoire, fichier refusé") from None
    except RecursionError:
        raise Refused("structure imbriquée sans fin : fichier refusé") from None


def _child(func: Callable[..., Any], args: tuple[Any, ...], seconds: float, memory: int, fd: int) -> None:
    from pipeline.documents.limits import limit_worker

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C reaches the parent, which kills us
    limit_worker(memory)
    try:
        result: tuple[str, Any] = ("ok", _call(func, args, seconds))
    except Refused as exc:
        result = ("refused", str(exc.args[0]) if exc.args else "fichier refusé")
    except Exception as exc:
        reason = getattr(exc, "reason", None)  # the readers' Rejected carries its French reason as message
        text = str(exc) if type(exc).__name__ == "Rejected" else None
        result = ("refused", reason or text or f"fichier illisible ({type(exc).__name__}) : demandez un nouvel envoi")
    try:
        payload = pickle.dumps(result)
    except Exception as exc:
        payload = pickle.dumps(("refused", f"réponses illisibles ({type(exc).__name__})"))
    if len(payload) > _RESULT_MAX:
        payload = pickle.dumps(("refused", "réponses démesurées : fichier refusé"))
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)


def _read_all(fd: int, seconds: float) -> tuple[bytes, bool]:
    """Everything written to `fd` until it closes, or (what came, True) after `seconds`."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    size = 0
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return b"".join(chunks), True
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 2**16)
                if not chunk:
                    return b"".join(chunks), False
                size += len(chunk)
                if size > _RESULT_MAX + 2**16:
                    return b"", False
                chunks.append(chunk)
        finally:
            os.close(fd)
