"""Orchestration of a build: validate, render, convert, assemble, record. No click here.

The build's state lives in two objects: the `Manifest` (what the folder held at the
start, what it holds now, journalled as each file lands, "is this output fresh?") and
the `Outputs` (where a file goes; the only ways a file is removed or set aside). Jury
packets receive those two and a conversion callable, never the builder.

A build holds `.copar/verrou` for its whole run, sweeps what an interrupted build
left, then skips what is fresh, rewrites what changed (setting aside any file edited
by hand), removes the outputs the current workbook no longer produces in the stages it
ran, and finally writes manifest.json and the build report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

from pipeline.build.fingerprints import fingerprint
from pipeline.build.lock import BuildLock
from pipeline.build.manifest import MANIFEST, Entry, Manifest
from pipeline.build.outputs import Outputs, remove_file, set_aside
from pipeline.build.results import FAILED, PACKET_FAMILY, PENDING, SKIPPED, WRITTEN, BuildResult, Outcome, build_report
from pipeline.build.settings import Settings
from pipeline.documents import catalogue as documents
from pipeline.documents.catalogue import FAMILIES, Layout, Unit
from pipeline.documents.letters import letter_warnings
from pipeline.documents.limits import limit_worker
from pipeline.documents.render import find_template, lighten_rendering, render_docx
from pipeline.errors import CoparError
from pipeline.files import sha256_file, write_bytes_atomically
from pipeline.libreoffice.stream import ConversionStream, Document
from pipeline.processes import SPAWNING, interruptible, is_disk_full, raise_if_interrupted, worker_initializer
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import load, rapports_dir, resolve_input
from pipeline.workbook.validate import checked

BUILD_REPORT = "rapport-de-construction.txt"
RENDER_CHUNK = 4  # documents sent to a render worker at once
PARALLEL_RENDER_MIN = 24  # below this, starting worker processes costs more than it saves
STALE_SHOWN = 5  # out-of-date documents named in the note of a partial build


class Progress(Protocol):
    def start(self, phase: str, total: int) -> None: ...
    def advance(self, label: str) -> None: ...
    def finish(self) -> None: ...


class _Silent:
    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass

    def finish(self) -> None:
        pass


class DiskFull(CoparError):
    """Raised when the disk fills up during a build; carries what was written until then."""

    def __init__(self, output: Path, result: BuildResult) -> None:
        self.result = result
        super().__init__(f"Disque plein : plus de place pour écrire dans {output}. Les documents déjà écrits sont "
                         "complets et à jour ; libérez de la place puis relancez « copar build » pour terminer.")


def _init_render_worker(parent: int) -> None:
    """Pool initializer: dies with the build (processes), bounded memory (documents.limits), lighter rendering."""
    worker_initializer(parent)
    limit_worker()
    lighten_rendering()


def _render_job(args: tuple[Path, dict[str, Any], Path]) -> str | None:
    """Render one document; the French error, or None. Runs in worker processes."""
    template, context, out = args
    try:
        render_docx(template, context, out)
        return None
    except CoparError as exc:
        return str(exc)
    except OSError as exc:
        if is_disk_full(exc):
            raise  # stops the build: nothing else can be written
        return f"impossible d'écrire {out.name} : {exc.strerror or exc}"
    except Exception as exc:  # last line of defence: one document never stops the others
        return f"erreur inattendue en remplissant le modèle {template.name} ({type(exc).__name__} : {exc})"


def _conversion_error(result: Any) -> str | None:
    return (result.error or "conversion PDF impossible") if result.pdf is None else None


def _group(unit: Unit) -> str:
    """Documents converted together: a student's, or a family's (tutors' invitations)."""
    return f"0{unit.numero}" if unit.numero else f"1{unit.family}"  # students first: they teach page counts
def _version() -> str:
    """The installed copar's version (read from its metadata: importing `pipeline` here would be a cycle)."""
    from importlib.metadata import PackageNotFoundError

    try:
        return version("copar")
    except PackageNotFoundError:
        return "inconnue"


class Builder:
    def __init__(self, settings: Settings, progress: Progress | None = None, *, warm: bool = True,
                 listener: bool = True) -> None:
        """`warm` and `listener` switch off the conversion stream's speed-ups (the benchmark's variants)."""
        self.s = settings
        self.progress = progress or _Silent()
        self.engine = {"warm": warm, "listener": listener}
        self.stream: ConversionStream | None = None  # while the build's stages run
        self.outputs = Outputs(settings.output)
        self.source: Path = resolve_input(settings.input)
        self.manifest = Manifest(self.outputs.root, self.outputs.work)
        self.other_promotion = False  # the folder held another promotion's outputs (--force)
        self._rendered_units: dict[Path, Unit] = {}  # DOCX rendered this build → its unit
        self._early: dict[Path, str | None] = {}  # PDFs that landed while rendering went on → error or None

    @property
    def complete(self) -> bool:
        """Whether this build covers every document (so anything else is obsolete)."""
        return not self.s.only and self.s.student is None

    def run(self) -> BuildResult:
        dataset, report = checked(load(self.s.input))
        self.outputs.prepare()  # only now: a refused build leaves no trace
        self._refuse_foreign_folder()
        result = BuildResult(self.outputs.root, report)
        with BuildLock(self.outputs.work, self.outputs.root), interruptible():
            self.manifest = Manifest.load(self.outputs.root, self.outputs.work)
            self._check_promotion(dataset)
            self.outputs.sweep()
            try:
                self.manifest.open(self._metadata(dataset))
                self._stages(dataset, result)
                self._finish(result)
            except OSError as exc:
                if not is_disk_full(exc):
                    raise CoparError(f"Impossible d'écrire dans {self.outputs.root} : {exc.strerror or exc}.") from exc
                self._abandon(result, "non écrit : disque plein")
                self.outputs.remove_temporary()  # workers stopped mid-write (they are all stopped by now)
                raise DiskFull(self.outputs.root, result) from exc
            finally:
                self.manifest.close()
        return result

    def _stages(self, dataset: Dataset, result: BuildResult) -> None:
        families, packets = documents.split_selection(self.s.only)
        layout = Layout.of(dataset)
        units = documents.units(dataset, families, self.s.today, layout, self.s.letter_date)
        if "invitation" in families:
            result.notes.extend(letter_warnings(dataset, self.s.letter_date, self.s.today))
        with self._conversions():
            pending = self._render_all(self._select(units, dataset), result)
            if self.s.pdf:
                self._convert(pending, result)
            built = set(families)
            if self._packets(dataset, layout, result, requested=packets):
                built.add(PACKET_FAMILY)
        self._remove_obsolete(result, built)
        if not self.complete:
            self._note_out_of_date(dataset, layout, result)

    def _finish(self, result: BuildResult) -> None:
        self._abandon(result, "non tenté")
        self.manifest.write()
        write_bytes_atomically(self.outputs.root / BUILD_REPORT, build_report(result).encode("utf-8"))

    def _abandon(self, result: BuildResult, why: str) -> None:
        for outcome in result.with_status(PENDING):
            outcome.status, outcome.error = FAILED, why

    # --- the output folder: someone else's, another promotion's --------------------------

    def _refuse_foreign_folder(self) -> None:
        has_manifest = (self.outputs.root / MANIFEST).is_file() or self.manifest.journal_path.is_file()
        foreign = [] if has_manifest or self.s.force else self.outputs.foreign_content()
        if foreign:
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            raise CoparError(f"Dossier de sortie refusé : {self.outputs.root} n'est pas vide ({shown}) et ne contient "
                             "pas de manifeste copar (manifest.json), copar pourrait y remplacer ou supprimer des "
                             "fichiers. Indiquez un dossier vide ou nouveau avec -o, ou ajoutez --force pour "
                             "l'utiliser quand même.")

    def _check_promotion(self, ds: Dataset) -> None:
        before = self.manifest.meta.get("promotion")
        if not before or before == ds.promotion.annee:
            return
        if not self.s.force:
            raise CoparError(f"Dossier de sortie refusé : {self.outputs.root} contient les documents de la promotion "
                             f"{before}, et le classeur est celui de {ds.promotion.annee}. Indiquez un autre dossier "
                             "avec -o, ou ajoutez --force pour y remplacer l'ancienne promotion (ses documents "
                             "seront supprimés).")
        self.other_promotion = True

    def _metadata(self, ds: Dataset) -> dict[str, Any]:
        return {
            "copar": _version(),
            "promotion": ds.promotion.annee,
            "generated": self.s.today.isoformat(),
            "inputs": self._hash_inputs(),
            "templates": str(self.s.templates) if self.s.templates else "défaut",
        }

    def _hash_inputs(self) -> dict[str, str]:
        paths = [self.source] if self.source.is_file() else sorted(self.source.glob("*.csv"))
        folder = rapports_dir(self.source)
        if folder.is_dir():
            paths += sorted(p for p in folder.iterdir() if p.is_file())
        return {str(p): sha256_file(p) for p in paths}

    # --- selection and rendering -----------------------------------------------------

    def _select(self, units: list[Unit], ds: Dataset) -> list[Unit]:
        """--etudiant: that student's documents, plus the shared ones (no student) already produced that changed."""
        if self.s.student is None:
            return units
        try:
            student = ds.student(self.s.student)
        except KeyError:
            raise CoparError(f"Aucun·e étudiant·e n° {self.s.student} dans le classeur : vérifiez le numéro "
                             "(colonne « N° étudiant » de la feuille Étudiant·es).") from None
        return [u for u in units if u.numero == student.numero
                or (u.family == "invitation" and u.context["tuteur"]["courriel"].lower() == student.tuteur.key)
                or (u.numero is None and str(u.path) in self.manifest.state and self._stale(u))]

    def _stale(self, unit: Unit) -> bool:
        """Whether the manifest's fingerprint of `unit` differs from its current one (or it has none)."""
        try:
            template = find_template(FAMILIES[unit.family].template, self.s.templates)
        except CoparError:
            return True
        entry = self.manifest.state.get(str(unit.path))
        return entry is None or entry.fingerprint != fingerprint(unit.context, template, self.s.pdfa)

    def _render_all(self, units: list[Unit], result: BuildResult) -> list[tuple[Unit, Path]]:
        """Render what changed (in parallel when worth it); return the DOCX files that need a PDF."""
        jobs: list[tuple[Unit, Outcome, Path, Path]] = []
        for unit in units:
            outcome, job = self._plan(unit, result)
            result.outcomes.append(outcome)
            if job is not None:
                jobs.append((unit, outcome, *job))
        jobs.sort(key=lambda job: _group(job[0]))  # stable: each person's documents in catalogue order
        if self.stream is not None:
            self.stream.announce(len(jobs))
        self.progress.start("Documents Word", len(jobs))
        pending: list[tuple[Unit, Path]] = []
        results = self._render_jobs(jobs)
        group: list[Document] = []
        try:
            for index, ((unit, outcome, _template, docx), error) in enumerate(zip(jobs, results, strict=False)):
                if self._rendered(unit, outcome, docx, error, pending):
                    group.append(Document(docx, unit.family, self._known_pages(str(unit.path))))
                if index + 1 == len(jobs) or _group(jobs[index + 1][0]) != _group(unit):
                    if self.stream is not None and group:  # a person's documents, converted together
                        self.stream.submit(group)
                        self._drain()
                    group = []
        finally:
            results.close()  # stops the workers at once, also on Ctrl-C or a full disk
            self.progress.finish()
        return pending

    def _known_pages(self, rel: str) -> int | None:
        """The page count of the PDF the last build made of `rel`, if it recorded one (the stream's guess)."""
        entry = self.manifest.old.get(rel)
        return entry.pdf.pages if entry is not None and entry.pdf is not None else None

    def _rendered(self, unit: Unit, outcome: Outcome, docx: Path, error: str | None,
                  pending: list[tuple[Unit, Path]]) -> bool:
        """One document rendered (or not): record it as it lands; whether it was."""
        self.progress.advance(unit.label)
        raise_if_interrupted()  # a Ctrl-C that landed in a finalizer stops the build here
        rel = str(unit.path)
        self.outputs.discard(f"{rel}.pdf")  # stale: converted again below, or none with --no-pdf
        if error is not None:
            outcome.status, outcome.error = FAILED, error
            self.outputs.discard(f"{rel}.docx")
            self.manifest.record(rel, None)
            return False
        self.manifest.update_file(rel, "docx", f"{rel}.docx", docx, drop="pdf")
        outcome.status = WRITTEN
        pending.append((unit, docx))
        self._rendered_units[docx] = unit
        return True

    def _drain(self) -> None:
        """Journal the PDFs that landed while rendering goes on: an interrupted build keeps them."""
        assert self.stream is not None
        for r in self.stream.poll():
            self._early[r.source] = _conversion_error(r)
            unit = self._rendered_units.get(r.source)
            if unit is not None and r.pdf is not None:
                self._journal_pdf(unit, r.source)

    def _journal_pdf(self, unit: Unit, docx: Path) -> None:
        rel = str(unit.path)
        pages = self.stream.pages.get(docx) if self.stream is not None else None
        if pages:  # the next build's guess (Document.pages)
            self.manifest.update_file(rel, "pdf", f"{rel}.pdf", docx.with_suffix(".pdf"), pages=pages)
        else:
            self.manifest.update_file(rel, "pdf", f"{rel}.pdf", docx.with_suffix(".pdf"))

    def _render_jobs(self, jobs: list[tuple[Unit, Outcome, Path, Path]]) -> Generator[str | None, None, None]:
        args = [(template, unit.context, docx) for unit, _, template, docx in jobs]
        if self.s.workers > 1 and len(args) >= PARALLEL_RENDER_MIN:
            import multiprocessing
            import os

            context = multiprocessing.get_context("fork")
            from pipeline.documents.limits import RENDER_BATCH

            # Fresh workers every RENDER_BATCH documents: bounded memory. New pools rather than
            # maxtasksperchild, whose replacement workers are forked from a thread of the pool.
            for start in range(0, len(args), RENDER_BATCH):
                with SPAWNING:  # not while a LibreOffice is being started (see processes.py)
                    pool = context.Pool(self.s.workers, initializer=_init_render_worker, initargs=(os.getpid(),))
                try:
                    yield from pool.imap(_render_job, args[start:start + RENDER_BATCH], chunksize=RENDER_CHUNK)
                    pool.close()
                finally:
                    pool.terminate()  # at once, also on Ctrl-C: no worker outlives the build
                    pool.join()
        else:
            from pipeline.documents.limits import memory_cap

            for job in args:
                # Here too the memory of an untrusted template is capped, for the time of one render;
                # SPAWNING held meanwhile: no LibreOffice started by another thread inherits the cap.
                with SPAWNING, memory_cap():
                    error = _render_job(job)
                yield error

    def _plan(self, unit: Unit, result: BuildResult) -> tuple[Outcome, tuple[Path, Path] | None]:
        """Decide whether `unit` must be rendered; if so, invalidate its entry before anything is written."""
        rel = str(unit.path)
        self.manifest.attempted.add(rel)
        outcome = Outcome(unit.label, rel, PENDING, family=unit.family)
        try:
            template = find_template(FAMILIES[unit.family].template, self.s.templates)
            docx, pdf = self.outputs.target(rel, ".docx"), self.outputs.target(rel, ".pdf")
        except CoparError as exc:
            outcome.status, outcome.error = FAILED, str(exc)
            return outcome, None
        fp = fingerprint(unit.context, template, self.s.pdfa)
        needed = {"docx": docx, **({"pdf": pdf} if self.s.pdf else {})}
        if not self.s.force and self.manifest.fresh(rel, fp, needed):
            self.manifest.keep(rel)
            outcome.status = SKIPPED
            return outcome, None
        set_aside(self.manifest, self.outputs, rel, {"docx": docx, "pdf": pdf}, result)
        self.manifest.invalidate(rel, self._entry(unit, template, fp), [f"{rel}.docx", f"{rel}.pdf"])
        return outcome, (template, docx)

    def _entry(self, unit: Unit, template: Path, fp: str) -> Entry:
        return Entry(unit.family, unit.label, fp, student=unit.numero, template=template.name,
                     template_sha256=sha256_file(template),
                     custom_template=self.s.templates is not None and template.parent == self.s.templates,
                     inputs=(str(self.source),))

    # --- conversion ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _conversions(self) -> Iterator[None]:
        """One conversion stream for the whole build (documents, packet covers, placeholder pages)."""
        from pipeline.libreoffice.calls import find_soffice

        try:
            soffice = find_soffice(self.s.soffice) if self.s.pdf else None
        except CoparError:  # no LibreOffice: convert_files says so for every document
            soffice = None
        if soffice is None:
            yield
            return
        with ConversionStream(soffice, timeout=self.s.timeout, workers=self.s.workers, pdfa=self.s.pdfa,
                              grouping=self.s.grouping, tmpdir=self.outputs.tmp.resolve(), **self.engine) as stream:
            self.stream = stream
            try:
                yield
            finally:
                self.stream = None

    def _convert(self, pending: list[tuple[Unit, Path]], result: BuildResult) -> None:
        if not pending:
            return
        by_docx = {docx: unit for unit, docx in pending}
        outcomes = {o.path: o for o in result.outcomes}

        def landed(docx: Path, error: str | None, journalled: bool = False) -> None:  # as each PDF lands: journal it
            unit = by_docx[docx]
            rel = str(unit.path)
            self.progress.advance(unit.label)
            if error is None:
                if not journalled:
                    self._journal_pdf(unit, docx)
            else:  # the DOCX is current and kept; the next build renders and converts it again
                outcomes[rel].status, outcomes[rel].error = FAILED, error

        self.progress.start("Conversion PDF", len(pending))
        try:
            if self.stream is not None:  # already streaming since the first person was rendered
                for docx, error in self._early.items():  # landed while rendering went on
                    if docx in by_docx:
                        landed(docx, error, journalled=True)
                for r in self.stream.finished():
                    if r.source in by_docx:
                        landed(r.source, _conversion_error(r))
            else:
                self.convert_files(list(by_docx), on_done=landed)
        except CoparError as exc:  # no LibreOffice at all
            for docx in by_docx:
                landed(docx, str(exc))
        finally:
            self.progress.finish()

    def convert_files(self, docx: list[Path], on_done: Any = None) -> dict[Path, str | None]:
        """Convert DOCX files beside themselves; map each to its French error, or None.

        `on_done(docx, error)` is called in this thread as each result arrives.
        """
        from pipeline.libreoffice.calls import find_soffice
        from pipeline.libreoffice.stream import convert_many

        if self.stream is not None:  # ahead of the queue; kinds guess page counts ("indisponible"…)
            done = self.stream.convert([Document(p, p.stem.lstrip("0123456789-")) for p in docx])
            for path, r in done.items():
                if on_done:
                    on_done(path, _conversion_error(r))
            return {path: _conversion_error(r) for path, r in done.items()}
        soffice = find_soffice(self.s.soffice)

        callback = (lambda r: on_done(r.source, _conversion_error(r))) if on_done else None
        results = convert_many(docx, soffice=soffice, timeout=self.s.timeout, workers=self.s.workers, pdfa=self.s.pdfa,
                               on_done=callback, tmpdir=self.outputs.tmp.resolve())
        return {r.source: _conversion_error(r) for r in results}

    # --- packets ---------------------------------------------------------------------------

    def _packets(self, ds: Dataset, layout: Layout, result: BuildResult, requested: bool) -> bool:
        """Build or update the jury packets; whether the packet stage ran."""
        existing = any(entry.family == PACKET_FAMILY for entry in self.manifest.state.values())
        if not (requested or existing):
            return False
        if not self.s.pdf:
            if existing:
                result.notes.append("Dossiers de jury non mis à jour (option --no-pdf) : relancez « copar build » "
                                    "sans --no-pdf avant de les transmettre.")
            else:
                result.notes.append("Dossiers de jury non assemblés : ils demandent les PDF (option --no-pdf).")
            return False
        from pipeline.build.packets import PacketStage, build_packets

        stage = PacketStage(self.s, self.manifest, self.outputs, self.convert_files, rapports_dir(self.source))
        build_packets(stage, ds, layout, result, only_existing=not requested or self.s.student is not None)
        return requested and self.s.student is None

    # --- obsolete and out-of-date outputs --------------------------------------------------

    def _remove_obsolete(self, result: BuildResult, built: set[str]) -> None:
        """Remove what this build's stages no longer produce: in the families it built (for one
        student with --etudiant), or everything of another promotion (--force)."""
        for rel, entry in list(self.manifest.state.items()):
            if rel in self.manifest.seen:
                continue
            if not self.other_promotion:
                if entry.family not in built:
                    continue
                if self.s.student is not None and entry.student != self.s.student:
                    continue
            for path, sha in self.manifest.files_of(rel):
                remove_file(self.outputs, path, sha, result)
            self.manifest.record(rel, None)

    def _note_out_of_date(self, ds: Dataset, layout: Layout, result: BuildResult) -> None:
        """A partial build names the documents it left behind the workbook, and how to refresh them."""
        everything, _ = documents.split_selection(())
        stale = [u.label for u in documents.units(ds, everything, self.s.today, layout)
                 if str(u.path) not in self.manifest.attempted and str(u.path) in self.manifest.state
                 and self._stale(u)]
        if stale:
            names = ", ".join(stale[:STALE_SHOWN]) + (", …" if len(stale) > STALE_SHOWN else "")
            result.notes.append(f"{len(stale)} document{'s' if len(stale) > 1 else ''} déjà produit"
                                f"{'s' if len(stale) > 1 else ''} ne {'correspondent' if len(stale) > 1 else 'correspond'}"
                                f" plus au classeur ({names}) : relancez « copar build » sans --only ni --etudiant "
                                "pour les mettre à jour.")


def build(settings: Settings, progress: Progress | None = None) -> BuildResult:
    """Validate the inputs and write every requested document under settings.output."""
    return Builder(settings, progress).run()
