"""The sending ledger: what `copar mails --envoyer` sent, to whom and when, beside the workbook.

`envois/journal.jsonl` in the workbook's folder (so it survives deleting outputs/): one JSON
object per line, appended and fsync'ed, never rewritten. A message is written « en cours »
(campaign, recipients, subject, attachments with their SHA-256, Message-ID) *before* it is
handed to the server, then one more line records its fate: « envoyé », « refusé » (every
recipient refused for good), « non envoyé » (a temporary failure that outlived the retries,
or nothing was sent). A key whose last line is « en cours » is a message whose fate is
unknown (copar died between the hand-over and the answer): « incertain ».

One writer at a time: an exclusive `flock` on `envois/verrou`, released by the kernel however
its holder dies. A line cut by a kill is ignored when reading and closed before appending.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CoparError

FOLDER = "envois"
JOURNAL = "journal.jsonl"
LOCK = "verrou"
EN_COURS, ENVOYE, REFUSE, NON_ENVOYE, INCERTAIN, BROUILLON = (
    "en cours", "envoyé", "refusé", "non envoyé", "incertain", "brouillon")


class SendingLocked(CoparError):
    """Raised when another copar process is already sending from the same workbook."""


def journal_folder(entrees: Path) -> Path:
    """envois/ beside the workbook (or inside the folder given as ENTRÉES)."""
    return (entrees if entrees.is_dir() else entrees.parent) / FOLDER


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Entry:
    """One message: its first « en cours » (or « brouillon ») line merged with the lines after it."""

    key: str
    data: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        last = self.history[-1]["etat"] if self.history else EN_COURS
        return INCERTAIN if last == EN_COURS else str(last)

    @property
    def time(self) -> str:
        return str(self.history[-1].get("heure", "")) if self.history else ""


def read_entries(folder: Path) -> dict[str, Entry]:
    """Every message of the journal by key, in the order first written (no lock needed to read)."""
    entries: dict[str, Entry] = {}
    try:
        raw = (folder / JOURNAL).read_bytes()
    except FileNotFoundError:
        return entries
    for line in raw.split(b"\n"):
        try:
            record = json.loads(line)
        except ValueError:
            continue  # an empty line, or the last one cut by a kill
        if not isinstance(record, dict) or not isinstance(record.get("cle"), str):
            continue
        key = record["cle"]
        if record.get("etat") in (EN_COURS, BROUILLON) and "campagne" in record:
            entry = entries.get(key)
            if entry is None:
                entries[key] = Entry(key, record, [record])
            else:  # sent again (--renvoyer): the new attempt's details
                entry.data = record
                entry.history.append(record)
        elif key in entries:
            entries[key].history.append(record)
    return entries


class Journal:
    """The journal opened for writing (a context manager holding the lock)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / JOURNAL
        self.lock_fd: int | None = None
        self.entries: dict[str, Entry] = {}

    def __enter__(self) -> Journal:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SendingLocked(f"Un autre envoi de copar écrit déjà dans {self.path} : attendez qu'il se termine, "
                                "puis relancez la commande.") from None
        self.lock_fd = fd
        self._close_cut_line()
        self.entries = read_entries(self.folder)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def _close_cut_line(self) -> None:
        """A line cut by a kill gets its end, so that the next line stands alone."""
        try:
            with self.path.open("rb") as fh:
                fh.seek(0, os.SEEK_END)
                if fh.tell() == 0:
                    return
                fh.seek(-1, os.SEEK_END)
                last = fh.read(1)
        except FileNotFoundError:
            return
        if last != b"\n":
            self._write(b"\n")

    def _write(self, data: bytes) -> None:
        new = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:  # the file's name is durable too
            dir_fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def append(self, record: dict[str, Any]) -> None:
        """Write one line (with its time) and fold it into `entries`."""
        assert self.lock_fd is not None, "the journal is written only while locked"
        record = {"cle": record["cle"], "etat": record["etat"], "heure": now(),
                  **{k: v for k, v in record.items() if k not in ("cle", "etat")}}
        self._write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        key = record["cle"]
        if "campagne" in record:
            entry = self.entries.get(key)
            if entry is None:
                self.entries[key] = Entry(key, record, [record])
            else:
                entry.data = record
                entry.history.append(record)
        elif key in self.entries:
            self.entries[key].history.append(record)

    def state(self, key: str) -> str | None:
        entry = self.entries.get(key)
        return entry.state if entry else None
