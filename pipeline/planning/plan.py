"""What a planner returns and how it is shown: placements, students left out and why, notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.documents.formats import time_range_fr


@dataclass(frozen=True)
class Placement:
    numero: str
    etudiant: str
    day: dt.date
    start: dt.time
    end: dt.time
    group: str  # the tutor (tripartites) or the jury (juries)
    others: tuple[str, ...]  # the other people present
    row: int | None  # the row to fill, None for a new row
    participants: str = ""  # Participants cell to write when empty (tripartites)


@dataclass(frozen=True)
class Unplaced:
    numero: str
    etudiant: str
    reason: str


@dataclass
class Plan:
    title: str  # "Bilans tripartites", "Soutenances"
    placed: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "places": [{"numero": p.numero, "etudiant": p.etudiant, "date": p.day.isoformat(),
                        "debut": p.start.strftime("%H:%M"), "fin": p.end.strftime("%H:%M"),
                        "groupe": p.group, "avec": list(p.others)} for p in self.placed],
            "non_places": [{"numero": u.numero, "etudiant": u.etudiant, "raison": u.reason} for u in self.unplaced],
            "remarques": list(self.notes),
        }


def table_lines(plan: Plan, group_header: str) -> list[str]:
    """The plan as an aligned text table, in time order, then who was left out and why."""
    headers = ("Date", "Heure", "Étudiant·e", group_header, "Avec")
    rows = [(f"{p.day:%d/%m/%Y}", time_range_fr(p.start, p.end),
             f"{p.etudiant} ({p.numero})", p.group, ", ".join(p.others))
            for p in sorted(plan.placed, key=lambda p: (p.day, p.start, p.group, p.numero))]
    lines = []
    if rows:
        widths = [max(len(r[i]) for r in (headers, *rows)) for i in range(len(headers) - 1)]
        for r in (headers, *rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    if not plan.placed and not plan.unplaced:
        return [f"[remarque] {note}" for note in plan.notes]
    lines.append(f"{len(plan.placed)} étudiant·e{'s' if len(plan.placed) > 1 else ''} placé·e"
                 f"{'s' if len(plan.placed) > 1 else ''}, {len(plan.unplaced)} non placé·e"
                 f"{'s' if len(plan.unplaced) > 1 else ''}.")
    for u in plan.unplaced:
        lines.append(f"[non placé·e] {u.etudiant} (n° {u.numero}) : {u.reason}")
    lines.extend(f"[remarque] {note}" for note in plan.notes)
    return lines
