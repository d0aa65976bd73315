"""LibreOffice primitives: find soffice, run one batch call, kill its process group, collect a PDF.

One `soffice --convert-to` call converts a batch of staged documents. Every call gets
its own temporary folder holding copies of its inputs, its output and a LibreOffice
profile, so parallel workers never share a profile and a LibreOffice the user has open
is left alone. A call runs in its own session (process group: `soffice` forks
`soffice.bin`), killed as a whole when it outlives its `Limits`: a total for the call,
and an allowance per input file — a call that produces no new PDF for as long as the
file it is on may take is hung, whatever its size, and is killed then rather than at
the end of its total. A document counts as converted only when its PDF exists, is not
empty, opens with pypdf and has at least one page; the PDF then replaces the destination
atomically.

What to convert next, retries and the hang rule are the scheduler's (scheduler.py);
running calls over a whole build is the stream's (stream.py).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pipeline.errors import SofficeNotFound
from pipeline.files import write_atomically
from pipeline.libreoffice import orphans
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
POLL = 0.2  # seconds between two looks at a running call's output folder


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


def not_attempted(source: Path) -> ConversionResult:
    """A document left out because LibreOffice is hanging (the scheduler's hang rule)."""
    return ConversionResult(source, None, f"conversion de {source.name} non tentée : LibreOffice ne répond plus "
                                          "(délai dépassé pour un lot puis pour un document seul)")


@dataclass(frozen=True)
class CallOptions:
    """What every call of one conversion shares, and the calls running (killed together on `stop`)."""

    soffice: str
    timeout: float  # seconds one document may take, LibreOffice's start included
    pdfa: bool = False
    destinations: bool = False  # export bookmarks as named destinations (merged documents)
    # Running calls, so that an interrupted conversion (Ctrl-C) kills them: they
    # run in their own sessions and would not get the terminal's SIGINT.
    live: set[subprocess.Popen[bytes]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)

    def spawn(self, command: list[str], **kwargs: object) -> subprocess.Popen[bytes] | None:
        """Start a child in its own process group, registered as running (None once stopped).

        Raises OSError when it cannot be started."""
        with self.lock:
            if self.stopped.is_set():
                return None
            with SPAWNING:  # not while render workers are forked (see processes.py)
                process = subprocess.Popen(command, start_new_session=True, **kwargs)  # type: ignore[call-overload]
            orphans.register(process.pid)
            self.live.add(process)
        return process

    def reap(self, process: subprocess.Popen[bytes]) -> None:
        """Forget a child that has ended (its group is gone from the registry too)."""
        with self.lock:
            self.live.discard(process)
        orphans.unregister(process.pid)

    def stop(self) -> None:
        with self.lock:
            self.stopped.set()
            for process in self.live:
                if process.returncode is None:  # not reaped: its pid still names its group
                    kill_group(process)


@dataclass(frozen=True)
class Limits:
    """How long one call may run: `total` at most, and at most `each[i]` between the PDF of the
    file before and the PDF of file `i` (files are converted in order): a call stuck on a file
    is killed after that file's allowance, not at the end of the whole call's total."""

    total: float
    each: tuple[float, ...]

    @classmethod
    def of(cls, timeout: float, sizes: Sequence[int]) -> Limits:
        """For files holding `sizes` documents each: a file of n documents (or a call of n in all)
        may take `timeout * (n + 3) / 4` — LibreOffice's start-up dominates a single document."""
        return cls(timeout * (sum(sizes) + 3) / 4, tuple(timeout * (n + 3) / 4 for n in sizes))

    def allowance(self, done: int) -> float:
        """How long the call may wait for its next PDF once `done` files are converted."""
        return self.each[min(done, len(self.each) - 1)] if self.each else self.total


@dataclass(frozen=True)
class Run:
    """What one soffice call did: its exit code (None when killed for time), last log line, and
    the limit it was killed at (or its total)."""

    code: int | None
    log: str
    limit: float

    @property
    def timed_out(self) -> bool:
        return self.code is None


def soffice_command(options: CallOptions, profile: Path, *args: str) -> list[str]:
    return [options.soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--nolockcheck", *args]


def run_batch(options: CallOptions, files: list[Path], outdir: Path, profile: Path, limits: Limits) -> Run:
    """One `soffice --convert-to` call: `outdir/<stem>.pdf` for each of `files` it converts."""
    command = soffice_command(options, profile, "--convert-to", export_target(options.pdfa, options.destinations),
                              "--outdir", str(outdir), *(str(f.absolute()) for f in files))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            process = options.spawn(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        except OSError as exc:
            return Run(127, f"impossible de lancer {options.soffice} ({exc.strerror})", limits.total)
        if process is None:
            return Run(-1, "conversion interrompue", limits.total)
        try:
            killed_at = wait(process, limits, outdir)
        finally:
            options.reap(process)
        if killed_at is not None:
            return Run(None, "", killed_at)
        return Run(process.returncode, _last_line(_read(err)) or _last_line(_read(out)), limits.total)


def wait(process: subprocess.Popen[bytes], limits: Limits, outdir: Path | None = None) -> float | None:
    """Wait for `process`, killing its group when it outlives `limits` (progress: PDFs appearing
    in `outdir`); the limit it was killed at, or None when it ended by itself."""
    started = last = time.monotonic()
    done = 0
    while True:
        allowance = limits.allowance(done)
        at_total = started + limits.total <= last + allowance  # which limit comes first
        deadline = started + limits.total if at_total else last + allowance
        try:
            process.wait(timeout=max(0.0, min(POLL, deadline - time.monotonic())))
            return None
        except subprocess.TimeoutExpired:
            pass
        produced = _pdfs(outdir) if outdir is not None else 0
        if produced > done:
            done, last = produced, time.monotonic()
        elif time.monotonic() >= deadline:
            kill_group(process)
            process.wait()
            return limits.total if at_total else allowance


def _pdfs(folder: Path) -> int:
    try:
        return sum(1 for name in os.listdir(folder) if name.endswith(".pdf"))
    except OSError:
        return 0


def _read(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read()


def warm_up(options: CallOptions, profile: Path) -> Run:
    """Create a LibreOffice profile ahead of the first conversion (start, initialise, quit)."""
    command = soffice_command(options, profile, "--terminate_after_init")
    limits = Limits(options.timeout, ())
    try:
        process = options.spawn(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError as exc:  # the first conversion will report it
        return Run(127, exc.strerror or "", limits.total)
    if process is None:
        return Run(-1, "conversion interrompue", limits.total)
    try:
        killed_at = wait(process, limits)
    finally:
        options.reap(process)
    return Run(None, "", killed_at) if killed_at is not None else Run(process.returncode, "", limits.total)


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


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a child started in its own session, and everything it started (call before reaping it:
    the leader not reaped yet, its pid still names the group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("Warning: failed to launch javaldx")]
    return lines[-1][:300] if lines else ""


def staged_name(number: int, source: Path) -> str:
    """A unique name for a call's copy of `source`, that still says which document it is (folder
    and file name), so that LibreOffice's own messages can be traced back: documents of different
    folders often share a name (every student has a "fiche.docx") and their PDFs would overwrite
    each other in the call's single output folder."""
    for name in (f"{number:03d}-{source.parent.name}-{source.name}", f"{number:03d}-{source.name}"):
        if len(name.encode()) <= 200:
            return name
    return f"{number:03d}{source.suffix}"


def collect_pdf(source: Path, staged: Path, outdir: Path, run: Run) -> ConversionResult:
    """The result for `source`, whose copy `staged` went through the call `run`: its PDF, checked,
    moved beside it atomically; or why there is none."""
    produced = outdir / f"{staged.stem}.pdf"
    if not produced.exists():
        return ConversionResult(source, None, _no_pdf_message(source, run), timed_out=run.timed_out)
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


def _no_pdf_message(source: Path, run: Run) -> str:
    if run.timed_out:
        return f"délai de {run.limit:g} s dépassé pour {source.name} : LibreOffice a été arrêté"
    message = f"LibreOffice n'a pas produit de PDF pour {source.name} (code {run.code})"
    return f"{message} : {run.log}" if run.log else message
