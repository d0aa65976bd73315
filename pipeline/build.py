"""Orchestration of a build: validate, render, convert, assemble, record. No click here."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from . import documents
from .config import Settings
from .documents import FAMILIES, Layout, Unit
from .errors import CoparError, TemplateProblem, ValidationFailed
from .files import write_bytes_atomically
from .model import Dataset
from .render import find_template, render_docx
from .report import Report
from .validate import check
from .workbook import rapports_dir, resolve_input

MANIFEST = "manifest.json"
BUILD_REPORT = "rapport-de-construction.txt"
MANIFEST_VERSION = 1
PACKET_TITLE = "Dossier de jury (PDF)"
PARALLEL_RENDER_MIN = 24  # below this, starting worker processes costs more than it saves


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


@dataclass
class Outcome:
    label: str
    path: str  # relative to the output folder, without suffix for documents
    status: str  # "written", "skipped", "failed"
    error: str = ""
    family: str = ""


@dataclass
class BuildResult:
    output: Path
    report: Report
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # French remarks: rapports missing, packets skipped…

    def with_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.with_status("failed")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _render_job(args: tuple[Path, dict[str, Any], Path]) -> str | None:
    """Render one document; the French error, or None. Runs in worker processes."""
    template, context, out = args
    try:
        render_docx(template, context, out)
        return None
    except (TemplateProblem, OSError) as exc:
        return str(exc)


@functools.lru_cache(maxsize=64)
def _template_sha(path: Path, mtime: float) -> str:
    return sha256_file(path)


def template_sha(path: Path) -> str:
    return _template_sha(path, path.stat().st_mtime)


def fingerprint(context: dict[str, Any], template: Path, pdfa: bool) -> str:
    """What a document depends on; the generation date alone does not make it new."""
    stable = {k: v for k, v in context.items() if k != "genere_le"}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str)
    return sha256_bytes(f"{text}|{template_sha(template)}|{pdfa}".encode())


class Builder:
    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.s = settings
        self.progress = progress or _Silent()
        self.out = settings.output
        self.manifest_path = self.out / MANIFEST
        self.old = self._load_manifest()
        self.files: dict[str, dict[str, Any]] = {}
        self.source: Path = resolve_input(settings.input)
        self.input_hashes: dict[str, str] = {}

    def _load_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            return data.get("files", {}) if data.get("version") == MANIFEST_VERSION else {}
        except (OSError, ValueError):
            return {}

    def run(self) -> BuildResult:
        dataset, report = check(self.s.input)
        if dataset is None or not report.valid:
            raise ValidationFailed(report)
        self.input_hashes = self._hash_inputs()
        result = BuildResult(self.out, report)
        families, packets = documents.resolve_only(self.s.only)
        layout = Layout.of(dataset)
        units = self._select(documents.units(dataset, families, self.s.today, layout), dataset)
        pending = self._render_all(units, result)
        if self.s.pdf:
            self._convert(pending, result)
        if packets and self.s.student is None:
            if self.s.pdf:
                from .packets import build_packets

                build_packets(self, dataset, layout, result)
            else:
                result.notes.append("Dossiers de jury non assemblés : ils demandent les PDF (option --no-pdf).")
        self._write_manifest(result)
        return result

    # --- selection and rendering -----------------------------------------------------

    def _select(self, units: list[Unit], ds: Dataset) -> list[Unit]:
        if self.s.student is None:
            return units
        try:
            student = ds.student(self.s.student)
        except KeyError:
            raise CoparError(f"Aucun·e étudiant·e n° {self.s.student} dans le classeur : vérifiez le numéro "
                             "(colonne « N° étudiant » de la feuille Étudiant·es).") from None
        keep = []
        for u in units:
            if u.numero == student.numero:
                keep.append(u)
            elif u.family == "invitation" and u.context["tuteur"]["courriel"] == student.tuteur.courriel:
                keep.append(u)
        return keep

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
            if error is not None:
                outcome.status, outcome.error = "failed", error
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
        outcome = Outcome(unit.label, rel, "written", family=unit.family)
        try:
            template = find_template(FAMILIES[unit.family].template, self.s.templates)
            docx, pdf = self.target(rel, ".docx"), self.target(rel, ".pdf")
        except CoparError as exc:
            outcome.status, outcome.error = "failed", str(exc)
            return outcome, None
        fp = fingerprint(unit.context, template, self.s.pdfa)
        previous = self.old.get(rel)
        if (not self.s.force and previous and previous.get("fingerprint") == fp and docx.exists()
                and (not self.s.pdf or pdf.exists())):
            self.files[rel] = previous
            outcome.status = "skipped"
            return outcome, None
        if pdf.exists():
            pdf.unlink()  # stale: a new one is converted below, or none with --no-pdf
        self.files[rel] = self._entry(unit, template, fp)
        return outcome, (template, docx)

    def _entry(self, unit: Unit, template: Path, fp: str) -> dict[str, Any]:
        return {
            "family": unit.family,
            "label": unit.label,
            "student": unit.numero,
            "template": template.name,
            "template_sha256": template_sha(template),
            "custom_template": self.s.templates is not None and template.parent == self.s.templates,
            "inputs": sorted(self.input_hashes),
            "fingerprint": fp,
        }

    # --- conversion ----------------------------------------------------------------------

    def _convert(self, pending: list[tuple[Unit, Path]], result: BuildResult) -> None:
        if not pending:
            return
        from .convert import convert_many, find_soffice

        by_docx = {docx: unit for unit, docx in pending}
        try:
            soffice = find_soffice(self.s.soffice)
        except CoparError as exc:
            for unit in by_docx.values():
                self._fail(result, str(unit.path), str(exc))
            return
        self.progress.start("Conversion PDF", len(pending))
        results = convert_many(list(by_docx), soffice=soffice, timeout=self.s.timeout, workers=self.s.workers,
                               pdfa=self.s.pdfa, on_done=lambda r: self.progress.advance(r.source.name))
        self.progress.finish()
        for r in results:
            rel = str(by_docx[r.source].path)
            if r.pdf is None:
                self._fail(result, rel, r.error or "conversion PDF impossible")
            else:
                self.files[rel]["pdf"] = {"path": f"{rel}.pdf", "sha256": sha256_file(r.pdf)}

    def convert_files(self, docx: list[Path]) -> dict[Path, str | None]:
        """Convert loose files (packet pages); map each DOCX to an error or None."""
        from .convert import convert_many, find_soffice

        soffice = find_soffice(self.s.soffice)
        results = convert_many(docx, soffice=soffice, timeout=self.s.timeout, workers=self.s.workers, pdfa=self.s.pdfa)
        return {r.source: (r.error if r.pdf is None else None) for r in results}

    def _fail(self, result: BuildResult, rel: str, error: str) -> None:
        for o in result.outcomes:
            if o.path == rel:
                o.status, o.error = "failed", error
        self.files.pop(rel, None)  # never recorded as done: the next build retries it

    # --- manifest and report ---------------------------------------------------------------

    def _hash_inputs(self) -> dict[str, str]:
        paths = [self.source] if self.source.is_file() else sorted(self.source.glob("*.csv"))
        folder = rapports_dir(self.source)
        if folder.is_dir():
            paths += sorted(p for p in folder.iterdir() if p.is_file())
        return {str(p): sha256_file(p) for p in paths}

    def _write_manifest(self, result: BuildResult) -> None:
        from . import __version__

        # keep entries of documents not part of this (restricted) build
        files = {**{k: v for k, v in self.old.items()
                    if (self.out / f"{k}.docx").exists() or (self.out / f"{k}.pdf").exists()},
                 **self.files}
        manifest = {
            "version": MANIFEST_VERSION,
            "copar": __version__,
            "generated": self.s.today.isoformat(),
            "inputs": self.input_hashes,
            "templates": str(self.s.templates) if self.s.templates else "défaut",
            "files": dict(sorted(files.items())),
        }
        write_bytes_atomically(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        write_bytes_atomically(self.out / BUILD_REPORT, build_report(result).encode("utf-8"))


def build(settings: Settings, progress: Progress | None = None) -> BuildResult:
    """Validate the inputs and write every requested document under settings.output."""
    return Builder(settings, progress).run()


def summary_lines(result: BuildResult) -> list[str]:
    written, skipped, failed = (result.with_status(s) for s in ("written", "skipped", "failed"))
    lines = [
        f"{len(written)} document{'s' if len(written) > 1 else ''} écrit{'s' if len(written) > 1 else ''}, "
        f"{len(skipped)} inchangé{'s' if len(skipped) > 1 else ''} (non régénéré{'s' if len(skipped) > 1 else ''}), "
        f"{len(failed)} en échec.",
    ]
    by_family: dict[str, int] = {}
    for o in written + skipped:
        by_family[o.family] = by_family.get(o.family, 0) + 1
    for name, count in by_family.items():
        title = FAMILIES[name].title if name in FAMILIES else PACKET_TITLE
        lines.append(f"  - {title} : {count}")
    for o in failed:
        lines.append(f"ÉCHEC : {o.label} ({o.path}) — {o.error}")
    if result.notes:
        lines.append("À noter :")
        lines.extend(f"  - {note}" for note in result.notes)
    return lines


def build_report(result: BuildResult) -> str:
    lines = ["Rapport de construction copar", "=" * 29, "", *summary_lines(result), ""]
    if result.report.warnings:
        lines += ["Avertissements du classeur :", result.report.to_table()]
    lines.append("Documents :")
    for o in result.outcomes:
        status = {"written": "écrit", "skipped": "inchangé", "failed": "ÉCHEC"}[o.status]
        lines.append(f"  [{status}] {o.path} — {o.label}" + (f" : {o.error}" if o.error else ""))
    return "\n".join(lines) + "\n"
