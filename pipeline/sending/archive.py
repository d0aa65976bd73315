"""`copar archive`: a zip of a chosen part of outputs/ to hand over, with a LISEZMOI.txt.

Files are stored in sorted path order (the same selection always gives the same order),
LISEZMOI.txt first, listing every file with its size. Temporary files, hidden files and
folders (`.copar/`, `.copar-*`), Office lock files (`~$…`), the zip itself and copar's bookkeeping
(manifest.json, journals, locks) are left out; the workbook, when given, goes in as classeur/<name>.
Nothing outside the output folder ever goes in: a `--only` path that leaves it (`..`, an
absolute path elsewhere) or a symbolic link that points out of it is refused, so every
entry is a plain relative path. The zip is written under the build lock (pipeline.build.lock):
it waits for a running build to end, and no build starts while it zips.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.build.lock import BuildLock
from pipeline.build.outputs import WORK
from pipeline.documents.formats import long_date, plural
from pipeline.errors import CoparError
from pipeline.files import write_atomically

README = "LISEZMOI.txt"
LEFT_OUT = ("manifest.json", "journal.jsonl", "verrou")  # copar's bookkeeping; hidden files (.copar-*) too
WORKBOOK_FOLDER = "classeur"  # where the workbook goes in the zip
BUILD_WAIT = 120.0  # seconds `copar archive` waits for a running build before refusing


@dataclass(frozen=True)
class Archive:
    path: Path
    files: list[str]  # paths inside the zip, without LISEZMOI.txt
    size: int


def select(out: Path, selection: tuple[str, ...]) -> list[Path]:
    """Files of `out` under each selected folder, file or glob (all of `out` when empty), sorted."""
    if not out.is_dir():
        raise CoparError(f"Dossier de sortie introuvable : {out}. Lancez d'abord « copar build ».")
    root = out.resolve()
    chosen: set[Path] = set()
    for given in selection or ("*",):
        pattern = _relative_pattern(out, root, given)
        matches = [out / pattern] if (out / pattern).exists() else sorted(out.glob(pattern))
        if not matches:
            raise CoparError(f"Rien ne correspond à « {pattern} » dans {out}/. Indiquez un dossier ou un fichier "
                             "de ce dossier (par exemple --only impression --only reunion-tuteurs).")
        for match in matches:
            chosen.update(_walk(match))
    files = []
    for p in chosen:
        rel = p.relative_to(out)
        if (any(part.startswith((".", "~$")) for part in rel.parts) or p.name in LEFT_OUT
                or p.suffix in (".tmp", ".lock")):
            continue
        _inside(out, root, p)
        if p.is_file():
            files.append(p)
    return sorted(files, key=lambda p: p.relative_to(out).as_posix())


def _relative_pattern(out: Path, root: Path, given: str) -> str:
    """`given` as a path or glob relative to `out`; refused when it would leave the folder."""
    text = given.strip()
    outside = CoparError(f"--only {given} : ce chemin sort du dossier de sortie {out}, copar n'archive que ce "
                         "qu'il contient. Indiquez un dossier, un fichier ou un motif de ce dossier, relatif à lui "
                         "(par exemple --only impression ou --only \"etudiants/*/fiche-alternance.pdf\").")
    if os.path.isabs(text):
        resolved = Path(text).resolve()
        if resolved != root and root not in resolved.parents:
            raise outside
        text = resolved.relative_to(root).as_posix() if resolved != root else "*"
    if ".." in PurePosixPath(text).parts:
        raise outside
    return text.strip("/") or "*"


def _walk(match: Path) -> list[Path]:
    """`match` and what is under it, without following links to folders (each link is itself listed)."""
    if not match.is_dir() or match.is_symlink():
        return [match]
    found = []
    for folder, dirs, files in os.walk(match):
        found += [Path(folder, name) for name in dirs + files]
    return found


def _inside(out: Path, root: Path, path: Path) -> None:
    """Refuse a path (a symbolic link, or under one) whose target is outside the output folder."""
    target = path.resolve()
    if target != root and root not in target.parents:
        raise CoparError(f"{path.relative_to(out).as_posix()} mène hors du dossier de sortie {out} (lien "
                         f"symbolique vers {target}) : copar n'archive que ce que le dossier contient. Supprimez "
                         "le lien, ou choisissez d'autres chemins avec --only.")


def _size(n: int) -> str:
    return f"{n / 1000:.0f} ko" if n < 1_000_000 else f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def readme(out: Path, files: list[Path], today: dt.date, workbook: Path | None = None) -> str:
    lines = [f"Documents de la promotion — extrait de {out.name}/, préparé par copar le {long_date(today)}.",
             "", f"{plural(len(files) + (workbook is not None), 'fichier')} :", ""]
    if workbook is not None:
        lines.append(f"  {WORKBOOK_FOLDER}/{workbook.name}  ({_size(workbook.stat().st_size)}) — le classeur de la "
                     "promotion")
    lines += [f"  {p.relative_to(out).as_posix()}  ({_size(p.stat().st_size)})" for p in files]
    lines += ["", "Les documents Word (.docx) sont modifiables ; les PDF sont prêts à imprimer ou à envoyer.", ""]
    return "\r\n".join(lines)


def write_archive(out: Path, selection: tuple[str, ...] = (), target: Path | None = None,
                  today: dt.date | None = None, on_wait: Callable[[str], None] | None = None,
                  wait: float | None = None, workbook: Path | None = None) -> Archive:
    """Write the zip (default: <out>.zip beside the output folder) atomically, under the build lock.

    A running build is waited for (`on_wait` is told once) up to `wait` seconds (BUILD_WAIT), then refused.
    `workbook` (a file) goes in as classeur/<its name>: the year's data beside its documents.
    """
    if not out.is_dir():
        raise CoparError(f"Dossier de sortie introuvable : {out}. Lancez d'abord « copar build ».")
    lock = BuildLock(out / WORK, out, "archive")
    try:
        lock.acquire(BUILD_WAIT if wait is None else wait, on_wait)
    except OSError:
        pass  # a read-only folder (a copy on a share, a CD): no build can be writing there
    try:
        return _write(out, selection, target, today, workbook if workbook and workbook.is_file() else None)
    finally:
        lock.release()  # nothing to release when it was not taken


def _write(out: Path, selection: tuple[str, ...], target: Path | None, today: dt.date | None,
           workbook: Path | None = None) -> Archive:
    files = select(out, selection)
    target = target or out.parent / f"{out.name or out.absolute().name}.zip"
    files = [p for p in files if p.resolve() != target.resolve()]
    if not files:
        raise CoparError(f"Aucun fichier à archiver dans {out}/.")
    today = today or dt.date.today()
    text = readme(out, files, today, workbook)
    stamp = (today.year, today.month, today.day, 0, 0, 0)  # the same selection on one day gives the same bytes

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo(README, stamp), text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
            if workbook is not None:
                zf.writestr(zipfile.ZipInfo(f"{WORKBOOK_FOLDER}/{workbook.name}", stamp), workbook.read_bytes(),
                            compress_type=zipfile.ZIP_DEFLATED)
            for p in files:
                info = zipfile.ZipInfo(p.relative_to(out).as_posix(), stamp)
                zf.writestr(info, p.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)

    write_atomically(target, write)
    listed = [f"{WORKBOOK_FOLDER}/{workbook.name}"] if workbook is not None else []
    return Archive(target, listed + [p.relative_to(out).as_posix() for p in files], target.stat().st_size)
