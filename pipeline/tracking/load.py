"""Read and check the workbook, find the rapports beside it, compute every student's state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.errors import ValidationFailed
from pipeline.pdf.assemble import find_rapports
from pipeline.tracking.status import StudentState, follow_up
from pipeline.workbook.reader import rapports_dir
from pipeline.workbook.validate import check


def load_states(path: Path, today: dt.date) -> list[StudentState]:
    ds, report = check(path)
    if ds is None:
        raise ValidationFailed(report)
    rapports = find_rapports(rapports_dir(path), [s.numero for s in ds.students])
    return follow_up(ds, rapports, today)
