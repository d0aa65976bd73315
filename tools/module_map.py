"""Print the module map of the package (folders, modules, lines, first line of each docstring),
as docs/architecture.md (Rooms) refers to it.

    .venv/bin/python tools/module_map.py
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_map(package: Path = ROOT / "pipeline") -> list[str]:
    lines = []
    for path in sorted(package.rglob("*.py"), key=lambda p: (len(p.relative_to(package).parts), p)):
        relative = path.relative_to(ROOT).as_posix()
        count = len(path.read_text(encoding="utf-8").splitlines())
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        summary = doc.splitlines()[0] if doc else ""
        lines.append(f"{relative:<38} {count:>5}  {summary}".rstrip())
    return lines


if __name__ == "__main__":
    print("\n".join(module_map()))
