"""What a build did: outcomes, and their French summary and report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.documents.catalogue import CATALOGUE, PACKET_FAMILY
from pipeline.documents.formats import plural
from pipeline.report import Report

WRITTEN, SKIPPED, FAILED = "written", "skipped", "failed"
PENDING = "pending"  # planned, not written yet: FAILED ("non tenté") if the build ends before it
PACKET_TITLE = "Dossier de jury (PDF)"
STATUS_LABELS = {WRITTEN: "écrit", SKIPPED: "inchangé", FAILED: "ÉCHEC", PENDING: "en attente"}


@dataclass
class Outcome:
    label: str
    path: str  # relative to the output folder, without suffix
    status: str  # WRITTEN, SKIPPED, FAILED or PENDING
    error: str = ""
    family: str = ""


@dataclass
class BuildResult:
    output: Path
    report: Report
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # French remarks: rapports missing, packets out of date…
    removed: list[str] = field(default_factory=list)  # obsolete outputs deleted by this build
    renamed: list[str] = field(default_factory=list)  # those of them left under a student's former name
    set_aside: list[tuple[str, str]] = field(default_factory=list)  # (file edited by hand, its new name)

    def with_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.with_status(FAILED)


def summary_lines(result: BuildResult) -> list[str]:
    written, skipped, failed = (result.with_status(s) for s in (WRITTEN, SKIPPED, FAILED))
    unchanged = f"{len(skipped)} {'inchangé' if len(skipped) <= 1 else 'inchangés'}"
    lines = [f"{plural(len(written), 'document')} {'écrit' if len(written) <= 1 else 'écrits'}, "
             f"{unchanged}{' (déjà à jour)' if skipped else ''}, {len(failed)} en échec."]
    titles = [(f.name, f.title) for f in CATALOGUE] + [(PACKET_FAMILY, PACKET_TITLE)]
    for name, title in titles:
        w = sum(1 for o in written if o.family == name)
        s = sum(1 for o in skipped if o.family == name)
        if w or s:
            lines.append(f"  - {title} : {w} {'écrit' if w <= 1 else 'écrits'}"
                         + (f", {s} {'inchangé' if s <= 1 else 'inchangés'}" if s else ""))
    lines.extend(_failures(failed))
    lines.extend(_warnings(result.report))
    gone = [path for path in result.removed if path not in result.renamed]
    if result.renamed:
        lines.append(f"{plural(len(result.renamed), 'fichier supprimé', 'fichiers supprimés')} sous l'ancien nom "
                     "d'un·e étudiant·e renommé·e dans le classeur (ses documents portent maintenant le nouveau nom).")
    if gone:
        lines.append(f"{plural(len(gone), 'fichier obsolète supprimé', 'fichiers obsolètes supprimés')} "
                     "(documents de personnes ou de jurys qui ne sont plus dans le classeur).")
    if result.set_aside:
        many = len(result.set_aside) > 1
        wrote = "les a écrits" if many else "l'a écrit"
        lines.append(f"{plural(len(result.set_aside), 'fichier modifié', 'fichiers modifiés')} à la main depuis que "
                     f"copar {wrote}, conservé{'s' if many else ''} sous un autre nom :")
        lines.extend(f"  - {path} → {kept}" for path, kept in result.set_aside)
    if result.notes:
        lines.append("À noter :")
        lines.extend(f"  - {note}" for note in result.notes)
    return lines


SUMMARY_WARNINGS = 8  # the rest are in the build report and `copar check`


def _warnings(report: Report) -> list[str]:
    """The workbook's warnings, which did not stop the build but may show in the documents."""
    warnings = report.warnings
    if not warnings:
        return []
    lines = [f"{plural(len(warnings), 'avertissement')} du classeur :"]
    lines += [f"  - {p.where()} : {p.message}" for p in warnings[:SUMMARY_WARNINGS]]
    if len(warnings) > SUMMARY_WARNINGS:
        lines.append(f"  - … et {len(warnings) - SUMMARY_WARNINGS} autres : voir « copar check ».")
    return lines


def _failures(failed: list[Outcome]) -> list[str]:
    """One line per distinct error; identical errors (a broken template) grouped."""
    groups: dict[str, list[Outcome]] = {}
    for o in failed:
        groups.setdefault(o.error, []).append(o)
    lines = []
    for error, items in groups.items():
        if len(items) == 1:
            lines.append(f"ÉCHEC : {items[0].label} ({items[0].path}) — {error}")
        else:
            names = ", ".join(o.label for o in items[:3]) + (", …" if len(items) > 3 else "")
            lines.append(f"ÉCHEC ({len(items)} documents : {names}) — {error}")
    return lines


def build_report(result: BuildResult) -> str:
    lines = ["Rapport de construction copar", "=" * 29, "", *summary_lines(result), ""]
    if result.report.warnings:
        lines += ["Avertissements du classeur :", result.report.to_table()]
    lines.append("Documents :")
    for o in result.outcomes:
        lines.append(f"  [{STATUS_LABELS[o.status]}] {o.path} — {o.label}" + (f" : {o.error}" if o.error else ""))
    if result.removed:
        lines.append("Fichiers obsolètes supprimés :")
        lines.extend(f"  {path}" for path in result.removed)
    return "\n".join(lines) + "\n"
