"""A LibreOffice kept running for one conversion worker, driven through UNO.

A plain `soffice --convert-to` call starts LibreOffice (about 1 s of CPU on the
development machine) before converting anything; a build that streams its documents
makes a few dozen calls. A listener starts LibreOffice once per worker and sends it
the documents of each call: the bridge script `unobridge.py` runs under a Python that
has LibreOffice's `uno` module (python3-uno; copar's own environment has none), starts
`soffice --accept=pipe,…` as its child, and converts on request.

`Listener.run` has the contract of one batch call (`calls.run_batch`): PDFs named
after the staged inputs in `outdir`, a `Run` whose code is None when the call was
killed for outliving its limits (the bridge answers once per file: a file that takes
longer than its allowance is a hang, whatever the call's size). A hung listener is
killed with its LibreOffice (one process group) then; a dead one (crash) ends its call
early, and one that does not answer at its start counts as hung. Either way the
caller gets the documents not converted back to retry them, and the next call starts
a new listener with a fresh profile. Where no Python with `uno` is found, or the
soffice given is not a LibreOffice installation (a stand-in), there is no listener and
the stream makes batch calls.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

from pipeline.libreoffice.calls import CallOptions, Limits, Run, filter_options, kill_group

BRIDGE = Path(__file__).with_name("unobridge.py")
UNO_PYTHONS = ("/usr/lib/libreoffice/program/python", "/usr/bin/python3")
START_SECONDS = 60.0  # LibreOffice's start and first connection
RECYCLE_FILES = 200  # files (merged groups, documents) a LibreOffice converts before it is replaced: bounded memory


@functools.cache
def uno_python() -> str | None:
    """A Python interpreter that can import LibreOffice's `uno` module ($COPAR_UNO_PYTHON first), or None."""
    explicit = os.environ.get("COPAR_UNO_PYTHON")
    if explicit is not None:  # "" turns listeners off
        candidates: tuple[str, ...] = (explicit,) if explicit else ()
    else:
        candidates = UNO_PYTHONS
    for candidate in candidates:
        found = shutil.which(candidate)
        if not found:
            continue
        try:
            done = subprocess.run([found, "-c", "import uno"], capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return found
    return None


def is_libreoffice(soffice: str) -> bool:
    """Whether `soffice` is a LibreOffice installation's launcher (not a stand-in script)."""
    program = Path(os.path.realpath(soffice)).parent
    return (program / "soffice.bin").is_file()


def available(soffice: str) -> bool:
    return is_libreoffice(soffice) and uno_python() is not None


class Listener:
    """One LibreOffice and its UNO bridge, started on first use; see the module docstring."""

    def __init__(self, options: CallOptions, profile: Path) -> None:
        self.options = options
        self.profile = profile
        self.process: subprocess.Popen[bytes] | None = None
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.starts = 0  # listeners started, for tests and the benchmark
        self.failed_start = ""  # why the last start failed
        self.start_timed_out = False  # the last start failed for want of an answer (a hang)
        self.failures = 0  # failed starts in a row
        self.ready = False  # LibreOffice answers
        self.converted = 0  # files sent to the running LibreOffice

    @property
    def broken(self) -> bool:
        """Twice unable to start: the worker makes batch calls instead."""
        return self.failures >= 2

    # --- life cycle -------------------------------------------------------------------

    def start(self) -> bool:
        """Start LibreOffice and its bridge (if not running); whether it is ready."""
        if self.process is not None and self.process.poll() is None:
            return True
        python = uno_python()
        if python is None:
            self.failed_start = "pas de Python avec le module uno (paquet python3-uno)"
            self.failures = 2
            return False
        self.starts += 1
        pipe = f"copar-{os.getpid()}-{id(self)}-{self.starts}"
        command = [python, str(BRIDGE), self.options.soffice, self.profile.as_uri(), pipe]
        self.start_timed_out = False
        try:
            process = self.options.spawn(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
        except OSError as exc:
            self.failed_start = f"impossible de lancer {python} ({exc.strerror})"
            self.failures += 1
            return False
        if process is None:  # stopped
            return False
        self.process, self.lines = process, queue.Queue()
        threading.Thread(target=self._read, args=(process, self.lines), daemon=True,
                         name=f"{threading.current_thread().name}-uno").start()
        ready = self._receive(time.monotonic() + START_SECONDS)
        if ready is None or not ready.get("ready"):
            self.start_timed_out = ready is None and process.poll() is None
            self.failed_start = str((ready or {}).get("error") or "LibreOffice n'a pas répondu au démarrage")
            self.failures += 1
            self.kill()
            return False
        self.failures = 0
        self.ready, self.converted = True, 0
        return True

    @staticmethod
    def _read(process: subprocess.Popen[bytes], lines: queue.Queue[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(b"")  # end of output: the bridge is gone

    def kill(self) -> None:
        """Kill the bridge and its LibreOffice at once (a hang, a crash, Ctrl-C)."""
        process, self.process = self.process, None
        self.ready = False
        if process is None:
            return
        if process.returncode is None:
            kill_group(process)
        process.wait()
        self.options.reap(process)

    def close(self) -> None:
        """Let LibreOffice quit cleanly (end of the stream); kill it if it does not."""
        process = self.process
        if process is None:
            return
        try:
            assert process.stdin is not None
            process.stdin.write(b'{"quit": true}\n')  # not only end of input: a render worker forked since
            process.stdin.close()                      # holds a copy of this pipe
            process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    # --- one call -------------------------------------------------------------------

    def run(self, files: list[Path], outdir: Path, limits: Limits, *, destinations: bool) -> Run:
        """Convert `files` into `outdir` like one batch call would (see calls.run_batch)."""
        outdir.mkdir(parents=True, exist_ok=True)
        if self.converted >= RECYCLE_FILES:
            self.close()
        if not self.start():
            return Run(None if self.start_timed_out else -1, self.failed_start,
                       START_SECONDS if self.start_timed_out else limits.total)
        process = self.process
        assert process is not None and process.stdin is not None
        request = {"files": [str(f.absolute()) for f in files], "outdir": str(outdir.absolute()),
                   "filter": filter_options(self.options.pdfa, destinations)}
        try:
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.flush()
        except OSError:
            self.kill()
            return Run(-1, "LibreOffice s'est arrêté", limits.total)
        self.converted += len(files)
        started = last = time.monotonic()
        done = 0
        log = ""
        while True:
            allowance = limits.allowance(done)
            at_total = started + limits.total <= last + allowance  # which limit comes first
            deadline = started + limits.total if at_total else last + allowance
            message = self._receive(deadline)
            if message is None:  # hung (time limit) or gone (crash)
                timed_out = time.monotonic() >= deadline and process.poll() is None
                self.kill()
                if timed_out:
                    return Run(None, "", limits.total if at_total else allowance)
                return Run(-1, log or "LibreOffice s'est arrêté", limits.total)
            if message.get("end"):
                return Run(0, log, limits.total)
            if "file" in message:
                done, last = done + 1, time.monotonic()
            if message.get("error"):
                log = str(message["error"])[:300]

    def _receive(self, deadline: float) -> dict[str, object] | None:
        """The bridge's next message; None at the deadline or when it is gone."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                return None
            if not line:
                return None
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not ours (LibreOffice writing to the bridge's stdout)
            if isinstance(message, dict):
                return message
