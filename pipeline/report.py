"""Problems found in a workbook, and their table and JSON renderings."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

ERROR = "error"
WARNING = "warning"
LABELS = {ERROR: "erreur", WARNING: "avertissement"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    severity: str  # ERROR or WARNING
    code: str  # stable machine name, e.g. "unknown-statut"
    sheet: str
    row: int | None  # Excel row number (1-based, header is row 1 unless moved)
    column: str  # header as written in the workbook (or the canonical one)
    value: Any
    message: str  # French, says how to fix it
    letter: str = ""  # Excel column letter, when known

    def where(self) -> str:
        """« Étudiant·es, ligne 5, colonne Heures prévues (R) »."""
        where = self.sheet
        if self.row is not None:
            where += f", ligne {self.row}"
        if self.column:
            where += f", colonne {self.column} ({self.letter})" if self.letter else f", colonne {self.column}"
        elif self.letter:  # a column without header
            where += f", colonne {self.letter}"
        return where

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = _jsonable(self.value)
        return d


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def flatten(self, keys: Iterable[str] = ("sheet", "row", "column", "code")) -> list[list[Any]]:
        keys = list(keys)
        return [[getattr(p, k) for k in keys] for p in self.problems]

    def to_json(self) -> str:
        keys = ("severity", "code", "sheet", "row", "column", "value", "message")
        rows = [{k: p.as_dict()[k] for k in keys} for p in self.problems]
        return json.dumps(rows, ensure_ascii=False, indent=2)

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        return (
            f"{e} erreur{'s' if e > 1 else ''}, "
            f"{w} avertissement{'s' if w > 1 else ''}"
        )

    def to_table(self) -> str:
        """Plain-text table, one problem per line block, French headings."""
        if not self.problems:
            return "Aucun problème : le classeur est prêt.\n"
        lines = []
        for p in self.problems:
            value = "" if p.value in (None, "") else f" — valeur : {_show(p.value)}"
            lines.append(f"[{LABELS[p.severity]}] {p.where()}{value}\n    {p.message}")
        lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return "« " + text.replace("\n", "⏎") + " »"
