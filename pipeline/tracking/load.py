"""Read and check the workbook, find the rapports beside it, compute every student's state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.errors import ValidationFailed
from pipeline.tracking.status import StudentState, follow_up
from pipeline.workbook.rapports import match_rapports
from pipeline.workbook.reader import load, rapports_dir
from pipeline.workbook.validate import missing_hour, validate


def load_states(path: Path, today: dt.date) -> list[StudentState]:
    """A soutenance without an hour is not an error here: that student's jury is « à venir »."""
    ds, report = validate(load(path), tolerate=missing_hour)
    if ds is None:
        raise ValidationFailed(report)
    rapports = match_rapports(rapports_dir(path), [(s.numero, s.prenom, s.nom) for s in ds.students]).files
    return follow_up(ds, rapports, today)


def unattributed_rapports(path: Path) -> list[str]:
    """One French sentence per file of `rapports/` attributed to nobody (`copar suivi` lists them)."""
    ds, report = validate(load(path), tolerate=missing_hour)
    if ds is None:
        raise ValidationFailed(report)
    matches = match_rapports(rapports_dir(path), [(s.numero, s.prenom, s.nom) for s in ds.students])
    return [message for kind, _, message in matches.findings({s.numero: s.nom_complet for s in ds.students})
            if kind == "personne"]
