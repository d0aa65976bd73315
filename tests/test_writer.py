"""The workbook writer shared by collect, planning, init and restore: lock, hash check, backup, atomic save."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.errors import InputError
from pipeline.workbook.writer import CellEdit, WorkbookBusy, WorkbookChanged, Writing

from .helpers import INPUTS

B2 = [CellEdit("Bilans intermédiaires", 2, 8, "ajouté")]
WHEN = dt.datetime(2024, 6, 7, 10, 15)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "promotion.xlsx"
    shutil.copyfile(INPUTS / "promotion.xlsx", path)
    return path


@pytest.mark.slow
def test_backup_then_atomic_write(workbook: Path) -> None:
    before = workbook.read_bytes()
    with Writing(workbook) as w:
        saved = w.write_cells(B2, cause="avant-collecte", when=WHEN)
    assert saved.written == 1
    assert saved.backup == workbook.parent / "sauvegardes" / "promotion-2024-06-07-101500-avant-collecte.xlsx"
    assert saved.backup.read_bytes() == before
    assert load_workbook(workbook)["Bilans intermédiaires"]["H2"].value == "ajouté"
    # a second write the same second gets its own backup, holding the first write
    with Writing(workbook) as w:
        again = w.write_cells(B2, cause="avant-collecte", when=WHEN)
    assert again.backup.name == "promotion-2024-06-07-101500-avant-collecte-2.xlsx"
    # nothing but the workbook and the backups folder: no temporary file left
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["promotion.xlsx", "sauvegardes"]


@pytest.mark.parametrize("lock", ["~$promotion.xlsx", ".~lock.promotion.xlsx#"])
def test_refuses_an_open_workbook(workbook: Path, lock: str) -> None:
    (workbook.parent / lock).write_text("x")
    before = workbook.read_bytes()
    with pytest.raises(WorkbookBusy, match="ouvert dans Excel ou LibreOffice"):
        with Writing(workbook) as w:
            w.write_cells(B2, cause="avant-collecte")
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob("sauvegardes/*.xlsx"))


def test_a_workbook_changed_meanwhile_is_not_overwritten(workbook: Path) -> None:
    with Writing(workbook) as w:
        data = workbook.read_bytes()
        workbook.write_bytes(data + b"")  # same bytes: no change
        w.write_cells(B2, cause="avant-collecte")
        shutil.copyfile(INPUTS / "promotion.xlsx", workbook)  # Excel saved the file meanwhile
        changed = workbook.read_bytes()
        with pytest.raises(WorkbookChanged, match="rien n'a été écrit. Relancez la commande"):
            w.write_cells(B2, cause="avant-collecte")
    assert workbook.read_bytes() == changed
    assert len(list(workbook.parent.glob("sauvegardes/*.xlsx"))) == 1  # the first write's only


def test_a_failing_patch_writes_nothing(workbook: Path) -> None:
    before = workbook.read_bytes()
    with Writing(workbook) as w:
        with pytest.raises(ValueError):
            w.write_cells([CellEdit("Bilans intermédiaires", 0, 1, "x")], cause="avant-collecte")
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob("sauvegardes/*.xlsx"))
    assert not list(workbook.parent.glob(".*.tmp"))


def test_a_csv_folder_is_never_written(tmp_path: Path) -> None:
    with Writing(tmp_path) as w:
        with pytest.raises(InputError, match="n'est pas un classeur .xlsx"):
            w.write_cells(B2, cause="avant-collecte")


def test_backups_beyond_the_bound_go_oldest_first(workbook: Path) -> None:
    (workbook.parent / "copar.toml").write_text("sauvegardes = 2\n", encoding="utf-8")
    for minute in range(4):
        with Writing(workbook) as w:
            w.write_cells(B2, cause="avant-collecte", when=WHEN.replace(minute=minute))
    assert sorted(p.name for p in (workbook.parent / "sauvegardes").glob("*.xlsx")) == [
        "promotion-2024-06-07-100200-avant-collecte.xlsx", "promotion-2024-06-07-100300-avant-collecte.xlsx"]
