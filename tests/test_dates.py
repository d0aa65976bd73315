"""Dates a tutor or student reads: periods due, the academic year, the date of letters."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from pipeline.documents import catalogue
from pipeline.workbook.model import Dataset, period_concerns
from pipeline.workbook.validate import check

SAMPLE = Path(__file__).resolve().parent.parent / "inputs" / "promotion.xlsx"
TODAY = dt.date(2023, 11, 1)


@pytest.fixture(scope="module")
def sample() -> Dataset:
    dataset, _ = check(SAMPLE)
    assert dataset is not None
    return dataset


def _with_student(ds: Dataset, **changes: object) -> tuple[Dataset, str]:
    students = list(ds.students)
    students[0] = dataclasses.replace(students[0], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(ds, students=students), students[0].numero


def test_periods_before_arrival_get_no_blank_bilan(sample: Dataset) -> None:
    # periods 1 (20/11–01/12) and 2 (11/12–22/12) end before a start on 8 January
    ds, numero = _with_student(sample, debut=dt.date(2024, 1, 8))
    bilans = [u.path.name for u in catalogue.units(ds, {"bilan"}, TODAY) if u.numero == numero]
    assert bilans == [f"bilan-periode-{n}" for n in range(3, 7)]
    assert ds.students[0].periods_due(ds.calendar) == [3, 4, 5, 6]


def test_periods_after_departure_are_not_concerned_in_livret(sample: Dataset) -> None:
    ds, numero = _with_student(sample, fin=dt.date(2024, 3, 10))  # leaves before periods 5 and 6
    livret = next(u for u in catalogue.units(ds, {"livret"}, TODAY) if u.numero == numero)
    assert [p["concerne"] for p in livret.context["periodes"]] == [True] * 4 + [False] * 2


def test_period_without_dates_is_due(sample: Dataset) -> None:
    assert period_concerns(sample.students[0], None)
