"""One frozen settings object, built by cli.py and passed down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_INPUT = Path("inputs")
DEFAULT_OUTPUT = Path("outputs")


@dataclass(frozen=True)
class Settings:
    input: Path = DEFAULT_INPUT
    output: Path = DEFAULT_OUTPUT
    only: tuple[str, ...] = ()
    student: str | None = None
    pdf: bool = True
    pdfa: bool = False
    workers: int = 2
    force: bool = False
    templates: Path | None = None
    soffice: str | None = None
    timeout: float = 180.0
    today: dt.date = field(default_factory=dt.date.today)
    letter_date: dt.date | None = None  # --date-courrier: the date letters carry (else the Promotion's, else today)
