"""The public Python API: `from pipeline import check, build, Settings…`, as the README shows it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import pipeline
from pipeline import CODES, BuildResult, Problem, Report, Settings, build, check, expand
from pipeline.documents.catalogue import UnknownFamily
from pipeline.errors import CoparError, InputError, ValidationFailed
from tests.helpers import DATA, ROOT


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.workbook.init import write_workbook

    return write_workbook(tmp_path_factory.mktemp("api") / "promotion.xlsx", example=True, force=False)


@pytest.mark.slow
def test_readme_example_runs(workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2  # the front door, then the low-level calls
    cwd = Path.cwd()
    os.chdir(workbook.parent)
    try:
        for code in blocks:
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert list((workbook.parent / "outputs" / "etudiants").rglob("fiche-alternance.docx"))  # the front door's build
    assert list((workbook.parent / "outputs" / "formulaires").rglob("*.pdf"))
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("True ['reunion-tuteurs/")
    written = {p.relative_to(workbook.parent / "sorties").as_posix() for p in (workbook.parent / "sorties").rglob("*.docx")}
    assert written == {"reunion-tuteurs/invitations/invitation-l-hote-gaelle.docx",
                       "etudiants/22004512-n-diaye-aissatou/fiche-alternance.docx",
                       "etudiants/22004512-n-diaye-aissatou/livret-de-bilans.docx"}


def test_exports() -> None:
    assert {"build", "check", "Settings", "BuildResult", "Report", "Problem", "expand"} <= set(pipeline.__all__)
    assert pipeline.__version__ == "0.1.0"


def test_check_returns_the_report(workbook: Path) -> None:
    dataset, report = check(workbook)
    assert dataset is not None and isinstance(report, Report) and report.valid
    _, bad = check(DATA / "workbooks" / "bad-unknown-statut.xlsx")
    assert bad.flatten(["row", "column", "code"]) == [[3, "Statut", "unknown-statut"]]
    problem = bad.problems[0]
    assert isinstance(problem, Problem) and CODES[problem.code].severity == problem.severity == "error"


def test_build_takes_family_names_as_a_set(workbook: Path, tmp_path: Path) -> None:
    result = build(Settings(input=workbook, output=tmp_path, only={"fiche", "invitation"}, pdf=False,
                            student="22004512"))
    assert isinstance(result, BuildResult) and result.ok
    assert {o.family for o in result.outcomes} == {"fiche", "invitation"}


def test_expand_groups_and_spellings() -> None:
    assert expand({"jurys"}) == {"grille", "compte_rendu", "livret", "dossier_jury"}
    assert expand(["reunion-tuteurs", "compte-rendu"]) == {"invitation", "emargement", "fiche", "compte_rendu"}
    with pytest.raises(UnknownFamily) as info:
        expand({"diplomes"})
    assert info.value.exit_code == 1 and "famille inconnue pour --only : diplomes" in str(info.value)


def test_build_refuses_unknown_families_and_group_names(workbook: Path, tmp_path: Path) -> None:
    for only in ({"diplomes"}, {"jurys"}):  # a group is expanded by expand(), not by build()
        with pytest.raises(UnknownFamily):
            build(Settings(input=workbook, output=tmp_path / "o", only=only, pdf=False))


def test_errors_carry_their_exit_code(tmp_path: Path) -> None:
    with pytest.raises(InputError) as unreadable:
        check(tmp_path / "absent.xlsx")
    assert unreadable.value.exit_code == 2
    with pytest.raises(ValidationFailed) as invalid:
        build(Settings(input=DATA / "workbooks" / "bad-unknown-statut.xlsx", output=tmp_path / "o", pdf=False))
    assert invalid.value.exit_code == 1 and not invalid.value.report.valid
    assert CoparError.exit_code == 1
