"""Benchmark: writing answers into a workbook of 1,000,000 formatted empty rows, new writer vs. openpyxl.

    .venv/bin/python tools/bench_writer.py [--rows 1000000] [--skip-old]

Builds the sample promotion with its « Bilans intermédiaires » sheet formatted down to row
--rows (every row styled, two styled empty cells each, as a sheet formatted to the bottom by
hand), then runs, each in its own process so that peak RSS figures are its own:

- collect (new): `copar collect` of one returned export (4 answers, one new row) — reading and
  checking the workbook, the lock, the backup and the surgical patch;
- patch only (new): `Writing.write_cells` of the same 6 cells, nothing else;
- openpyxl (old): what collect did before — check, then `load_workbook`, set the cells, `save`.

It prints wall time and peak RSS side by side, and checks that the new write left every other
zip member byte-identical. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEET = "Bilans intermédiaires"

PATCH_ONLY = """
import sys
from pathlib import Path
from pipeline.workbook.writer import CellEdit, Writing
path = Path(sys.argv[1])
cells = [CellEdit("Bilans intermédiaires", 150, c, v) for c, v in
         [(1, "22004512"), (2, 5), (4, "Atelier"), (5, "Forum"), (6, "Lectures"), (7, "=> Poursuivre")]]
with Writing(path) as w:
    w.write_cells(cells, cause="avant-collecte")
"""

OLD = """
import sys
from pathlib import Path
import openpyxl
from pipeline.workbook.validate import check
path = Path(sys.argv[1])
check(path)
wb = openpyxl.load_workbook(path)
ws = wb["Bilans intermédiaires"]
for c, v in [(1, "22004512"), (2, 5), (4, "Atelier"), (5, "Forum"), (6, "Lectures"), (7, "=> Poursuivre")]:
    ws.cell(150, c, v)
wb.save(path.with_name("old-" + path.name))
"""


def build(path: Path, rows: int) -> None:
    """The sample with SHEET formatted (style 1, two empty cells per row) from row 501 to `rows`."""
    from pipeline.workbook.xlsxpatch import sheet_parts

    sample = ROOT / "inputs" / "promotion.xlsx"
    part = sheet_parts(str(sample))[SHEET]
    with zipfile.ZipFile(sample) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != part:
                zout.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with zout.open(info, "w", force_zip64=True) as fh:
                fh.write(head)
                batch = []
                for r in range(501, rows + 1):
                    batch.append(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="D%d" s="1"/></row>'
                                 % (r, r, r))
                    if len(batch) == 10000:
                        fh.write(b"".join(batch))
                        batch = []
                fh.write(b"".join(batch))
                fh.write(b"</sheetData>" + tail)


def measure(args: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MiB, exit code and stderr tail of a child process."""
    start = time.monotonic()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = b"", b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = (err if proc.returncode else out).decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, tail[0]


def identical_except(before: Path, after: Path, part: str) -> list[str]:
    """Members that differ (other than `part`); the empty list when all are byte-identical."""
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
        if [i.filename for i in a.infolist()] != [i.filename for i in b.infolist()]:
            return ["<member list>"]
        return [n for n in a.namelist() if n != part and a.read(n) != b.read(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-old", action="store_true", help="do not run the openpyxl path (slow)")
    options = parser.parse_args()
    from pipeline.workbook.xlsxpatch import sheet_parts

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / "big.xlsx"
        t0 = time.monotonic()
        build(big, options.rows)
        part = sheet_parts(str(big))[SHEET]
        with zipfile.ZipFile(big) as z:
            size = z.getinfo(part).file_size
        print(f"workbook: {options.rows:,} rows in « {SHEET} », sheet XML {size / 2**20:.0f} MiB, "
              f"file {big.stat().st_size / 2**20:.1f} MiB (built in {time.monotonic() - t0:.1f} s)")
        returned = folder / "retours"
        returned.mkdir()
        (returned / "export.csv").write_text(
            "N° étudiant,Période,Activités de la période,Autres actions,Apports de formation mobilisés,Attentes\n"
            "22004512,5,Atelier,Forum,Lectures,=> Poursuivre\n", encoding="utf-8")
        runs = []
        work = folder / "collect" / "promotion.xlsx"
        work.parent.mkdir()
        shutil.copyfile(big, work)
        runs.append(("collect (new writer)", measure([sys.executable, "-m", "pipeline", "collect", str(returned),
                                                      str(work), "-o", str(folder / "out")])))
        differing = identical_except(big, work, part)
        patch_only = folder / "patch" / "promotion.xlsx"
        patch_only.parent.mkdir()
        shutil.copyfile(big, patch_only)
        runs.append(("patch only (new writer)", measure([sys.executable, "-c", PATCH_ONLY, str(patch_only)])))
        if not options.skip_old:
            old = folder / "old" / "promotion.xlsx"
            old.parent.mkdir()
            shutil.copyfile(big, old)
            runs.append(("check + openpyxl load/save (old)", measure([sys.executable, "-c", OLD, str(old)])))
        print(f"{'path':<34} {'wall s':>8} {'peak RSS MiB':>13}  exit")
        for label, (seconds, rss, code, tail) in runs:
            print(f"{label:<34} {seconds:8.1f} {rss:13.0f}  {code}  {tail[:90]}")
        print("other zip members byte-identical after collect:", "yes" if not differing else f"NO: {differing}")


if __name__ == "__main__":
    main()
