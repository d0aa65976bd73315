"""Benchmark: copar's build against the LibreOffice floor, measured side by side in one run.

    .venv/bin/python tools/bench.py [--students 300] [--workers 2] [--variants]

For the sample promotion, and for a promotion scaled to --students N (0: sample only):

- a fresh build (`copar build`), timed by stage: render (DOCX), convert (until the last
  document's PDF; it overlaps the rendering), packets, end to end;
- the floor: the very DOCX that build left (documents, covers, placeholder pages)
  converted by --workers plain `soffice --convert-to pdf` batch calls running in
  parallel, each with its own fresh profile — what a script calling LibreOffice
  directly would take — and the ratio build ÷ floor;
- a rebuild with nothing changed; a rebuild after one bilan of one student changed in
  the workbook, with the files it rewrote;
- the peak RSS of the build process and of its largest child (render workers, soffice).

--variants adds fresh builds with merged conversion off (one PDF per LibreOffice
document), with plain batch calls instead of LibreOffice listeners (warm profiles), and
with batch calls each on a fresh profile.
Every build runs in its own process, so that peak RSS figures are its own.
Figures only: nothing here asserts a time (timed tests are flaky on shared machines).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.workbook import sample  # noqa: E402
from pipeline.workbook.init import write_workbook  # noqa: E402

SKIP = {"manifest.json", "rapport-de-construction.txt"}


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


# --- one build, in a child process ---------------------------------------------------------------

def child(args: argparse.Namespace) -> None:
    """Run one build and print its timings and peak RSS as JSON (called by the parent)."""
    from pipeline.build.builder import Builder
    from pipeline.build.settings import Settings

    marks: dict[str, float] = {}
    start = time.perf_counter()

    class Clock:
        phase = ""

        def start(self, phase: str, total: int) -> None:
            self.phase = phase
            marks.setdefault(f"{phase} start", time.perf_counter() - start)

        def advance(self, label: str) -> None:
            pass

        def finish(self) -> None:
            marks[f"{self.phase} end"] = time.perf_counter() - start

    options = {"grouping": False} if args.per_document else {}  # (older copar: no such setting)
    settings = Settings(input=Path(args.child_input), output=Path(args.child_output), workers=args.workers,
                        today=dt.date.today(), **options)
    result = Builder(settings, Clock(), warm=not args.cold, listener=not (args.cold or args.batch_calls)).run()
    marks["end"] = time.perf_counter() - start
    print(json.dumps({
        "marks": marks,
        "written": len(result.with_status("written")),
        "failed": [f"{o.path}: {o.error}" for o in result.with_status("failed")],
        "cpu": cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN),
        "rss_parent": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Sampler:
    """Samples, every `period` s, the RSS of every process whose command line names `marker`
    (the build, its render workers, its LibreOffice listeners and bridges): peaks, and growth."""

    def __init__(self, marker: str, period: float = 0.5) -> None:
        self.marker, self.period = marker.encode(), period
        self.series: dict[int, list[tuple[float, float, str]]] = {}  # pid → (time, MB, name)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        start = time.perf_counter()
        while not self.stop.wait(self.period):
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    command = (proc / "cmdline").read_bytes()
                    if self.marker not in command:
                        continue
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                rss = next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)
                name = Path(command.split(b"\0")[0].decode(errors="replace")).name
                if "bench.py" in command.decode(errors="replace"):
                    name = "render worker or build"
                self.series.setdefault(int(proc.name), []).append((time.perf_counter() - start, rss, name))

    def peaks(self) -> str:
        """Peak RSS by kind of process, and how the longest-lived LibreOffice grew over its life."""
        by_name: dict[str, float] = {}
        for samples in self.series.values():
            for _, rss, name in samples:
                by_name[name] = max(by_name.get(name, 0.0), rss)
        text = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(by_name.items(), key=lambda kv: -kv[1]))
        offices = [samples for samples in self.series.values() if samples[0][2] == "soffice.bin"]
        if offices:
            longest = max(offices, key=len)
            quarter = longest[len(longest) // 4][1]
            text += (f"; longest-lived soffice.bin: {quarter:.0f} MB at a quarter of its life, "
                     f"{longest[-1][1]:.0f} MB at its end ({longest[-1][0] - longest[0][0]:.0f} s)")
        return text


def run_build(workbook: Path, out: Path, workers: int, *flags: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child-input", str(workbook), "--child-output", str(out),
               "--workers", str(workers), *flags]
    started = time.perf_counter()
    with Sampler(str(out)) as sampler:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    data["wall"] = wall
    data["sampled"] = sampler.peaks()
    for failure in data["failed"]:
        print(f"  failed: {failure}", file=sys.stderr)
    return data


# --- the floor -------------------------------------------------------------------------------------

def floor(docx: list[Path], workers: int, soffice: str) -> tuple[float, float]:
    """Wall and CPU seconds of `workers` plain soffice batch calls, each with its own profile, over these files."""
    with tempfile.TemporaryDirectory(prefix="copar-floor-") as tmp:
        lists: list[list[str]] = [[] for _ in range(workers)]
        for number, path in enumerate(docx):
            folder = Path(tmp, f"in-{number % workers}")
            folder.mkdir(exist_ok=True)
            copy_path = folder / f"{number:05d}.docx"  # documents of different folders share names
            shutil.copyfile(path, copy_path)
            lists[number % workers].append(str(copy_path))

        def call(n: int) -> None:
            """One batch call over this worker's list; if LibreOffice stops half-way (it does, on a
            list of thousands), another call for what it left, as a script would have to."""
            todo = lists[n]
            while todo:
                subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile-{n}", "--headless",
                                "--convert-to", "pdf", "--outdir", f"{tmp}/out-{n}", *todo],
                               capture_output=True, check=False)
                left = [f for f in todo if not Path(tmp, f"out-{n}", Path(f).stem + ".pdf").exists()]
                if len(left) == len(todo):
                    return  # no progress: counted below
                if left:
                    print(f"  floor: worker {n}'s call stopped after {len(todo) - len(left)} of {len(todo)} "
                          "files; another call for the rest", file=sys.stderr, flush=True)
                todo = left

        started, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_CHILDREN)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(call, range(workers)))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
        produced = sum(len(list(Path(tmp, f"out-{n}").glob("*.pdf"))) for n in range(workers))
        if produced != len(docx):
            print(f"  floor: {produced} PDF for {len(docx)} DOCX", file=sys.stderr)
        return elapsed, cpu


# --- the changed bilan ---------------------------------------------------------------------------

def change_one_bilan(workbook: Path) -> str:
    """Edit the first row of « Bilans intermédiaires » (text of its first free-text column); its N°."""
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    sheet = book["Bilans intermédiaires"]
    headers = [str(c.value or "") for c in sheet[1]]
    column = next(i for i, h in enumerate(headers, start=1) if h.lower().startswith("activit"))
    cell = sheet.cell(row=2, column=column)
    cell.value = f"{cell.value or ''} Ajout pour le banc d'essai."
    numero = str(sheet.cell(row=2, column=1).value)
    book.save(workbook)
    return numero


def snapshot(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and p.name not in SKIP and ".copar" not in p.relative_to(out).parts}


# --- one scale -------------------------------------------------------------------------------------

def measure(name: str, workbook: Path, tmp: Path, args: argparse.Namespace, soffice: str) -> list[tuple[str, str]]:
    out = tmp / f"out-{name}"
    print(f"[{name}] fresh build…", file=sys.stderr, flush=True)
    fresh = run_build(workbook, out, args.workers)
    marks = fresh["marks"]
    render = marks.get("Documents Word end", 0) - marks.get("Documents Word start", 0)
    convert = marks.get("Conversion PDF end", marks.get("Documents Word end", 0)) - marks.get("Documents Word start", 0)
    packets = marks["end"] - marks.get("Conversion PDF end", marks["end"])
    docx = sorted(out.rglob("*.docx"))
    print(f"[{name}] floor over {len(docx)} DOCX…", file=sys.stderr, flush=True)
    low, low_cpu = floor(docx, args.workers, soffice)
    print(f"[{name}] rebuilds…", file=sys.stderr, flush=True)
    same = run_build(workbook, out, args.workers)
    numero = change_one_bilan(workbook)
    before = snapshot(out)
    changed = run_build(workbook, out, args.workers)
    after = snapshot(out)
    rewritten = sorted(k for k, v in after.items() if before.get(k) != v)
    rows = [
        ("documents (DOCX, incl. covers and placeholder pages)", f"{len(docx)}"),
        ("render s", f"{render:.1f}"),
        ("convert s (from the first render, overlapping it)", f"{convert:.1f}"),
        ("packets s", f"{packets:.1f}"),
        ("end-to-end s (fresh build)", f"{fresh['wall']:.1f}"),
        (f"floor s ({args.workers} plain soffice batch calls)", f"{low:.1f}"),
        ("ratio end-to-end / floor", f"{fresh['wall'] / low:.2f}"),
        ("CPU s, fresh build / floor (fairer on a shared machine)", f"{fresh['cpu']:.0f} / {low_cpu:.0f} = "
                                                                     f"{fresh['cpu'] / low_cpu:.2f}"),
        ("no-change rebuild s", f"{same['wall']:.1f}"),
        (f"one bilan changed (n° {numero}) rebuild s", f"{changed['wall']:.1f}"),
        ("  files it rewrote", f"{len(rewritten)}: " + ", ".join(rewritten)),
        ("peak RSS parent MB", f"{max(fresh['rss_parent'], changed['rss_parent']):.0f}"),
        ("peak RSS largest child MB (render worker or soffice)", f"{fresh['rss_children']:.0f}"),
        ("sampled peak RSS MB by process (fresh build)", fresh["sampled"]),
    ]
    if args.variants:
        for label, flag in (("per-document conversion", "--per-document"),
                            ("batch calls, warm profiles (no listener)", "--batch-calls"),
                            ("batch calls, fresh profile per call", "--cold")):
            shutil.rmtree(out, ignore_errors=True)
            print(f"[{name}] fresh build, {label}…", file=sys.stderr, flush=True)
            variant = run_build(workbook, out, args.workers, flag)
            rows.append((f"variant: {label}, end-to-end s (CPU s)", f"{variant['wall']:.1f} "
                         f"(ratio {variant['wall'] / low:.2f}; CPU {variant['cpu']:.0f})"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="scaled promotion size; 0: the sample only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", action="store_true", help="also time per-document conversion and cold profiles")
    parser.add_argument("--child-input", help=argparse.SUPPRESS)
    parser.add_argument("--child-output", help=argparse.SUPPRESS)
    parser.add_argument("--per-document", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--batch-calls", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_input:
        child(args)
        return
    from pipeline.libreoffice.calls import find_soffice

    soffice = find_soffice()
    columns: dict[str, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="copar-bench-") as name:
        tmp = Path(name)
        shutil.copytree(ROOT / "inputs", tmp / "sample", ignore=shutil.ignore_patterns("~$*"))
        columns["sample"] = measure("sample", tmp / "sample" / "promotion.xlsx", tmp, args, soffice)
        if args.students:
            (tmp / "scaled").mkdir()
            workbook = scaled_promotion(tmp / "scaled", args.students)
            columns[f"{args.students} students"] = measure(f"{args.students}", workbook, tmp, args, soffice)
    print(f"\ncopar bench — {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPU, "
          f"load {os.getloadavg()[0]:.1f}, --workers {args.workers}\n")
    labels = [label for label, _ in next(iter(columns.values()))]
    print("| | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for index, label in enumerate(labels):
        cells = [rows[index][1] if index < len(rows) else "" for rows in columns.values()]
        if label.strip() == "files it rewrote":
            cells = [c if len(c) < 400 else c[:400] + "…" for c in cells]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
