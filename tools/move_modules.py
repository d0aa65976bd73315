"""Move pipeline modules to the rooms they belong to, and rewrite every reference to them.

    .venv/bin/python tools/move_modules.py --apply          # git mv + rewrite (once)
    .venv/bin/python tools/move_modules.py --rewrite-only   # rewrite references only (idempotent)
    .venv/bin/python tools/move_modules.py --check          # list what --rewrite-only would change

MODULES maps an old dotted module name to its new one; SYMBOLS names the few functions that moved
to another module than their old module's (hashing to pipeline.files, French plurals to the
formats); RENAMES gives classes of one name new names. `--rewrite-only` is for code written
against the old names on other branches: run it after merging them; running it twice changes
nothing the second time. A merge conflict in a file that this branch changed only through this
tool (its imports, a renamed class) is resolved by taking the other side, then running
`--rewrite-only`, which makes the same changes again on the merged text.

What is rewritten, in pipeline/, tests/, tools/, docs/, scripts/, README.md, Makefile and
pyproject.toml:
- Python imports, found with ast: `from pipeline.x import y`, `from pipeline import x`,
  `import pipeline.x`, `import pipeline.x as y` (written `from pipeline import x as y`, since
  `pipeline.build` the attribute is the public function, not the package);
- dotted names anywhere else (strings such as monkeypatch targets or sys.modules keys, comments,
  docs): `pipeline.x` and `pipeline.x.attr`, but not a name followed by "(" (a call of the
  public `pipeline.build(...)`), nor a name that already points into the new module's package;
  `pipeline.build` alone is the package now, rewritten only as `sys.modules["pipeline.build"]`
  and `import_module("pipeline.build")`, where old code meant the module;
- paths: `pipeline/x.py`;
- pyproject.toml's packages list: every folder of pipeline/ holding an __init__.py is listed.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODULES = {
    # the build's machinery, in its own package
    "pipeline.build": "pipeline.build.builder",
    "pipeline.manifest": "pipeline.build.manifest",
    "pipeline.outputs": "pipeline.build.outputs",
    "pipeline.results": "pipeline.build.results",
    "pipeline.fingerprints": "pipeline.build.fingerprints",
    "pipeline.lock": "pipeline.build.lock",
    "pipeline.settings": "pipeline.build.settings",
    "pipeline.pdf.packets": "pipeline.build.packets",
    # the inputs: rapports beside the workbook, copar.toml beside it
    "pipeline.pdf.rapports": "pipeline.workbook.rapports",
    "pipeline.config": "pipeline.workbook.config",
    # the problems report is a base type (errors carry it)
    "pipeline.workbook.report": "pipeline.report",
}

SYMBOLS = {
    ("pipeline.results", "sha256_file"): "pipeline.files",
    ("pipeline.results", "sha256_text"): "pipeline.files",
    ("pipeline.results", "plural"): "pipeline.documents.formats",
    ("pipeline.build.results", "sha256_file"): "pipeline.files",
    ("pipeline.build.results", "sha256_text"): "pipeline.files",
    ("pipeline.build.results", "plural"): "pipeline.documents.formats",
    ("pipeline.planning.run", "missing_hour"): "pipeline.workbook.validate",
}

# Classes of one name meaning different things, renamed to say what they are: (module, old) -> new.
# The defining module is rewritten whole; a module importing the old name imports the new one (and
# uses it in its body, unless something else there is called the old name: it then imports it
# `as` the old name).
RENAMES = {
    ("pipeline.planning.run", "Outcome"): "PlanningOutcome",
    ("pipeline.sending.smtp", "Outcome"): "Delivery",
    ("pipeline.forms.generate", "Written"): "FormsWritten",
    ("pipeline.sending.mails", "Written"): "DraftWritten",
    ("pipeline.planning.tripartites", "Options"): "TripartiteOptions",
    ("pipeline.sending.campaigns", "Options"): "CampaignOptions",
    ("pipeline.sending.bundles", "Item"): "BundleItem",
    ("pipeline.tracking.status", "Item"): "Deliverable",
    ("pipeline.forms.layout", "Recipient"): "FormRecipient",
}

NEW_PACKAGE_DOCS = {
    "pipeline.build": '"""The build: documents from the workbook (builder), the manifest of what was written, the output\n'
                      'folder\'s keeper (outputs), one build per folder (lock), the jury packets (packets)."""\n',
}

TEXT_PLACES = ["pipeline", "tests", "tools", "docs", "scripts"]
TEXT_FILES = ["README.md", "Makefile", "pyproject.toml"]
SUFFIXES = {".py", ".md", ".toml", ".sh", ".txt", ".cfg", ".ini", ""}

_DOTTED = re.compile(r"(?<![\w.])pipeline(?:\.[A-Za-z_]\w*)+")
_PATH = re.compile(r"(?<![\w/])pipeline(?:/[A-Za-z_]\w*)+\.py\b")


def _path_of(module: str) -> Path:
    return ROOT / (module.replace(".", "/") + ".py")


def _is_module(dotted: str) -> bool:
    """Whether `dotted` is a module or package of the current tree."""
    base = ROOT / dotted.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _package_attributes(package: str) -> set[str]:
    """Names a package's __init__ binds itself (`pipeline.build` is the public function)."""
    init = ROOT / package.replace(".", "/") / "__init__.py"
    if not init.is_file():
        return set()
    names: set[str] = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def new_dotted(dotted: str) -> str:
    """`pipeline.manifest.os.replace` -> `pipeline.build.manifest.os.replace`; already new names and
    names of no moved module are returned as they are."""
    parts = dotted.split(".")
    for n in range(len(parts), 1, -1):
        old = ".".join(parts[:n])
        if old in MODULES:
            rest = parts[n:]
            if rest and _is_module(f"{old}.{rest[0]}"):
                return dotted  # `pipeline.build.manifest`: the old module is a package now, this is its module
            return ".".join([MODULES[old], *rest])
    return dotted


def _rewrite_from(node: ast.ImportFrom, package_attrs: dict[str, set[str]],
                  body_renames: dict[str, str], taken: set[str]) -> list[str] | None:
    """The statements replacing `from X import a, b` (None: unchanged). A renamed class imported
    without `as` goes to `body_renames` (old -> new) unless `taken` holds its old name otherwise."""
    if node.level or not node.module or not node.module.startswith("pipeline"):
        return None
    groups: dict[str, list[str]] = {}
    changed = False
    for alias in node.names:
        target, name = node.module, alias.name
        full = f"{node.module}.{alias.name}"
        if _is_module(full) and full not in MODULES:
            # `from pipeline.build import manifest`: a module of the current tree
            groups.setdefault(target, []).append(f"{name} as {alias.asname}" if alias.asname else name)
            continue
        if full in MODULES and alias.name not in package_attrs.setdefault(
                node.module, _package_attributes(node.module)):
            # `from pipeline import manifest`: a module imported by its name
            target, name = MODULES[full].rpartition(".")[::2]
            changed = True
        else:
            moved = new_dotted(node.module)
            symbol = SYMBOLS.get((node.module, alias.name)) or SYMBOLS.get((moved, alias.name))
            target = symbol or moved
            changed |= target != node.module
            renamed = RENAMES.get((target, alias.name))
            if renamed:
                name, changed = renamed, True
                if alias.asname is None and alias.name not in taken:
                    body_renames[alias.name] = renamed
        asname = alias.asname or (alias.name if name != alias.name and alias.name not in body_renames else None)
        groups.setdefault(target, []).append(f"{name} as {asname}" if asname and asname != name else name)
    if not changed:
        return None
    return [f"from {module} import {', '.join(names)}" for module, names in groups.items()]


def _defined_and_imported(tree: ast.Module) -> dict[str, int]:
    """How many times each name is bound by a definition or an import (a name bound twice cannot be
    renamed in the body without renaming the other too)."""
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [node.name]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _renamed_in_module(module: str, text: str) -> str:
    """The module that defines renamed classes: every use of their old names, renamed."""
    for (owner, old), new in RENAMES.items():
        if owner == module and re.search(rf"^class ({re.escape(old)}|{re.escape(new)})\b", text, flags=re.M):
            text = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, text)
    return text


def _rewrite_import(node: ast.Import) -> list[str] | None:
    lines, changed = [], False
    for alias in node.names:
        new = new_dotted(alias.name)
        if new == alias.name:
            lines.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
            continue
        changed = True
        if alias.asname:
            parent, _, leaf = new.rpartition(".")
            lines.append(f"from {parent} import {leaf}" + (f" as {alias.asname}" if alias.asname != leaf else ""))
        else:
            lines.append(f"import {new}")
    return lines if changed else None


def _wrap(statement: str, indent: str) -> str:
    if len(indent + statement) <= 120 or " import " not in statement or not statement.startswith("from "):
        return indent + statement
    head, names = statement.split(" import ", 1)
    inner = indent + "    "
    out, line = [], inner
    for name in names.split(", "):
        piece = name + ","
        if len(line) + len(piece) + 1 > 120 and line.strip():
            out.append(line.rstrip())
            line = inner
        line += piece + " "
    out.append(line.rstrip())
    return f"{indent}{head} import (\n" + "\n".join(out) + f"\n{indent})"


def rewrite_python(text: str, module: str = "") -> str:
    """Imports rewritten from their ast nodes; the rest of the text (strings, comments) by names.
    `module`: the file's own dotted name, for the classes it defines that were renamed."""
    if module:
        text = _renamed_in_module(module, text)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return rewrite_text(text)
    lines = text.splitlines(keepends=True)
    edits: dict[int, tuple[int, str]] = {}
    in_imports: set[int] = set()
    attrs: dict[str, set[str]] = {}
    body_renames: dict[str, str] = {}
    taken = {name for name, count in _defined_and_imported(tree).items() if count > 1}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.end_lineno is None:
            continue
        in_imports.update(range(node.lineno - 1, node.end_lineno))
        if isinstance(node, ast.ImportFrom):
            new = _rewrite_from(node, attrs, body_renames, taken)
        else:
            new = _rewrite_import(node)
        first = lines[node.lineno - 1]
        indent = first[: len(first) - len(first.lstrip())]
        tail = lines[node.end_lineno - 1][node.end_col_offset:]
        if new is None or node.col_offset != len(indent) or tail.strip().startswith(";"):
            continue  # unchanged, or `x; import y` on one line: left as it is
        replacement = "\n".join(_wrap(s, indent) for s in new) + rewrite_text(tail)
        edits[node.lineno - 1] = (node.end_lineno, replacement if replacement.endswith("\n") else replacement + "\n")

    def body(line: str) -> str:
        for old, new in body_renames.items():
            line = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, line)
        return rewrite_text(line)

    out, i = [], 0
    while i < len(lines):
        if i in edits:
            end, replacement = edits[i]
            out.append(replacement)
            i = end
        elif i in in_imports:
            out.append(lines[i])  # an import left as it is
            i += 1
        else:
            out.append(body(lines[i]))
            i += 1
    return "".join(out)


def _new_path(match: re.Match[str]) -> str:
    path = match.group(0)
    dotted = path[: -len(".py")].replace("/", ".")
    new = new_dotted(dotted)
    return path if new == dotted else new.replace(".", "/") + ".py"


_LOADS_MODULE = re.compile(r"""(?:sys\.modules\[|import_module\(|find_spec\()\s*["']$""")


def _new_name(match: re.Match[str]) -> str:
    name, text = match.group(0), match.string
    if text[match.end(): match.end() + 1] == "(":
        return name  # `pipeline.build(...)`: the public function
    if name in MODULES and MODULES[name].startswith(name + ".") and not _LOADS_MODULE.search(text[:match.start()]):
        # `pipeline.build` alone names the package now: only `sys.modules["pipeline.build"]` and
        # `import_module("pipeline.build")` of old code mean the module that became pipeline.build.builder
        return name
    return new_dotted(name)


def rewrite_text(text: str) -> str:
    return _DOTTED.sub(_new_name, _PATH.sub(_new_path, text))


def rewrite_pyproject(text: str) -> str:
    text = rewrite_text(text)
    match = re.search(r"^packages = \[(.*?)\]", text, flags=re.M | re.S)
    if not match:
        return text
    listed = re.findall(r'"([\w.]+)"', match.group(1))
    present = sorted(".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py"))
    missing = [p for p in present if p not in listed and "__pycache__" not in p]
    gone = [p for p in listed if p.startswith("pipeline") and p not in present]
    if not missing and not gone:
        return text
    body = match.group(1)
    for name in gone:
        body = re.sub(rf'\s*"{re.escape(name)}",?', "", body)
    last = list(re.finditer(r'"pipeline[\w.]*"', body))[-1]
    body = body[: last.end()] + "".join(f', "{name}"' for name in missing) + body[last.end():]
    return text[: match.start(1)] + body + text[match.end(1):]


# this script and its test hold the old names on purpose
KEEP = {Path(__file__).resolve(), ROOT / "tests" / "test_move_modules.py"}


def files() -> list[Path]:
    found = [ROOT / name for name in TEXT_FILES if (ROOT / name).is_file()]
    for place in TEXT_PLACES:
        for path in sorted((ROOT / place).rglob("*")):
            parts = path.relative_to(ROOT).parts
            if (path.is_file() and path.suffix in SUFFIXES and "node_modules" not in parts
                    and "__pycache__" not in parts and path.resolve() not in KEEP):
                found.append(path)
    return found


def rewrite_all(write: bool) -> list[Path]:
    changed = []
    for path in files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if path.name == "pyproject.toml":
            new = rewrite_pyproject(text)
        elif path.suffix == ".py":
            parts = path.relative_to(ROOT).with_suffix("").parts
            new = rewrite_python(text, ".".join(parts) if parts[0] == "pipeline" else "")
        else:
            new = rewrite_text(text)
        if new != text:
            changed.append(path)
            if write:
                path.write_text(new, encoding="utf-8")
    if write and changed:
        # rewritten imports may be out of order; let ruff sort them (I001) as the project's style has it
        ruff = next((r for r in (ROOT / ".venv" / "bin" / "ruff", Path(sys.executable).parent / "ruff") if r.exists()),
                    None)
        python_files = [str(p) for p in changed if p.suffix == ".py"]
        if ruff is not None and python_files:
            subprocess.run([str(ruff), "check", "-q", "--select", "I", "--fix", *python_files], cwd=ROOT, check=False)
    return changed


def apply_moves() -> None:
    for old, new in MODULES.items():
        source, target = _path_of(old), _path_of(new)
        if not source.exists():
            continue  # moved already
        target.parent.mkdir(parents=True, exist_ok=True)
        package = new.rpartition(".")[0]
        init = target.parent / "__init__.py"
        if not init.exists():
            init.write_text(NEW_PACKAGE_DOCS.get(package, f'"""{package}."""\n'), encoding="utf-8")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)
        subprocess.run(["git", "mv", str(source), str(target)], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--apply", action="store_true", help="git mv the modules, then rewrite references")
    mode.add_argument("--rewrite-only", action="store_true", help="rewrite references to old names (idempotent)")
    mode.add_argument("--check", action="store_true", help="list the files --rewrite-only would change")
    args = parser.parse_args(argv)
    if args.apply:
        apply_moves()
    changed = rewrite_all(write=not args.check)
    for path in changed:
        print(path.relative_to(ROOT))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
