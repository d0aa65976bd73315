"""The output folder is shared by copar's commands: what `forms`, `calendriers`, `mails`, `lots` and
`suivi` write there never makes `build` take it for someone else's folder. Word-only builds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.build.outputs import HARMLESS
from pipeline.cli import cli
from pipeline.forms import layout as forms_layout
from pipeline.sending import bundles, calendars, envois, mails
from pipeline.tracking import export

from .promotions import small_promotion


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], obj={})
    return result.exit_code, result.stdout, result.stderr


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".copar" not in p.parts}


@pytest.mark.slow
def test_a_folder_with_forms_calendars_mails_and_suivi_still_builds(tmp_path: Path) -> None:
    inputs = small_promotion(tmp_path / "in")
    out = tmp_path / "out"
    assert run("forms", inputs, "-o", out, "--type", "bilan", "--periode", "1")[0] == 0
    assert run("calendriers", inputs, "-o", out)[0] == 0
    assert run("mails", inputs, "-o", out, "--pour", "cahier")[0] == 1  # drafts to complete: no PDF yet
    assert run("suivi", inputs, "--format", "xlsx", "-o", out / "suivi.xlsx")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["calendriers", "courriels", "formulaires", "suivi.xlsx"]
    before = _hashes(out)

    code, stdout, stderr = run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche")
    assert code == 0, stdout + stderr
    assert (out / "manifest.json").is_file() and list((out / "etudiants").rglob("fiche-alternance.docx"))
    after = _hashes(out)
    assert {k: v for k, v in after.items() if k in before} == before  # the other commands' files untouched

    # a later build removes none of them either (only what its manifest lists)
    assert run("build", inputs, "-o", out, "--no-pdf", "--only", "fiche", "--force")[0] == 0
    assert {k: v for k, v in _hashes(out).items() if k in before} == before


def test_someone_elses_file_beside_them_is_still_refused(tmp_path: Path) -> None:
    inputs = small_promotion(tmp_path / "in")
    out = tmp_path / "out"
    assert run("calendriers", inputs, "-o", out)[0] == 0
    (out / "notes.txt").write_text("à garder", encoding="utf-8")
    code, _, stderr = run("build", inputs, "-o", out, "--no-pdf")
    assert code == 1
    assert stderr.startswith(f"Erreur : Dossier de sortie refusé : {out} n'est pas vide (notes.txt) ")
    assert not (out / "manifest.json").exists()


def test_every_commands_default_folder_is_known_to_the_build() -> None:
    """The names are written out in outputs.py (a low module); they follow each command's own constant."""
    defaults = {forms_layout.ROOT, str(calendars.FOLDER), mails.MAILS, str(bundles.FOLDER), export.XLSX_NAME,
                envois.XLSX_NAME}
    assert defaults <= HARMLESS
