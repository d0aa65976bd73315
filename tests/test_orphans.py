"""Orphan LibreOffice processes: a copar killed with `kill -9` leaves its LibreOffice calls running
(they run in process groups of their own); the next copar command of any kind, in any folder, kills
them — and only groups it can prove a dead copar started."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.libreoffice import orphans

from .helpers import INPUTS, run
from .promotions import small_promotion


def alive(pid: int) -> bool:
    return orphans.started(pid) is not None


def wait_for(condition, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder / "copar"


@pytest.mark.slow
def test_a_killed_build_leaves_libreoffice_that_the_next_command_of_any_kind_kills(
        tmp_path: Path, runtime: Path) -> None:
    pids = tmp_path / "pids"
    fake = tmp_path / "fake-soffice"  # a stand-in that hangs with a child of its own, as soffice.bin
    fake.write_text(f'#!/bin/sh\nsleep 300 &\necho $! >> "{pids}"\nwait\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    inputs = small_promotion(tmp_path / "in")
    build = subprocess.Popen([sys.executable, "-m", "pipeline", "build", str(inputs), "-o", str(tmp_path / "out"),
                              "--only", "fiche", "--workers", "1"], env={**os.environ, "COPAR_SOFFICE": str(fake)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: pids.exists() and pids.read_text().strip() and list(runtime.glob("*.json")))
    finally:
        build.kill()
        build.wait()
    [entry] = runtime.glob("*.json")
    assert json.loads(entry.read_text())["owner"] == build.pid
    [child] = [int(p) for p in pids.read_text().split()]
    time.sleep(0.5)
    assert alive(child)  # kill -9 of copar leaves its LibreOffice running
    code, _, _ = run("check", INPUTS)  # another command, another folder
    assert code == 0
    wait_for(lambda: not alive(child), seconds=5)
    assert not list(runtime.glob("*.json"))


def test_a_group_whose_copar_still_runs_is_left_alone(runtime: Path) -> None:
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        orphans.register(other.pid)  # owned by this (living) process
        assert orphans.sweep() == 0
        assert alive(other.pid) and list(runtime.glob("*.json"))
    finally:
        other.kill()
        other.wait()
    orphans.unregister(other.pid)
    assert not list(runtime.glob("*.json"))


def test_a_pid_reused_since_is_not_killed(runtime: Path) -> None:
    """An entry whose owner is dead, but whose group number now names another process (other start
    time): that process is not copar's and is left alone; the stale entry goes."""
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        runtime.mkdir(mode=0o700, exist_ok=True)
        leader = orphans.started(other.pid)
        assert leader is not None
        (runtime / f"{other.pid}.json").write_text(json.dumps({"owner": dead.pid, "owner_started": 1,
                                                               "started": leader - 1}))
        assert orphans.sweep() == 0
        assert alive(other.pid) and not list(runtime.glob("*.json"))
        (runtime / f"{other.pid}.json").write_text(json.dumps({"owner": dead.pid, "owner_started": 1,
                                                               "started": leader}))
        assert orphans.sweep() == 1  # the same entry, right start time: a dead copar's, killed
        other.wait(timeout=5)
        assert other.returncode == -signal.SIGKILL
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


def test_a_registry_folder_open_to_others_is_not_trusted(runtime: Path) -> None:
    runtime.mkdir(mode=0o700)
    runtime.chmod(0o777)
    (runtime / "1.json").write_text(json.dumps({"owner": 999999999, "owner_started": 1, "started": 1}))
    assert orphans.sweep() == 0
    assert (runtime / "1.json").exists()
