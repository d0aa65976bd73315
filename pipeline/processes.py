"""Process hygiene for a build: workers that die with their parent, signals, a full disk.

- Render workers ask the kernel to kill them when their parent dies
  (`prctl(PR_SET_PDEATHSIG, SIGKILL)`), so a `kill -9` of copar leaves no worker
  behind, and they ignore SIGINT: Ctrl-C reaches the whole terminal group, and only
  the parent should answer it (by terminating them), with one French line.
- SIGHUP (terminal closed) and SIGTERM are turned into KeyboardInterrupt in the main
  thread while a build runs, so they clean up exactly as Ctrl-C does.
- A build killed with `kill -9` cannot stop its LibreOffice calls (they run in their own
  sessions, so that a timeout kills each one as a group). Every copar command kills the
  groups a dead copar registered (libreoffice/orphans.py); and their profile lives under
  the output folder's `.copar/tmp/`, which names them: the next build also kills the
  process groups whose command line holds that path before sweeping the folder.
- On a full disk, objects that fail to flush when garbage-collected (a half-saved
  ZipFile) print "Exception ignored …" tracebacks; those are silenced, the build
  reports the full disk once. A Ctrl-C (or SIGTERM, SIGHUP) whose KeyboardInterrupt landed in
  such a finalizer, where Python ignores it, is raised again: after each rendered document, and
  at the latest when the build ends.
- A Ctrl-C that landed in code run from a string (`exec`) leaves CPython believing it went
  uncaught, and `python -m pipeline` would die of SIGINT after saying « interrompu »:
  `forget_handled_interrupts` clears that before copar exits with its own code.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)

# Held while a child is started (LibreOffice calls and listeners in worker threads) and while
# render workers are forked (main thread). A fork from one thread while another thread's
# Popen waits for its child to exec copies Popen's internal pipe into the forked workers:
# that Popen then blocks until the workers exit (the whole rendering).
SPAWNING = threading.Lock()


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL


def die_with_parent(parent: int) -> None:
    """In a child process: be killed when `parent` dies (Linux), or exit now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def worker_initializer(parent: int) -> None:
    """Pool initializer of render workers."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # forked with the parent's handlers: Pool.terminate() must kill
        signal.signal(sig, signal.SIG_DFL)
    sys.unraisablehook = _quiet_unraisable


_SWALLOWED: list[KeyboardInterrupt] = []  # interrupts raised inside a finalizer, not yet acted upon


def _quiet_unraisable(unraisable: Any) -> None:
    """Silence disk-full noise, and keep an interrupt Python would lose. A signal's handler runs
    wherever the main thread is, a `__del__` or a weakref callback included (a pool's finalizer, a
    half-saved ZipFile): the KeyboardInterrupt it raises there is only « ignored » by Python, and
    the build would run to its end and exit 0 after a Ctrl-C. It is kept for `raise_if_interrupted`."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        _SWALLOWED.append(unraisable.exc_value)
        return
    if is_disk_full(unraisable.exc_value):
        return
    sys.__unraisablehook__(unraisable)


def raise_if_interrupted() -> None:
    """Raise, in the main thread, the interrupt a finalizer swallowed since `interruptible()` began."""
    if _SWALLOWED and threading.current_thread() is threading.main_thread():
        interrupt = _SWALLOWED[-1]
        _SWALLOWED.clear()
        raise KeyboardInterrupt(*interrupt.args)


def forget_handled_interrupts() -> None:
    """Clear CPython's mark of an uncaught Ctrl-C, for a process about to exit with its own code.

    CPython sets that mark whenever a KeyboardInterrupt leaves code run from a string
    (`exec`/`eval` of source text: reportlab imports its settings that way, dataclasses build their
    methods that way), even if the interrupt is then caught; `python -m …` then ends by killing
    itself with SIGINT instead of exiting with the code copar chose (130 after « interrompu »).
    Running any source text clears the mark (CPython resets it before each such run)."""
    exec("")  # noqa: S102 - empty source text, run only for that reset


def kill_orphans(marker: str) -> int:
    """Kill the process groups of leftover processes whose command line contains `marker`; how many."""
    killed = 0
    own = os.getpgrp()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker.encode() not in (proc / "cmdline").read_bytes():
                continue
            group = os.getpgid(int(proc.name))
            if group != own:
                os.killpg(group, signal.SIGKILL)
                killed += 1
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read
    return killed


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While the block runs: SIGHUP and SIGTERM act like Ctrl-C; disk-full noise is silenced; an
    interrupt a finalizer swallowed is raised at `raise_if_interrupted()`, or when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGHUP, signal.SIGTERM)}
    hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable
    _SWALLOWED.clear()
    try:
        yield
        raise_if_interrupted()  # a block that ran to its end after a swallowed Ctrl-C still stops
    finally:
        _SWALLOWED.clear()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = hook
