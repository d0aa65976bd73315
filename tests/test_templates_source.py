"""tools/make_templates.py is the one source of the default templates: templates_docx/*.docx are
its output byte for byte, so a template edited in Word (and lost at the next regeneration) or a
generator change not regenerated fails here."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

COMMITTED = ROOT / "templates_docx"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_templates.py"), str(out)], check=True,
                   capture_output=True)
    return out


@pytest.mark.slow
def test_same_templates(regenerated: Path) -> None:
    assert sorted(p.name for p in regenerated.glob("*.docx")) == sorted(p.name for p in COMMITTED.glob("*.docx"))


@pytest.mark.parametrize("name", sorted(p.name for p in COMMITTED.glob("*.docx")))
def test_committed_template_is_the_generators_output(name: str, regenerated: Path) -> None:
    committed, fresh = (COMMITTED / name).read_bytes(), (regenerated / name).read_bytes()
    if committed != fresh:
        with zipfile.ZipFile(COMMITTED / name) as a, zipfile.ZipFile(regenerated / name) as b:
            changed = [n for n in sorted(set(a.namelist()) | set(b.namelist()))
                       if n not in a.namelist() or n not in b.namelist() or a.read(n) != b.read(n)]
        pytest.fail(f"templates_docx/{name} is not what tools/make_templates.py writes (parts that differ: "
                    f"{changed or 'zip metadata only'}). Make the change in the generator, run "
                    "`python tools/make_templates.py` and `python tools/make_previews.py`, commit all three.")


def test_generator_output_is_byte_stable(regenerated: Path) -> None:
    """No clock and no random id in the output: the committed files, generated earlier, compare
    equal above; here, what makes that hold."""
    with zipfile.ZipFile(regenerated / "fiche.docx") as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml")
    assert b">2023-09-01T00:00:00Z</dcterms:created>" in core and b">2023-09-01T00:00:00Z</dcterms:modified>" in core
