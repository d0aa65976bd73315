"""Install anywhere: a wheel of this repository, installed into a new virtual environment outside
it, initialises and builds the sample promotion — templates and sample rapports come from the
installed package data (copar_templates, copar_sample_rapports), not from a checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT, pdf_text

_IGNORED = shutil.ignore_patterns(".git", ".venv", "outputs", "*.egg-info", "__pycache__", ".*_cache", "tests")


def _ignore(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out; setuptools' build/ at the top only (pipeline/build is the build's package)."""
    return set(_IGNORED(folder, names)) | ({"build"} & set(names) if Path(folder) == ROOT else set())


def _run(*args: object, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `copar` script of a fresh venv holding only the wheel and its dependencies."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"  # a copy, so that setuptools' build/ and egg-info never land in the checkout
    shutil.copytree(ROOT, source, ignore=_ignore)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "wheels", source, cwd=tmp)
    (wheel,) = (tmp / "wheels").glob("copar-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert {f"copar_templates/{p.name}" for p in (ROOT / "templates_docx").glob("*.docx")} <= names
    assert {f"copar_sample_rapports/{p.name}" for p in (ROOT / "inputs" / "rapports").glob("*.pdf")} <= names
    web = ROOT / "pipeline" / "web"  # copar serve's templates and static files
    assert {p.relative_to(ROOT).as_posix() for p in [*web.glob("templates/*"), *web.glob("static/*")]} <= names
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp)
    # dependencies from the same index as the development venv: pip reads the same configuration
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp)
    return venv / "bin" / "copar"


@pytest.mark.soffice
def test_wheel_installed_outside_the_repository_builds_the_sample(installed: Path,
                                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("anywhere")
    assert ROOT not in work.parents
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    located = _run(installed.parent / "python", "-c", "import pipeline, copar_templates; "
                   "print(pipeline.__file__); print(copar_templates.__path__[0])", cwd=work, env=env)
    assert all(ROOT not in Path(line).parents for line in located.stdout.split()), located.stdout
    init = _run(installed, "init", "--exemple", "x.xlsx", cwd=work, env=env)
    assert init.stdout.splitlines()[0] == "Classeur avec la promotion d'exemple écrit : x.xlsx"
    assert len(list((work / "rapports").glob("*.pdf"))) >= 3  # the sample rapports, beside the workbook
    # every default template is found in the installed package and is clean
    templates = _run(installed, "templates", "check", cwd=work, env=env)
    checked = templates.stdout.splitlines()
    assert all(line.endswith(" : OK") for line in checked), templates.stdout
    assert {f"{p.name} : OK" for p in (ROOT / "templates_docx").glob("*.docx")} <= set(checked)
    # the whole sample, as a new user would run it: every family as DOCX and PDF, the jury packets
    build = _run(installed, "build", "x.xlsx", "-o", "out", cwd=work, env=env)
    assert "0 en échec" in build.stdout, build.stdout
    out = work / "out"
    assert len(list(out.glob("reunion-tuteurs/invitations/*.pdf"))) == 21
    assert len(list(out.glob("etudiants/*/bilan-periode-*.pdf"))) > 100
    grilles = sorted(out.glob("etudiants/*/grille-evaluation.pdf"))
    assert len(grilles) == len(list(out.glob("etudiants/*/"))) > 0
    assert "Grille d'évaluation" in pdf_text(grilles[0])
    packets = sorted(out.glob("jurys/*/dossier-jury-*.pdf"))
    assert len(packets) == 3, build.stdout
    assert "Rapport de mission" in pdf_text(packets[0])
