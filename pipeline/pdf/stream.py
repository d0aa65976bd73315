"""A conversion stream: DOCX go in as they are rendered, PDFs come out, LibreOffice never idles.

Why it is faster than converting each document in fixed batches after rendering:

- **streaming**: `submit` queues a group of documents (e.g. one student's) as soon as it is
  rendered; one worker thread per LibreOffice process takes what is ready, so the
  conversion overlaps the rendering instead of waiting for it;
- **fair shares**: a free worker takes its share of the work still to come
  (remaining documents ÷ workers) when that much is ready, so that there are about as
  few calls as workers and they end together; it waits up to `PATIENCE` seconds for a
  share to be ready, then takes what there is;
- **merged groups** (`grouping`): the documents of a group that can share one package are
  converted as one merged DOCX and split back into one PDF each (see grouping.py): the
  per-document cost of LibreOffice is paid once per group instead of once per document;
- **warm profiles** (`warm`): each worker keeps its LibreOffice profile for the whole
  stream (created while the first documents render) instead of a fresh one per call;
- **listeners** (`listener`): each worker keeps one LibreOffice running for the whole
  stream, driven through UNO (see listener.py), so that a call costs no start-up; where
  none can run (no python3-uno, a stand-in soffice), calls are plain batch calls.

Failures: a call that fails (crash, time limit) is bisected — the documents it did not
convert are split in two halves tried separately — rather than retried document by
document; a merged group that fails, or whose PDF cannot be split, is converted again
document by document, and a document that fails alone is reported with LibreOffice's
reason. A worker whose call was killed (or whose listener died) starts again with a fresh
profile and a new listener, and the documents of that call are tried again, bisected. With --pdfa,
documents are not merged: each PDF/A is LibreOffice's own.

Results are handed to the caller's thread (`poll`, `wait`, `close`), never to a callback
in a worker thread, so progress bars and the manifest stay single-threaded.
"""

from __future__ import annotations

import math
import queue
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from pypdf import PdfReader

from pipeline.files import write_atomically
from pipeline.pdf.convert import ConversionResult, _collect, _Options, _Run, _run_soffice, _staged_name, warm_up
from pipeline.pdf.grouping import Member, merge, merge_key, page_ranges, write_part
from pipeline.pdf.listener import Listener, available
from pipeline.pdf.pdfinfo import probe_pdf

_FAILED = ConversionResult(Path(), None, "worker stopped")  # sentinel: a worker thread raised
WARM_MIN = 24  # documents announced: below this, a profile made ahead costs more than it saves
PATIENCE = 1.0  # seconds a free worker waits for its share of the work to be rendered
GROUPED_FILTER = '{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'


@dataclass(frozen=True)
class Document:
    """A DOCX to convert beside itself.

    `kind` names documents that usually have the same number of pages (a family); `pages`
    is the page count expected, when known (e.g. from the last build). A merged document
    shows « sur N » with that count, or the last count seen for its kind, or 1; when the
    guess is wrong the document is converted again with the right count.
    """

    docx: Path
    kind: str = ""
    pages: int | None = None


@dataclass
class _Unit:
    """What one call converts as one input file: a merged group, or a document alone."""

    docs: list[Document]
    merged: bool
    urgent: bool = False
    pinned: int = 0  # units of a retry share a number and are converted together, alone
    probe: bool = False  # the first merged group, converted alone to learn page counts

    @property
    def size(self) -> int:
        return len(self.docs)


@dataclass
class _State:
    """The queue shared by the caller and the workers (guarded by `cond`)."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    ready: deque[_Unit] = field(default_factory=deque)
    expected: int = 0  # documents announced and not yet submitted
    busy: int = 0  # calls running
    collecting: int = 0  # finished calls whose PDFs are being checked and split (by the collector)
    closed: bool = False
    learned: dict[str, int] = field(default_factory=dict)  # kind → last page count seen
    pins: int = 0
    probing: bool = False  # a first merged group is being converted

    def ready_docs(self) -> int:
        return sum(u.size for u in self.ready)


class ConversionStream:
    """Convert groups of DOCX with `workers` LibreOffice processes; see the module docstring.

    Use as a context manager: leaving it normally waits for every document, leaving it
    on an exception (Ctrl-C) kills the running calls.
    """

    def __init__(self, soffice: str, *, timeout: float = 180, workers: int = 1, pdfa: bool = False,
                 grouping: bool = True, warm: bool = True, listener: bool = True, expected: int = 0,
                 tmpdir: Path | None = None, patience: float = PATIENCE) -> None:
        if workers < 1 or timeout <= 0:
            raise ValueError("workers and timeout must be positive")
        self.grouping = grouping and not pdfa
        self.options = _Options(soffice, timeout, pdfa, destinations=self.grouping)
        self.warm = warm
        self.listening = warm and listener  # where one can run (checked by the first worker that needs one)
        self.listeners: list[Listener] = []
        self.workers = workers
        self.patience = patience
        self.state = _State(expected=expected)
        self.done: queue.Queue[ConversionResult] = queue.Queue()
        self.results: dict[Path, ConversionResult] = {}
        self.pages: dict[Path, int] = {}  # page count of each PDF delivered
        self.submitted: set[Path] = set()
        if tmpdir is not None:
            tmpdir.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.TemporaryDirectory(prefix="copar-stream-", dir=tmpdir, ignore_cleanup_errors=True)
        self.root = Path(self._tmp.name)
        self.failure: BaseException | None = None  # what stopped a worker thread
        self.calls = 0  # soffice calls made, for the benchmark
        self.log: list[tuple[str, float, float, float, int, int, int]] = []  # (worker, taken, start, end, files, documents, merged) per call
        # Checking and splitting a call's PDFs happens in this thread, while the worker's LibreOffice
        # converts its next documents (instead of idling meanwhile).
        self.collector = ThreadPoolExecutor(1, thread_name_prefix="collector")
        self.threads = [threading.Thread(target=self._worker, args=(n,), name=f"soffice-{n}", daemon=True)
                        for n in range(workers)]
        for thread in self.threads:
            thread.start()

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
        units = self._units([d for d in fresh if d not in missing], urgent)
        with self.state.cond:
            self.state.expected = max(0, self.state.expected - len(fresh))
            for unit in units:
                (self.state.ready.appendleft if urgent else self.state.ready.append)(unit)
            self.state.cond.notify_all()

    def _units(self, docs: list[Document], urgent: bool) -> list[_Unit]:
        """Merged groups of what can be merged; documents alone otherwise. (A merged group holding a
        kind whose page count is unknown is a probe: see `_take`.)"""
        if not self.grouping or len(docs) < 2:
            return [_Unit([d], False, urgent) for d in docs]
        groups: dict[str | None, list[Document]] = {}
        alone = []
        for d in docs:
            key = merge_key(d.docx)
            (alone.append(d) if key is None else groups.setdefault(key, []).append(d))
        units = [_Unit(g, len(g) > 1, urgent) for g in groups.values()]
        return units + [_Unit([d], False, urgent) for d in alone]

    def announce(self, documents: int) -> None:
        """Tell the stream how many more documents will be submitted (to size its shares)."""
        with self.state.cond:
            self.state.expected += documents
            self.state.cond.notify_all()

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
        with self.state.cond:
            self.state.closed = True
            self.state.expected = 0
            self.state.cond.notify_all()
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
        with self.state.cond:
            self.state.closed = True
            self.state.ready.clear()
            self.state.cond.notify_all()
        self.options.stop()

    # --- worker side ------------------------------------------------------------------------

    def _worker(self, number: int) -> None:
        try:
            self._work(number)
        except BaseException as exc:  # e.g. a full disk: the caller's thread raises it
            self.failure = exc
            self.stop_calls()
            self.done.put(_FAILED)

    def _work(self, number: int) -> None:
        with self.state.cond:
            self.state.cond.wait_for(lambda: bool(self.state.ready or self.state.expected or self.state.closed))
            work = bool(self.state.ready or self.state.expected)
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
        with self.state.cond:
            warm = self.warm and (self.state.expected >= WARM_MIN or listener is not None)
        if warm:  # start LibreOffice (or create the profile) while the first documents are being rendered
            started = time.monotonic()
            if listener is not None:
                listener.start()
            else:
                warm_up(self.options.soffice, profile, self.options.timeout)
            self.log.append((threading.current_thread().name, started, started, time.monotonic(), 0, 0, 0))
        calls = 0
        while True:
            units = self._take()
            if units is None:
                return
            calls += 1
            try:
                if not self.warm:
                    profile = self.root / f"profile-{number}-{calls}"
                run = self._call(units, profile, listener)
                if run is None or not self.warm or (listener is not None and listener.process is None):
                    shutil.rmtree(profile, ignore_errors=True)  # killed or crashed: its profile may be half-written
            finally:
                with self.state.cond:
                    self.state.busy -= 1
                    self.state.cond.notify_all()

    def _take(self) -> list[_Unit] | None:
        """The next call's units: a retry as it was queued, urgent ones, or a fair share of the rest.

        A merged group holding a kind of document whose page count is not known yet is a
        probe: it goes alone, and the other such groups wait for it (its counts spare them
        a second conversion of every multi-page document).
        """
        state = self.state
        with state.cond:
            idle_since = time.monotonic()
            while True:
                if self.options.stopped.is_set():
                    return None
                probes = [u for u in state.ready if self._unknown(u)]
                if probes and not state.probing:
                    return self._probe(probes[0])
                usable = [u for u in state.ready if u not in probes]
                if usable:
                    head = usable[0]
                    share = math.ceil((state.ready_docs() + state.expected) / self.workers)
                    waited = time.monotonic() - idle_since >= self.patience
                    if (head.pinned or head.urgent or state.closed or not state.expected or waited
                            or sum(u.size for u in usable) >= share):
                        break
                elif not state.ready and state.closed and state.busy == 0 and state.collecting == 0:
                    state.cond.notify_all()
                    return None
                state.cond.wait(timeout=0.1)
            if head.pinned:
                taken = [u for u in usable if u.pinned == head.pinned]
            else:
                taken = [head]
                for unit in usable[1:]:
                    if unit.pinned or not (unit.urgent or sum(u.size for u in taken) + unit.size <= share):
                        break
                    taken.append(unit)
            for unit in taken:
                state.ready.remove(unit)
            return self._taken(taken, probe=False)

    def _probe(self, unit: _Unit) -> list[_Unit]:
        """One document of each unknown kind, converted alone; the rest waits for their counts."""
        state = self.state
        state.probing = True
        state.ready.remove(unit)
        samples: dict[str, Document] = {}
        for d in unit.docs:
            if d.pages is None and d.kind not in state.learned:
                samples.setdefault(d.kind, d)
        rest = [d for d in unit.docs if d not in samples.values()]
        if rest:
            state.ready.appendleft(_Unit(rest, len(rest) > 1, unit.urgent))
        return self._taken([_Unit([d], False) for d in samples.values()], probe=True)

    def _unknown(self, unit: _Unit) -> bool:
        return unit.merged and not unit.pinned and any(d.pages is None and d.kind not in self.state.learned
                                                       for d in unit.docs)

    def _taken(self, units: list[_Unit], probe: bool) -> list[_Unit]:
        """Book-keeping of a call about to run (the caller holds the lock)."""
        self.state.busy += 1
        self.calls += 1
        for unit in units:
            unit.probe = probe
        return units

    def _requeue(self, *calls: list[_Unit]) -> None:
        """Queue each list of units as one call of its own, ahead of everything else."""
        with self.state.cond:
            for units in reversed(calls):
                self.state.pins += 1
                for unit in reversed(units):
                    unit.pinned = self.state.pins
                    self.state.ready.appendleft(unit)
            self.state.cond.notify_all()

    def _call(self, units: list[_Unit], profile: Path, listener: Listener | None = None) -> _Run | None:
        """One soffice call over `units`; None when it was killed. Its PDFs are then checked and
        split by the collector (`_collect_call`), which queues again what failed, bisected."""
        taken = time.monotonic()
        probe = any(u.probe for u in units)
        tmp = Path(tempfile.mkdtemp(prefix="call-", dir=self.root))
        try:
            inputs, outputs = tmp / "in", tmp / "out"
            inputs.mkdir()
            staged: dict[Path, _Unit] = {}
            for number, unit in enumerate(units, start=1):
                path = self._stage(unit, number, inputs)
                if path is not None:
                    staged[path] = unit
            run = _Run(0, "", 0)
            if staged:
                documents = sum(u.size for u in staged.values())
                limit = self.options.timeout * (documents + 3) / 4
                started = time.monotonic()
                if listener is not None and not listener.broken:
                    run = listener.run(list(staged), outputs, limit, destinations=self.options.destinations)
                else:
                    run = _run_soffice(self.options, list(staged), outputs, profile, limit)
                self.log.append((threading.current_thread().name, taken, started, time.monotonic(), len(staged),
                                 documents, sum(u.merged for u in units)))
            with self.state.cond:
                self.state.collecting += 1
            self.collector.submit(self._collect_call, staged, outputs, run, tmp, probe)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if probe:
                with self.state.cond:
                    self.state.probing = False
            raise
        return None if run.code is None else run

    def _collect_call(self, staged: dict[Path, _Unit], outputs: Path, run: _Run, tmp: Path, probe: bool) -> None:
        """In the collector thread: deliver a finished call's PDFs, queue again what failed."""
        try:
            failed = {path: self._collect(unit, path, outputs, run) for path, unit in staged.items()}
            self._retry([(staged[path], error) for path, error in failed.items() if error is not None])
        except BaseException as exc:  # e.g. a full disk: the caller's thread raises it
            self.failure = exc
            self.stop_calls()
            self.done.put(_FAILED)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            with self.state.cond:
                self.state.collecting -= 1
                if probe:  # its page counts are known now: the groups that waited for them can go
                    self.state.probing = False
                self.state.cond.notify_all()

    def _stage(self, unit: _Unit, number: int, folder: Path) -> Path | None:
        if unit.merged:
            path = folder / f"{number:03d}-groupe.docx"
            with self.state.cond:
                counts = [d.pages or self.state.learned.get(d.kind, 1) for d in unit.docs]
            try:
                merge([Member(d.docx, n) for d, n in zip(unit.docs, counts, strict=True)], path)
            except Exception:  # anything unexpected in one of them: convert them one by one instead
                self._requeue([_Unit([d], False) for d in unit.docs])
                return None
            unit.docs = [Document(d.docx, d.kind, n) for d, n in zip(unit.docs, counts, strict=True)]
            return path
        source = unit.docs[0].docx
        path = folder / _staged_name(number, source)
        try:
            shutil.copyfile(source, path)
        except OSError as exc:
            self.done.put(ConversionResult(source, None, f"{source.name} illisible : {exc.strerror or exc}"))
            return None
        return path

    def _collect(self, unit: _Unit, staged: Path, outputs: Path, run: _Run) -> ConversionResult | None:
        """Deliver the unit's PDFs; the failure when the call produced nothing usable for it."""
        if not unit.merged:
            result = _collect(unit.docs[0].docx, staged, outputs, run)
            if result.pdf is None:
                return result
            self._learn(unit.docs[0], result.pdf)
            self.done.put(result)
            return None
        produced = outputs / f"{staged.stem}.pdf"
        if not produced.exists() or probe_pdf(produced) is not None:
            return ConversionResult(unit.docs[0].docx, None, "document groupé non converti")
        try:
            self._split(unit, PdfReader(produced))
        except Exception:  # SplitError, or pypdf choking on it: each document converted alone instead
            self._requeue([_Unit([d], False) for d in unit.docs if d.docx not in self.pages])
        return None

    def _split(self, unit: _Unit, reader: PdfReader) -> None:
        ranges = page_ranges(reader, len(unit.docs))
        again = []
        for doc, pages in zip(unit.docs, ranges, strict=True):
            with self.state.cond:
                self.state.learned[doc.kind] = len(pages)
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
            with self.state.cond:
                self.state.ready.appendleft(_Unit(again, len(again) > 1, urgent=True))
                self.state.cond.notify_all()

    def _learn(self, doc: Document, pdf: Path) -> None:
        try:
            pages = len(PdfReader(pdf).pages)
        except Exception:  # already probed; a count is only a guess for later groups
            return
        self.pages[doc.docx] = pages
        with self.state.cond:
            self.state.learned.setdefault(doc.kind, pages)

    def _retry(self, failed: list[tuple[_Unit, ConversionResult]]) -> None:
        """Bisect a failed call; a merged group alone goes document by document; a document alone is reported."""
        if len(failed) > 1:
            half = len(failed) // 2
            self._requeue([u for u, _ in failed[:half]], [u for u, _ in failed[half:]])
        elif failed and failed[0][0].merged:
            self._requeue([_Unit([d], False) for d in failed[0][0].docs])
        elif failed:
            self.done.put(failed[0][1])
