"""The output folder is copar's only where its manifest says so: one build at a time, nothing of
anyone else's deleted, leftovers of a killed build swept, edits made by hand kept, another
promotion never mixed in. Word-only builds (--no-pdf), so no LibreOffice here."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.build.lock import BuildLock
from pipeline.cli import cli

from .helpers import INPUTS
from .promotions import small_promotion

ONE = "22004512"


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], obj={})
    return result.exit_code, result.stdout, result.stderr


def entries(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    return small_promotion(tmp_path / "in")


@pytest.mark.slow
def test_a_second_build_in_the_same_folder_is_refused_while_the_first_runs(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with BuildLock(out / ".copar", out):
        code, stdout, stderr = run("build", inputs, "-o", out, "--no-pdf")
    assert code == 1
    assert stderr.startswith(f"Erreur : Une autre construction écrit déjà dans {out} (processus {os.getpid()} sur ")
    assert "attendez qu'elle se termine, ou choisissez un autre dossier de sortie avec -o." in stderr
    assert not (out / "manifest.json").exists()


def test_a_lock_left_by_a_killed_build_is_taken_over(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".copar").mkdir(parents=True)
    (out / ".copar" / "verrou").write_text('{"pid": 999999, "host": "x", "started": "2026-01-01T00:00:00"}')
    code, stdout, stderr = run("build", inputs, "-o", out, "--no-pdf")
    assert code == 0, stdout + stderr
    assert json.loads((out / ".copar" / "verrou").read_text())["pid"] == os.getpid()


@pytest.mark.slow
def test_a_folder_that_is_not_copars_is_refused_unless_force(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "Documents"
    (out / "Mes scans").mkdir(parents=True)
    (out / "notes.txt").write_text("à garder")
    code, _, stderr = run("build", inputs, "-o", out, "--no-pdf")
    assert code == 1
    assert stderr == (f"Erreur : Dossier de sortie refusé : {out} n'est pas vide (Mes scans, notes.txt) et ne contient "
                      "pas de manifeste copar (manifest.json), copar pourrait y remplacer ou supprimer des fichiers. "
                      "Indiquez un dossier vide ou nouveau avec -o, ou ajoutez --force pour l'utiliser quand même.\n")
    assert sorted(p.name for p in out.iterdir()) == ["Mes scans", "notes.txt"]
    assert run("build", inputs, "-o", out, "--no-pdf", "--force")[0] == 0


@pytest.mark.slow
def test_only_files_the_manifest_lists_are_removed_then_their_empty_folders(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", inputs, "-o", out, "--no-pdf")[0] == 0
    (out / "Mes scans").mkdir()
    (out / "depot" / ".git" / "refs").mkdir(parents=True)
    (out / "depot" / ".git" / "objects").mkdir()
    student = next((out / "etudiants").glob("22001843-*"))
    (student / "notes-du-tuteur.txt").write_text("à garder")
    other = small_promotion(tmp_path / "in2", keep=(ONE,))
    code, stdout, _ = run("build", other, "-o", out, "--no-pdf")
    assert code == 0
    assert "fichiers obsolètes supprimés" in stdout
    assert sorted(p.name for p in student.iterdir()) == ["notes-du-tuteur.txt"]
    assert (out / "Mes scans").is_dir() and (out / "depot" / ".git" / "refs").is_dir()
    assert (out / "depot" / ".git" / "objects").is_dir()
    assert not any("22001843" in k for k in entries(out))


def test_leftovers_of_a_killed_build_are_swept_at_the_next_start(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche")[0] == 0
    folder = next((out / "etudiants").glob(f"{ONE}-*"))
    half = folder / ".fiche-alternance.docx.0a1b2c3d.tmp"
    half.write_bytes(b"PK\x03\x04 half a zip")
    profile = out / ".copar" / "tmp" / "copar-soffice-abc123" / "profile"
    profile.mkdir(parents=True)
    keep = folder / ".brouillon.tmp"  # not a name copar gives its temporary files
    keep.write_text("x")
    assert run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche")[0] == 0
    assert not half.exists() and not profile.parent.exists()
    assert keep.exists()


@pytest.mark.slow
def test_no_pdf_never_deletes_the_jury_packets(inputs: Path, tmp_path: Path) -> None:
    """A Word-only build skips the packet stage: what that stage wrote stays, with its manifest entry."""
    out = tmp_path / "out"
    assert run("build", inputs, "-o", out, "--no-pdf")[0] == 0
    packet = out / "jurys" / "jury-a" / "dossier-jury-a.pdf"
    packet.parent.mkdir(parents=True, exist_ok=True)
    packet.write_bytes(b"%PDF-1.7 stand-in packet")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["jurys/jury-a/dossier-jury-a"] = {
        "family": "dossier_jury", "label": "Dossier du jury Jury A", "fingerprint": "x",
        "pdf": {"path": "jurys/jury-a/dossier-jury-a.pdf", "sha256": hashlib.sha256(packet.read_bytes()).hexdigest()},
        "extra": []}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, stdout, _ = run("build", inputs, "-o", out, "--no-pdf")
    assert code == 0
    assert "obsolète" not in stdout
    assert "Dossiers de jury non mis à jour (option --no-pdf)" in stdout
    assert packet.exists() and "jurys/jury-a/dossier-jury-a" in entries(out)


def test_a_docx_edited_by_hand_is_kept_under_another_name(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche")[0] == 0
    fiche = next((out / "etudiants").glob(f"{ONE}-*")) / "fiche-alternance.docx"
    document = docx.Document(str(fiche))
    document.add_paragraph("Note du tuteur : rendez-vous pris le 3 mars.")
    document.save(str(fiche))
    code, stdout, _ = run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche")
    assert code == 0
    (kept,) = fiche.parent.glob("fiche-alternance-modifié-*.docx")
    assert "Note du tuteur" in docx_text(kept) and "Note du tuteur" not in docx_text(fiche)
    rel = str(fiche.relative_to(out))
    assert f"1 fichier modifié à la main depuis que copar l'a écrit, conservé sous un autre nom :\n  - {rel} → " \
           f"{kept.relative_to(out)}" in stdout
    assert str(kept.relative_to(out)) in (out / "rapport-de-construction.txt").read_text(encoding="utf-8")
    assert "1 écrit, 1 inchangé" in stdout  # the other student's fiche was not touched


@pytest.mark.slow
def test_another_promotion_is_not_mixed_into_the_folder(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche")[0] == 0

    def next_year(wb: openpyxl.Workbook) -> None:
        ws = wb["Promotion"]
        for row in range(2, ws.max_row + 1):
            if str(ws.cell(row, 1).value).lower().startswith("ann"):
                ws.cell(row, 2).value = "2024-2025"

    newer = small_promotion(tmp_path / "in2025", keep=(ONE,), edit=next_year)
    code, _, stderr = run("build", newer, "-o", out, "--no-pdf", "--only", "fiche")
    assert code == 1
    assert "contient les documents de la promotion 2023-2024, et le classeur est celui de 2024-2025" in stderr
    code, stdout, _ = run("build", newer, "-o", out, "--no-pdf", "--only", "fiche", "--force")
    assert code == 0
    assert not list((out / "etudiants").glob("22001843-*"))  # the old promotion's documents are gone
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["promotion"] == "2024-2025"


def add_student(wb: openpyxl.Workbook) -> None:
    ws = wb["Étudiant·es"]
    ws.insert_rows(3)
    for col in range(1, ws.max_column + 1):
        ws.cell(3, col).value = ws.cell(2, col).value
    ws.cell(3, 1).value, ws.cell(3, 2).value, ws.cell(3, 3).value = "22009999", "Nouvelle", "Camille"


@pytest.mark.slow
def test_a_partial_build_for_a_new_student_updates_the_shared_attendance_sheet(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = small_promotion(tmp_path / "in")
    assert run("build", before, "-o", out, "--no-pdf", "--only", "reunion-tuteurs")[0] == 0
    sheet = out / "reunion-tuteurs" / "feuille-emargement.docx"
    assert "Nouvelle" not in docx_text(sheet)
    after = small_promotion(tmp_path / "in", edit=add_student)
    code, stdout, stderr = run("build", after, "-o", out, "--no-pdf", "--only", "reunion-tuteurs",
                               "--etudiant", "22009999")
    assert code == 0, stdout + stderr
    assert "Feuille d'émargement de la réunion : 1 écrit" in stdout
    assert "NOUVELLE" in docx_text(sheet).upper()


@pytest.mark.slow
def test_a_partial_build_names_the_shared_documents_it_left_out_of_date(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", small_promotion(tmp_path / "in"), "-o", out, "--no-pdf", "--only", "reunion-tuteurs")[0] == 0
    after = small_promotion(tmp_path / "in", edit=add_student)
    code, stdout, _ = run("build", after, "-o", out, "--no-pdf", "--only", "fiche")
    assert code == 0
    assert ("2 documents déjà produits ne correspondent plus au classeur (Invitation — Gaëlle L'Hôte, Feuille "
            "d'émargement de la réunion des tuteur·rices) : relancez « copar build » sans --only ni --etudiant pour "
            "les mettre à jour.") in " ".join(stdout.split())  # her tutor's letter, and the sheet


@pytest.mark.slow
def test_a_full_disk_gives_one_message_the_summary_and_no_half_written_file(
        inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.documents import render

    real = render.write_atomically
    written: list[Path] = []

    def filling_up(target: Path, write) -> None:  # type: ignore[no-untyped-def]
        if len(written) == 3:
            def half_then_full(tmp: Path) -> None:
                tmp.write_bytes(b"PK\x03\x04 half")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real(target, half_then_full)
        real(target, write)
        written.append(target)

    monkeypatch.setattr(render, "write_atomically", filling_up)
    out = tmp_path / "out"
    code, stdout, stderr = run("build", inputs, "-o", out, "--no-pdf", "--workers", "1")
    assert code == 1
    assert stderr.splitlines()[-1] + "\n" == (f"Erreur : Disque plein : plus de place pour écrire dans {out}. Les documents déjà écrits sont "
                      "complets et à jour ; libérez de la place puis relancez « copar build » pour terminer.\n")
    assert "Exception ignored" not in stderr and len(stderr.splitlines()) <= 2  # at most the progress label
    assert stdout.splitlines()[1].startswith("3 documents écrits, 0 inchangé, ")  # after the settings line
    assert "non écrit : disque plein" in stdout
    assert not [p for p in out.rglob("*.tmp")]
    assert sorted(p for p in out.rglob("*.docx")) == sorted(written)
    for path in written:
        docx_text(path)  # each one opens
    monkeypatch.undo()  # space freed
    done = run("build", inputs, "-o", out, "--no-pdf")
    assert done[0] == 0 and done[1].splitlines()[1].startswith("22 documents écrits, 3 inchangés (déjà à jour), 0 en échec.")


def answer_ctrl_c() -> None:
    """In the child: answer SIGINT as a copar started from a terminal does. A suite started as a
    background job (`make test &`, some CI runners) runs with SIGINT ignored; its children inherit
    that, Python then keeps ignoring SIGINT, and the build would run to its end (exit 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def rendering(out: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A build of the whole sample, Word only, caught once its workers have written a few documents."""
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "build", str(INPUTS), "-o", str(out), "--no-pdf",
                                "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=answer_ctrl_c)
    journal = out / ".copar" / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count('"sha256": "') < 3):
        time.sleep(0.05)
    workers = children(process.pid)
    assert len(workers) >= 2
    return process, workers


@pytest.mark.slow
def test_ctrl_c_or_sigterm_during_rendering_stops_workers_with_one_french_line(tmp_path: Path) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        process, workers = rendering(tmp_path / sig.name)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 130
        assert "Traceback" not in stderr
        assert stderr.strip().splitlines()[-1] == ("Erreur : interrompu. Aucun fichier à moitié écrit n'est resté ; "
                                                   "relancez la même commande pour terminer.")
        assert not [pid for pid in workers if alive(pid)]


@pytest.mark.slow
def test_kill_9_of_copar_kills_its_render_workers(tmp_path: Path) -> None:
    process, workers = rendering(tmp_path / "out")
    process.kill()
    process.communicate()
    deadline = time.monotonic() + 5
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.soffice
def test_a_pdf_edited_by_hand_is_kept_under_another_name(inputs: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from .helpers import pdf_text

    out = tmp_path / "out"
    assert run("build", inputs, "-o", out, "--only", "fiche", "--etudiant", ONE)[0] == 0
    pdf = next((out / "etudiants").glob(f"{ONE}-*")) / "fiche-alternance.pdf"
    writer = PdfWriter(clone_from=PdfReader(pdf))  # as a viewer saving an annotated copy would
    writer.add_metadata({"/Subject": "annoté par la tutrice"})
    writer.write(pdf)

    def new_structure(wb: openpyxl.Workbook) -> None:
        ws = wb["Étudiant·es"]
        for row in range(2, ws.max_row + 1):
            if str(ws.cell(row, 1).value) == ONE:
                ws.cell(row, 6).value = "Mairie de Rennes"

    changed = small_promotion(tmp_path / "in", edit=new_structure)
    code, stdout, _ = run("build", changed, "-o", out, "--only", "fiche", "--etudiant", ONE)
    assert code == 0
    (kept,) = pdf.parent.glob("fiche-alternance-modifié-*.pdf")
    assert PdfReader(kept).metadata["/Subject"] == "annoté par la tutrice"
    assert "Mairie de Rennes" in pdf_text(pdf) and "Mairie de Rennes" not in pdf_text(kept)
    assert f"  - {pdf.relative_to(out)} → {kept.relative_to(out)}" in stdout
    assert not list(pdf.parent.glob("fiche-alternance-modifié-*.docx"))  # the DOCX was not edited


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MiB tmpfs (needs root and a system that allows mounting; skipped otherwise)."""
    folder = tmp_path / "disque"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.slow
def test_a_really_full_disk_prints_no_traceback_and_leaves_no_temporary_file(tiny_disk: Path) -> None:
    out = tiny_disk / "out"
    done = subprocess.run([sys.executable, "-m", "pipeline", "build", str(INPUTS), "-o", str(out), "--no-pdf"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("Erreur : Disque plein : plus de place pour écrire dans ")
    written = int(done.stdout.splitlines()[1].split()[0])  # the line after the settings line
    assert written > 0 and f"{written} documents écrits, 0 inchangé" in done.stdout
    assert not [p for p in out.rglob("*.tmp")]
    subprocess.run(["mount", "-o", "remount,size=30m", str(tiny_disk)], check=True)  # space freed
    again = subprocess.run([sys.executable, "-m", "pipeline", "build", str(INPUTS), "-o", str(out), "--no-pdf"],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"{written} inchangés (déjà à jour), 0 en échec." in again.stdout


def test_a_journal_line_cut_by_a_full_disk_is_not_kept_nor_believed(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """On a disk that fills up, write() first returns short (what fitted), and only the next write
    fails. The journal then held half a line the build believed written: the document counted as
    written was not « inchangé » at the next build (the full-disk tests' race)."""
    from pipeline.build import manifest as module
    from pipeline.build.manifest import Entry, Manifest

    out = tmp_path / "out"
    manifest = Manifest(out, out / ".copar")
    manifest.open({})
    manifest.record("a", Entry("fiche", fingerprint="1"))
    real = os.write
    calls: list[int] = []

    def filling_up(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: len(data) // 2]))  # what fitted
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(module.os, "write", filling_up)
    with pytest.raises(OSError) as raised:
        manifest.record("b", Entry("fiche", fingerprint="2"))
    assert raised.value.errno == errno.ENOSPC and len(calls) == 2  # the rest of the line was tried
    monkeypatch.undo()
    assert "b" not in manifest.state
    manifest.record("c", Entry("fiche", fingerprint="3"))  # space freed
    manifest.close()
    assert [json.loads(line)["rel"] for line in manifest.journal_path.read_text().splitlines()] == ["a", "c"]
