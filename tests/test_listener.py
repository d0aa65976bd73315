"""LibreOffice listeners (one per conversion worker, driven through UNO): they convert like a
batch call, and one that crashes or hangs is replaced and its documents converted anyway."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.libreoffice.calls import find_soffice
from pipeline.libreoffice.listener import Listener, available, is_libreoffice, uno_python
from pipeline.libreoffice.stream import ConversionStream

from .helpers import alive

pytestmark = pytest.mark.soffice


@pytest.fixture(scope="module")
def soffice() -> str:
    found = find_soffice()
    if not available(found):
        pytest.fail("no listener can run here: install python3-uno (scripts/setup.sh does)")
    return found


def small_docx(path: Path, text: str) -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    return path


def office_pids(marker: Path) -> list[int]:
    """The soffice.bin processes whose command line holds `marker` (a stream's folder)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            command = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"soffice.bin" in command and str(marker).encode() in command:
            pids.append(int(proc.name))
    return pids


def started(stream: ConversionStream) -> Listener:
    """The stream's first listener, once LibreOffice answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if stream.listeners and stream.listeners[0].ready:
            time.sleep(0.2)  # the worker now waits for documents
            return stream.listeners[0]
        time.sleep(0.1)
    raise AssertionError("the listener did not start")


def texts(results: dict[Path, object]) -> dict[str, str]:
    return {path.stem: PdfReader(path.with_suffix(".pdf")).pages[0].extract_text().strip() for path in results}


def test_uno_python_and_stand_ins(tmp_path: Path, soffice: str) -> None:
    assert uno_python() is not None
    assert is_libreoffice(soffice)
    stand_in = tmp_path / "fake-soffice"
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    assert not is_libreoffice(str(stand_in))  # fault injection keeps its batch calls


def test_a_listener_converts_documents_one_call_after_another(tmp_path: Path, soffice: str) -> None:
    files = [small_docx(tmp_path / f"lettre-{n}.docx", f"Lettre numéro {n}") for n in range(4)]
    with ConversionStream(soffice, workers=1, grouping=False, expected=4, tmpdir=tmp_path / "tmp") as stream:
        listener = started(stream)
        first = stream.convert(files[:2])
        second = stream.convert(files[2:])
    assert all(r.pdf is not None for r in [*first.values(), *second.values()])
    assert texts(first | second) == {f"lettre-{n}": f"Lettre numéro {n}" for n in range(4)}
    assert listener.starts == 1 and stream.calls == 2
    assert listener.process is None and not office_pids(stream.root)  # closed with the stream


def test_a_crashed_listener_is_replaced_and_its_documents_converted(tmp_path: Path, soffice: str) -> None:
    files = [small_docx(tmp_path / f"fiche-{n}.docx", f"Fiche {n}") for n in range(3)]
    with ConversionStream(soffice, workers=1, grouping=False, expected=3, tmpdir=tmp_path / "tmp") as stream:
        listener = started(stream)
        for pid in office_pids(stream.root):
            os.kill(pid, signal.SIGKILL)  # LibreOffice crashes between two calls
        results = stream.convert(files)
    assert {path.stem: r.error for path, r in results.items()} == {f"fiche-{n}": None for n in range(3)}
    assert texts(results) == {f"fiche-{n}": f"Fiche {n}" for n in range(3)}
    assert listener.starts == 2


def test_a_hung_listener_is_killed_at_its_limit_and_its_documents_converted(tmp_path: Path, soffice: str) -> None:
    files = [small_docx(tmp_path / f"bilan-{n}.docx", f"Bilan {n}") for n in range(2)]
    with ConversionStream(soffice, workers=1, grouping=False, expected=2, timeout=8,
                          tmpdir=tmp_path / "tmp") as stream:
        listener = started(stream)
        hung = office_pids(stream.root)
        for pid in hung:
            os.kill(pid, signal.SIGSTOP)  # LibreOffice stops answering
        began = time.monotonic()
        results = stream.convert(files)
        elapsed = time.monotonic() - began
    assert {path.stem: r.error for path, r in results.items()} == {"bilan-0": None, "bilan-1": None}
    assert listener.starts == 2
    assert 8 <= elapsed < 60  # killed once no PDF came within one document's limit (8 s), not waited for
    assert not any(alive(pid) for pid in hung)  # the hung LibreOffice was killed
