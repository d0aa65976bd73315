"""The staff guide: linked from the README, and its quoted terminal sessions still true."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.helpers import ROOT

GUIDE = ROOT / "docs" / "guide.md"
TEXT = GUIDE.read_text(encoding="utf-8")
# ```console blocks are real sessions: a `$ copar …` line, then exactly what copar prints
SESSIONS = re.findall(r"```console\n\$ (copar [^\n]*)\n(.*?)```", TEXT, flags=re.S)


def test_readme_links_to_the_guide_at_the_top() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/guide.md)" in readme.split("##", 1)[0]


def test_guide_covers_what_staff_need() -> None:
    headings = re.findall(r"^## (.+)$", TEXT, flags=re.M)
    assert headings == ["1. Installer copar", "2. L'année en commandes", "3. Le classeur, feuille par feuille",
                        "4. Les réglages : copar.toml", "5. Modifier les modèles Word",
                        "6. Lire le résumé et le rapport de construction", "7. Quand quelque chose ne va pas"]
    for chapter in ("formulaires", "suivi-et-planning", "courriels-et-impressions"):
        assert f"(guide/{chapter}.md)" in TEXT


def test_guide_images_exist() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", TEXT)
    assert len(images) >= 5
    assert [i for i in images if not (GUIDE.parent / i).is_file()] == []


def test_guide_quotes_at_least_a_failing_check() -> None:
    assert any(cmd.startswith("copar check") and "erreur" in out for cmd, out in SESSIONS)


@pytest.mark.parametrize(("command", "expected"), SESSIONS, ids=[c for c, _ in SESSIONS])
def test_guide_sessions_are_what_copar_prints(command: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, shlex.split(command)[1:], obj={}, prog_name="copar")
    assert result.output == expected
