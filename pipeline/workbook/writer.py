"""Writing into the staff's workbook: the one routine every writing command shares.

collect, planning, init --force and the restoring of a backup all go through `Writing`:

- an exclusive `flock` on `sauvegardes/.NAME.verrou` is held from the reading of the workbook to
  its replacement, so two copar commands on one workbook run one after the other (the second
  reads what the first wrote); the kernel drops the lock of a killed process;
- the workbook's SHA-256 is taken when the lock is won and compared again just before the
  replacement: if anything else changed the file meanwhile (Excel, a sync client, a copar on
  another machine of a shared drive), nothing is written and the user is told to run again;
- never while Excel or LibreOffice has it open (their lock file sits beside it);
- cells are patched in the package's XML (`xlsxpatch`), never re-saved through openpyxl;
- the old bytes go to a dated backup in `sauvegardes/` first (see `backups`);
- the new file is written beside the real target (a symlinked workbook stays a symlink and its
  target is updated), fsynced, given the old mode and owner, then moved over it with
  os.replace: the workbook is the old one or the new one, whatever happens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import os
import secrets
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import CoparError, InputError
from pipeline.workbook import backups
from pipeline.workbook.xlsxpatch import CellEdit, PatchError, patch

LOCK_WAIT = 600.0  # seconds a command waits for another one writing into the same workbook


class WorkbookBusy(CoparError):
    """Raised when the workbook is open in Excel or LibreOffice, or another copar holds it too long."""


class WorkbookChanged(CoparError):
    """Raised when the workbook changed on disk between its reading and its replacement."""


@dataclass(frozen=True)
class Saved:
    path: Path
    backup: Path
    written: int  # cells written (0 for a whole-file replacement)


def lock_files(path: Path) -> list[Path]:
    """The lock files that Excel (`~$name`) and LibreOffice (`.~lock.name#`) leave beside an open file."""
    candidates = [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]
    if len(path.name) > 2:  # Excel sometimes drops the first two characters of long names
        candidates.append(path.with_name(f"~${path.name[2:]}"))
    return [p for p in candidates if p.exists()]


def _refuse_if_open(path: Path) -> None:
    for where in {path, path.resolve()}:
        busy = lock_files(where)
        if busy:
            raise WorkbookBusy(f"Le classeur « {path.name} » est ouvert dans Excel ou LibreOffice (fichier "
                               f"« {busy[0].name} » présent à côté) : fermez-le, puis relancez la commande. "
                               "Rien n'a été modifié.")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Writing:
    """An exclusive hold on one workbook, from its reading to its replacement (a context manager).

    `active=False` (a simulation) takes no lock and refuses to write.
    """

    def __init__(self, path: Path, *, active: bool = True, wait: float = LOCK_WAIT) -> None:
        self.path = path
        self.active = active and path.suffix.lower() == ".xlsx" and path.is_file()
        self.wanted = active
        self.wait = wait
        self.fd: int | None = None
        self.digest = ""

    def __enter__(self) -> Writing:
        if self.active:
            _refuse_if_open(self.path)
            self._lock()
            self.digest = _digest(self.path.resolve())
            self._clean_temporaries()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _lock(self) -> None:
        lock = backups.folder(self.path) / f".{self.path.name}.verrou"
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    os.close(fd)
                    raise WorkbookBusy(f"Une autre commande copar écrit dans le classeur « {self.path.name} » depuis "
                                       f"plus de {self.wait:.0f} s : attendez qu'elle se termine, puis relancez la "
                                       "commande. Rien n'a été modifié.") from None
                time.sleep(0.05)
        self.fd = fd

    def _clean_temporaries(self) -> None:
        """Temporary files of a writer killed mid-write: with the lock held, none is in use."""
        target = self.path.resolve()
        stale_files = [*target.parent.glob(f".{target.name}.*.tmp"), *backups.folder(self.path).glob(".*.xlsx.tmp")]
        for stale in stale_files:
            with contextlib.suppress(OSError):
                stale.unlink()

    def _check_writable(self) -> None:
        if not self.wanted:
            raise RuntimeError("simulation: nothing may be written")
        if not self.active:
            raise InputError(f"« {self.path} » n'est pas un classeur .xlsx : copar n'écrit que dans un classeur Excel "
                             "(un dossier de CSV n'est jamais modifié). Indiquez le fichier promotion.xlsx.")

    def write_cells(self, edits: Iterable[CellEdit], *, cause: str, when: dt.datetime | None = None) -> Saved:
        """Patch `edits` into the workbook as it was read under the lock; back it up first."""
        self._check_writable()
        edits = list(edits)
        target = self.path.resolve()

        def produce(tmp: Path) -> None:
            with target.open("rb") as source, tmp.open("wb") as out:
                try:
                    patch(source, out, edits)
                except PatchError as exc:
                    raise InputError(f"Classeur « {self.path.name} » : {exc} Rien n'a été modifié.") from exc

        return self._replace(produce, cause, when, len(edits))

    def replace_with(self, data: bytes, *, cause: str, when: dt.datetime | None = None) -> Saved:
        """Put `data` (a whole workbook) in place of the workbook, after backing it up."""
        self._check_writable()
        return self._replace(lambda tmp: tmp.write_bytes(data), cause, when, 0)

    def _replace(self, produce: Callable[[Path], object], cause: str, when: dt.datetime | None, written: int) -> Saved:
        target = self.path.resolve()
        if _digest(target) != self.digest:
            raise self._changed()
        info = target.stat()
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        backup: Path | None = None
        replaced = False
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            produce(tmp)
            with zipfile.ZipFile(tmp):  # the central directory reads back
                pass
            backup = backups.save(self.path, target, cause, when or dt.datetime.now())
            with tmp.open("rb+") as fh:
                with contextlib.suppress(OSError):  # another owner: the file stays ours, readable as before
                    os.fchown(fh.fileno(), info.st_uid, info.st_gid)
                os.fchmod(fh.fileno(), info.st_mode & 0o7777)
                os.fsync(fh.fileno())
            _refuse_if_open(self.path)
            if _digest(target) != self.digest:  # as late as possible: Excel or a sync client saved meanwhile
                raise self._changed()
            os.replace(tmp, target)
            replaced = True
            _fsync_folder(target.parent)
        except BaseException:
            if backup is not None and not replaced:
                backup.unlink(missing_ok=True)  # nothing was replaced: the backup would only add noise
            raise
        finally:
            tmp.unlink(missing_ok=True)
        self.digest = _digest(target)
        backups.prune(self.path)
        return Saved(self.path, backup, written)

    def _changed(self) -> WorkbookChanged:
        return WorkbookChanged(f"Le classeur « {self.path.name} » a été modifié pendant la commande (par Excel, un "
                               "logiciel de synchronisation ou une autre personne) : rien n'a été écrit. Relancez "
                               "la commande, elle repartira du classeur tel qu'il est maintenant.")


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def writing(path: Path, *, active: bool = True) -> Iterator[Writing]:
    with Writing(path, active=active) as w:
        yield w





def restore(workbook: Path, name: str) -> tuple[Saved, Path]:
    """Put the backup `name` back in place of `workbook`, after backing the current one up.

    Returns the save (whose backup is the workbook as it was) and the restored backup's path.
    """
    chosen = backups.find(workbook, name)
    data = chosen.path.read_bytes()
    try:
        with zipfile.ZipFile(chosen.path) as z:
            z.getinfo("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise InputError(f"La sauvegarde « {chosen.path.name} » n'est pas un classeur lisible : choisissez-en une "
                         "autre (copar sauvegardes). Rien n'a été modifié.") from exc
    with Writing(workbook) as hold:
        return hold.replace_with(data, cause="avant-restauration"), chosen.path

__all__ = ["CellEdit", "Saved", "WorkbookBusy", "WorkbookChanged", "Writing", "lock_files", "restore", "writing"]
