"""The build run from the page: one at a time, in a thread, its progress read by the page.

`BuildJob.start` refuses while a build of this server runs (a second tab sees it running and
follows the same progress); the build itself takes the output folder's lock (`pipeline.build.lock`),
so a `copar build` started in a terminal meanwhile is refused too, and the other way round.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.build.results import BuildResult, summary_lines
from pipeline.errors import CoparError

INTERRUPTED = ("Production interrompue (la page a été arrêtée). Aucun fichier à moitié écrit n'est resté ; "
               "relancez « Produire les documents » pour terminer.")


@dataclass
class Snapshot:
    """What the page shows of a build: its phase, how far it is, and when done its summary."""

    running: bool = False
    phase: str = ""
    total: int = 0
    done: int = 0
    label: str = ""
    lines: list[str] = field(default_factory=list)  # the CLI's summary, once finished
    error: str = ""  # the French message of a build that failed as a whole
    finished: bool = False
    started: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"running": self.running, "phase": self.phase, "total": self.total, "done": self.done,
                "label": self.label, "lines": self.lines, "error": self.error, "finished": self.finished}


class BuildJob:
    """The server's build: a thread, a Progress that records, and the last snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = Snapshot()
        self._thread: threading.Thread | None = None

    # Progress (pipeline.build.builder.Progress), called from the build's thread
    def start(self, phase: str, total: int) -> None:
        with self._lock:
            self._state.phase, self._state.total, self._state.done, self._state.label = phase, total, 0, ""

    def advance(self, label: str) -> None:
        with self._lock:
            self._state.done += 1
            self._state.label = label

    def finish(self) -> None:
        with self._lock:
            self._state.done = self._state.total

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(**{**self._state.__dict__, "lines": list(self._state.lines)})

    @property
    def running(self) -> bool:
        with self._lock:
            return self._state.running

    def launch(self, run: Callable[[BuildJob], BuildResult]) -> bool:
        """Start `run(self)` in a thread; False when a build is already running."""
        with self._lock:
            if self._state.running:
                return False
            self._state = Snapshot(running=True, phase="Préparation", started=time.monotonic())
        self._thread = threading.Thread(target=self._run, args=(run,), name="copar-build", daemon=True)
        self._thread.start()
        return True

    def _run(self, run: Callable[[BuildJob], BuildResult]) -> None:
        lines: list[str] = []
        error = ""
        try:
            lines = summary_lines(run(self))
        except KeyboardInterrupt:  # the server stopped (Ctrl-C): see interrupt()
            error = INTERRUPTED
        except CoparError as exc:
            result = getattr(exc, "result", None)
            lines = summary_lines(result) if isinstance(result, BuildResult) else []
            error = str(exc)
        except Exception as exc:  # a bug: said in French, never a traceback in the page
            error = (f"erreur inattendue ({type(exc).__name__}: {exc}). Relancez « copar build --debug » dans un "
                     "terminal et transmettez le message complet à l'équipe technique.")
        with self._lock:
            self._state.running, self._state.finished = False, True
            self._state.lines, self._state.error = lines, error

    def interrupt(self, timeout: float = 60.0) -> bool:
        """Stop a running build as Ctrl-C stops `copar build`: a KeyboardInterrupt raised in its thread (at its
        next Python instruction), so that its clean-up runs; wait up to `timeout` s. False when none was running."""
        thread = self._thread
        if thread is None or not thread.is_alive() or thread.ident is None:
            return False
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(KeyboardInterrupt))
        thread.join(timeout)
        return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
