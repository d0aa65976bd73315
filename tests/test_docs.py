"""The documentation is tested: every command has French help and appears in the README."""

from __future__ import annotations

import re

import click
import pytest

from pipeline.cli import cli

from .helpers import ROOT, invoke

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
    return found


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p))
def test_every_command_has_french_help_and_is_documented(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation : copar " + " ".join(path))
    assert "Show this message" not in result.output
    assert f"copar {' '.join(path)}" in README


def test_readme_starts_with_the_two_setup_commands() -> None:
    blocks = re.findall(r"```\n(.*?)```", README, flags=re.S)
    first = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.strip()]
    assert first == ["scripts/demo.sh", "scripts/test.sh"]
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_stays_a_front_page() -> None:
    """What copar is, how to set it up, five commands and links: the rest lives in docs/."""
    assert len(README.splitlines()) <= 150
    for page in ("docs/guide.md", "docs/cli.md", "docs/architecture.md", "docs/performance.md"):
        assert f"]({page})" in README


def test_readme_shows_every_preview_and_previews_name_families() -> None:
    """A preview is optional for a new family (docs/architecture.md, How to add a document family);
    those tools/make_previews.py makes are in the README, and name families of the catalogue."""
    import importlib.util

    from pipeline.documents.catalogue import FAMILIES

    spec = importlib.util.spec_from_file_location("make_previews", ROOT / "tools" / "make_previews.py")
    assert spec and spec.loader
    previews = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previews)
    assert set(previews.PREVIEWS) <= set(FAMILIES)
    for name in previews.PREVIEWS:
        assert f"docs/preview-{name}.png" in README
        assert (ROOT / "docs" / f"preview-{name}.png").is_file()


def test_template_context_page_is_current() -> None:
    """docs/template-context.md is `copar templates vars --format markdown`: regenerate it with
    that command when a context or a description changes."""
    result = invoke("templates", "vars", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    committed = (ROOT / "docs" / "template-context.md").read_text(encoding="utf-8")
    assert result.stdout == committed, "regenerate: copar templates vars --format markdown > docs/template-context.md"
    for family in ("invitation", "fiche", "grille", "rapport_indisponible"):
        assert f"## `{family}`" in committed
    assert "| `{{ etudiant.nom_complet }}` | prénom et nom | Aïssatou N'Diaye |" in committed


def test_cli_reference_page_is_current() -> None:
    """docs/cli.md is every command's --help: regenerate it with tools/cli_reference.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "tools" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert module.reference() == committed, "regenerate: .venv/bin/python tools/cli_reference.py > docs/cli.md"
    for path in commands():
        assert f"## `copar {' '.join(path)}`" in committed
