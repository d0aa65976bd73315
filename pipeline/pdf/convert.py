"""LibreOffice workers: DOCX → PDF in batches, each soffice call isolated.

One `soffice` call converts a batch of documents. Every call gets its own
temporary folder holding copies of its inputs, its output and a fresh LibreOffice
profile, so parallel workers never share a profile and a LibreOffice the user has
open is left alone.
A call that outlives its time limit is killed with its whole process group
(`soffice` forks `soffice.bin`). A document counts as converted only when its PDF
exists, is not empty, opens with pypdf and has at least one page; the PDF then
replaces the destination atomically. Documents a failed batch did not convert
are retried alone once, so one bad document never loses the others — unless the
first one retried alone also runs out of time: LibreOffice itself is then hanging,
and the documents not yet tried are reported as not attempted instead of waiting
for each one's time limit in turn. Temporary folders go under `tmpdir` when given
(the output folder's `.copar/tmp`, swept by the next build if this one is killed).
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import SofficeNotFound
from pipeline.files import write_atomically
from pipeline.pdf.pdfinfo import probe_pdf
from pipeline.processes import SPAWNING

FALLBACK_SOFFICE = "/usr/lib/libreoffice/program/soffice"
INSTALL_HINT = (
    "installez-le avec « sudo apt-get install libreoffice-writer-nogui » ou indiquez "
    "le chemin de soffice dans la variable d'environnement COPAR_SOFFICE"
)
# LibreOffice 7.4 ignores the legacy "SelectPdfVersion=2" filter string from the
# command line; only the typed JSON form of the filter data is honoured.
PDF_TARGET = "pdf"
PDFA_TARGET = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'


def find_soffice(explicit: str | None = None) -> str:
    """The LibreOffice executable: `explicit`, else $COPAR_SOFFICE, else PATH, else Debian's."""
    if explicit:
        return _executable(explicit, "chemin indiqué")
    from_env = os.environ.get("COPAR_SOFFICE")
    if from_env:
        return _executable(from_env, "variable COPAR_SOFFICE")
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if os.access(FALLBACK_SOFFICE, os.X_OK):
        return FALLBACK_SOFFICE
    raise SofficeNotFound(f"LibreOffice est introuvable : {INSTALL_HINT}.")


def _executable(candidate: str, origin: str) -> str:
    found = shutil.which(candidate)  # also accepts a path, if it is an executable file
    if found:
        return found
    raise SofficeNotFound(f"LibreOffice est introuvable à l'emplacement « {candidate} » ({origin}) : {INSTALL_HINT}.")


@dataclass(frozen=True)
class ConversionResult:
    """The outcome for one document: `pdf` when converted, else a French `error`."""

    source: Path
    pdf: Path | None
    error: str | None
    timed_out: bool = False


@dataclass(frozen=True)
class _Options:
    soffice: str
    timeout: float
    pdfa: bool
    tmpdir: Path | None = None
    destinations: bool = False  # export bookmarks as named destinations (merged documents)
    # Running calls, so that an interrupted conversion (Ctrl-C) kills them: they
    # run in their own sessions and would not get the terminal's SIGINT.
    live: set[subprocess.Popen[bytes]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)
    hanging: threading.Event = field(default_factory=threading.Event)  # a lone document timed out after its batch

    def stop(self) -> None:
        with self.lock:
            self.stopped.set()
            for process in self.live:
                if process.returncode is None:  # not reaped: its pid still names its group
                    _kill_group(process)


@dataclass(frozen=True)
class _Run:
    """What one soffice call did: its exit code (None when killed) and last log line."""

    code: int | None
    log: str
    limit: float


def convert_many(
    docx: Sequence[Path],
    *,
    soffice: str,
    timeout: float = 180,
    workers: int = 1,
    pdfa: bool = False,
    batch_size: int = 25,
    on_done: Callable[[ConversionResult], None] | None = None,
    tmpdir: Path | None = None,
) -> list[ConversionResult]:
    """Convert every document to a PDF beside it; one result per input, in input order.

    `timeout` is the limit for one document; a batch of n gets `timeout * (n + 3) / 4`
    (LibreOffice's start-up dominates a single conversion). `on_done` is called in
    the calling thread as results arrive, e.g. to move a progress bar.
    """
    if workers < 1 or batch_size < 1 or timeout <= 0:
        raise ValueError("workers, batch_size and timeout must be positive")
    options = _Options(soffice, timeout, pdfa, tmpdir)
    sources = list(dict.fromkeys(Path(p) for p in docx))
    results: dict[Path, ConversionResult] = {}

    def done(result: ConversionResult) -> None:
        results[result.source] = result
        if on_done is not None:
            on_done(result)

    for source in sources:
        if not source.is_file():
            done(ConversionResult(source, None, f"fichier introuvable : {source}"))
    todo = [s for s in sources if s not in results]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="soffice") as pool:
        futures = [pool.submit(_convert_batch, b, options) for b in _batches(todo, batch_size, workers)]
        try:
            for future in as_completed(futures):
                for result in future.result():
                    done(result)
        except BaseException:  # Ctrl-C, or on_done failed: stop every call now
            options.stop()
            raise
    return [results[Path(p)] for p in docx]


def _batches(files: list[Path], batch_size: int, workers: int) -> list[list[Path]]:
    """Consecutive batches, small enough to keep every worker busy."""
    size = max(1, min(batch_size, math.ceil(len(files) / workers)))
    return [files[i : i + size] for i in range(0, len(files), size)]


def _convert_batch(batch: list[Path], options: _Options) -> list[ConversionResult]:
    if options.hanging.is_set():
        return [_not_attempted(source) for source in batch]
    results = _attempt(batch, options)
    batch_timed_out = any(r.timed_out for r in results.values())
    if len(batch) > 1:
        for source in batch:
            if results[source].pdf is None:
                if options.hanging.is_set():
                    results[source] = _not_attempted(source)
                    continue
                results[source] = _attempt([source], options)[source]
                if batch_timed_out and results[source].timed_out:
                    options.hanging.set()
    return [results[s] for s in batch]


def _not_attempted(source: Path) -> ConversionResult:
    return ConversionResult(source, None, f"conversion de {source.name} non tentée : LibreOffice ne répond plus "
                                          "(délai dépassé pour un lot puis pour un document seul)")


def _attempt(files: list[Path], options: _Options) -> dict[Path, ConversionResult]:
    """One soffice call in a private temporary folder: inputs, output, profile.

    Each input is copied under a numbered name: documents of different folders
    often share a name (every student has a "fiche.docx") and their PDFs would
    overwrite each other in the call's single output folder.
    """
    try:
        if options.tmpdir is not None:
            options.tmpdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="copar-soffice-", dir=options.tmpdir, ignore_cleanup_errors=True) as tmp:
            staged, results = _stage(files, Path(tmp, "in"))
            if staged:
                limit = options.timeout * (len(staged) + 3) / 4
                run = _run_soffice(options, list(staged), Path(tmp, "out"), Path(tmp, "profile"), limit)
                results |= {source: _collect(source, copy, Path(tmp, "out"), run) for copy, source in staged.items()}
            return results
    except OSError as exc:  # e.g. no space left for the temporary folder
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # the whole build stops: nothing else can be written either
        message = f"conversion impossible, erreur système : {exc.strerror or exc}"
        return {source: ConversionResult(source, None, message) for source in files}


def _stage(files: list[Path], folder: Path) -> tuple[dict[Path, Path], dict[Path, ConversionResult]]:
    """Copy each file into `folder` under a unique name: ({copy: source}, failures)."""
    folder.mkdir()
    staged: dict[Path, Path] = {}
    failed: dict[Path, ConversionResult] = {}
    for number, source in enumerate(files, start=1):
        copy = folder / _staged_name(number, source)
        try:
            shutil.copyfile(source, copy)
        except OSError as exc:
            failed[source] = ConversionResult(source, None, f"{source.name} illisible : {exc.strerror or exc}")
            continue
        staged[copy] = source
    return staged, failed


def _staged_name(number: int, source: Path) -> str:
    """A unique name that still says which document it is (folder and file name),
    so that LibreOffice's own messages can be traced back."""
    for name in (f"{number:03d}-{source.parent.name}-{source.name}", f"{number:03d}-{source.name}"):
        if len(name.encode()) <= 200:
            return name
    return f"{number:03d}{source.suffix}"


def _run_soffice(options: _Options, files: list[Path], outdir: Path, profile: Path, limit: float) -> _Run:
    command = [
        options.soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        export_target(options.pdfa, options.destinations),
        "--outdir",
        str(outdir),
        *(str(f.absolute()) for f in files),
    ]
    with options.lock:
        if options.stopped.is_set():
            return _Run(-1, "conversion interrompue", limit)
        try:
            with SPAWNING:  # not while render workers are forked (see processes.py)
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,  # its own process group, killed as a whole
                )
        except OSError as exc:
            return _Run(127, f"impossible de lancer {options.soffice} ({exc.strerror})", limit)
        options.live.add(process)
    try:
        return _wait(process, limit)
    finally:
        with options.lock:
            options.live.discard(process)


def export_target(pdfa: bool, destinations: bool = False) -> str:
    """The --convert-to argument: plain PDF, or the PDF export filter with its typed options."""
    if not destinations:
        return PDFA_TARGET if pdfa else PDF_TARGET
    return f"pdf:writer_pdf_Export:{json.dumps(filter_options(pdfa, destinations), separators=(',', ':'))}"


def filter_options(pdfa: bool, destinations: bool) -> dict[str, dict[str, str]]:
    """The PDF export filter's typed options (as --convert-to reads them, and the UNO bridge too)."""
    options = {}
    if pdfa:
        options["SelectPdfVersion"] = {"type": "long", "value": "2"}
    if destinations:  # Writer bookmarks exported as named destinations: where each part of a merged document starts
        options["ExportBookmarksToPDFDestination"] = {"type": "boolean", "value": "true"}
    return options


def warm_up(soffice: str, profile: Path, timeout: float) -> None:
    """Create a LibreOffice profile ahead of the first conversion (start, initialise, quit)."""
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--terminate_after_init"]
    try:
        with SPAWNING:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, start_new_session=True)
    except OSError:
        return  # the first conversion will report it
    _wait(process, timeout)


def _wait(process: subprocess.Popen[bytes], limit: float) -> _Run:
    try:
        out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        return _Run(None, "", limit)
    return _Run(process.returncode, _last_line(err) or _last_line(out), limit)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # The leader is not reaped yet, so its pid still names our group.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("Warning: failed to launch javaldx")]
    return lines[-1][:300] if lines else ""


def _collect(source: Path, staged: Path, outdir: Path, run: _Run) -> ConversionResult:
    produced = outdir / f"{staged.stem}.pdf"
    if not produced.exists():
        return ConversionResult(source, None, _no_pdf_message(source, run), timed_out=run.code is None)
    problem = probe_pdf(produced)
    if problem is not None:
        return ConversionResult(
            source, None, f"LibreOffice a produit un fichier inutilisable pour {source.name} : {problem}"
        )
    target = source.with_suffix(".pdf")
    try:
        write_atomically(target, lambda tmp: shutil.copyfile(produced, tmp))
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        return ConversionResult(source, None, f"impossible d'écrire {target} : {exc.strerror or exc}")
    return ConversionResult(source, target, None)


def _no_pdf_message(source: Path, run: _Run) -> str:
    if run.code is None:
        return f"délai de {run.limit:g} s dépassé pour {source.name} : LibreOffice a été arrêté"
    message = f"LibreOffice n'a pas produit de PDF pour {source.name} (code {run.code})"
    return f"{message} : {run.log}" if run.log else message
