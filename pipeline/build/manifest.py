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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.files import sha256_file, write_bytes_atomically

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
MANIFEST_VERSION = 1
FILE_KEYS = ("docx", "pdf")  # the files of an entry, by suffix

Entry = dict[str, Any]


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
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}, meta


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
            records.append((str(record["rel"]), record["entry"]))
        except (ValueError, KeyError, TypeError):
            continue
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
        data = {"version": MANIFEST_VERSION, **self.meta, "files": dict(sorted(self.state.items()))}
        write_bytes_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
        if self._journal is not None:
            os.ftruncate(self._journal, 0)
        else:
            self.journal_path.unlink(missing_ok=True)

    # --- changes, journalled as they happen -------------------------------------------

    def record(self, rel: str, entry: Entry | None) -> None:
        """The entry of `rel` is now `entry` (None: its files are gone)."""
        if self._journal is not None:  # first: a change the journal could not keep is not made
            self._append((json.dumps({"rel": rel, "entry": entry}, ensure_ascii=False) + "\n").encode("utf-8"))
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
        self._coming[rel] = entry.get("fingerprint")
        self.record(rel, {**entry, "fingerprint": None,
                          **{key: {"path": path, "sha256": None} for key, path in zip(FILE_KEYS, files, strict=False)}})

    def update_file(self, rel: str, key: str, path: str, file: Path, *, drop: str = "", **extra: Any) -> None:
        """One file of `rel` has landed: record its hash (and forget the file `drop`, deleted)."""
        entry = {k: v for k, v in self.state[rel].items() if k != drop}
        if rel in self._coming:
            entry["fingerprint"] = self._coming.pop(rel)
        self.record(rel, {**entry, key: {"path": path, "sha256": sha256_file(file), **extra}})

    # --- questions ----------------------------------------------------------------------

    def fresh(self, rel: str, fingerprint: str, files: dict[str, Path]) -> bool:
        """Whether `rel` was written from this fingerprint and each of `files` is as copar wrote it."""
        entry = self.state.get(rel)
        if not entry or entry.get("fingerprint") != fingerprint:
            return False
        for key, path in files.items():
            recorded = entry.get(key) or {}
            if not recorded.get("sha256") or not path.is_file() or sha256_file(path) != recorded["sha256"]:
                return False
        return True

    def edited(self, rel: str, key: str, path: Path) -> bool:
        """Whether the file has changed since copar wrote it (someone edited it)."""
        recorded = (self.state.get(rel) or {}).get(key) or {}
        return bool(recorded.get("sha256")) and path.is_file() and sha256_file(path) != recorded["sha256"]

    def files_of(self, rel: str) -> list[tuple[str, str | None]]:
        """(path, recorded hash) of every file an entry lists: its documents, then its extras."""
        entry = self.state.get(rel) or {}
        listed = [(entry[key]["path"], entry[key].get("sha256")) for key in FILE_KEYS
                  if isinstance(entry.get(key), dict) and entry[key].get("path")]
        return listed + [(item["path"], item.get("sha256")) for item in self.extras_of(rel).values()]

    def extras_of(self, rel: str) -> dict[str, Entry]:
        """The other files an entry lists (a packet's cover and placeholder pages), by path: each
        {"path", "sha256", "fingerprint"}; an older manifest lists bare paths (hash unknown)."""
        found: dict[str, Entry] = {}
        for item in (self.state.get(rel) or {}).get("extra", []):
            if isinstance(item, str):
                found[item] = {"path": item, "sha256": None}
            elif isinstance(item, dict) and isinstance(item.get("path"), str):
                found[item["path"]] = item
        return found

    def update_extra(self, rel: str, path: str, file: Path | None, fingerprint: str | None = None,
                     **extra: Any) -> None:
        """One extra file of `rel` has landed (`file`, from `fingerprint`), or is about to be rewritten
        (None: copar's, content unknown, until it lands)."""
        entry = self.state[rel]
        item: Entry = {"path": path, "sha256": sha256_file(file) if file is not None else None,
                       **({"fingerprint": fingerprint, **extra} if file is not None else {})}
        items = list(entry.get("extra", []))
        paths = [old if isinstance(old, str) else old.get("path") if isinstance(old, dict) else None for old in items]
        if path in paths:
            items[paths.index(path)] = item
        else:
            items.append(item)
        self.record(rel, {**entry, "extra": items})
