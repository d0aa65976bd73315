"""The workbook writer shared by collect and planning: lock files, dated backup, nothing else lost."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.workbook.writer import WorkbookBusy, update_workbook

from .helpers import INPUTS


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "promotion.xlsx"
    shutil.copyfile(INPUTS / "promotion.xlsx", path)
    return path


def _set_b2(wb: object) -> str:
    ws = wb["Bilans intermédiaires"]  # type: ignore[index]
    ws["H2"] = "ajouté"
    return "ok"


def test_backup_then_atomic_write_keeps_the_rest(workbook: Path) -> None:
    before = workbook.read_bytes()
    original = load_workbook(workbook)
    saved = update_workbook(workbook, _set_b2, label="avant-collecte", when=dt.datetime(2024, 6, 7, 10, 15))
    assert saved.value == "ok"
    assert saved.backup.name == "promotion.avant-collecte-20240607-101500.xlsx"
    assert saved.backup.read_bytes() == before
    after = load_workbook(workbook)
    assert after["Bilans intermédiaires"]["H2"].value == "ajouté"
    assert after.sheetnames == original.sheetnames
    for name in original.sheetnames:
        old, new = original[name], after[name]
        assert new.freeze_panes == old.freeze_panes
        assert len(new.data_validations.dataValidation) == len(old.data_validations.dataValidation)
        assert {k: d.width for k, d in new.column_dimensions.items()} == {k: d.width for k, d in old.column_dimensions.items()}
    # a second write the same second gets its own backup
    again = update_workbook(workbook, _set_b2, label="avant-collecte", when=dt.datetime(2024, 6, 7, 10, 15))
    assert again.backup.name == "promotion.avant-collecte-20240607-101500-2.xlsx"


@pytest.mark.parametrize("lock", ["~$promotion.xlsx", ".~lock.promotion.xlsx#"])
def test_refuses_an_open_workbook(workbook: Path, lock: str) -> None:
    (workbook.parent / lock).write_text("x")
    before = workbook.read_bytes()
    with pytest.raises(WorkbookBusy, match="ouvert dans Excel ou LibreOffice"):
        update_workbook(workbook, _set_b2, label="avant-collecte")
    assert workbook.read_bytes() == before
    assert [p.name for p in workbook.parent.iterdir() if "avant" in p.name] == []


def test_a_failing_edit_writes_nothing(workbook: Path) -> None:
    before = workbook.read_bytes()

    def boom(wb: object) -> None:
        raise ValueError("non")

    with pytest.raises(ValueError):
        update_workbook(workbook, boom, label="avant-collecte")
    assert workbook.read_bytes() == before
    assert len(list(workbook.parent.iterdir())) == 1
