"""What copar wrote in a folder of drafts, so that a rerun replaces only its own, unchanged files.

A file a person edited (its SHA-256 differs from what copar recorded), or put there, is kept as
it is unless `--force`; a file copar wrote earlier for someone no longer concerned, unchanged
since, is removed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.files import write_bytes_atomically

LEDGER = ".copar-brouillons.json"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Ledger:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LEDGER
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            self.old: dict[str, str] = {str(k): str(v) for k, v in loaded.items()}
        except (OSError, ValueError, AttributeError):
            self.old = {}
        self.new: dict[str, str] = {}

    def edited(self, path: Path) -> bool:
        """Whether `path` holds something copar did not write there (a person's edit)."""
        return path.is_file() and self.old.get(path.name) != _sha(path.read_bytes())

    def keep(self, path: Path) -> bool:
        """Keep `path` as copar wrote it last time (whether it is still that)."""
        if path.name not in self.old or self.edited(path):
            return False
        self.new[path.name] = self.old[path.name]
        return True

    def write(self, path: Path, data: bytes) -> None:
        write_bytes_atomically(path, data)
        self.new[path.name] = _sha(data)

    def finish(self, partial: bool = False) -> list[Path]:
        """Remove copar's own unchanged files that this run did not write again; record the rest.

        `partial`: the run wrote some of the folder's drafts on purpose (one reminder): the others
        stay, with their records."""
        if partial:
            self.new = {**self.old, **self.new}
        removed = []
        for name, sha in sorted(self.old.items()):
            path = self.folder / name
            if name not in self.new and path.is_file() and _sha(path.read_bytes()) == sha:
                path.unlink()
                removed.append(path)
        write_bytes_atomically(self.path, json.dumps(self.new, indent=1, sort_keys=True).encode("utf-8"))
        return removed
