"""The front door: copar.toml beside the workbook, overrides on top, one place for every setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import Promotion


def test_open_reads_copar_toml_and_overrides_win(promo: Path, tmp_path: Path) -> None:
    (promo.parent / "copar.toml").write_text('sorties = "../sorties-promo"\nworkers = 3\n', encoding="utf-8")
    promotion = Promotion.open(promo.parent)
    assert promotion.output == promo.parent.parent / "sorties-promo"
    assert promotion.settings.workers == 3
    assert set(promotion.from_file) == {"output", "workers"}
    other = Promotion.open(promo.parent, output=tmp_path / "ailleurs", workers=None)  # None: not given
    assert other.output == tmp_path / "ailleurs"
    assert other.settings.workers == 3
    assert other.from_file == ("workers",)


def test_open_without_settings_file_uses_defaults(promo: Path) -> None:
    promotion = Promotion.open(promo)
    assert promotion.settings_file.path is None
    assert promotion.from_file == ()
    assert promotion.workbook == promo


def test_unknown_override_is_a_programming_error(promo: Path) -> None:
    with pytest.raises(TypeError, match="sortie"):
        Promotion.open(promo, sortie=Path("x"))


def test_dataset_is_read_once_and_forgotten_after_a_write(promo: Path) -> None:
    promotion = Promotion.open(promo)
    first = promotion.dataset()
    assert promotion.dataset() is first
    shutil.copy(promo, promo.with_name("copie.xlsx"))
    assert Promotion.open(promo.with_name("copie.xlsx")).dataset() is not first
