"""`copar collect`: read every returned file, check, merge into the workbook, report.

Per file, one line of the table: ajouté (something new went in), identique (nothing new),
conflit (an answer differs from a filled cell: both values kept in conflits.xlsx), rejeté
(with its reason). Two different returns for the same student and period in one batch are
both rejected and both go to the conflict report. The whole run, from the reading of the
workbook to its replacement, holds the workbook through `writer.Writing` (exclusive lock,
hash compared before the replacement, dated backup in sauvegardes/, cells patched in place,
atomic save); it writes only when something is added or replaced, never with --simulation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, ValidationFailed
from pipeline.files import write_atomically, write_bytes_atomically
from pipeline.forms import layout, merge
from pipeline.forms.read import Rejected, Return, read_file
from pipeline.settings import Settings
from pipeline.workbook.reader import load, resolve_input
from pipeline.workbook.validate import validate
from pipeline.workbook.writer import Writing

REJECTED = "rejeté"
EMPTY_ROW = "vide"  # a row of a workbook form or an export left blank: nothing to report, nothing wrong
SKIP_PREFIXES = ("~$", ".~lock", ".")


@dataclass
class Line:
    """One line of the table: a file (or a row of a file) and what became of it."""

    source: str
    form: str
    status: str
    detail: str = ""
    changes: list[merge.Change] = field(default_factory=list)


@dataclass
class Collected:
    lines: list[Line] = field(default_factory=list)
    backup: Path | None = None
    written: int = 0
    report: Path | None = None
    conflicts: Path | None = None
    simulation: bool = False

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    def table(self) -> str:
        width = max([len(line.source) for line in self.lines] + [7])
        form_width = max([len(line.form) for line in self.lines] + [10])
        rows = [f"{'Fichier':<{width}}  {'Formulaire':<{form_width}}  Résultat"]
        for line in self.lines:
            rows.append(f"{line.source:<{width}}  {line.form:<{form_width}}  {line.status}"
                        f"{' — ' + line.detail if line.detail else ''}")
            for c in line.changes:
                if c.status in (merge.CONFLICT, merge.REPLACED):
                    rows.append(f"{'':<{width}}    {c.sheet.name}, {c.header} : classeur « {merge.show(c.old)} », "
                                f"formulaire « {merge.show(c.new)} » ({c.status})")
        return "\n".join(rows) + "\n"


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(f"Dossier introuvable : {folder}. Indiquez le dossier où sont rangés les formulaires reçus.")
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(SKIP_PREFIXES)
                  and p.name not in (layout.CONFLICTS, layout.REPORT))


def collect(settings: Settings, folder: Path, replace: bool = False, simulation: bool = False) -> Collected:
    files = _files(folder)
    with Writing(resolve_input(settings.input), active=not simulation) as hold:
        return _collect(settings, hold, folder, files, replace, simulation)


def _collect(settings: Settings, hold: Writing, folder: Path, files: list[Path], replace: bool,
             simulation: bool) -> Collected:
    raw = load(hold.path)
    ds, report = validate(raw)
    if ds is None:
        raise ValidationFailed(report)
    result = Collected(simulation=simulation)
    accepted: list[tuple[Return, dict[str, Any], Line]] = []
    for path in files:
        name = str(path.relative_to(folder))
        try:
            returns = read_file(path, ds)
        except Rejected as exc:
            result.lines.append(Line(name, "", REJECTED, str(exc)))
            continue
        for ret in returns:
            label = _label(ret, ds)
            typed, problems = merge.check_return(ret, ds)
            if problems == [merge.EMPTY_FORM] and ret.where:
                result.lines.append(Line(name, label, EMPTY_ROW, "ligne sans réponse"))
                continue
            if problems:
                result.lines.append(Line(name, label, REJECTED, " ; ".join(problems)))
                continue
            line = Line(name, label, "", "colonnes ignorées : " + ", ".join(ret.ignored) if ret.ignored else "")
            result.lines.append(line)
            accepted.append((ret, typed, line))
    duplicates = _duplicates(accepted)
    changes: list[merge.Change] = []
    for ret, typed, line in accepted:
        if id(line) in duplicates:
            line.status, line.detail = REJECTED, duplicates[id(line)]
            continue
        line.changes = merge.plan(ret.identity, typed, ds, replace)
        statuses = {c.status for c in line.changes}
        line.status = next((s for s in (merge.CONFLICT, merge.REPLACED, merge.ADDED) if s in statuses), merge.SAME)
        if len(statuses) > 1:
            counts = ", ".join(f"{sum(c.status == s for c in line.changes)} {s}"
                               for s in (merge.ADDED, merge.SAME, merge.CONFLICT, merge.REPLACED) if s in statuses)
            line.detail = "; ".join(filter(None, (f"réponses : {counts}", line.detail)))
        changes.extend(line.changes)
    if simulation:
        return result
    if any(c.status in (merge.ADDED, merge.REPLACED) for c in changes):
        cells = merge.edits(raw, changes)
        saved = hold.write_cells(cells, cause="avant-collecte")
        result.backup, result.written = saved.backup, sum(c.status in (merge.ADDED, merge.REPLACED) for c in changes)
    _reports(settings.output / layout.ROOT, result, accepted, duplicates)
    return result


def _label(ret: Return, ds: Any) -> str:
    """« bilan, période 2 — Léa Fontaine (22007203), ligne 3 »: what staff recognise."""
    i = ret.identity
    who = next((s.nom_complet for s in ds.students if s.numero == i.numero), "")
    period = f", période {i.periode}" if i.periode else ""
    text = f"{i.type}{period} — {who} ({i.numero})" if who else f"{i.type}{period} — n° {i.numero}"
    return text + (f", {ret.where}" if ret.where else "")


def _duplicates(accepted: list[tuple[Return, dict[str, Any], Line]]) -> dict[int, str]:
    """Lines to reject: two different returns for one student and period in this batch."""
    groups: dict[tuple[str, str, int | None], list[tuple[Return, dict[str, Any], Line]]] = defaultdict(list)
    for item in accepted:
        i = item[0].identity
        groups[(i.type, i.numero, i.periode)].append(item)
    rejected: dict[int, str] = {}
    for items in groups.values():
        if len(items) > 1 and any(t != items[0][1] for _, t, _ in items[1:]):
            names = " et ".join(f"{line.source}{' ' + r.where if r.where else ''}" for r, _, line in items)
            for _, _, line in items:
                rejected[id(line)] = f"deux retours différents pour le même formulaire ({names}) : gardez-en un"
    return rejected


def _reports(folder: Path, result: Collected, accepted: list[tuple[Return, dict[str, Any], Line]],
             duplicates: dict[int, str]) -> None:
    result.report = folder / layout.REPORT
    write_atomically(result.report, lambda tmp: tmp.write_text(result.table(), encoding="utf-8"))
    rows: list[list[str]] = []
    for line in result.lines:
        for c in line.changes:
            if c.status in (merge.CONFLICT, merge.REPLACED):
                match = dict(c.match)
                rows.append([line.source, str(match.get("numero", "")), merge.show(match.get("periode")), c.sheet.name,
                             c.header, merge.show(c.old), merge.show(c.new),
                             "valeur du classeur gardée" if c.status == merge.CONFLICT else "remplacée (--remplacer)"])
    for ret, typed, line in accepted:
        if id(line) in duplicates:
            for key, value in typed.items():
                rows.append([line.source, ret.identity.numero, merge.show(ret.identity.periode), "", key, "",
                             merge.show(value), "retour en double : rien n'a été écrit"])
    if rows:
        result.conflicts = folder / layout.CONFLICTS
        write_bytes_atomically(result.conflicts, _conflicts_xlsx(rows))


def _conflicts_xlsx(rows: list[list[str]]) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Conflits"
    ws.append(["Fichier", "N° étudiant", "Période", "Feuille", "Colonne", "Valeur du classeur",
               "Valeur du formulaire", "Suite donnée"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, width in zip("ABCDEFGH", (40, 13, 9, 22, 30, 50, 50, 30), strict=True):
        ws.column_dimensions[col].width = width
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
