"""Bounds on what an untrusted template (from --templates) may cost: size, operations, time, memory.

Decisions:

- Size: every part of a template (.docx is a zip) is checked against its declared
  uncompressed size before anything reads it; Python's zipfile never inflates a part past
  its declared size, so a zip bomb is refused before it costs anything.
- Operations: the sandbox refuses, before computing them, the few expressions that take
  a single step but unbounded time or memory: `9**(9**9)`, `'a' * 10**9`, `range(10**9)`,
  `'x'|center(10**9)`, `'%0999999999d' % 1`. They are single C-level operations that no
  timer can interrupt.
- Time: a document render is interrupted after RENDER_SECONDS (loops over nested ranges).
- Memory: a render worker's address space is capped at its size at start plus
  RENDER_MEMORY (set by `limit_worker`, the render pool's initializer). A render in the main
  process (small builds, --etudiant) is capped for its duration only (`memory_cap`), while no
  LibreOffice may start (it would inherit the cap); `templates check` renders in a capped
  worker. Every path is capped: the message's « limite : 1 024 Mo » is always true. Render workers grow as they
  go (from about 110 MB to 290 MB over 1,660 documents each for a 300-student promotion,
  while the same renders in one process hold a constant number of Python objects): the
  build replaces its workers every RENDER_BATCH documents, so their size no longer
  depends on the size of the promotion.
"""

from __future__ import annotations

import functools
import math
import re
import signal
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2.exceptions import SecurityError

from pipeline.files import megabytes

PART_MAX = 32 * 2**20  # one part of a template, uncompressed
TEMPLATE_MAX = 128 * 2**20  # all the parts of a template, uncompressed
MAX_ITEMS = 1_000_000  # longest string or list a template may build in one operation
MAX_RANGE = 10_000  # longest range() a template may loop over
MAX_INT_BITS = 4096  # largest integer a template may compute (about 1,200 digits)
RENDER_SECONDS = 30  # one document
RENDER_MEMORY = 1024 * 2**20  # one render worker, above what it uses when it starts
RENDER_BATCH = 1000  # documents rendered by one pool of workers before fresh workers replace them
_WIDTH = re.compile(r"%[-#0 +]*(\d{7,})|\{[^}]*?(\d{7,})[^}]*\}")  # a huge width in a format string


class TemplateTooLarge(Exception):
    """args[0]: French reason."""


class RenderTimeout(BaseException):
    """Raised in the middle of a render that took too long (a BaseException: no library swallows it)."""


def check_template_size(path: Path) -> None:
    """TemplateTooLarge when a part of the zip `path`, or all of them, would inflate beyond the limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader says so in its own words
    for info in infos:
        if info.file_size > PART_MAX:
            raise TemplateTooLarge(f"la partie {info.filename} occupe {megabytes(info.file_size)} Mo une fois "
                                   f"décompressée (limite : {megabytes(PART_MAX)} Mo par partie)")
    total = sum(info.file_size for info in infos)
    if total > TEMPLATE_MAX:
        raise TemplateTooLarge(f"il occupe {megabytes(total)} Mo une fois décompressé "
                               f"(limite : {megabytes(TEMPLATE_MAX)} Mo)")


# --- sandbox ----------------------------------------------------------------------------


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what} : calcul trop coûteux, refusé")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """SecurityError for `left operator right` when its result would be huge."""
    if operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        if right * math.log2(abs(left)) > MAX_INT_BITS:
            raise _too_big(f"puissance {left} ** {right}")
    elif operator == "*":
        if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _too_big("produit de très grands nombres")
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple, bytes)) and _is_int(times) and len(seq) * times > MAX_ITEMS:
                raise _too_big(f"répétition de {len(seq)} éléments {times} fois")
    elif operator == "%" and isinstance(left, str) and _WIDTH.search(left):
        raise _too_big("largeur de format démesurée")


# Callables whose numeric arguments are sizes of what they build: str methods and Jinja filters.
SIZED = {"center", "ljust", "rjust", "zfill", "expandtabs", "do_center", "do_indent", "do_wordwrap", "do_truncate",
         "do_batch", "do_slice", "do_random", "sync_do_batch", "sync_do_slice"}
FORMATS = {"format", "format_map", "do_format"}


def check_call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """SecurityError for a call whose result would be huge: range(), padding, widths in format strings."""
    name = getattr(func, "__name__", "")
    values = [*args, *kwargs.values()]
    if func is range or name in ("safe_range", "range"):
        try:
            size = len(range(*args))
        except (TypeError, ValueError, OverflowError):
            return  # range() says what is wrong
        if size > MAX_RANGE:
            raise _too_big(f"range de {size} éléments (limite : {MAX_RANGE})")
    elif name in SIZED and any(_is_int(v) and abs(v) > MAX_ITEMS for v in values):
        raise _too_big(f"appel de {name} avec une taille démesurée")
    elif name in FORMATS:
        bound = getattr(func, "__wrapped__", func)  # the sandbox wraps str.format, keeping the original
        spec = getattr(bound, "__self__", None)
        if any(isinstance(v, str) and _WIDTH.search(v) for v in [spec, *values]):
            raise _too_big("largeur de format démesurée")


def bounded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja filter that refuses huge widths and counts (`center`, `indent`, `format`, `wordwrap`…)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_call(func, tuple(a for a in args if not _is_jinja_internal(a)), kwargs)
        return func(*args, **kwargs)

    return wrapper


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_jinja_internal(value: Any) -> bool:
    return type(value).__module__.startswith("jinja2.")


# --- time and memory ----------------------------------------------------------------------


def _in_finaliser(frame: Any) -> bool:
    """Whether `frame` runs inside a garbage-collector callback or a __del__ (where no exception gets out)."""
    import gc

    callbacks = {getattr(getattr(cb, "__func__", cb), "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in this (main) thread after `seconds`; no limit outside the main thread."""
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    armed = [True]

    def expire(signum: int, frame: Any) -> None:
        if armed[0] and not _in_finaliser(frame):
            raise RenderTimeout

    # The alarm repeats every 0.2 s after the first: an exception raised while Python runs a
    # garbage-collector callback or a __del__ would be swallowed ("Exception ignored in…", an
    # unraisable exception), so the alarm lets those finish and the next repeat interrupts the render.
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
    try:
        yield
    finally:
        # A repeat may fire while this block runs (just after the first one interrupted the body):
        # its exception would skip the rest and leave the alarm going off later, anywhere.
        while True:
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except RenderTimeout:
                continue


@contextmanager
def memory_cap(extra: int = RENDER_MEMORY) -> Iterator[None]:
    """Cap this process's address space at its current size + `extra` for the time of the block.

    For a render in the main process (a small build, --etudiant). Only the soft limit is lowered,
    then put back: a process may raise it again up to the hard limit. The caller makes sure no
    child process starts meanwhile (it would inherit the cap).
    """
    import resource

    try:
        previous = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError):
        yield
        return
    limit_worker(extra)
    try:
        yield
    finally:
        try:
            resource.setrlimit(resource.RLIMIT_AS, previous)
        except (OSError, ValueError):  # pragma: no cover - raising the soft limit up to the hard one is allowed
            pass


def limit_worker(extra: int = RENDER_MEMORY) -> None:
    """Cap this render worker's address space at its current size + `extra` (pool initializer)."""
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            current = int(fh.read().split()[0]) * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):  # no /proc (not Linux) or a limit we may not lower: render unbounded
        pass
