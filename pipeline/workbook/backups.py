"""Backups of the workbook: `sauvegardes/` beside it, one file per write, named by date and cause.

`promotion-2026-12-04-163000-avant-collecte.xlsx`: the workbook's name, the moment, and what was
about to change it. The folder is never where a command looks for workbooks (those look at the
top of ENTRÉES only). At most `sauvegardes` (copar.toml, default 50) backups per workbook are
kept: the oldest go first. Old-style backups (`promotion.avant-collecte-20240607-101500.xlsx`
beside the workbook) are left where they are, ignored by `resolve_input` and listed here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

FOLDER = "sauvegardes"
DEFAULT_KEPT = 50
CAUSES = {
    "avant-collecte": "copar collect",
    "avant-planning": "copar planning",
    "avant-init": "copar init --force",
    "avant-restauration": "copar sauvegardes --restaurer",
}
OLD_STYLE = re.compile(r"\.avant-([a-z]+(?:-[a-z]+)*)-(\d{8}-\d{6})(?:-\d+)?\.xlsx$")


@dataclass(frozen=True)
class Backup:
    path: Path
    when: dt.datetime
    cause: str

    @property
    def what(self) -> str:
        return CAUSES.get(self.cause, self.cause)


def folder(workbook: Path) -> Path:
    return workbook.parent / FOLDER


def _pattern(workbook: Path) -> re.Pattern[str]:
    return re.compile(re.escape(workbook.stem) + r"-(\d{4}-\d\d-\d\d-\d{6})-([a-z]+(?:-[a-z]+)*)(?:-\d+)?\.xlsx$")


def name_for(workbook: Path, cause: str, when: dt.datetime) -> Path:
    base = folder(workbook) / f"{workbook.stem}-{when:%Y-%m-%d-%H%M%S}-{cause}"
    candidate, n = base.with_name(base.name + ".xlsx"), 2
    while candidate.exists():
        candidate, n = base.with_name(f"{base.name}-{n}.xlsx"), n + 1
    return candidate


def save(workbook: Path, source: Path, cause: str, when: dt.datetime) -> Path:
    """Copy `source` (the workbook's real file) into the backups folder; never over another backup."""
    target = name_for(workbook, cause, when)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.chmod(tmp, source.stat().st_mode & 0o777)  # a 0600 workbook has 0600 backups
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def listing(workbook: Path) -> list[Backup]:
    """The workbook's backups, the newest first (old-style ones beside the workbook included)."""
    found = []
    pattern = _pattern(workbook)
    place = folder(workbook)
    for path in place.iterdir() if place.is_dir() else []:
        m = pattern.fullmatch(path.name)
        if m:
            found.append(Backup(path, dt.datetime.strptime(m.group(1), "%Y-%m-%d-%H%M%S"), m.group(2)))
    for path in workbook.parent.glob(f"{glob_escape(workbook.stem)}.avant-*.xlsx"):
        m = OLD_STYLE.search(path.name)
        if m:
            found.append(Backup(path, dt.datetime.strptime(m.group(2), "%Y%m%d-%H%M%S"), f"avant-{m.group(1)}"))
    return sorted(found, key=lambda b: (b.when, _mtime(b.path), b.path.name), reverse=True)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def kept(workbook: Path) -> int:
    from pipeline.workbook.config import read_settings_file

    try:
        return int(read_settings_file(workbook).values.get("backups_kept", DEFAULT_KEPT))
    except InputError:
        return DEFAULT_KEPT  # a broken copar.toml must not cost a backup: keep them all this time


def prune(workbook: Path, keep: int | None = None) -> list[Path]:
    """Remove the oldest backups in `sauvegardes/` beyond the bound; the removed paths."""
    bound = kept(workbook) if keep is None else keep
    mine = [b for b in listing(workbook) if b.path.parent == folder(workbook)]
    removed = []
    for b in mine[bound:]:
        b.path.unlink(missing_ok=True)
        removed.append(b.path)
    return removed


def find(workbook: Path, name: str) -> Backup:
    """The backup called `name` (a file name, with or without .xlsx, or a path)."""
    wanted = Path(name).name
    for b in listing(workbook):
        if b.path.name in (wanted, f"{wanted}.xlsx"):
            return b
    names = ", ".join(b.path.name for b in listing(workbook)[:3])
    raise InputError(f"Sauvegarde « {name} » introuvable dans {folder(workbook)} : "
                     + (f"choisissez un nom listé par « copar sauvegardes », par exemple {names}." if names else
                        "il n'y a encore aucune sauvegarde de ce classeur."))


def differences(old: Path, new: Path) -> dict[str, int]:
    """Per sheet, how many cells differ between two workbooks (a sheet only in one counts all its cells)."""
    return _compare(cell_values(old), cell_values(new))


def cell_values(path: Path) -> dict[str, dict[tuple[int, int], Any]]:
    from pipeline.workbook.reader import read_tables

    return {name: {(r, c): v for r, values in table for c, v in enumerate(values) if v is not None}
            for name, table in read_tables(path).items()}


@dataclass(frozen=True)
class Listed:
    backup: Backup
    changes: dict[str, int] | None  # per sheet, cells that differ from the current workbook; None: unreadable


def report(workbook: Path) -> list[Listed]:
    """Every backup with what differs from the current workbook (read once)."""
    found = listing(workbook)
    if not found:
        return []
    current = cell_values(workbook)
    out = []
    for b in found:
        try:
            out.append(Listed(b, _compare(cell_values(b.path), current)))
        except InputError:
            out.append(Listed(b, None))
    return out


def _compare(a: dict[str, dict[tuple[int, int], Any]], b: dict[str, dict[tuple[int, int], Any]]) -> dict[str, int]:
    result = {}
    for sheet in [*a, *(s for s in b if s not in a)]:
        x, y = a.get(sheet, {}), b.get(sheet, {})
        n = sum(1 for k in x.keys() | y.keys() if x.get(k) != y.get(k))
        if n:
            result[sheet] = n
    return result


def describe(listed: Listed) -> str:
    """« Bilans intermédiaires : 3 cellules ; Notes : 1 cellule », or « identique au classeur actuel »."""
    if listed.changes is None:
        return "illisible"
    if not listed.changes:
        return "identique au classeur actuel"
    return " ; ".join(f"{sheet} : {n} cellule{'s' if n > 1 else ''}" for sheet, n in listed.changes.items())
