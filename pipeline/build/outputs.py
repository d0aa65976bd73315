"""The output folder: where each file goes, and the only ways copar removes or sets aside a file.

Every path is checked to stay inside the folder. copar deletes only files its manifest
lists (then their folders, if that left them empty), never a folder it did not make
empty itself. A file someone edited since copar wrote it is never overwritten nor
deleted: it is renamed `…-modifié-AAAAMMJJ-HHMM.docx` and kept. The hidden work folder
`.copar/` holds the lock, the manifest's journal and LibreOffice's temporary folders;
what an interrupted build left there, and its half-written `.tmp` files, are swept
at the next start.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

from pipeline.build.manifest import Manifest
from pipeline.build.results import BuildResult
from pipeline.errors import CoparError
from pipeline.files import sha256_file
from pipeline.processes import kill_orphans

WORK = ".copar"
# Names that do not make a folder "someone else's": what copar's other commands write there by
# default (`copar forms` and `collect`, `calendriers`, `mails`, `lots`, `suivi`; their modules' own
# constants, checked by tests/test_shared_output_folder.py), and what file managers leave.
COMMANDS_FOLDERS = {"formulaires", "calendriers", "courriels", "impression", "suivi.xlsx", "envois.xlsx"}
HARMLESS = {WORK, *COMMANDS_FOLDERS, ".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"}
# write_atomically's temporary files: ".<name>.<8 hex digits>.tmp"
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
EDITED = "modifié"


class Outputs:
    """Paths under one output folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / WORK
        self.tmp = self.work / "tmp"

    def target(self, rel: str, suffix: str = "") -> Path:
        """The path of an output, refused if it would leave the output folder."""
        path = (self.root / f"{rel}{suffix}").resolve()
        if self.root.resolve() not in path.parents:
            raise CoparError(f"Chemin de sortie refusé (hors du dossier de sortie) : {rel}")
        return path

    def relative(self, path: Path) -> str:
        return str(path.resolve().relative_to(self.root.resolve()))

    def prepare(self) -> None:
        """Create the folder, or say in French why it cannot be used."""
        if self.root.exists() and not self.root.is_dir():
            raise CoparError(f"Dossier de sortie inutilisable : {self.root} est un fichier. Indiquez un dossier avec -o.")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CoparError(f"Dossier de sortie inutilisable : {self.root} ({exc.strerror}). "
                             "Indiquez un dossier où vous pouvez écrire, avec -o.") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise CoparError(f"Dossier de sortie en lecture seule : {self.root}. Indiquez un autre dossier avec -o.")

    def foreign_content(self) -> list[str]:
        """Names at the top of the folder that copar did not put there (for a folder without manifest)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.name not in HARMLESS)

    def sweep(self) -> None:
        """Remove what an interrupted build left: LibreOffice calls and their temp folders, `.tmp` files."""
        if self.tmp.is_dir():
            kill_orphans(self.tmp.resolve().as_uri() + "/")
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.remove_temporary()

    def remove_temporary(self) -> None:
        """Remove the `.tmp` files of writes that never completed (a worker killed mid-write)."""
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if d != WORK]
            for name in files:
                if TEMPORARY.match(name):
                    Path(folder, name).unlink(missing_ok=True)

    def discard(self, rel_file: str) -> None:
        """Delete one file of an output that is being rewritten (its stale PDF, a failed document)."""
        self.target(rel_file).unlink(missing_ok=True)

    def remove(self, rel_file: str) -> bool:
        """Delete one file the manifest lists, then its folders that this left empty."""
        try:
            path = self.target(rel_file)
        except CoparError:  # a manifest edited by hand: never delete outside the output folder
            return False
        if not path.is_file():
            return False
        path.unlink()
        self._prune(path.parent)
        return True

    def _prune(self, folder: Path) -> None:
        root = self.root.resolve()
        while folder != root and root in folder.parents:
            try:
                folder.rmdir()  # only if empty
            except OSError:
                return
            folder = folder.parent

    def set_aside(self, path: Path, now: dt.datetime | None = None) -> str:
        """Rename a file edited by hand to `<stem>-modifié-AAAAMMJJ-HHMM<suffix>`; its new relative path."""
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M")
        candidate = path.with_name(f"{path.stem}-{EDITED}-{stamp}{path.suffix}")
        n = 1
        while candidate.exists():
            n += 1
            candidate = path.with_name(f"{path.stem}-{EDITED}-{stamp}-{n}{path.suffix}")
        os.replace(path, candidate)
        return self.relative(candidate)


def set_aside(manifest: Manifest, outputs: Outputs, rel: str, files: dict[str, Path], result: BuildResult) -> None:
    """Before rewriting: rename each file someone edited since copar wrote it, and say so."""
    for key, path in files.items():
        if manifest.edited(rel, key, path):
            before = outputs.relative(path)
            result.set_aside.append((before, outputs.set_aside(path, dt.datetime.now())))


def set_aside_edited(outputs: Outputs, path: str, sha: str | None, result: BuildResult) -> bool:
    """Rename one file the manifest lists with hash `sha` if it changed since (someone edited it),
    and say so; whether it did."""
    target = outputs.target(path)
    if sha and target.is_file() and sha256_file(target) != sha:
        result.set_aside.append((path, outputs.set_aside(target, dt.datetime.now())))
        return True
    return False


def remove_file(outputs: Outputs, path: str, sha: str | None, result: BuildResult) -> None:
    """Remove one obsolete file the manifest lists; set it aside instead if it was edited by hand."""
    try:
        if set_aside_edited(outputs, path, sha, result):
            return
    except CoparError:
        return
    if outputs.remove(path):
        result.removed.append(path)
