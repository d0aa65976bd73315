"""Orchestration of a build: validate, render, convert, assemble, record. No click here.

Outputs are recorded in outputs/manifest.json with a fingerprint of what each one depends
on (its context, its template, --pdfa). A later build skips what is unchanged, rewrites
what changed, removes the outputs of a document it could not rebuild (no stale file is
left beside a failure) and, when it builds everything, deletes the outputs of people and
juries no longer in the workbook.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterator, Protocol

from pipeline.documents import catalogue as documents
from pipeline.documents.catalogue import FAMILIES, Layout, Unit
from pipeline.documents.render import find_template, render_docx
from pipeline.errors import CoparError, ValidationFailed
from pipeline.files import write_bytes_atomically
from pipeline.results import FAILED, SKIPPED, WRITTEN, BuildResult, Outcome, build_report, sha256_file, sha256_text
from pipeline.settings import Settings
from pipeline.workbook.model import Dataset
from pipeline.workbook.reader import rapports_dir, resolve_input
from pipeline.workbook.validate import check

MANIFEST = "manifest.json"
BUILD_REPORT = "rapport-de-construction.txt"
MANIFEST_VERSION = 1
PARALLEL_RENDER_MIN = 24  # below this, starting worker processes costs more than it saves
SUFFIXES = (".docx", ".pdf")
BATCH = 40  # documents per LibreOffice call: fewer start-ups; a failed batch is retried file by file


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


def _render_job(args: tuple[Path, dict[str, Any], Path]) -> str | None:
    """Render one document; the French error, or None. Runs in worker processes."""
    template, context, out = args
    try:
        render_docx(template, context, out)
        return None
    except CoparError as exc:
        return str(exc)
    except Exception as exc:  # last line of defence: one document never stops the others
        return f"erreur inattendue en remplissant le modèle {template.name} ({type(exc).__name__} : {exc})"


def stable_json(context: dict[str, Any]) -> str:
    """The context as text, without the generation date (which alone does not make a document new)."""
    return json.dumps({k: v for k, v in context.items() if k != "genere_le"}, sort_keys=True, ensure_ascii=False,
                      default=str)


def fingerprint(context: dict[str, Any], template: Path, pdfa: bool) -> str:
    return sha256_text(f"{stable_json(context)}|{sha256_file(template)}|{pdfa}")


class Builder:
    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.s = settings
        self.progress = progress or _Silent()
        self.out = settings.output
        self.source: Path = resolve_input(settings.input)
        self.manifest_path = self.out / MANIFEST
        self.old = self._load_manifest()
        self.files: dict[str, dict[str, Any]] = {}  # what the manifest will say, by output path
        self.attempted: set[str] = set()  # paths this build tried to (re)write
        self.input_hashes: dict[str, str] = {}

    def _check_output(self) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise CoparError(f"Dossier de sortie inutilisable : {self.out} est un fichier. Indiquez un dossier avec -o.")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CoparError(f"Dossier de sortie inutilisable : {self.out} ({exc.strerror}). "
                             "Indiquez un dossier où vous pouvez écrire, avec -o.") from exc
        if not os.access(self.out, os.W_OK | os.X_OK):
            raise CoparError(f"Dossier de sortie en lecture seule : {self.out}. Indiquez un autre dossier avec -o.")

    def _load_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            return data.get("files", {}) if data.get("version") == MANIFEST_VERSION else {}
        except (OSError, ValueError, AttributeError):
            return {}

    @property
    def complete(self) -> bool:
        """Whether this build covers every document (so anything else is obsolete)."""
        return not self.s.only and self.s.student is None

    def run(self) -> BuildResult:
        dataset, report = check(self.s.input)
        if dataset is None or not report.valid:
            raise ValidationFailed(report)
        self._check_output()  # only now: a refused build leaves no trace
        self.input_hashes = self._hash_inputs()
        result = BuildResult(self.out, report)
        families, packets = documents.resolve_only(self.s.only)
        layout = Layout.of(dataset)
        units = self._select(documents.units(dataset, families, self.s.today, layout), dataset)
        pending = self._render_all(units, result)
        if self.s.pdf:
            self._convert(pending, result)
        self._packets(dataset, layout, result, requested=packets)
        try:
            self._remove_obsolete(result)
            self._write_manifest(result)
        except OSError as exc:
            raise CoparError(f"Impossible d'écrire le manifeste ou le rapport dans {self.out} : {exc.strerror}.") from exc
        return result

    def _packets(self, ds: Dataset, layout: Layout, result: BuildResult, requested: bool) -> None:
        existing = any(v.get("family") == "dossier_jury" for v in self.old.values())
        if not (requested or existing):
            return
        if not self.s.pdf:
            if existing:
                result.notes.append("Dossiers de jury non mis à jour (option --no-pdf) : relancez « copar build » "
                                    "sans --no-pdf avant de les transmettre.")
            else:
                result.notes.append("Dossiers de jury non assemblés : ils demandent les PDF (option --no-pdf).")
            return
        from pipeline.pdf.packets import build_packets

        build_packets(self, ds, layout, result, only_existing=not requested or self.s.student is not None)

    # --- selection and rendering -----------------------------------------------------

    def _select(self, units: list[Unit], ds: Dataset) -> list[Unit]:
        if self.s.student is None:
            return units
        try:
            student = ds.student(self.s.student)
        except KeyError:
            raise CoparError(f"Aucun·e étudiant·e n° {self.s.student} dans le classeur : vérifiez le numéro "
                             "(colonne « N° étudiant » de la feuille Étudiant·es).") from None
        return [u for u in units if u.numero == student.numero
                or (u.family == "invitation" and u.context["tuteur"]["courriel"].lower() == student.tuteur.key)]

    def target(self, rel: str, suffix: str) -> Path:
        path = (self.out / f"{rel}{suffix}").resolve()
        if self.out.resolve() not in path.parents:
            raise CoparError(f"Chemin de sortie refusé (hors du dossier de sortie) : {rel}")
        return path

    def _render_all(self, units: list[Unit], result: BuildResult) -> list[tuple[Unit, Path]]:
        """Render what changed (in parallel when worth it); return the DOCX files that need a PDF."""
        jobs: list[tuple[Unit, Outcome, Path, Path]] = []
        for unit in units:
            outcome, job = self._plan(unit)
            result.outcomes.append(outcome)
            if job is not None:
                jobs.append((unit, outcome, *job))
        self.progress.start("Documents Word", len(jobs))
        pending = []
        for (unit, outcome, _template, docx), error in zip(jobs, self._render_jobs(jobs), strict=True):
            self.progress.advance(unit.label)
            rel = str(unit.path)
            self.discard(rel, ".pdf")  # stale: converted again below, or none with --no-pdf
            if error is not None:
                outcome.status, outcome.error = FAILED, error
                self.discard(rel, ".docx")
                self.files.pop(rel, None)
                continue
            self.files[rel]["docx"] = {"path": f"{rel}.docx", "sha256": sha256_file(docx)}
            pending.append((unit, docx))
        self.progress.finish()
        return pending

    def _render_jobs(self, jobs: list[tuple[Unit, Outcome, Path, Path]]) -> Iterator[str | None]:
        args = [(template, unit.context, docx) for unit, _, template, docx in jobs]
        if self.s.workers > 1 and len(args) >= PARALLEL_RENDER_MIN:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=self.s.workers, mp_context=context) as pool:
                yield from pool.map(_render_job, args, chunksize=8)
        else:
            yield from map(_render_job, args)

    def _plan(self, unit: Unit) -> tuple[Outcome, tuple[Path, Path] | None]:
        """Decide whether `unit` must be rendered; record its manifest entry."""
        rel = str(unit.path)
        self.attempted.add(rel)
        outcome = Outcome(unit.label, rel, WRITTEN, family=unit.family)
        try:
            template = find_template(FAMILIES[unit.family].template, self.s.templates)
            docx, pdf = self.target(rel, ".docx"), self.target(rel, ".pdf")
        except CoparError as exc:
            outcome.status, outcome.error = FAILED, str(exc)
            return outcome, None
        fp = fingerprint(unit.context, template, self.s.pdfa)
        previous = self.old.get(rel)
        if (not self.s.force and previous and previous.get("fingerprint") == fp and docx.exists()
                and (not self.s.pdf or pdf.exists())):
            self.files[rel] = previous
            outcome.status = SKIPPED
            return outcome, None
        self.files[rel] = self._entry(unit, template, fp)
        return outcome, (template, docx)

    def _entry(self, unit: Unit, template: Path, fp: str) -> dict[str, Any]:
        return {
            "family": unit.family,
            "label": unit.label,
            "student": unit.numero,
            "template": template.name,
            "template_sha256": sha256_file(template),
            "custom_template": self.s.templates is not None and template.parent == self.s.templates,
            "inputs": [str(self.source)],
            "fingerprint": fp,
        }

    def discard(self, rel: str, suffix: str) -> None:
        """Delete one output file (stale or obsolete) and forget it in the manifest entry."""
        path = self.target(rel, suffix)
        path.unlink(missing_ok=True)
        entry = self.files.get(rel)
        if entry is not None:
            entry.pop(suffix.lstrip("."), None)

    # --- conversion ----------------------------------------------------------------------

    def _convert(self, pending: list[tuple[Unit, Path]], result: BuildResult) -> None:
        if not pending:
            return
        by_docx = {docx: unit for unit, docx in pending}
        self.progress.start("Conversion PDF", len(pending))
        try:
            errors = self.convert_files(list(by_docx), on_done=lambda docx: self.progress.advance(by_docx[docx].label))
        except CoparError as exc:  # no LibreOffice at all
            errors = {docx: str(exc) for docx in by_docx}
        self.progress.finish()
        outcomes = {o.path: o for o in result.outcomes}
        for docx, error in errors.items():
            rel = str(by_docx[docx].path)
            if error is None:
                self.files[rel]["pdf"] = {"path": f"{rel}.pdf", "sha256": sha256_file(docx.with_suffix(".pdf"))}
            else:  # the DOCX is current and kept; the next build converts it again
                outcomes[rel].status, outcomes[rel].error = FAILED, error
                self.files[rel]["fingerprint"] = "pdf-manquant"

    def convert_files(self, docx: list[Path], on_done: Any = None) -> dict[Path, str | None]:
        """Convert DOCX files beside themselves; map each to its French error, or None."""
        from pipeline.pdf.convert import convert_many, find_soffice

        soffice = find_soffice(self.s.soffice)
        callback = (lambda r: on_done(r.source)) if on_done else None
        results = convert_many(docx, soffice=soffice, timeout=self.s.timeout, workers=self.s.workers, batch_size=BATCH,
                               pdfa=self.s.pdfa, on_done=callback)
        return {r.source: (r.error or "conversion PDF impossible") if r.pdf is None else None for r in results}

    # --- manifest, obsolete outputs, report ------------------------------------------------

    def _hash_inputs(self) -> dict[str, str]:
        paths = [self.source] if self.source.is_file() else sorted(self.source.glob("*.csv"))
        folder = rapports_dir(self.source)
        if folder.is_dir():
            paths += sorted(p for p in folder.iterdir() if p.is_file())
        return {str(p): sha256_file(p) for p in paths}

    def _remove_obsolete(self, result: BuildResult) -> None:
        """On a complete build, delete what earlier builds wrote for people or juries now gone."""
        if not self.complete:
            return
        for rel, entry in self.old.items():
            if rel in self.files:
                continue
            for extra in entry.get("extra", []):
                self._remove(extra, result)
            for suffix in SUFFIXES:
                self._remove(f"{rel}{suffix}", result)
        self._prune_empty_dirs()

    def _remove(self, rel_file: str, result: BuildResult) -> None:
        try:
            path = self.target(rel_file, "")
        except CoparError:  # a manifest edited by hand: never delete outside the output folder
            return
        if path.is_file():
            path.unlink()
            result.removed.append(rel_file)
        elif path.is_dir():
            shutil.rmtree(path)
            result.removed.append(rel_file + "/")

    def _prune_empty_dirs(self) -> None:
        for folder in sorted((p for p in self.out.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()

    def _write_manifest(self, result: BuildResult) -> None:
        from pipeline import __version__

        # a restricted build keeps the entries of documents it did not touch
        kept = {} if self.complete else {
            k: v for k, v in self.old.items()
            if k not in self.attempted and any(self.target(k, s).exists() for s in SUFFIXES)
        }
        manifest = {
            "version": MANIFEST_VERSION,
            "copar": __version__,
            "generated": self.s.today.isoformat(),
            "inputs": self.input_hashes,
            "templates": str(self.s.templates) if self.s.templates else "défaut",
            "files": dict(sorted({**kept, **self.files}.items())),
        }
        write_bytes_atomically(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        write_bytes_atomically(self.out / BUILD_REPORT, build_report(result).encode("utf-8"))


def build(settings: Settings, progress: Progress | None = None) -> BuildResult:
    """Validate the inputs and write every requested document under settings.output."""
    return Builder(settings, progress).run()
