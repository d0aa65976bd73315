"""Read and check the workbook, find the rapports beside it, compute every student's state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.tracking.status import StudentState, follow_up
from pipeline.workbook.rapports import find_rapports
from pipeline.workbook.reader import rapports_dir
from pipeline.workbook.validate import load_valid, missing_hour


def load_states(path: Path, today: dt.date) -> list[StudentState]:
    """A soutenance without an hour is not an error here: that student's jury is « à venir »."""
    ds = load_valid(path, tolerate=missing_hour)
    rapports = find_rapports(rapports_dir(path), [s.numero for s in ds.students])
    return follow_up(ds, rapports, today)
