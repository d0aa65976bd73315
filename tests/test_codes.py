"""The catalogue of problem codes (pipeline/workbook/codes.py): every code the validator can
report is declared once, with its severity, a French title and how to fix it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pipeline.report import ERROR, WARNING
from pipeline.workbook.codes import CODES, lookup
from pipeline.workbook.validate import validate
from tests.helpers import DATA, ROOT

WORKBOOK_MODULES = sorted((ROOT / "pipeline" / "workbook").glob("*.py"))


def _codes_in_source() -> set[str]:
    """Code literals the validator passes to `at`/`problem`, and those the reader's issues use."""
    found: set[str] = set()
    for path in WORKBOOK_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            position = {"at": 1, "problem": 1, "Issue": 0}.get(name)
            if position is not None and len(node.args) > position:
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def test_every_code_in_the_source_is_declared() -> None:
    used = _codes_in_source()
    assert len(used) > 20  # the walk does find the validator's calls
    assert used - CODES.keys() == set()


def test_every_code_is_french_and_says_how_to_fix() -> None:
    for code in CODES.values():
        assert code.severity in (ERROR, WARNING) and set(code.severities) <= {ERROR, WARNING}
        assert code.title[:1].isupper() and code.fix[:1].isupper() and code.fix.endswith((".", ")")), code.name


@pytest.mark.parametrize("path", sorted((DATA / "workbooks").glob("*.expected.json")), ids=lambda p: p.stem)
def test_goldens_use_declared_codes_with_their_severity(path: Path) -> None:
    for severity, _sheet, _row, _column, code in json.loads(path.read_text(encoding="utf-8")):
        assert severity in lookup(code, severity).severities


def test_an_undeclared_code_is_a_bug_not_a_problem() -> None:
    with pytest.raises(ValueError, match="not declared"):
        lookup("no-such-code", ERROR)
    with pytest.raises(ValueError, match="not declared"):
        lookup("short-stage", ERROR)  # declared as a warning only


def test_reader_issues_take_the_catalogue_message(tmp_path: Path) -> None:
    from pipeline.workbook.reader import load

    _, report = validate(load(DATA / "workbooks" / "bad-merged-cells.xlsx"))
    merged = [p for p in report.problems if p.code == "merged-cells"]
    assert merged and all(p.message == CODES["merged-cells"].message.format(value=p.value) for p in merged)
