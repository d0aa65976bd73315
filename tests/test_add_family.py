"""The worked example of docs/architecture.md (How to add a document family), followed literally.

In a copy of the repository, the steps' code blocks are applied where the text says (a builder
before `def main` in tools/make_templates.py, a line of STUDENT_FILES, an entry at the end of
CATALOGUE), the regeneration commands are run, and then the tests that check families,
templates and the derived docs run in the copy. If the doc and the code drift apart, this fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow
SECTION = "### …a document family"


def _blocks() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n### ", 1)]
    return [(lang, re.sub(r"(?m)^   ", "", body)) for lang, body in re.findall(r"```(\w+)\n(.*?)```", section, re.S)]


def _copy_repository(target: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def _insert(path: Path, anchor: str, text: str, after: bool = False) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count(anchor) == 1, f"{anchor!r} is no longer a unique place in {path.name}: update the doc"
    at = source.index(anchor) + (len(anchor) if after else 0)
    path.write_text(source[:at] + text + source[at:], encoding="utf-8")


def test_the_worked_example_of_adding_a_family_passes_the_suite(tmp_path: Path) -> None:
    repo = tmp_path / "copar"
    _copy_repository(repo)
    shim = tmp_path / "shim"  # the data packages as the wheel maps them, but from the copy
    shim.mkdir()
    (shim / "copar_templates").symlink_to(repo / "templates_docx")
    (shim / "copar_sample_rapports").symlink_to(repo / "inputs" / "rapports")
    env = {**os.environ, "PYTHONPATH": f"{repo}{os.pathsep}{shim}"}

    blocks = _blocks()
    assert [lang for lang, _ in blocks] == ["python", "python", "python", "sh"], blocks
    (_, builder), (_, student_file), (_, entry), (_, commands) = blocks
    _insert(repo / "tools" / "make_templates.py", "\ndef main(", "\n" + builder + "\n")
    _insert(repo / "pipeline" / "documents" / "catalogue.py", "STUDENT_FILES = {\n", student_file, after=True)
    _insert(repo / "pipeline" / "documents" / "catalogue.py", ")\nFAMILIES = ", entry)
    for line in commands.strip().splitlines():
        line = line.replace(".venv/bin/python", sys.executable).replace(".venv/bin/copar", f"{sys.executable} -m pipeline")
        done = subprocess.run(line, shell=True, cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    assert (repo / "templates_docx" / "attestation.docx").is_file()
    assert "attestation" in (repo / "docs" / "template-context.md").read_text(encoding="utf-8")

    def copar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=repo, env=env, capture_output=True,
                              text=True)

    built = copar("build", "--no-pdf", "--only", "attestation", "-o", str(tmp_path / "out"))
    assert built.returncode == 0, built.stdout + built.stderr
    assert list((tmp_path / "out" / "etudiants").rglob("attestation-de-stage.docx"))
    assert "attestation" in copar("lots", "--help").stdout
    assert "attestation" in copar("build", "--help").stdout

    tests = ["tests/test_templates_source.py", "tests/test_templates.py", "tests/test_docs.py", "tests/test_api.py",
             "tests/test_imports.py", "tests/test_bundles.py", "tests/test_layout.py"]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
                          "not soffice and not node and not browser", *tests],
                         cwd=repo, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_every_group_has_a_label_where_people_choose() -> None:
    from pipeline.documents.catalogue import CATALOGUE, GROUP_TITLES, GROUPS, choices

    assert set(GROUP_TITLES) == set(GROUPS)
    names = [name for name, _ in choices()]
    assert len(names) == len(set(names))
    assert {f.name.replace("_", "-") for f in CATALOGUE if f.standalone} <= set(names)
