"""The manifest: what copar wrote in an output folder, true at every instant.

`manifest.json` maps each output (its path without suffix) to an entry: family, label,
fingerprint of what it depends on, and the SHA-256 of each file written. A build does
not rewrite it after every document: each change is appended, as it happens, to a
journal (`.copar/journal.jsonl`), one JSON line per entry (`null` for a removal). The
next build folds the journal into `manifest.json` before anything else, so a build
killed at any point (Ctrl-C, kill -9, a closed terminal) leaves a manifest that tells
the truth.

Before a file is rewritten its entry is *invalidated* (journalled with no fingerprint
and no hashes, its paths kept): whatever a killed build left there is known to be
copar's, and not up to date. An entry is fresh only when its fingerprint matches and
every file it needs is on disk with the recorded hash; a file whose hash differs from
a recorded one was edited by someone since copar wrote it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.files import sha256_file, write_bytes_atomically

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
MANIFEST_VERSION = 1
FILE_KEYS = ("docx", "pdf")  # the files of an entry, by suffix


def _text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


def _count(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None


@dataclass(frozen=True)
class FileRecord:
    """One file an entry lists: its path in the output folder, and its SHA-256 once it has landed
    (None: copar's, content unknown — about to be rewritten, or listed by an older manifest)."""

    path: str
    sha256: str | None = None
    pages: int | None = None  # a PDF's page count
    size: int | None = None  # a packet's bytes
    fingerprint: str | None = None  # a packet's cover or placeholder page: what it was rendered from

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "sha256": self.sha256}
        optional = {"pages": self.pages, "bytes": self.size, "fingerprint": self.fingerprint}
        return data | {key: value for key, value in optional.items() if value is not None}

    @classmethod
    def from_json(cls, raw: Any) -> FileRecord | None:
        """A file as manifest.json holds it; an older manifest lists a packet's extras as bare paths."""
        if isinstance(raw, str):
            return cls(raw)
        if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
            return None
        return cls(raw["path"], _text(raw.get("sha256")), _count(raw.get("pages")), _count(raw.get("bytes")),
                   _text(raw.get("fingerprint")))


@dataclass(frozen=True)
class Entry:
    """What the manifest knows of one output (a document, or a jury packet)."""

    family: str
    label: str = ""
    fingerprint: str | None = None  # of what it was made from; None while it is being rewritten
    docx: FileRecord | None = None
    pdf: FileRecord | None = None
    extra: tuple[FileRecord, ...] = ()  # a packet's cover and placeholder pages
    student: str | None = None  # a document's student (None: a shared document)
    students: tuple[str, ...] = ()  # a packet's students, in order of passage
    template: str = ""
    template_sha256: str = ""
    custom_template: bool = False
    inputs: tuple[str, ...] = ()
    pdfa: bool = False
    parts: tuple[FileRecord, ...] = ()  # a packet's parts, with their hashes

    def file(self, key: str) -> FileRecord | None:
        """The entry's "docx" or "pdf"."""
        return self.docx if key == "docx" else self.pdf if key == "pdf" else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"family": self.family, "label": self.label, "fingerprint": self.fingerprint}
        if self.student is not None:
            data["student"] = self.student
        if self.students:
            data["students"] = list(self.students)
        if self.template:
            data |= {"template": self.template, "template_sha256": self.template_sha256,
                     "custom_template": self.custom_template}
        if self.inputs:
            data["inputs"] = list(self.inputs)
        data |= {key: record.to_json() for key in FILE_KEYS if (record := self.file(key)) is not None}
        if self.pdfa:
            data["pdfa"] = True
        if self.parts:
            data["parts"] = [part.to_json() for part in self.parts]
        if self.extra:
            data["extra"] = [item.to_json() for item in self.extra]
        return data

    @classmethod
    def from_json(cls, raw: Any) -> Entry | None:
        """An entry as manifest.json or the journal holds it; None for anything else (a hand-edited
        manifest is not believed on trust: an entry copar cannot read is not copar's)."""
        if not isinstance(raw, dict):
            return None

        def files(key: str) -> tuple[FileRecord, ...]:
            items = raw.get(key)
            found = [FileRecord.from_json(item) for item in items] if isinstance(items, list) else []
            return tuple(item for item in found if item is not None)

        def texts(key: str) -> tuple[str, ...]:
            items = raw.get(key)
            return tuple(str(item) for item in items) if isinstance(items, list) else ()

        return cls(family=_text(raw.get("family")) or "", label=_text(raw.get("label")) or "",
                   fingerprint=_text(raw.get("fingerprint")),
                   docx=FileRecord.from_json(raw.get("docx")), pdf=FileRecord.from_json(raw.get("pdf")),
                   extra=files("extra"), student=_text(raw.get("student")), students=texts("students"),
                   template=_text(raw.get("template")) or "", template_sha256=_text(raw.get("template_sha256")) or "",
                   custom_template=raw.get("custom_template") is True, inputs=texts("inputs"),
                   pdfa=raw.get("pdfa") is True, parts=files("parts"))


def _read_manifest(path: Path) -> tuple[dict[str, Entry], dict[str, Any]] | None:
    """(entries, metadata) of a copar manifest; None when there is none (or it is not copar's)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return None
    if data.get("version") != MANIFEST_VERSION:
        return {}, {}
    meta = {k: v for k, v in data.items() if k != "files"}
    entries = {str(rel): Entry.from_json(raw) for rel, raw in data["files"].items()}
    return {rel: entry for rel, entry in entries.items() if entry is not None}, meta


def _read_journal(path: Path) -> list[tuple[str, Entry | None]]:
    """The journal's records, in order; a line cut short by a kill is ignored."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
            rel, raw = str(record["rel"]), record["entry"]
        except (ValueError, KeyError, TypeError):
            continue
        entry = Entry.from_json(raw)
        if raw is None or entry is not None:
            records.append((rel, entry))
    return records


@dataclass
class Manifest:
    """Entries at the start of the build (`old`), now (`state`), and what this build touched."""

    root: Path  # the output folder
    work: Path  # its hidden work folder (.copar)
    old: dict[str, Entry] = field(default_factory=dict)
    state: dict[str, Entry] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # outputs this build wrote or found up to date
    attempted: set[str] = field(default_factory=set)  # outputs this build considered
    found: bool = False  # whether the folder held a copar manifest
    _journal: int | None = None
    _coming: dict[str, Any] = field(default_factory=dict)  # fingerprint of outputs being rewritten

    @property
    def path(self) -> Path:
        return self.root / MANIFEST

    @property
    def journal_path(self) -> Path:
        return self.work / JOURNAL

    @classmethod
    def load(cls, root: Path, work: Path) -> Manifest:
        """Read the manifest and the journal an interrupted build left (nothing is written)."""
        manifest = cls(root, work)
        loaded = _read_manifest(manifest.path)
        records = _read_journal(manifest.journal_path)
        manifest.found = loaded is not None or bool(records)
        entries, manifest.meta = loaded or ({}, {})
        for rel, entry in records:
            if entry is None:
                entries.pop(rel, None)
            else:
                entries[rel] = entry
        manifest.old = entries
        manifest.state = dict(entries)
        return manifest

    def open(self, meta: dict[str, Any]) -> None:
        """Fold the journal into manifest.json (with this build's metadata), then journal anew."""
        self.meta = {**self.meta, **meta}
        self.write()
        self.work.mkdir(parents=True, exist_ok=True)
        self._journal = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)

    def close(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None

    def write(self) -> None:
        """manifest.json from the current state; the journal is then spent."""
        files = {rel: entry.to_json() for rel, entry in sorted(self.state.items())}
        data = {"version": MANIFEST_VERSION, **self.meta, "files": files}
        write_bytes_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
        if self._journal is not None:
            os.ftruncate(self._journal, 0)
        else:
            self.journal_path.unlink(missing_ok=True)

    # --- changes, journalled as they happen -------------------------------------------

    def record(self, rel: str, entry: Entry | None) -> None:
        """The entry of `rel` is now `entry` (None: its files are gone)."""
        if self._journal is not None:  # first: a change the journal could not keep is not made
            raw = entry.to_json() if entry is not None else None
            self._append((json.dumps({"rel": rel, "entry": raw}, ensure_ascii=False) + "\n").encode("utf-8"))
        if entry is None:
            self.state.pop(rel, None)
        else:
            self.state[rel] = entry
            self.seen.add(rel)

    def _append(self, line: bytes) -> None:
        """Append a whole line to the journal, or nothing. A disk that fills up mid-line makes
        write() return short (what fitted) and only the next write fail: without the loop, the line
        would be cut and the build would go on believing it recorded; without the truncation, the
        next line would be glued to the cut one and both lost."""
        assert self._journal is not None
        start = os.lseek(self._journal, 0, os.SEEK_END)
        rest = memoryview(line)
        try:
            while rest:
                rest = rest[os.write(self._journal, rest):]
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._journal, start)
            raise

    def keep(self, rel: str) -> None:
        """`rel` is up to date: this build produces it without rewriting it."""
        self.seen.add(rel)

    def invalidate(self, rel: str, entry: Entry, files: list[str]) -> None:
        """About to (re)write the files of `rel` from `entry`'s fingerprint: record them as copar's,
        content unknown, until the first of them lands (`update_file`)."""
        self._coming[rel] = entry.fingerprint
        unknown: dict[str, Any] = {key: FileRecord(path) for key, path in zip(FILE_KEYS, files, strict=False)}
        self.record(rel, replace(entry, fingerprint=None, **unknown))

    def update_file(self, rel: str, key: str, path: str, file: Path, *, drop: str = "",
                    pages: int | None = None) -> None:
        """One file of `rel` has landed: record its hash (and forget the file `drop`, deleted)."""
        entry = self.state[rel]
        changes: dict[str, Any] = {key: FileRecord(path, sha256_file(file), pages)}
        if drop:
            changes[drop] = None
        if rel in self._coming:
            changes["fingerprint"] = self._coming.pop(rel)
        self.record(rel, replace(entry, **changes))

    # --- questions ----------------------------------------------------------------------

    def fresh(self, rel: str, fingerprint: str, files: dict[str, Path]) -> bool:
        """Whether `rel` was written from this fingerprint and each of `files` is as copar wrote it."""
        entry = self.state.get(rel)
        if entry is None or entry.fingerprint != fingerprint:
            return False
        for key, path in files.items():
            recorded = entry.file(key)
            if recorded is None or not recorded.sha256 or not path.is_file() or sha256_file(path) != recorded.sha256:
                return False
        return True

    def edited(self, rel: str, key: str, path: Path) -> bool:
        """Whether the file has changed since copar wrote it (someone edited it)."""
        entry = self.state.get(rel)
        recorded = entry.file(key) if entry is not None else None
        return (recorded is not None and bool(recorded.sha256) and path.is_file()
                and sha256_file(path) != recorded.sha256)

    def files_of(self, rel: str) -> list[tuple[str, str | None]]:
        """(path, recorded hash) of every file an entry lists: its documents, then its extras."""
        entry = self.state.get(rel)
        if entry is None:
            return []
        listed = [record for key in FILE_KEYS if (record := entry.file(key)) is not None and record.path]
        return [(record.path, record.sha256) for record in [*listed, *self.extras_of(rel).values()]]

    def extras_of(self, rel: str) -> dict[str, FileRecord]:
        """The other files an entry lists (a packet's cover and placeholder pages), by path."""
        entry = self.state.get(rel)
        return {item.path: item for item in entry.extra} if entry is not None else {}

    def update_extra(self, rel: str, path: str, file: Path | None, fingerprint: str | None = None,
                     pages: int | None = None) -> None:
        """One extra file of `rel` has landed (`file`, from `fingerprint`), or is about to be rewritten
        (None: copar's, content unknown, until it lands)."""
        entry = self.state[rel]
        item = FileRecord(path, sha256_file(file), pages, fingerprint=fingerprint) if file is not None \
            else FileRecord(path)
        items = list(entry.extra)
        paths = [old.path for old in items]
        if path in paths:
            items[paths.index(path)] = item
        else:
            items.append(item)
        self.record(rel, replace(entry, extra=tuple(items)))
