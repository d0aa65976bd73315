"""What the next LibreOffice call converts, what is retried after a failure, and when LibreOffice is hung.

Pure policy: no process, no file, no thread, no clock (the caller passes the time). The
stream (stream.py) holds the lock around every method and runs the calls it is given.

- **fair shares**: a free worker takes its share of the work still to come (documents
  ready and announced ÷ workers) when that much is ready, so that there are about as few
  calls as workers and they end together; after `patience` seconds it takes what there
  is. Urgent documents (needed now: packet covers) go first; so do retries.
- **merged groups**: documents that can share one package (same merge key) form one unit,
  converted as one file and split back. A merged group holding a kind of document whose
  page count is not known yet is a *probe*: one document of each unknown kind is
  converted alone first, and the other such groups wait for its counts.
- **retries**: a call that fails is bisected — the units it did not convert are split in
  two halves tried separately, not one by one; a merged group alone that fails goes
  document by document; a document alone that fails is reported with its reason.
- **the hang rule**: after a call that timed out, the first retry is its first
  unconverted document alone (the one LibreOffice was on when it was killed); the rest
  of that call waits for its outcome, then goes as one call (bisected if it fails). If that
  retry times out too — or a call times out right after a warm-up or a document alone did,
  with nothing converted in between — LibreOffice
  itself is hanging: the documents not converted yet are reported as not attempted
  (`not_attempted`) instead of waiting for each one's time limit in turn, and no call is
  made any more. A hung LibreOffice costs two time limits per worker, not hours.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.libreoffice.calls import ConversionResult, not_attempted


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


@dataclass(eq=False)
class Unit:
    """What one call converts as one input file: a merged group, or a document alone."""

    docs: list[Document]
    merged: bool
    urgent: bool = False
    pinned: int = 0  # units of a retry share a number and are converted together, alone
    first_retry: bool = False  # the first retry after a call timed out: if it times out too, LibreOffice hangs
    held: bool = False  # the rest of a call that timed out: waits for the outcome of the first retries

    @property
    def size(self) -> int:
        return len(self.docs)


@dataclass(eq=False)
class Call:
    """The units of one LibreOffice call, in the order of its input files."""

    units: list[Unit]
    probe: bool = False  # one document of each unknown kind, to learn page counts
    first_retry: bool = False

    @property
    def sizes(self) -> list[int]:
        return [u.size for u in self.units]


@dataclass
class Scheduler:
    workers: int = 1
    grouping: bool = True
    patience: float = 1.0  # seconds a free worker waits for its share of the work to be ready
    expected: int = 0  # documents announced and not yet submitted
    ready: deque[Unit] = field(default_factory=deque)
    outstanding: int = 0  # calls taken and not `done` yet
    closed: bool = False
    hung: bool = False  # the hang rule fired: no more calls
    learned: dict[str, int] = field(default_factory=dict)  # kind → last page count seen
    calls: int = 0
    probes: int = 0  # probe calls made (for tests)
    _pins: int = 0
    _probing: bool = False  # a probe is running: groups of unknown kinds wait for it
    _suspect: int = 0  # warm-ups that timed out: as many next calls count as first retries
    _retrying: int = 0  # first retries running: held units wait for them

    # --- what comes in --------------------------------------------------------------------

    def announce(self, documents: int) -> None:
        """This many more documents will be submitted (to size the shares)."""
        self.expected += documents

    def submit(self, docs: list[Document], keys: list[str | None], *, urgent: bool = False) -> list[ConversionResult]:
        """Queue documents that belong together; `keys` are their merge keys (None: never merged).
        The results decided at once: none, or every document not attempted once LibreOffice hangs."""
        self.expected = max(0, self.expected - len(docs))
        if self.hung:
            return [not_attempted(d.docx) for d in docs]
        units = self._units(docs, keys, urgent)
        if urgent:
            self.ready.extendleft(reversed(units))
        else:
            self.ready.extend(units)
        return []

    def _units(self, docs: list[Document], keys: list[str | None], urgent: bool) -> list[Unit]:
        """Merged groups of what can be merged (same key); documents alone otherwise."""
        if not self.grouping or len(docs) < 2:
            return [Unit([d], False, urgent) for d in docs]
        groups: dict[str, list[Document]] = {}
        alone = []
        for d, key in zip(docs, keys, strict=True):
            (alone.append(d) if key is None else groups.setdefault(key, []).append(d))
        return [Unit(g, len(g) > 1, urgent) for g in groups.values()] + [Unit([d], False, urgent) for d in alone]

    def close(self) -> None:
        """Nothing more will be submitted."""
        self.closed, self.expected = True, 0

    def stop(self) -> None:
        """Drop everything queued (an interrupted conversion)."""
        self.closed, self.expected = True, 0
        self.ready.clear()

    @property
    def finished(self) -> bool:
        """Whether a free worker can go: LibreOffice hangs, or everything is converted."""
        return self.hung or (self.closed and not self.ready and self.outstanding == 0)

    # --- what the next call takes ---------------------------------------------------------

    def take(self, now: float, idle_since: float) -> Call | None:
        """The next call for a worker free since `idle_since`: a retry as it was queued, urgent
        units, a probe, or a fair share of the rest; None when it should wait (or go: `finished`)."""
        if self.hung:
            return None
        probes = [u for u in self.ready if self._unknown(u)]
        if probes and not self._probing:
            return self._probe(probes[0])
        usable = [u for u in self.ready if not any(u is p for p in probes) and not (u.held and self._retrying)]
        if not usable:
            return None
        head = usable[0]
        share = math.ceil((sum(u.size for u in self.ready) + self.expected) / self.workers)
        waited = now - idle_since >= self.patience
        if not (head.pinned or head.urgent or self.closed or not self.expected or waited
                or sum(u.size for u in usable) >= share):
            return None
        if head.pinned:
            taken = [u for u in usable if u.pinned == head.pinned]
        else:
            taken = [head]
            for unit in usable[1:]:
                if unit.pinned or not (unit.urgent or sum(u.size for u in taken) + unit.size <= share):
                    break
                taken.append(unit)
        for unit in taken:
            self.ready.remove(unit)
        return self._call(taken, probe=False)

    def _probe(self, unit: Unit) -> Call:
        """One document of each unknown kind, converted alone; the rest waits for their counts."""
        self._probing = True
        self.probes += 1
        self.ready.remove(unit)
        samples: dict[str, Document] = {}
        for d in unit.docs:
            if d.pages is None and d.kind not in self.learned:
                samples.setdefault(d.kind, d)
        rest = [d for d in unit.docs if d not in samples.values()]
        if rest:
            self.ready.appendleft(Unit(rest, len(rest) > 1, unit.urgent))
        return self._call([Unit([d], False) for d in samples.values()], probe=True)

    def _unknown(self, unit: Unit) -> bool:
        return unit.merged and not unit.pinned and any(d.pages is None and d.kind not in self.learned
                                                       for d in unit.docs)

    def _call(self, units: list[Unit], probe: bool) -> Call:
        self.outstanding += 1
        self.calls += 1
        call = Call(units, probe, any(u.first_retry for u in units) or self._suspect > 0)
        self._suspect = max(0, self._suspect - 1)
        self._retrying += call.first_retry
        return call

    def pages_for(self, doc: Document) -> int:
        """The « sur N » of a document in a merged group: its count, or its kind's, or 1."""
        return doc.pages or self.learned.get(doc.kind, 1)

    # --- what comes back ------------------------------------------------------------------

    def warmed_up(self, timed_out: bool) -> None:
        """A worker's LibreOffice started (or did not within its time limit: the next call is a retry)."""
        if timed_out:
            self._suspect += 1

    def learn(self, kind: str, pages: int, *, replace: bool = True) -> None:
        if replace:
            self.learned[kind] = pages
        else:
            self.learned.setdefault(kind, pages)

    def ended(self, call: Call, *, timed_out: bool) -> list[ConversionResult]:
        """A call's LibreOffice ended (before its PDFs are collected): the hang rule is applied at
        once, so that no worker starts another call meanwhile. The documents it gives up."""
        if not (timed_out and call.first_retry) or self.hung:
            return []
        self.hung = True
        queued = [d for unit in self.ready for d in unit.docs]
        self.ready.clear()
        return [not_attempted(d.docx) for d in queued]

    def done(self, call: Call, failed: list[tuple[Unit, ConversionResult]], *, timed_out: bool) -> list[ConversionResult]:
        """A call's PDFs are collected; `failed`: its units with no PDF, in call order. Queues the
        retries; returns the results decided now (documents reported as failed, or not attempted)."""
        self.outstanding -= 1
        if call.probe:
            self._probing = False  # its counts are known now: the groups that waited for them can go
        self._retrying -= call.first_retry
        decided = self.ended(call, timed_out=timed_out)  # (already applied by a caller that knew earlier)
        if self.hung:
            alone = len(failed) == 1 and not failed[0][0].merged and timed_out and call.first_retry
            return decided + ([failed[0][1]] if alone else
                              [not_attempted(d.docx) for unit, _ in failed for d in unit.docs])
        if not timed_out and len(failed) < len(call.units):
            self._suspect = 0  # LibreOffice converted something: it answers
        if not failed:
            return []
        if timed_out and (len(call.units) > 1 or failed[0][0].merged):  # a batch: its first failure alone
            head = failed[0][0]
            first, *others = [Unit([d], False) for d in head.docs] if head.merged else [head]
            first.first_retry = True
            rest = [*others, *(unit for unit, _ in failed[1:])]
            for unit in rest:
                unit.held = True
            self.requeue([first], rest)
        elif len(failed) > 1:
            half = len(failed) // 2
            self.requeue([u for u, _ in failed[:half]], [u for u, _ in failed[half:]])
        elif failed[0][0].merged:
            self.requeue([Unit([d], False) for d in failed[0][0].docs])
        else:
            if timed_out:  # a document alone timed out: the next call is a retry as far as the rule goes
                self._suspect += 1
            return [failed[0][1]]
        return []

    def requeue(self, *calls: list[Unit]) -> list[ConversionResult]:
        """Queue each list of units as one call of its own, ahead of everything else (or give
        their documents up, once LibreOffice hangs)."""
        if self.hung:
            return [not_attempted(d.docx) for units in calls for unit in units for d in unit.docs]
        for units in reversed([c for c in calls if c]):
            self._pins += 1
            for unit in reversed(units):
                unit.pinned = self._pins
                self.ready.appendleft(unit)
        return []

    def again(self, docs: list[Document]) -> list[ConversionResult]:
        """Documents whose « sur N » was wrong: converted again, with the next call, with their counts."""
        if self.hung:
            return [not_attempted(d.docx) for d in docs]
        self.ready.appendleft(Unit(docs, len(docs) > 1, urgent=True))
        return []
