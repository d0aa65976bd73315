"""What hostile returned files cost copar collect: time and peak memory, with and without the pre-checks.

    .venv/bin/python tools/measure_returns.py

For each file built by tests/hostile_files.py (docx bomb, sparse PDFs, PDFs with huge object
counts): the time `guard.precheck` takes to refuse it, then — to show what the caps hold
back — the same file handed straight to the readers in the capped child (`guard.isolated`,
skipping the pre-checks), with the child's wall time and peak resident memory (ru_maxrss;
it includes the pages the child shares with this process at fork, shown as "base").
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.forms import guard  # noqa: E402
from pipeline.forms.read import parse_file  # noqa: E402
from pipeline.workbook.validate import check  # noqa: E402
from tests.hostile_files import (  # noqa: E402
    docx_bomb,
    pdf_declaring_objects,
    pdf_with_objects,
    sparse_pdf,
)


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def main() -> None:
    ds, _ = check(ROOT / "inputs" / "promotion.xlsx")
    assert ds is not None
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"this process: {_mb(base)} MB resident before the files (the children's base)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [
            ("docx bomb (2 MB → 2 GB)", docx_bomb(folder / "bombe.docx"), guard.ZIP),
            ("sparse PDF 1.5 GB", sparse_pdf(folder / "enorme.pdf", 1536 * 2**20), guard.PDF),
            ("sparse PDF 40 MB", sparse_pdf(folder / "creux.pdf", 40 * 2**20), guard.PDF),
            ("PDF declaring 2e9 objects", pdf_declaring_objects(folder / "declares.pdf", 2_000_000_000), guard.PDF),
            ("PDF with 150,000 objects", pdf_with_objects(folder / "objets.pdf", 150_000), guard.PDF),
        ]
        print(f"{'file':28} {'on disk':>9}  {'pre-check':>10}  {'outcome':<40}  {'child, no pre-check':<60}")
        for label, path, kind in files:
            disk = path.stat().st_blocks * 512
            start = time.monotonic()
            try:
                guard.precheck(path, guard.RETURN_MAX_MB * 2**20)
                outcome = "accepted"
            except guard.Refused as exc:
                outcome = "refused: " + str(exc.args[0])[:32]
            pre = time.monotonic() - start
            start = time.monotonic()
            try:
                _, usage = guard.isolated(parse_file, path, kind, ds)
                child = f"parsed; {usage.seconds:.2f} s, peak {_mb(usage.peak)} MB" if usage else "parsed"
            except guard.Refused as exc:
                usage = exc.args[1] if len(exc.args) > 1 else None
                cost = f"{usage.seconds:.2f} s, peak {_mb(usage.peak)} MB" if usage else ""
                child = f"refused ({cost}): {str(exc.args[0])[:38]}"
            print(f"{label:28} {_mb(disk):>6} MB  {pre:>8.3f} s  {outcome:<40}  {child}")


if __name__ == "__main__":
    main()
