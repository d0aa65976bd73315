"""The package's shape: no import cycle among pipeline modules, no import climbing the layers, click
only in cli.py, and no side effect when pipeline or its CLI is imported."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
assert _spec and _spec.loader
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)

PACKAGE = ROOT / "pipeline"
MODULES: dict[str, Path] = import_graph.modules()
GRAPH: dict[str, set[str]] = import_graph.graph()


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_walk_sees_imports_inside_functions_and_type_checking() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [{"a", "b", "c"}]
    # a lazy import inside a function and a TYPE_CHECKING import both count
    assert "pipeline.workbook.init" in GRAPH["pipeline.cli"]  # `copar init` imports it inside the function
    assert "pipeline.report" in GRAPH["pipeline.errors"]  # under `if TYPE_CHECKING:`
    assert "pipeline.workbook.parse" in GRAPH["pipeline.workbook.validate_sheets"]  # `from pipeline.workbook import parse`


def test_no_import_cycle() -> None:
    cycles = [sorted(c) for c in _cycles(GRAPH)]
    assert cycles == []


def test_every_module_sits_in_a_layer() -> None:
    """A new folder or top module is given its place in tools/import_graph.py's LAYERS."""
    assert [m for m in GRAPH if import_graph.layer(m) is None] == []


def test_the_layer_rule_sees_a_climbing_import_and_a_feature_in_the_build() -> None:
    edges = {"pipeline.pdf.stamp": {"pipeline.workbook.model", "pipeline.files"},
             "pipeline.forms.collect": {"pipeline.build.manifest", "pipeline.build.outputs", "pipeline.workbook.reader"},
             "pipeline.tracking.status": {"pipeline.sending.mails"},
             "pipeline.build.builder": {"pipeline.cli"}}
    assert import_graph.climbing(edges) == [("pipeline.build.builder", "pipeline.cli"),
                                            ("pipeline.forms.collect", "pipeline.build.manifest"),
                                            ("pipeline.pdf.stamp", "pipeline.workbook.model")]


def test_no_import_climbs_the_layers() -> None:
    """base <- pdf <- workbook <- documents <- libreoffice <- build <- features <- promotion <- cli:
    a module imports its own layer and those below; pdf (pypdf work) imports nothing but base;
    features use of the build only the output folder's keepers (and Settings, for now)."""
    assert import_graph.climbing(GRAPH) == []


def test_tracking_imports_neither_planning_nor_pdf() -> None:
    """What tracking shares with planning and the packets lives below them (workbook.validate,
    workbook.rapports), so a feature does not reach sideways into another one's insides."""
    assert sorted((m, d) for m, deps in GRAPH.items() if m.startswith("pipeline.tracking")
                  for d in deps if d.startswith(("pipeline.planning", "pipeline.pdf"))) == []


def test_the_import_graph_in_the_architecture_doc_is_current() -> None:
    """docs/architecture.md shows tools/import_graph.py's drawing; rerun it with --write after a move."""
    assert import_graph.written_block() == import_graph.block()


def test_only_cli_imports_click() -> None:
    importers = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                # importlib.import_module("click…") or f"click.{name}"
                first = node.args[0]
                text = first.value if isinstance(first, ast.Constant) else ast.unparse(first)
                names = [str(text).lstrip("f'\"")] if "import_module" in ast.unparse(node.func) else []
            if any(name == "click" or name.startswith("click.") for name in names):
                importers.add(module)
    assert importers == {"pipeline.cli"}


def test_importing_pipeline_changes_nothing_in_the_process() -> None:
    """umask and click's translations are the same after `import pipeline, pipeline.cli` (and
    after the public API is imported): both are changed only while copar runs, where needed."""
    script = """
import json, os
os.umask(0o027)
import click.core, click.exceptions, click.formatting
before = [id(click.core._), id(click.exceptions._), id(click.formatting._), id(click.core.ngettext)]
import pipeline, pipeline.cli
from pipeline import build, check, Settings
umask = os.umask(0o022)
after = [id(click.core._), id(click.exceptions._), id(click.formatting._), id(click.core.ngettext)]
print(json.dumps({"umask": umask, "click_same": before == after, "english": click.core._("Usage:")}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == {"umask": 0o027, "click_same": True, "english": "Usage:"}



def test_the_libreoffice_engine_sits_below_the_build_and_the_features() -> None:
    """pipeline.libreoffice imports nothing that uses it (the build, the features, the CLI), and
    nothing outside it reaches its private names."""
    above = ("pipeline.build", "pipeline.cli", "pipeline.forms", "pipeline.sending", "pipeline.planning",
             "pipeline.tracking", "pipeline.documents", "pipeline.promotion")
    engine = {m: deps for m, deps in GRAPH.items() if m.startswith("pipeline.libreoffice")}
    assert engine, "no pipeline.libreoffice package"
    climbing = sorted((m, d) for m, deps in engine.items() for d in deps if d.startswith(above))
    assert climbing == []
    assert not [m for m, deps in GRAPH.items() if m.startswith("pipeline.pdf") and
                any(d.startswith("pipeline.libreoffice") for d in deps)]  # pypdf work stays below
    private = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline.libreoffice"):
                private += [f"{module}: {alias.name}" for alias in node.names if alias.name.startswith("_")]
    assert private == []
