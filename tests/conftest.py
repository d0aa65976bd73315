"""Fixtures shared by the test modules: where the test data live, and `copar` run in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """tests/data: small input files, each with its expected output beside it."""
    return DATA


@pytest.fixture
def copar() -> Callable[..., Result]:
    """Run `copar ARGS…` in-process; stdout and stderr are kept apart (result.stdout, result.stderr)."""
    runner = CliRunner()

    def invoke(*args: object) -> Result:
        return runner.invoke(cli, [str(a) for a in args], obj={})

    return invoke
