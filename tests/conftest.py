"""Fixtures shared by the test modules: where the test data live, and `copar` run in-process.

Tests that run LibreOffice are marked `@pytest.mark.soffice`: `pytest -m "not soffice"` is the
fast loop, the plain `pytest` of scripts/test.sh runs everything.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.helpers import DATA, INPUTS, invoke


@pytest.fixture
def data_dir() -> Path:
    """tests/data: small input files, each with its expected output beside it."""
    return DATA


@pytest.fixture
def copar() -> Callable[..., Result]:
    """Run `copar ARGS…` in-process; stdout and stderr are kept apart (result.stdout, result.stderr).

    In a module- or session-scoped fixture, use tests.helpers.run instead (fixtures cannot take a
    function-scoped fixture)."""
    return invoke


_LIBREOFFICE = {"soffice", "soffice.bin", "libreoffice"}
_running: list[pytest.Item] = []  # the test being set up, run or torn down


class _GuardedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """subprocess.Popen that refuses to start the real LibreOffice for a test without the
    `soffice` marker, saying so: the fast loop (`-m "not soffice"`) then never waits for it, and a
    forgotten marker is found at once. Stand-in scripts (tests/test_convert.py) are allowed."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        program = args[0] if isinstance(args, (list, tuple)) else str(args).split()[0]
        item = _running[-1] if _running else None
        if item is not None and Path(str(program)).name in _LIBREOFFICE and not item.get_closest_marker("soffice"):
            pytest.fail(f"{item.nodeid} runs LibreOffice (in the test or one of its fixtures): "
                        "mark it @pytest.mark.soffice", pytrace=False)
        super().__init__(args, *rest, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    subprocess.Popen = _GuardedPopen


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    # module- and session-scoped fixtures are set up inside the first test that needs them
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


@pytest.fixture
def promo(tmp_path: Path) -> Path:
    """A copy of the sample workbook in tmp_path/inputs/, for a test that writes into it."""
    import shutil

    folder = tmp_path / "inputs"
    folder.mkdir()
    shutil.copyfile(INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    return folder / "promotion.xlsx"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 (tests/smtp_server.py: STARTTLS, AUTH), its mailbox read by the test."""
    from tests.smtp_server import Server

    with Server(tmp_path) as server:
        yield server
