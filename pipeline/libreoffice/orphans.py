"""Orphan LibreOffice processes: the ones a copar killed with `kill -9` (or a crash) left running.

Every LibreOffice call and listener runs in a process group of its own (so that a time
limit kills it whole), which also means it does not die with copar. Each group copar
starts is registered in a per-user runtime folder ($XDG_RUNTIME_DIR/copar, else
/tmp/copar-UID, private to the user) as one small file: the group, the start time of its
leader, the copar process that owns it and that process's start time. `sweep()`, run by
every copar command, kills the groups whose owner is dead — and only those it can prove
are copar's own: a group whose leader still runs must be the process registered (same
start time); a pid reused since is not touched (Linux never reuses a pid while a group
of that number still exists, so a group whose leader is gone is still the one copar
started). Owners that are alive (another copar building elsewhere) are left alone.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import tempfile
from pathlib import Path


def folder() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    return base / ("copar" if runtime and Path(runtime).is_dir() else f"copar-{os.getuid()}")


def _private_folder(create: bool) -> Path | None:
    """The registry folder if it is ours and private (created when asked); None otherwise."""
    path = folder()
    if create:
        try:
            path.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            return None
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # a symlink, or someone else's: not trusted
    return path


def started(pid: int) -> int | None:
    """The start time of process `pid` (clock ticks since boot), None if there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] == "Z":
        return None  # dead, not reaped yet
    return int(fields[19])


def _group_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def register(group: int) -> None:
    """Record that this process started process group `group` (its leader's pid)."""
    path = _private_folder(create=True)
    leader = started(group)
    me = started(os.getpid())
    if path is None or leader is None or me is None:
        return
    entry = path / f"{group}.json"
    tmp = path / f".{group}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps({"owner": os.getpid(), "owner_started": me, "started": leader}))
        os.replace(tmp, entry)
    except OSError:
        tmp.unlink(missing_ok=True)


def unregister(group: int) -> None:
    path = _private_folder(create=False)
    if path is not None:
        (path / f"{group}.json").unlink(missing_ok=True)


def sweep() -> int:
    """Kill the registered groups whose owner is dead; how many were killed."""
    path = _private_folder(create=False)
    if path is None:
        return 0
    killed = 0
    for entry in path.glob("*.json"):
        try:
            data = json.loads(entry.read_text())
            group, owner, owner_started, leader_started = (int(entry.stem), int(data["owner"]),
                                                           int(data["owner_started"]), int(data["started"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if started(owner) == owner_started:
            continue  # its copar still runs
        leader = started(group)
        if leader is None or (leader == leader_started and _group_of(group) == group):
            try:
                os.killpg(group, signal.SIGKILL)
                killed += 1
            except OSError:  # no such group any more (it ended by itself), or not ours
                pass
        entry.unlink(missing_ok=True)
    return killed
