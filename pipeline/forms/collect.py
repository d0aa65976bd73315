"""`copar collect`: read every returned file, check, merge into the workbook, report.

Per file, one line of the table: ajouté (something new went in), identique (nothing new),
conflit (an answer differs from a filled cell: both values kept in conflits.xlsx), à vérifier
(an answer is not valid: left out and listed in conflits.xlsx, the others taken), rejeté
(with its reason). Two different returns for the same student and period in one batch are
both rejected and both go to the conflict report. The whole run, from the reading of the
workbook to its replacement, holds the workbook through `writer.Writing` (exclusive lock,
hash compared before the replacement, dated backup in sauvegardes/, cells patched in place,
atomic save); it writes only when something is added or replaced, never with --simulation,
and after the reports: whatever happens to the write, the user can read what was found.

Each file is bounded and parsed apart (see guard.py): whatever one file holds, it ends as
one line of the table. Symbolic links in the returns folder are listed as rejected, never
followed. File names and answers lose their control characters (with a warning), as `check`
cleans the workbook's cells.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.documents.formats import plural
from pipeline.errors import InputError, ReportUnwritable
from pipeline.files import write_atomically, write_bytes_atomically
from pipeline.forms import guard, keys, layout, merge
from pipeline.forms.read import Return, read_file
from pipeline.workbook.reader import load, resolve_input
from pipeline.workbook.validate import checked
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
    invalid: list[merge.Invalid] = field(default_factory=list)


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

    @property
    def trouble(self) -> bool:
        """A conflict, a rejected file or an answer to check: what makes `copar collect` exit 1."""
        return bool(self.count(merge.CONFLICT) + self.count(REJECTED) + self.count(merge.TO_CHECK))

    def summary_lines(self) -> list[str]:
        """What the collect did, in French, after the table (the CLI and the web page show them)."""
        counts = ", ".join(f"{self.count(s)} {s}" for s in (merge.ADDED, merge.SAME, merge.CONFLICT, merge.REPLACED,
                                                           merge.TO_CHECK, REJECTED, EMPTY_ROW))
        lines = [f"Fichiers : {counts}."]
        if self.simulation:
            lines.append("Simulation : rien n'a été écrit.")
        elif self.backup:
            lines.append(f"{plural(self.written, 'cellule écrite', 'cellules écrites')} dans le classeur ; sauvegarde : "
                         f"{self.backup} (pour annuler : copar sauvegardes --restaurer {self.backup.name})")
        else:
            lines.append("Rien de nouveau : le classeur n'a pas été modifié.")
        if self.conflicts:
            lines.append(f"Conflits : {self.conflicts}")
        return lines

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
            for bad in line.invalid:
                rows.append(f"{'':<{width}}    {bad.describe()} ({merge.TO_CHECK})")
        return "\n".join(rows) + "\n"


def _files(folder: Path) -> list[Path]:
    """Every file under `folder`, symbolic links included (as links: never followed)."""
    if not folder.is_dir():
        raise InputError(f"Dossier introuvable : {folder}. Indiquez le dossier où sont rangés les formulaires reçus.")
    found = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(SKIP_PREFIXES))
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        for name in [*names, *links]:
            if name.startswith(SKIP_PREFIXES) or name in (layout.CONFLICTS, layout.REPORT):
                continue
            found.append(Path(root, name))
    return sorted(found)


def clean_name(name: str) -> tuple[str, str]:
    """A file name as people may read it (no control character, no undecodable byte), and a warning."""
    from pipeline.workbook.reader import describe_characters, strip_unwanted

    cleaned, removed = strip_unwanted(name.replace("\n", "\r"))
    if not removed:
        return name, ""
    return cleaned or "?", f"caractères retirés du nom du fichier : {describe_characters(removed)}"


def collect(workbook: Path, output: Path, folder: Path, replace: bool | AbstractSet[str] = False, simulation: bool = False,
            max_mb: int = guard.RETURN_MAX_MB) -> Collected:
    """`replace`: True (--remplacer) takes the form's answer for every differing cell, a set of `merge.cell_key`
    only for those cells (the page's choice per cell), False none."""
    files = _files(folder)
    with Writing(resolve_input(workbook), active=not simulation) as hold:
        return _collect(output, hold, folder, files, replace, simulation, max_mb)


def _collect(output: Path, hold: Writing, folder: Path, files: list[Path], replace: bool | AbstractSet[str],
             simulation: bool, max_mb: int) -> Collected:
    raw = load(hold.path)
    ds, _ = checked(raw)
    key = keys.load_key(hold.path)
    result = Collected(simulation=simulation)
    accepted: list[tuple[Return, dict[str, Any], Line]] = []
    for path in files:
        name, warning = clean_name(str(path.relative_to(folder)))
        try:
            returns = read_file(path, ds, max_mb * 2**20)
        except guard.Refused as exc:
            result.lines.append(Line(name, "", REJECTED, _join(str(exc.args[0]) if exc.args else "", warning)))
            continue
        for ret in returns:
            label = _label(ret, ds)
            typed, problems, invalid = merge.check_return(ret, ds)
            if problems == [merge.EMPTY_FORM] and ret.where:
                result.lines.append(Line(name, label, EMPTY_ROW, "ligne sans réponse"))
                continue
            refused = keys.authenticate(ret.identity, ds, key) if not ret.export and not problems else None
            if problems or refused:
                result.lines.append(Line(name, label, REJECTED, _join(*problems, refused or "", warning)))
                continue
            unsigned = keys.UNSIGNED if key is not None and not ret.export and not ret.identity.mac else ""
            ignored = "colonnes ignorées : " + ", ".join(ret.ignored) if ret.ignored else ""
            line = Line(name, label, "", _join(ignored, warning, unsigned, *ret.warnings), invalid=invalid)
            result.lines.append(line)
            accepted.append((ret, typed, line))
    duplicates = _duplicates(accepted)
    changes: list[merge.Change] = []
    for ret, typed, line in accepted:
        if id(line) in duplicates:
            line.status, line.detail = REJECTED, duplicates[id(line)]
            continue
        # an unsigned form (made before the key) never replaces what the workbook holds
        line.changes = merge.plan(ret.identity, typed, ds, replace if ret.export or ret.identity.mac else False)
        statuses = {c.status for c in line.changes} | ({merge.TO_CHECK} if line.invalid else set())
        line.status = next((s for s in (merge.CONFLICT, merge.TO_CHECK, merge.REPLACED, merge.ADDED) if s in statuses),
                           merge.SAME)
        if len(statuses) > 1:
            counted = [*(c.status for c in line.changes), *(merge.TO_CHECK for _ in line.invalid)]
            counts = ", ".join(f"{counted.count(s)} {s}" for s in
                               (merge.ADDED, merge.SAME, merge.CONFLICT, merge.REPLACED, merge.TO_CHECK) if s in statuses)
            line.detail = _join(f"réponses : {counts}", line.detail)
        changes.extend(line.changes)
    if simulation:
        return result
    try:
        _reports(output / layout.ROOT, result, accepted, duplicates, ds)
    except OSError as exc:
        raise ReportUnwritable(f"Impossible d'écrire le rapport de collecte dans {output / layout.ROOT} "
                          f"({exc.strerror or exc}) : choisissez un dossier de sortie accessible en écriture (-o). "
                          "Le classeur n'a pas été modifié.") from exc
    if any(c.status in (merge.ADDED, merge.REPLACED) for c in changes):
        cells = merge.edits(raw, changes)
        saved = hold.write_cells(cells, cause="avant-collecte")
        result.backup, result.written = saved.backup, sum(c.status in (merge.ADDED, merge.REPLACED) for c in changes)
    return result


def _join(*parts: str) -> str:
    return " ; ".join(p for p in parts if p)


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
             duplicates: dict[int, str], ds: Any) -> None:
    """rapport-de-collecte.txt and conflits.xlsx, written before the workbook."""
    result.report = folder / layout.REPORT
    write_atomically(result.report, lambda tmp: tmp.write_text(result.table(), encoding="utf-8", errors="replace"))
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
            continue
        for bad in line.invalid:
            sheet, header, old = merge.target(ret.identity, bad.key, ds)
            where = f"{bad.label} ({ret.where})" if ret.where else bad.label
            rows.append([line.source, ret.identity.numero, merge.show(ret.identity.periode), sheet.name,
                         f"{header} — champ « {where} »", merge.show(old), merge.show(bad.value),
                         f"{merge.TO_CHECK} : {bad.reason} ; rien n'a été écrit dans cette case"])
    if rows:
        result.conflicts = folder / layout.CONFLICTS
        write_bytes_atomically(result.conflicts, _conflicts_xlsx(rows))


def _conflicts_xlsx(rows: list[list[str]]) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from pipeline.workbook.cells import append

    wb = Workbook()
    ws = wb.active
    ws.title = "Conflits"
    append(ws, ["Fichier", "N° étudiant", "Période", "Feuille", "Colonne", "Valeur du classeur",
                "Valeur du formulaire", "Suite donnée"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append(ws, row)
    for col, width in zip("ABCDEFGH", (40, 13, 9, 22, 30, 50, 50, 30), strict=True):
        ws.column_dimensions[col].width = width
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
