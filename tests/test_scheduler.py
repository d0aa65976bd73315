"""The conversion scheduler alone (no process, no file, no clock): what each call takes, fair shares,
probes, bisection, and the hang rule — a hung LibreOffice costs two calls, not one per document."""

from __future__ import annotations

from pathlib import Path

from pipeline.libreoffice.calls import ConversionResult
from pipeline.libreoffice.scheduler import Call, Document, Scheduler, Unit

NOT_ATTEMPTED = "non tentée : LibreOffice ne répond plus"


def docs(*names: str, kind: str = "", pages: int | None = None) -> list[Document]:
    return [Document(Path(f"{name}.docx"), kind, pages) for name in names]


def names(call: Call | None) -> list[list[str]]:
    assert call is not None
    return [[d.docx.stem for d in unit.docs] for unit in call.units]


def failure(unit: Unit, timed_out: bool = False) -> tuple[Unit, ConversionResult]:
    return unit, ConversionResult(unit.docs[0].docx, None, f"échec de {unit.docs[0].docx.name}", timed_out)


def run_all(scheduler: Scheduler, fails: set[str], hangs: set[str]) -> tuple[list[list[str]], dict[str, str]]:
    """Drive the scheduler as one worker would, until it has nothing to take, against a LibreOffice
    that crashes (`fails`: the call converts nothing) or hangs (`hangs`: killed on that document)
    on these documents: each call's documents, each document's outcome."""
    made: list[list[str]] = []
    outcome: dict[str, str] = {}
    while (call := scheduler.take(now=0, idle_since=0)) is not None:
        made.append([d.docx.stem for u in call.units for d in u.docs])
        stems = {d.docx.stem for u in call.units for d in u.docs}
        timed_out = bool(stems & hangs)
        failed = [failure(u) for u in call.units] if stems & fails else []
        if timed_out:  # LibreOffice was killed on the first hanging document: nothing after it either
            first = next(i for i, u in enumerate(call.units) if {d.docx.stem for d in u.docs} & hangs)
            failed = [failure(u, True) for u in call.units[first:]]
        for unit in call.units:
            if not any(unit is f for f, _ in failed):
                outcome.update({d.docx.stem: "pdf" for d in unit.docs})
        decided = scheduler.ended(call, timed_out=timed_out) + scheduler.done(call, failed, timed_out=timed_out)
        for result in decided:
            outcome[result.source.stem] = "non tentée" if NOT_ATTEMPTED in (result.error or "") else "échec"
    assert not scheduler.ready, "documents left waiting"
    return made, outcome


def test_a_worker_takes_its_fair_share_once_it_is_ready() -> None:
    scheduler = Scheduler(workers=2, grouping=False, patience=1.0, expected=8)
    scheduler.submit(docs("a", "b", "c"), [None] * 3)
    assert scheduler.take(now=0.5, idle_since=0) is None  # 3 ready, a share is 4: wait
    scheduler.submit(docs("d"), [None])
    assert names(scheduler.take(now=0.5, idle_since=0)) == [["a"], ["b"], ["c"], ["d"]]
    scheduler.submit(docs("e"), [None])
    assert scheduler.take(now=0.5, idle_since=0) is None
    assert names(scheduler.take(now=1.0, idle_since=0)) == [["e"]]  # patience: what there is


def test_urgent_documents_go_first_without_waiting_for_a_share() -> None:
    scheduler = Scheduler(workers=1, grouping=False, expected=10)
    scheduler.submit(docs("a", "b"), [None] * 2)
    assert scheduler.take(now=0, idle_since=0) is None
    scheduler.submit(docs("couverture"), [None], urgent=True)
    assert names(scheduler.take(now=0, idle_since=0)) == [["couverture"], ["a"], ["b"]]


def test_documents_sharing_a_key_are_merged_and_an_unknown_kind_is_probed_first() -> None:
    scheduler = Scheduler(workers=1, grouping=True)
    scheduler.submit(docs("fiche", "bilan", "livret", kind="x") + docs("image"), ["k", "k", "k", None])
    probe = scheduler.take(now=0, idle_since=0)
    assert names(probe) == [["fiche"]] and probe is not None and probe.probe  # kind x's page count
    assert scheduler.probes == 1
    assert names(scheduler.take(now=0, idle_since=0)) == [["image"]]  # not merged: no need to wait
    assert scheduler.take(now=0, idle_since=0) is None  # the rest of the group waits for the probe
    assert scheduler.pages_for(Document(Path("z.docx"), "x")) == 1
    scheduler.learn("x", 2)
    scheduler.done(probe, [], timed_out=False)
    call = scheduler.take(now=0, idle_since=0)
    assert names(call) == [["bilan", "livret"]] and call is not None and call.units[0].merged
    assert scheduler.pages_for(Document(Path("z.docx"), "x")) == 2


def test_a_failed_call_is_bisected_and_a_lone_document_reported() -> None:
    scheduler = Scheduler(workers=1, grouping=False)
    scheduler.submit(docs(*"abcdefg", "bad"), [None] * 8)
    scheduler.close()
    made, outcome = run_all(scheduler, fails={"bad"}, hangs=set())
    assert sorted(len(call) for call in made) == [1, 1, 2, 2, 4, 4, 8]
    assert outcome == {**{n: "pdf" for n in "abcdefg"}, "bad": "échec"}


def test_a_merged_group_that_fails_goes_document_by_document() -> None:
    scheduler = Scheduler(workers=1, grouping=True)
    scheduler.submit(docs("a", "b", "c", kind="x", pages=1), ["k"] * 3)
    scheduler.close()
    made, outcome = run_all(scheduler, fails={"b"}, hangs=set())
    assert made == [["a", "b", "c"], ["a", "b", "c"], ["a"], ["b", "c"], ["b"], ["c"]]  # merged, then alone
    assert outcome == {"a": "pdf", "b": "échec", "c": "pdf"}


def test_hung_libreoffice_two_calls_then_the_rest_is_not_attempted() -> None:
    """The hang rule: the batch times out, its first document alone times out: the rest is given up,
    including what is submitted afterwards — two calls, not one per document."""
    scheduler = Scheduler(workers=1, grouping=False)
    everything = [f"d{i}" for i in range(6)]
    scheduler.submit(docs(*everything), [None] * 6)
    made, outcome = run_all(scheduler, fails=set(), hangs=set(everything))
    assert made == [everything, ["d0"]]
    assert outcome == {"d0": "échec", **{n: "non tentée" for n in everything[1:]}}
    assert scheduler.finished and scheduler.take(now=0, idle_since=0) is None
    [late] = scheduler.submit(docs("tard"), [None])
    assert late.error is not None and NOT_ATTEMPTED in late.error


def test_a_batch_stuck_on_a_document_that_converts_alone_goes_on() -> None:
    """A call killed while on d1: d1 alone is the first retry, the rest waits for it; d1 converts,
    so LibreOffice is not hung and the rest goes as one call."""
    scheduler = Scheduler(workers=1, grouping=False)
    scheduler.submit(docs("d0", "d1", "d2", "d3"), [None] * 4)
    scheduler.close()
    calls: list[list[str]] = []
    first = scheduler.take(now=0, idle_since=0)
    assert first is not None
    calls.append([d.docx.stem for u in first.units for d in u.docs])
    # killed while on d1: d0 converted, d1.. not
    failed = [failure(u, True) for u in first.units[1:]]
    assert scheduler.ended(first, timed_out=True) == []
    assert scheduler.done(first, failed, timed_out=True) == []
    retry = scheduler.take(now=0, idle_since=0)
    assert names(retry) == [["d1"]] and retry is not None and retry.first_retry
    assert scheduler.take(now=0, idle_since=0) is None  # the rest waits for the first retry
    assert scheduler.done(retry, [], timed_out=False) == []  # d1 converts alone: LibreOffice is fine
    rest = scheduler.take(now=0, idle_since=0)
    assert names(rest) == [["d2"], ["d3"]] and rest is not None and not rest.first_retry
    assert scheduler.done(rest, [], timed_out=False) == []
    assert scheduler.finished and not scheduler.hung


def test_a_document_that_hangs_in_its_batch_and_alone_stops_the_rest() -> None:
    scheduler = Scheduler(workers=1, grouping=False)
    scheduler.submit(docs("seul", "autre"), [None] * 2)
    scheduler.close()
    made, outcome = run_all(scheduler, fails=set(), hangs={"seul"})
    assert made == [["seul", "autre"], ["seul"]]  # the batch, then seul alone: the rule, autre given up
    assert outcome == {"seul": "échec", "autre": "non tentée"}


def test_a_lone_document_that_times_out_is_reported_and_the_next_ones_converted() -> None:
    scheduler = Scheduler(workers=1, grouping=False)
    scheduler.submit(docs("seul"), [None])
    made, outcome = run_all(scheduler, fails=set(), hangs={"seul"})
    assert made == [["seul"]] and outcome == {"seul": "échec"} and not scheduler.hung
    scheduler.submit(docs("autre"), [None])
    scheduler.close()
    made, outcome = run_all(scheduler, fails=set(), hangs=set())
    assert made == [["autre"]] and outcome == {"autre": "pdf"}


def test_two_documents_alone_timing_out_in_a_row_are_a_hang() -> None:
    """Documents trickling in one by one (each call a document alone) do not escape the rule."""
    scheduler = Scheduler(workers=1, grouping=False)
    made, outcome = [], {}
    for name in ("un", "deux", "trois"):
        outcome |= {r.source.stem: "non tentée" for r in scheduler.submit(docs(name), [None])}
        calls, outcomes = run_all(scheduler, fails=set(), hangs={"un", "deux", "trois"})
        made += calls
        outcome |= outcomes
    assert made == [["un"], ["deux"]]
    assert outcome == {"un": "échec", "deux": "échec", "trois": "non tentée"}


def test_a_conversion_in_between_clears_the_suspicion() -> None:
    scheduler = Scheduler(workers=1, grouping=False)
    for name in ("lent", "bon", "lent2", "bon2"):
        scheduler.submit(docs(name), [None])
        run_all(scheduler, fails=set(), hangs={"lent", "lent2"})
    assert not scheduler.hung


def test_a_warm_up_that_timed_out_makes_each_workers_first_call_a_retry() -> None:
    scheduler = Scheduler(workers=2, grouping=False)
    scheduler.submit(docs(*"abcdef"), [None] * 6)
    scheduler.warmed_up(timed_out=True)
    scheduler.warmed_up(timed_out=True)
    first, second = scheduler.take(now=0, idle_since=0), scheduler.take(now=0, idle_since=0)
    assert first is not None and second is not None and first.first_retry and second.first_retry
    assert names(first) == [["a"], ["b"], ["c"]] and names(second) == [["d"], ["e"]]
    given_up = scheduler.ended(first, timed_out=True)
    assert scheduler.hung and [r.source.stem for r in given_up] == ["f"]
    assert scheduler.take(now=0, idle_since=0) is None and scheduler.finished
    results = scheduler.done(first, [failure(u, True) for u in first.units], timed_out=True)
    results += scheduler.done(second, [failure(u, True) for u in second.units], timed_out=True)
    assert sorted(r.source.stem for r in results) == list("abcde")


def test_retries_and_late_groups_are_given_up_once_hung() -> None:
    scheduler = Scheduler(workers=1, grouping=False)
    scheduler.submit(docs("a"), [None])
    scheduler.warmed_up(timed_out=True)
    call = scheduler.take(now=0, idle_since=0)
    assert call is not None
    scheduler.submit(docs("b"), [None])
    assert [r.source.stem for r in scheduler.ended(call, timed_out=True)] == ["b"]
    assert [r.source.stem for r in scheduler.requeue([Unit(docs("c"), False)])] == ["c"]
    assert [r.source.stem for r in scheduler.again(docs("d"))] == ["d"]


def test_the_last_document_of_a_batch_killed_on_it_is_retried_alone_first() -> None:
    scheduler = Scheduler(workers=1, grouping=False)
    scheduler.submit(docs("a", "b"), [None] * 2)
    scheduler.close()
    made, outcome = run_all(scheduler, fails=set(), hangs={"b"})
    assert made == [["a", "b"], ["b"]]  # b had its time in the batch, then alone: the rule
    assert outcome == {"a": "pdf", "b": "échec"} and scheduler.hung
