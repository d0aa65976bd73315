"""Builds interrupted at random points (Ctrl-C and kill -9), in rendering, conversion and packet
assembly: the next build must leave every output as a clean build of the current workbook would,
with a manifest whose hashes match the files."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import openpyxl
import pytest

from .helpers import pdf_text
from .promotions import small_promotion

pytestmark = pytest.mark.soffice

KEEP = ("22004512",)  # one student of Jury A, with a rapport de mission: a packet, few conversions
TRIALS = 20
ONLY = "jurys"  # grille, compte rendu, livret, then the packet: every stage, few documents


def version(folder: Path, room: str) -> Path:
    """One student of Jury A, the jury sitting in `room`."""

    def move(wb: openpyxl.Workbook) -> None:
        wb["Jurys"].cell(2, 3).value = room

    return small_promotion(folder, KEEP, edit=move)


def command(inputs: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", str(inputs), "-o", str(out), "--only", ONLY]


def build(inputs: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(inputs, out), capture_output=True, text=True, timeout=300)


def documents(out: Path) -> dict[str, str]:
    """Every DOCX and PDF under `out` (the work folder aside), as the text a reader would see."""
    texts = {}
    for path in sorted(out.rglob("*")):
        rel = str(path.relative_to(out))
        if rel.startswith(".copar") or path.suffix not in (".docx", ".pdf"):
            continue
        if path.suffix == ".pdf":
            texts[rel] = pdf_text(path)
        else:
            document = docx.Document(str(path))
            cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
            texts[rel] = "\n".join([p.text for p in document.paragraphs] + cells)
    return texts


def assert_manifest_matches_files(out: Path) -> None:
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files
    for rel, entry in files.items():
        assert entry["fingerprint"], rel
        for key in ("docx", "pdf"):
            if key in entry:
                data = (out / entry[key]["path"]).read_bytes()
                assert hashlib.sha256(data).hexdigest() == entry[key]["sha256"], entry[key]["path"]
    assert not list((out / ".copar" / "tmp").iterdir())
    assert not [p for p in out.rglob("*.tmp")]


def libreoffice_of(out: Path, wait: float = 0) -> list[str]:
    """Running LibreOffice calls whose profile is in the output folder's work folder (after `wait` s at most)."""
    marker = (out / ".copar" / "tmp").resolve().as_uri().encode()
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if marker in (proc / "cmdline").read_bytes() and (proc / "stat").read_text().split()[2] != "Z":
                    found.append(proc.name)
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


# When to interrupt: once the running build's journal shows the phase has begun, after a random delay.
PHASES = {
    "rendu": (lambda e: e.get("fingerprint") is None and e.get("family") != "dossier_jury", 0.3),
    "conversion": (lambda e: bool(e.get("docx", {}).get("sha256")), 1.5),
    "dossier": (lambda e: e.get("family") == "dossier_jury", 1.0),
}


def answer_ctrl_c() -> None:
    """In the child: a shell's background job starts with SIGINT ignored, and Python then keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(process: subprocess.Popen[str], out: Path, phase: str, sig: signal.Signals, rng: random.Random) -> None:
    """Send `sig` at a random instant of `phase` (nothing if the build ends first)."""
    journal = out / ".copar" / "journal.jsonl"
    begun, spread = PHASES[phase]
    seen = 0
    while process.poll() is None:
        try:
            lines = journal.read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        for line in lines[seen:]:
            try:
                entry = json.loads(line)["entry"] or {}
            except ValueError:
                continue
            if begun(entry):
                time.sleep(rng.uniform(0, spread))
                process.send_signal(sig)
                return
        seen = len(lines)
        time.sleep(0.01)


def test_interrupted_builds_never_leave_a_stale_document_marked_current(tmp_path: Path) -> None:
    versions = {room: version(tmp_path / f"in-{i}", room) for i, room in enumerate(("Salle B214", "Amphi L3"))}
    clean = {}
    for room, inputs in versions.items():
        out = tmp_path / f"clean-{room}"
        assert build(inputs, out).returncode == 0
        clean[room] = documents(out)
        assert any(room in text for text in clean[room].values())
    rng = random.Random(20261129)
    out = tmp_path / "out"
    holds = "Amphi L3"  # the version the output folder is up to date with
    assert build(versions[holds], out).returncode == 0
    other = {"Amphi L3": "Salle B214", "Salle B214": "Amphi L3"}
    where = []
    for trial in range(TRIALS):
        room = other[holds]  # the interrupted build changes what the folder should hold
        phase = ("rendu", "conversion", "dossier")[trial % 3]
        sig = signal.SIGINT if trial % 2 else signal.SIGKILL
        process = subprocess.Popen(command(versions[room], out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, preexec_fn=answer_ctrl_c)
        interrupt(process, out, phase, sig, rng)
        stdout, stderr = process.communicate(timeout=60)
        where.append((phase, sig.name, process.returncode))
        assert "Traceback" not in stderr, stderr
        if sig == signal.SIGINT and process.returncode != 0:
            assert process.returncode == 130 and "interrompu" in stderr, (process.returncode, stderr)
            assert not libreoffice_of(out, wait=5)  # Ctrl-C stops the conversions it started
        # the next build: back to the previous version (as in the issue), or the interrupted one, finished
        holds = holds if trial % 4 < 2 else room
        done = build(versions[holds], out)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "modifié" not in done.stdout  # copar's own half-done work is not mistaken for a person's edit
        assert documents(out) == clean[holds], (trial, phase, sig.name)
        assert_manifest_matches_files(out)
        assert not libreoffice_of(out)  # what a kill -9 left running was stopped by the next build
    interrupted = [(phase, sig) for phase, sig, code in where if code != 0]
    assert len(interrupted) >= TRIALS - 3, where  # a delay may outlast a short phase, rarely
    assert {phase for phase, _ in interrupted} == {"rendu", "conversion", "dossier"}, where
