"""Write docs/cli.md: the `--help` of every copar command, as the command line prints it.

    .venv/bin/python tools/cli_reference.py > docs/cli.md

tests/test_docs.py checks that the committed page is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.cli import cli  # noqa: E402

HEADER = """# Référence de la ligne de commande

Cette page est l'aide de chaque commande (`copar COMMANDE --help`), telle que copar l'affiche.
Elle est écrite par `tools/cli_reference.py` ; un test vérifie qu'elle est à jour.
Le guide de l'équipe pédagogique est [guide.md](guide.md).
"""


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand, in the order `copar --help` lists them."""
    found: list[tuple[str, ...]] = []
    for name in group.list_commands(click.Context(group)):
        command = group.commands[name]
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(command_paths(command, path))
    return found


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], obj={}, prog_name="copar", terminal_width=100)
    return result.output


def reference() -> str:
    parts = [HEADER, "## `copar`\n", "```\n" + help_text(()) + "```\n"]
    for path in command_paths():
        parts.append(f"## `copar {' '.join(path)}`\n")
        parts.append("```\n" + help_text(path) + "```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(reference())
