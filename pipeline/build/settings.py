"""One frozen settings object, built by cli.py and passed down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_INPUT = Path("inputs")
DEFAULT_OUTPUT = Path("outputs")


@dataclass(frozen=True)
class Settings:
    """What `build` is asked to do. `only` holds family names (`{"invitation", "fiche"}`; the jury
    packets are `"dossier_jury"`; `catalogue.expand({"jurys"})` turns group names into families);
    empty means everything."""

    input: Path = DEFAULT_INPUT
    output: Path = DEFAULT_OUTPUT
    only: frozenset[str] = frozenset()
    student: str | None = None
    pdf: bool = True
    pdfa: bool = False
    workers: int = 2
    force: bool = False
    templates: Path | None = None
    soffice: str | None = None
    timeout: float = 180.0
    grouping: bool = True  # convert each person's documents as one merged file (see pdf/grouping.py)
    backups_kept: int = 50  # copar.toml « sauvegardes »: backups of the workbook kept in sauvegardes/
    rapport_max_mb: int = 100  # largest rapport de mission accepted in a packet, in Mo
    recto: bool = False  # --recto-verso: each student of a jury packet starts on a recto (blank versos marked)
    today: dt.date = field(default_factory=dt.date.today)
    letter_date: dt.date | None = None  # --date-courrier: the date letters carry (else the Promotion's, else today)

    def __post_init__(self) -> None:
        object.__setattr__(self, "only", frozenset(self.only))  # a set, a list or a tuple of names
        object.__setattr__(self, "input", Path(self.input))
        object.__setattr__(self, "output", Path(self.output))
