"""Read and check the workbook, find the rapports beside it, compute every student's state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.tracking.status import StudentState, follow_up
from pipeline.workbook.rapports import match_rapports
from pipeline.workbook.reader import cahiers_dir, rapports_dir
from pipeline.workbook.validate import load_valid, missing_hour


def load_states(path: Path, today: dt.date) -> list[StudentState]:
    """A soutenance without an hour is not an error here: that student's jury is « à venir »."""
    ds = load_valid(path, tolerate=missing_hour)
    people = [(s.numero, s.prenom, s.nom) for s in ds.students]
    rapports = match_rapports(rapports_dir(path), people).files
    cahiers = match_rapports(cahiers_dir(path), people).files
    return follow_up(ds, rapports, today, cahiers)


def unattributed_rapports(path: Path) -> list[str]:
    """One French sentence per file of `rapports/` or `cahiers/` attributed to nobody (`copar suivi` lists them)."""
    ds = load_valid(path, tolerate=missing_hour)
    people = [(s.numero, s.prenom, s.nom) for s in ds.students]
    who = {s.numero: s.nom_complet for s in ds.students}
    found = []
    for folder in (rapports_dir(path), cahiers_dir(path)):
        found += [message.replace("dossier rapports/", f"dossier {folder.name}/")
                  for kind, _, message in match_rapports(folder, people).findings(who) if kind == "personne"]
    return found
