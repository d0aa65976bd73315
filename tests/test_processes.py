"""Process hygiene: an interrupt is not lost when its signal lands in a finalizer."""

from __future__ import annotations

import pytest

from pipeline.processes import interruptible, raise_if_interrupted


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
