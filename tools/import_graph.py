"""The import graph of the pipeline package, by rooms (layers), as docs/architecture.md shows it.

    .venv/bin/python tools/import_graph.py           # print the mermaid block
    .venv/bin/python tools/import_graph.py --write   # replace it in docs/architecture.md

A room is a folder of pipeline/ (pipeline.build, pipeline.forms…) or a module at the top of it
(pipeline.errors, pipeline.cli…); LAYERS ranks them. tests/test_imports.py checks that no import
climbs from a lower layer to a higher one, and that the block in docs/architecture.md is current.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import-graph: begin (tools/import_graph.py --write) -->", "<!-- import-graph: end -->"

# Lowest first. A module may import its own layer and the layers below, never one above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("pipeline.errors", "pipeline.files", "pipeline.processes", "pipeline.report")),
    ("pdf", ("pipeline.pdf",)),  # pypdf work only: imports nothing but base
    ("workbook", ("pipeline.workbook",)),  # the inputs: workbook, copar.toml, rapports
    ("documents", ("pipeline.documents",)),
    ("libreoffice", ("pipeline.libreoffice",)),
    ("build", ("pipeline.build",)),
    ("features", ("pipeline.forms", "pipeline.sending", "pipeline.planning", "pipeline.tracking")),
    ("promotion", ("pipeline.promotion", "pipeline")),  # the front door, and the package's public API
    ("cli", ("pipeline.cli", "pipeline.cli_fr", "pipeline.__main__", "pipeline.web", "pipeline.serve")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """Every pipeline module `module` imports, anywhere in the file: at the top, inside functions,
    under `if TYPE_CHECKING:` (ast.walk visits them all)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..pdf import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from pipeline.workbook import parse` imports the module pipeline.workbook.parse
            # while `from pipeline import __version__` imports the package pipeline itself
            subs = {f"{base}.{alias.name}" for alias in node.names}
            found.update(subs & known)
            if subs - known:
                found.add(base)
    return {name for name in found if name in known and name != module}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {module: imported(module, path, set(found)) for module, path in found.items()}


def room(module: str) -> str:
    """pipeline.build.manifest -> pipeline.build; pipeline.errors -> pipeline.errors."""
    best = ""
    for _, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best = prefix
    return best


def layer(module: str) -> int | None:
    """The rank of a module's layer (None: no layer names it)."""
    name = room(module)
    for rank, (_, prefixes) in enumerate(LAYERS):
        if name in prefixes:
            return rank
    return None


# What the features (forms, sending, planning, tracking) may use of the build: the output folder's
# keepers (removal only through outputs, one build per folder), and the build's Settings, which
# `copar forms` and `copar collect` still borrow for their paths until they get options of their own.
BUILD_SHARED = ("pipeline.build.outputs", "pipeline.build.lock", "pipeline.build.settings")
FEATURES = dict(LAYERS)["features"]


def climbing(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a lower layer to a higher one, and features reaching into the build's internals."""
    found = []
    for module, targets in sorted(edges.items()):
        for target in sorted(targets):
            source_rank, target_rank = layer(module), layer(target)
            if source_rank is not None and target_rank is not None and target_rank > source_rank:
                found.append((module, target))
            elif room(module) in FEATURES and room(target) == "pipeline.build" and target not in BUILD_SHARED:
                found.append((module, target))
    return found


def room_graph(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    rooms: dict[str, set[str]] = {}
    for module, targets in edges.items():
        source = room(module)
        rooms.setdefault(source, set())
        rooms[source].update(room(t) for t in targets if room(t) != source)
    return rooms


def mermaid(edges: dict[str, set[str]]) -> str:
    """Rooms grouped by layer, highest on top; one arrow per room that imports another."""
    rooms = room_graph(edges)
    lines = ["```mermaid", "flowchart TD"]
    for rank, (name, prefixes) in reversed(list(enumerate(LAYERS))):
        present = [p for p in prefixes if p in rooms]
        if not present:
            continue
        lines.append(f"  subgraph L{rank}[{name}]")
        lines.extend(f"    {_id(p)}[{_label(p)}]" for p in present)
        lines.append("  end")
    for source in sorted(rooms, key=lambda r: (-(layer(r) or 0), r)):
        lines.extend(f"  {_id(source)} --> {_id(target)}" for target in sorted(rooms[source]))
    lines.append("```")
    return "\n".join(lines)


def _id(room_name: str) -> str:
    return room_name.replace(".", "_")


def _label(room_name: str) -> str:
    module = room_name.removeprefix("pipeline.") if room_name != "pipeline" else "pipeline/__init__"
    folder = (PACKAGE / module.replace(".", "/")).is_dir() and room_name != "pipeline"
    return f"{module}/" if folder else module


def block() -> str:
    return f"{BEGIN}\n{mermaid(graph())}\n{END}"


def written_block() -> str:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    return text[start: end + len(END)] if 0 <= start < end else ""


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    current = written_block()
    if not current:
        raise SystemExit(f"{DOC.relative_to(ROOT)} has no {BEGIN} … {END} block")
    DOC.write_text(text.replace(current, block()), encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write()
    else:
        print(block())
