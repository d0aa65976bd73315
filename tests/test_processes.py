"""Process hygiene: an interrupt is not lost when its signal lands in a finalizer."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.processes import interruptible, raise_if_interrupted

from .helpers import INPUTS


class _Finalised:
    """Stands for a pool's finalizer or a ZipFile's __del__ running when Ctrl-C arrives: the
    KeyboardInterrupt the signal handler raises there is only « ignored » by Python."""

    def __init__(self, *args: str) -> None:
        self.args = args

    def __del__(self) -> None:
        raise KeyboardInterrupt(*self.args)


@pytest.mark.parametrize("args", [(), ("SIGTERM",)])
def test_an_interrupt_swallowed_by_a_finalizer_is_raised_at_the_next_check(args: tuple[str, ...]) -> None:
    reached = []
    with pytest.raises(KeyboardInterrupt) as raised:
        with interruptible():
            _Finalised(*args)  # collected at once: Python ignores what its __del__ raised
            reached.append("after the finalizer")
            raise_if_interrupted()  # as the build does after each document
            reached.append("after the check")
    assert reached == ["after the finalizer"] and raised.value.args == args


def test_a_block_that_runs_to_its_end_after_a_swallowed_interrupt_still_stops() -> None:
    with pytest.raises(KeyboardInterrupt):
        with interruptible():
            _Finalised()
    with interruptible():  # and the next block starts clean
        raise_if_interrupted()


def test_nothing_is_raised_without_an_interrupt() -> None:
    with interruptible():
        raise_if_interrupted()


# A Ctrl-C that lands while Python runs code compiled from a string: reportlab imports its settings
# with exec("from reportlab.rl_settings import *") when the packet stage first stamps a page, and
# dataclasses and namedtuple build their methods the same way.
_INTERRUPTED_IN_EXEC = '''
import sys
from pipeline import cli
from pipeline.promotion import Promotion

def opening(cls, *args, **kwargs):
    exec("import os, time\\nos.write(1, b'ready\\\\n')\\ntime.sleep(60)")

Promotion.open = classmethod(opening)
sys.argv = ["copar", "check", sys.argv[1]]
cli.main()
'''


@pytest.mark.parametrize("how", ["-m", "script"])
def test_ctrl_c_inside_code_run_by_exec_still_exits_130(tmp_path: Path, how: str) -> None:
    """CPython marks the process « killed by an uncaught Ctrl-C » when a KeyboardInterrupt leaves
    exec(<string>), even once caught; run as `python -m pipeline`, copar then said « interrompu » and
    died of SIGINT (return code -2), not 130. (The `copar` script, run as a file, exits through
    Py_Exit, which does not look at the mark.)"""
    (tmp_path / "copar_stand_in.py").write_text(_INTERRUPTED_IN_EXEC, encoding="utf-8")
    run = ["-m", "copar_stand_in"] if how == "-m" else [str(tmp_path / "copar_stand_in.py")]
    process = subprocess.Popen([sys.executable, *run, str(INPUTS / "promotion.xlsx")], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert "Traceback" not in stderr and "interrompu" in stderr, stderr
    assert process.returncode == 130, (process.returncode, stderr)
