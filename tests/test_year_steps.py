"""The year's steps (pipeline.tracking.year), as the page's home shows them."""

from __future__ import annotations

import datetime as dt

from pipeline.promotion import Promotion
from pipeline.tracking.year import A_VENIR, EN_COURS, PASSE, next_step, steps
from tests.helpers import INPUTS


def _steps(day: dt.date) -> list:
    p = Promotion.open(INPUTS)
    return steps(p.dataset(), p.suivi(day), day)


def test_steps_follow_the_calendrier_with_the_follow_up_counts() -> None:
    day = dt.date(2024, 2, 15)
    found = {s.key: s for s in _steps(day)}
    assert [s.start for s in found.values()] == sorted(s.start for s in found.values())
    p2 = found["periode_2"]
    assert (p2.state, p2.received, p2.late, p2.expected) == (PASSE, 24, 2, 26)
    assert p2.when == "du 11/12/2023 au 22/12/2023"
    assert found["reunion_tuteurs"].when == "05/12/2023" and found["reunion_tuteurs"].expected == 0
    assert found["periode_4"].state == A_VENIR and found["periode_4"].late == 0
    assert next_step(list(found.values())).key == "periode_1"  # the first with something late


def test_a_step_is_in_progress_between_its_dates_and_next_is_the_first_ahead_without_delays() -> None:
    day = dt.date(2023, 11, 22)  # période 1 running, nothing due yet
    all_steps = _steps(day)
    assert {s.key: s.state for s in all_steps}["periode_1"] == EN_COURS
    assert not any(s.late for s in all_steps)
    assert next_step(all_steps).key == "periode_1"
