"""Benchmark: prints how long each stage takes and how much memory it needs.

    .venv/bin/python tools/bench.py [--students N] [--pdf]

1. `check` of a promotion scaled to N students (default 300: ten times a large promotion);
2. DOCX rendering of every family for that promotion (`build --no-pdf`);
3. with --pdf, the full build of the sample promotion (LibreOffice conversion and packets).

Figures only: nothing here asserts a time (timed tests are flaky on shared machines).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.build import build  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.workbook import sample  # noqa: E402
from pipeline.workbook.init import write_workbook  # noqa: E402
from pipeline.workbook.validate import check  # noqa: E402


def scaled_promotion(folder: Path, students: int) -> Path:
    """The sample promotion with its students (and their reviews) repeated up to `students`."""
    saved = {k: copy.deepcopy(getattr(sample, k)) for k in ("ETUDIANTS", "BILANS")}
    originals = saved["ETUDIANTS"]
    index = 0
    while len(sample.ETUDIANTS) < students:
        row = originals[index % len(originals)]
        numero = f"9{index:07d}"
        sample.ETUDIANTS.append(dict(row, numero=numero))
        sample.BILANS.extend(dict(r, numero=numero) for r in saved["BILANS"] if r["numero"] == row["numero"])
        index += 1
    path = folder / "promotion.xlsx"
    try:
        write_workbook(path, example=True, force=True)
    finally:
        for key, rows in saved.items():  # restore the module for anyone else
            setattr(sample, key, rows)
    return path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workers_mb() -> float:
    """Peak RSS of the largest child process so far (render workers; LibreOffice with --pdf)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"{label:<46} {elapsed:8.2f} s   peak RSS {rss_mb():7.1f} MB, largest worker {workers_mb():7.1f} MB",
          flush=True)
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--pdf", action="store_true", help="also time the full PDF build of the sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook, _ = timed(f"write a {args.students}-student workbook", scaled_promotion, folder, args.students)
        (dataset, report), _ = timed("check (read + validate)", check, workbook)
        assert dataset is not None, report.to_table()
        print(f"  {len(dataset.students)} students, {len(dataset.reviews)} period reviews, {len(report.problems)} problems")
        settings = Settings(input=workbook, output=folder / "out", pdf=False, today=dt.date.today())
        result, elapsed = timed("build --no-pdf (every DOCX)", build, settings)
        docs = len(result.with_status("written"))
        print(f"  {docs} DOCX, {1000 * elapsed / max(docs, 1):.0f} ms each")
        result, elapsed = timed("build --no-pdf again (all unchanged)", build, settings)
        print(f"  {len(result.with_status('skipped'))} skipped")
        if args.pdf:
            settings = Settings(input=ROOT / "inputs", output=folder / "sample-out", today=dt.date.today())
            result, elapsed = timed("build of the sample with PDF and packets", build, settings)
            written = len(result.with_status("written"))
            print(f"  {written} documents, {len(result.with_status('failed'))} failed, "
                  f"{1000 * elapsed / max(written, 1):.0f} ms each")


if __name__ == "__main__":
    main()
