"""A conversion stream: DOCX go in as they are rendered, PDFs come out, LibreOffice never idles.

Why it is faster than converting each document in fixed batches after rendering:

- **streaming**: `submit` queues a group of documents (e.g. one student's) as soon as it is
  rendered; one worker thread per LibreOffice process takes what is ready, so the
  conversion overlaps the rendering instead of waiting for it;
- **fair shares, merged groups, retries and the hang rule**: decided by the scheduler
  (scheduler.py), a pure object this module drives under one lock;
- **warm profiles** (`warm`): each worker keeps its LibreOffice profile for the whole
  stream (created while the first documents render) instead of a fresh one per call;
- **listeners** (`listener`): each worker keeps one LibreOffice running for the whole
  stream, driven through UNO (see listener.py), so that a call costs no start-up; where
  none can run (no python3-uno, a stand-in soffice), calls are plain batch calls
  (calls.py).

A worker whose call was killed (or whose listener died) starts again with a fresh
profile and a new listener. A finished call's PDFs are checked and split by a collector
thread while that worker's LibreOffice converts its next documents. With --pdfa,
documents are not merged: each PDF/A is LibreOffice's own.

Results are handed to the caller's thread (`poll`, `wait`, `close`), never to a callback
in a worker thread, so progress bars and the manifest stay single-threaded.
`convert_many` is the whole engine behind one blocking call (a list in, a result each out).
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from pypdf import PdfReader

from pipeline.files import write_atomically
from pipeline.libreoffice import orphans
from pipeline.libreoffice.calls import (
    CallOptions,
    ConversionResult,
    Limits,
    Run,
    collect_pdf,
    run_batch,
    staged_name,
    warm_up,
)
from pipeline.libreoffice.grouping import Member, merge, merge_key, page_ranges, write_part
from pipeline.libreoffice.listener import Listener, available
from pipeline.libreoffice.scheduler import Call, Document, Scheduler, Unit
from pipeline.pdf.pdfinfo import probe_pdf

__all__ = ["ConversionStream", "Document", "convert_many"]

_FAILED = ConversionResult(Path(), None, "worker stopped")  # sentinel: a worker thread raised
WARM_MIN = 24  # documents announced: below this, a profile made ahead costs more than it saves
PATIENCE = 1.0  # seconds a free worker waits for its share of the work to be rendered


class ConversionStream:
    """Convert groups of DOCX with `workers` LibreOffice processes; see the module docstring.

    Use as a context manager: leaving it normally waits for every document, leaving it
    on an exception (Ctrl-C) kills the running calls. `grouping`, `warm` and `listener`
    switch the speed-ups off one by one (the benchmark's variants).
    """

    def __init__(self, soffice: str, *, timeout: float = 180, workers: int = 1, pdfa: bool = False,
                 grouping: bool = True, warm: bool = True, listener: bool = True, expected: int = 0,
                 tmpdir: Path | None = None, patience: float = PATIENCE) -> None:
        if workers < 1 or timeout <= 0:
            raise ValueError("workers and timeout must be positive")
        orphans.sweep()  # what a copar killed with kill -9 left running
        self.grouping = grouping and not pdfa
        self.options = CallOptions(soffice, timeout, pdfa, destinations=self.grouping)
        self.warm = warm
        self.listening = warm and listener  # where one can run (checked by the first worker that needs one)
        self.listeners: list[Listener] = []
        self.workers = workers
        self.cond = threading.Condition()
        self.scheduler = Scheduler(workers, self.grouping, patience, expected)
        self.done: queue.Queue[ConversionResult] = queue.Queue()
        self.results: dict[Path, ConversionResult] = {}
        self.pages: dict[Path, int] = {}  # page count of each PDF delivered
        self.submitted: set[Path] = set()
        if tmpdir is not None:
            tmpdir.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.TemporaryDirectory(prefix="copar-stream-", dir=tmpdir, ignore_cleanup_errors=True)
        self.root = Path(self._tmp.name)
        self.failure: BaseException | None = None  # what stopped a worker thread
        self.log: list[tuple[str, float, float, float, int, int, int]] = []  # (worker, taken, start, end, files, documents, merged) per call
        # Checking and splitting a call's PDFs happens in this thread, while the worker's LibreOffice
        # converts its next documents (instead of idling meanwhile).
        self.collector = ThreadPoolExecutor(1, thread_name_prefix="collector")
        self.threads = [threading.Thread(target=self._worker, args=(n,), name=f"soffice-{n}", daemon=True)
                        for n in range(workers)]
        for thread in self.threads:
            thread.start()

    @property
    def calls(self) -> int:
        """LibreOffice calls made (warm-ups apart), for tests and the benchmark."""
        return self.scheduler.calls

    def __enter__(self) -> ConversionStream:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.close()
        else:
            self.stop()

    # --- caller side ----------------------------------------------------------------------

    def submit(self, docs: Sequence[Document | Path], *, urgent: bool = False) -> None:
        """Queue documents that belong together (e.g. one student's); `urgent` ones go first."""
        items = [d if isinstance(d, Document) else Document(Path(d)) for d in docs]
        fresh = [d for d in items if d.docx not in self.submitted]
        self.submitted.update(d.docx for d in fresh)
        missing = [d for d in fresh if not d.docx.is_file()]
        for d in missing:
            self.done.put(ConversionResult(d.docx, None, f"fichier introuvable : {d.docx}"))
        present = [d for d in fresh if d not in missing]
        keys: list[str | None] = [merge_key(d.docx) if self.grouping and len(present) > 1 else None for d in present]
        with self.cond:
            self.scheduler.expected -= len(missing)
            decided = self.scheduler.submit(present, keys, urgent=urgent)
            self.cond.notify_all()
        for result in decided:
            self.done.put(result)

    def announce(self, documents: int) -> None:
        """Tell the stream how many more documents will be submitted (to size its shares)."""
        with self.cond:
            self.scheduler.announce(documents)
            self.cond.notify_all()

    def poll(self) -> list[ConversionResult]:
        """The results that arrived since the last call, without waiting."""
        arrived: list[ConversionResult] = []
        while True:
            try:
                result = self.done.get_nowait()
            except queue.Empty:
                return arrived
            if result is _FAILED:
                self.done.put(result)
                return arrived
            self.results[result.source] = result
            arrived.append(result)

    def wait(self, docx: Sequence[Path]) -> dict[Path, ConversionResult]:
        """Block until these documents are converted (or failed); their results."""
        wanted = [Path(p) for p in docx]
        while any(p not in self.results for p in wanted):
            self._next()
        return {p: self.results[p] for p in wanted}

    def finished(self) -> Iterator[ConversionResult]:
        """Every result not yet polled, as they arrive, until all submitted documents are done."""
        yield from self.poll()
        while len(self.results) < len(self.submitted):
            yield self._next()

    def _next(self) -> ConversionResult:
        result = self.done.get()
        if result is _FAILED:
            assert self.failure is not None
            raise self.failure
        self.results[result.source] = result
        return result

    def convert(self, docs: Sequence[Document | Path], *, urgent: bool = True) -> dict[Path, ConversionResult]:
        """Submit and wait: for documents needed now (packet covers, placeholder pages)."""
        self.submit(docs, urgent=urgent)
        return self.wait([d.docx if isinstance(d, Document) else Path(d) for d in docs])

    def close(self) -> None:
        """Wait for every document, then let the workers go."""
        with self.cond:
            self.scheduler.close()
            self.cond.notify_all()
        for _ in self.finished():
            pass
        for thread in self.threads:
            thread.join()
        self.collector.shutdown()
        self._tmp.cleanup()

    def stop(self) -> None:
        """Kill the running calls and drop what is queued (an interrupted build)."""
        self.stop_calls()
        for thread in self.threads:
            thread.join(timeout=5)
        self.collector.shutdown(cancel_futures=True)
        self._tmp.cleanup()

    def stop_calls(self) -> None:
        with self.cond:
            self.scheduler.stop()
            self.cond.notify_all()
        self.options.stop()

    # --- worker side ------------------------------------------------------------------------

    def _worker(self, number: int) -> None:
        try:
            self._work(number)
        except BaseException as exc:  # e.g. a full disk: the caller's thread raises it
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        self.failure = exc
        self.stop_calls()
        self.done.put(_FAILED)

    def _work(self, number: int) -> None:
        s = self.scheduler
        with self.cond:
            self.cond.wait_for(lambda: bool(s.ready or s.expected or s.closed))
            work = bool(s.ready or s.expected) and not s.hung
        if not work:  # nothing to convert (a rebuild with nothing new): no LibreOffice at all
            return
        profile = self.root / f"profile-{number}"
        listener = None
        if self.listening and available(self.options.soffice):
            listener = Listener(self.options, profile)
            self.listeners.append(listener)
        try:
            self._serve(number, profile, listener)
        finally:
            if listener is not None:
                listener.close()

    def _serve(self, number: int, profile: Path, listener: Listener | None) -> None:
        with self.cond:
            warm = self.warm and (self.scheduler.expected >= WARM_MIN or listener is not None)
        if warm:  # start LibreOffice (or create the profile) while the first documents are being rendered
            started = time.monotonic()
            if listener is not None:
                timed_out = not listener.start() and listener.start_timed_out
            else:
                timed_out = warm_up(self.options, profile).timed_out
            with self.cond:
                self.scheduler.warmed_up(timed_out)
            self.log.append((threading.current_thread().name, started, started, time.monotonic(), 0, 0, 0))
        calls = 0
        while True:
            call = self._take()
            if call is None:
                return
            calls += 1
            if not self.warm:
                profile = self.root / f"profile-{number}-{calls}"
            run = self._call(call, profile, listener)
            if run.timed_out or not self.warm or (listener is not None and listener.process is None):
                shutil.rmtree(profile, ignore_errors=True)  # killed or crashed: its profile may be half-written

    def _take(self) -> Call | None:
        """The scheduler's next call for this worker; None when the worker should go."""
        with self.cond:
            idle_since = time.monotonic()
            while not self.options.stopped.is_set():
                call = self.scheduler.take(time.monotonic(), idle_since)
                if call is not None:
                    return call
                if self.scheduler.finished:
                    self.cond.notify_all()
                    return None
                self.cond.wait(timeout=0.1)
            return None

    def _call(self, call: Call, profile: Path, listener: Listener | None = None) -> Run:
        """One soffice call over `call`'s units. Its PDFs are then checked and split by the collector
        (`_collect_call`), which tells the scheduler what failed."""
        taken = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix="call-", dir=self.root))
        try:
            inputs, outputs = tmp / "in", tmp / "out"
            inputs.mkdir()
            staged: dict[Path, Unit] = {}
            for number, unit in enumerate(call.units, start=1):
                path = self._stage(unit, number, inputs)
                if path is not None:
                    staged[path] = unit
            run = Run(0, "", 0)
            if staged:
                sizes = [u.size for u in staged.values()]
                limits = Limits.of(self.options.timeout, sizes)
                started = time.monotonic()
                if listener is not None and not listener.broken:
                    run = listener.run(list(staged), outputs, limits, destinations=self.options.destinations)
                else:
                    outputs.mkdir()
                    run = run_batch(self.options, list(staged), outputs, profile, limits)
                self.log.append((threading.current_thread().name, taken, started, time.monotonic(), len(staged),
                                 sum(sizes), sum(u.merged for u in call.units)))
            with self.cond:
                given_up = self.scheduler.ended(call, timed_out=run.timed_out)
                self.cond.notify_all()
            self._deliver(given_up)
            self.collector.submit(self._collect_call, call, staged, outputs, run, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            with self.cond:
                self.scheduler.done(call, [], timed_out=False)
                self.cond.notify_all()
            raise
        return run

    def _collect_call(self, call: Call, staged: dict[Path, Unit], outputs: Path, run: Run, tmp: Path) -> None:
        """In the collector thread: deliver a finished call's PDFs, tell the scheduler what failed."""
        failed: list[tuple[Unit, ConversionResult]] = []
        try:
            for path, unit in staged.items():
                error = self._collect(unit, path, outputs, run)
                if error is not None:
                    failed.append((unit, error))
        except BaseException as exc:  # e.g. a full disk: the caller's thread raises it
            self._fail(exc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            with self.cond:
                decided = self.scheduler.done(call, failed, timed_out=run.timed_out)
                self.cond.notify_all()
            self._deliver(decided)

    def _deliver(self, results: list[ConversionResult]) -> None:
        for result in results:
            self.done.put(result)

    def _stage(self, unit: Unit, number: int, folder: Path) -> Path | None:
        if unit.merged:
            path = folder / f"{number:03d}-groupe.docx"
            with self.cond:
                counts = [self.scheduler.pages_for(d) for d in unit.docs]
            try:
                merge([Member(d.docx, n) for d, n in zip(unit.docs, counts, strict=True)], path)
            except Exception:  # anything unexpected in one of them: convert them one by one instead
                with self.cond:
                    given_up = self.scheduler.requeue([Unit([d], False) for d in unit.docs])
                    self.cond.notify_all()
                self._deliver(given_up)
                return None
            unit.docs = [Document(d.docx, d.kind, n) for d, n in zip(unit.docs, counts, strict=True)]
            return path
        source = unit.docs[0].docx
        path = folder / staged_name(number, source)
        try:
            shutil.copyfile(source, path)
        except OSError as exc:
            self.done.put(ConversionResult(source, None, f"{source.name} illisible : {exc.strerror or exc}"))
            return None
        return path

    def _collect(self, unit: Unit, staged: Path, outputs: Path, run: Run) -> ConversionResult | None:
        """Deliver the unit's PDFs; the failure when the call produced nothing usable for it."""
        if not unit.merged:
            result = collect_pdf(unit.docs[0].docx, staged, outputs, run)
            if result.pdf is None:
                return result
            self._learn(unit.docs[0], result.pdf)
            self.done.put(result)
            return None
        produced = outputs / f"{staged.stem}.pdf"
        if not produced.exists() or probe_pdf(produced) is not None:
            return ConversionResult(unit.docs[0].docx, None, "document groupé non converti", timed_out=run.timed_out)
        try:
            self._split(unit, PdfReader(produced))
        except Exception:  # SplitError, or pypdf choking on it: each document converted alone instead
            with self.cond:
                given_up = self.scheduler.requeue([Unit([d], False) for d in unit.docs if d.docx not in self.pages])
                self.cond.notify_all()
            self._deliver(given_up)
        return None

    def _split(self, unit: Unit, reader: PdfReader) -> None:
        ranges = page_ranges(reader, len(unit.docs))
        again = []
        for doc, pages in zip(unit.docs, ranges, strict=True):
            with self.cond:
                self.scheduler.learn(doc.kind, len(pages))
            if len(pages) != doc.pages:  # its footer says « sur N » with the wrong N
                again.append(Document(doc.docx, doc.kind, len(pages)))
                continue
            target = doc.docx.with_suffix(".pdf")
            try:
                write_atomically(target, partial(write_part, reader, pages, doc.docx))
            except OSError as exc:
                self.done.put(ConversionResult(doc.docx, None, f"impossible d'écrire {target} : {exc.strerror or exc}"))
                continue
            self.pages[doc.docx] = len(pages)
            self.done.put(ConversionResult(doc.docx, target, None))
        if again:  # with the right counts now; taken with the next call, whoever makes it
            with self.cond:
                given_up = self.scheduler.again(again)
                self.cond.notify_all()
            self._deliver(given_up)

    def _learn(self, doc: Document, pdf: Path) -> None:
        try:
            pages = len(PdfReader(pdf).pages)
        except Exception:  # already probed; a count is only a guess for later groups
            return
        self.pages[doc.docx] = pages
        with self.cond:
            self.scheduler.learn(doc.kind, pages, replace=False)


def convert_many(docx: Sequence[Path], *, soffice: str, timeout: float = 180, workers: int = 1, pdfa: bool = False,
                 on_done: Callable[[ConversionResult], None] | None = None,
                 tmpdir: Path | None = None) -> list[ConversionResult]:
    """Convert every document to a PDF beside it, each as LibreOffice's own (no merging); one
    result per input, in input order. `on_done` is called in the calling thread as results arrive."""
    sources = list(dict.fromkeys(Path(p) for p in docx))
    with ConversionStream(soffice, timeout=timeout, workers=workers, pdfa=pdfa, grouping=False,
                          expected=len(sources), tmpdir=tmpdir) as stream:
        stream.submit(sources)
        for result in stream.finished():
            if on_done is not None:
                on_done(result)
    return [stream.results[Path(p)] for p in docx]
