"""copar archive zips what the output folder holds, nothing else, and never a half-built folder:
`--only` paths leaving it and links pointing out of it are refused; a running build is waited for."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from pipeline.build.lock import BuildLock, BuildLocked
from pipeline.sending import archive
from pipeline.sending.archive import write_archive

FILES = ["impression/cahier.pdf", "etudiants/x/fiche.pdf", "manifest.json"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "outputs"
    for rel in FILES:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(rel.encode())
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "promotion.xlsx").write_bytes(b"the workbook, with every address")
    return folder


def _names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.namelist()


def _outside(given: str, out: Path) -> str:
    return (f"Erreur : --only {given} : ce chemin sort du dossier de sortie {out}, copar n'archive que ce qu'il "
            "contient. Indiquez un dossier, un fichier ou un motif de ce dossier, relatif à lui (par exemple "
            "--only impression ou --only \"etudiants/*/fiche-alternance.pdf\").\n")


@pytest.mark.parametrize("given", ["../inputs", "../inputs/promotion.xlsx", "impression/../../inputs", "../*",
                                   "ABSOLUTE"])
def test_only_outside_the_folder_is_refused(out: Path, tmp_path: Path, copar, given: str) -> None:
    given = str(tmp_path / "inputs") if given == "ABSOLUTE" else given
    result = copar("archive", "-o", out, "--only", given)
    assert result.exit_code == 1
    assert result.stderr == _outside(given, out)
    assert not (tmp_path / "outputs.zip").exists()


def test_absolute_path_inside_the_folder_is_relative_in_the_zip(out: Path, tmp_path: Path, copar) -> None:
    result = copar("archive", "-o", out, "--only", out / "impression", "--only", str(out.resolve()) + "/etudiants")
    assert result.exit_code == 0, result.output
    assert _names(tmp_path / "outputs.zip") == ["LISEZMOI.txt", "etudiants/x/fiche.pdf", "impression/cahier.pdf"]


@pytest.mark.parametrize("link", ["file", "folder", "selected"])
def test_a_link_leading_out_of_the_folder_is_refused(out: Path, tmp_path: Path, copar, link: str) -> None:
    if link == "file":
        (out / "impression" / "classeur.xlsx").symlink_to(tmp_path / "inputs" / "promotion.xlsx")
        args, shown = (), "impression/classeur.xlsx"
    elif link == "folder":
        (out / "etudiants" / "entrees").symlink_to(tmp_path / "inputs", target_is_directory=True)
        args, shown = ("--only", "etudiants"), "etudiants/entrees"
    else:
        (out / "entrees").symlink_to(tmp_path / "inputs", target_is_directory=True)
        args, shown = ("--only", "entrees/*"), "entrees/promotion.xlsx"
    result = copar("archive", "-o", out, *args)
    assert result.exit_code == 1
    target = (tmp_path / "inputs").resolve()
    assert result.stderr.startswith(f"Erreur : {shown} mène hors du dossier de sortie {out} (lien symbolique vers "
                                    f"{target}")
    assert result.stderr.endswith("Supprimez le lien, ou choisissez d'autres chemins avec --only.\n")
    assert not (tmp_path / "outputs.zip").exists()


def test_links_inside_the_folder_and_hidden_work_files(out: Path, tmp_path: Path, copar) -> None:
    (out / "derniere-fiche.pdf").symlink_to(out / "etudiants" / "x" / "fiche.pdf")
    (out / ".copar").mkdir()
    (out / ".copar" / "verrou").write_text("{}")
    (out / ".copar" / "journal.json").write_text("{}")
    for internal in ("manifest.json", ".copar-brouillons.json", "courriels/journal.jsonl", "etudiants/x/~$fiche.docx",
                     "etudiants/x/.~lock.fiche.docx#"):
        (out / internal).parent.mkdir(parents=True, exist_ok=True)
        (out / internal).write_text("{}")
    inputs = tmp_path / "entrees"
    inputs.mkdir()
    (inputs / "promotion.xlsx").write_bytes(b"the workbook")
    result = copar("archive", "-o", out, "--entrees", inputs)
    assert result.exit_code == 0, result.output
    assert "4 fichiers, et LISEZMOI.txt qui les liste" in result.stdout
    names = _names(tmp_path / "outputs.zip")
    assert names == ["LISEZMOI.txt", "classeur/promotion.xlsx", "derniere-fiche.pdf", "etudiants/x/fiche.pdf",
                     "impression/cahier.pdf"]
    with zipfile.ZipFile(tmp_path / "outputs.zip") as zf:
        assert zf.read("classeur/promotion.xlsx") == b"the workbook"
        assert "classeur/promotion.xlsx" in zf.read("LISEZMOI.txt").decode("utf-8")
    assert all(not n.startswith(("/", "..", ".")) for n in names)
    # a part of the outputs (--only) is handed over without the workbook
    assert copar("archive", "-o", out, "--entrees", inputs, "--only", "impression").exit_code == 0
    assert _names(tmp_path / "outputs.zip") == ["LISEZMOI.txt", "impression/cahier.pdf"]


def test_archive_waits_for_the_running_build_then_zips_all_it_wrote(out: Path, tmp_path: Path) -> None:
    build = BuildLock(out / ".copar", out)
    build.acquire()
    told: list[str] = []

    def the_build_ends(line: str) -> None:  # called once, when the archive starts waiting
        told.append(line)
        (out / "impression" / "grille.pdf").write_bytes(b"the build's last document")
        build.release()

    result = write_archive(out, on_wait=the_build_ends, wait=60)
    assert len(told) == 1 and told[0].startswith(f"{out} est en cours d'écriture (processus {os.getpid()} sur ")
    assert "impression/grille.pdf" in result.files


def test_archive_refuses_when_the_build_goes_on(out: Path, tmp_path: Path, copar, monkeypatch) -> None:
    monkeypatch.setattr(archive, "BUILD_WAIT", 0)
    with BuildLock(out / ".copar", out):
        result = copar("archive", "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Erreur : Une construction écrit dans {out} (processus {os.getpid()} sur ")
    assert result.stderr.endswith("attendez qu'elle se termine, puis relancez « copar archive » (l'archive ne "
                                  "contiendrait qu'une partie des documents).\n")
    assert not (tmp_path / "outputs.zip").exists()


def test_a_build_is_refused_while_an_archive_is_written(out: Path) -> None:
    with BuildLock(out / ".copar", out, "archive"), pytest.raises(BuildLocked) as refused:
        BuildLock(out / ".copar", out).acquire()
    assert str(refused.value).startswith(f"Une archive de {out} est en cours d'écriture (processus {os.getpid()} ")
    assert str(refused.value).endswith("attendez qu'elle se termine, puis relancez « copar build ».")


def test_a_folder_where_no_lock_can_be_made_is_archived_all_the_same(out: Path, tmp_path: Path) -> None:
    """A read-only copy (a share, a CD) cannot hold the lock, nor a build: the archive goes on without it.
    (A `.copar` file stands for the read-only folder: the tests run as root, which writes anywhere.)"""
    (out / ".copar").write_text("pas un dossier")
    result = write_archive(out, target=tmp_path / "copie.zip", wait=0)
    assert result.files == ["etudiants/x/fiche.pdf", "impression/cahier.pdf"]
    assert (out / ".copar").read_text() == "pas un dossier"
