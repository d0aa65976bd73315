"""Writing into the staff's workbook: the one routine `collect` and `planning` share.

The workbook is an input that people edit; copar writes into it only on request, and then:
never while Excel or LibreOffice has it open (their lock file sits beside it), always after a
dated backup beside it, and atomically (a complete new file, or the old one untouched).
openpyxl keeps the other sheets, column widths, drop-down lists, frozen panes and comments.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pipeline.errors import CoparError, InputError
from pipeline.files import write_atomically

T = TypeVar("T")


class WorkbookBusy(CoparError):
    """Raised when the workbook is open in Excel or LibreOffice."""


@dataclass(frozen=True)
class Saved(Generic[T]):
    path: Path
    backup: Path
    value: T


def lock_files(path: Path) -> list[Path]:
    """The lock files that Excel (`~$name`) and LibreOffice (`.~lock.name#`) leave beside an open file."""
    candidates = [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]
    if len(path.name) > 2:  # Excel sometimes drops the first two characters of long names
        candidates.append(path.with_name(f"~${path.name[2:]}"))
    return [p for p in candidates if p.exists()]


def backup_name(path: Path, label: str, when: dt.datetime) -> Path:
    """`promotion.avant-collecte-20240607-101500.xlsx`: beside the workbook, never over an older backup."""
    base = f"{path.stem}.{label}-{when:%Y%m%d-%H%M%S}"
    candidate, n = path.with_name(f"{base}{path.suffix}"), 2
    while candidate.exists():
        candidate, n = path.with_name(f"{base}-{n}{path.suffix}"), n + 1
    return candidate


def update_workbook(path: Path, edit: Callable[[object], T], *, label: str,
                    when: dt.datetime | None = None) -> Saved[T]:
    """Load the workbook, let `edit` change it, back the old file up, then save atomically.

    `edit` receives the openpyxl Workbook and returns what the caller wants back. If it raises,
    nothing is written. `label` names the backup (`avant-collecte`, `avant-planning`).
    """
    from openpyxl import load_workbook

    if path.suffix.lower() != ".xlsx" or not path.is_file():
        raise InputError(f"« {path} » n'est pas un classeur .xlsx : copar n'écrit que dans un classeur Excel "
                         "(un dossier de CSV n'est jamais modifié). Indiquez le fichier promotion.xlsx.")
    busy = lock_files(path)
    if busy:
        raise WorkbookBusy(f"Le classeur « {path.name} » est ouvert dans Excel ou LibreOffice (fichier « {busy[0].name} » "
                           "présent à côté) : fermez-le, puis relancez la commande. Rien n'a été modifié.")
    try:
        workbook = load_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise InputError(f"Classeur « {path} » illisible ({type(exc).__name__}) : rien n'a été modifié.") from exc
    value = edit(workbook)
    backup = backup_name(path, label, when or dt.datetime.now())
    write_atomically(backup, lambda tmp: shutil.copyfile(path, tmp))
    shutil.copystat(path, backup)
    write_atomically(path, lambda tmp: workbook.save(tmp))
    return Saved(path, backup, value)
