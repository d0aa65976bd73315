"""tools/move_modules.py: old module names rewritten to the rooms they moved to, the same way
every time, and none left in the repository."""

from __future__ import annotations

import importlib.util

import pytest

from tests.helpers import ROOT

_spec = importlib.util.spec_from_file_location("move_modules", ROOT / "tools" / "move_modules.py")
assert _spec and _spec.loader
move_modules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(move_modules)

OLD = '''import sys

import pipeline.pdf.packets as packets
from pipeline import build, manifest as written
from pipeline.results import FAILED, plural, sha256_file
from pipeline.workbook.report import Report


def test(monkeypatch):
    from pipeline.planning.run import juries, missing_hour
    monkeypatch.setattr("pipeline.manifest.os.replace", None)
    module = sys.modules["pipeline.build"]  # see pipeline/pdf/packets.py
    return pipeline.build(settings), pipeline.lock.BuildLock
'''

NEW = '''import sys

from pipeline.build import packets
from pipeline import build
from pipeline.build import manifest as written
from pipeline.build.results import FAILED
from pipeline.documents.formats import plural
from pipeline.files import sha256_file
from pipeline.report import Report


def test(monkeypatch):
    from pipeline.planning.run import juries
    from pipeline.workbook.validate import missing_hour
    monkeypatch.setattr("pipeline.build.manifest.os.replace", None)
    module = sys.modules["pipeline.build.builder"]  # see pipeline/build/packets.py
    return pipeline.build(settings), pipeline.build.lock.BuildLock
'''


def test_old_names_in_imports_strings_comments_and_paths_are_rewritten() -> None:
    """One statement per destination, where the old one was (the tool then lets ruff sort them)."""
    assert move_modules.rewrite_python(OLD) == NEW


def test_the_rewrite_is_idempotent_and_leaves_new_names_alone() -> None:
    new_code = ('from pipeline.build import manifest\nfrom pipeline.build.builder import build\n'
                'LAYER = ("pipeline.build", "pipeline.report")\n')
    assert move_modules.rewrite_python(new_code) == new_code
    once = move_modules.rewrite_python(OLD)
    assert move_modules.rewrite_python(once) == once


def test_the_packages_list_names_every_package_folder() -> None:
    text = 'packages = ["pipeline", "pipeline.pdf",\n            "copar_templates"]\n'
    rewritten = move_modules.rewrite_pyproject(text)
    listed = rewritten.split("[", 1)[1]
    assert '"pipeline.build"' in listed and '"pipeline.libreoffice"' in listed
    assert listed.index('"pipeline.build"') < listed.index('"copar_templates"')
    assert move_modules.rewrite_pyproject(rewritten) == rewritten


@pytest.mark.slow
def test_no_file_of_the_repository_uses_an_old_name() -> None:
    """After a merge, `tools/move_modules.py --rewrite-only` fixes what this lists."""
    assert [p.relative_to(ROOT).as_posix() for p in move_modules.rewrite_all(write=False)] == []


def test_a_renamed_class_is_renamed_where_it_is_imported() -> None:
    """Imported without `as`, its uses follow; beside another class of the old name, it is imported `as` it."""
    plain = "from pipeline.planning.run import Outcome, tripartites\n\n\ndef f() -> Outcome:\n    return tripartites()\n"
    assert move_modules.rewrite_python(plain) == ("from pipeline.planning.run import PlanningOutcome, tripartites\n\n\n"
                                                  "def f() -> PlanningOutcome:\n    return tripartites()\n")
    clash = ("from pipeline.build.results import Outcome\nfrom pipeline.planning.run import Outcome as Planned\n"
             "from pipeline.tracking.status import Item\n\nx: Item\n")
    assert move_modules.rewrite_python(clash) == (
        "from pipeline.build.results import Outcome\nfrom pipeline.planning.run import PlanningOutcome as Planned\n"
        "from pipeline.tracking.status import Deliverable\n\nx: Deliverable\n")
    defining = "class Item:\n    pass\n\n\ndef f() -> Item:\n    return Item()\n"
    assert move_modules.rewrite_python(defining, "pipeline.tracking.status") == defining.replace("Item", "Deliverable")
    assert move_modules.rewrite_python(defining, "pipeline.sending.bundles") == defining.replace("Item", "BundleItem")
