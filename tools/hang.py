"""A hung LibreOffice on the build path: how many calls, how many seconds until the build gives up.

    .venv/bin/python tools/hang.py [--timeout 5] [--workers 2] [--only fiche]

Runs `copar build` on the sample with a stand-in soffice that never answers (fault
injection: it logs each call and sleeps) and prints the calls it received (warm-ups
apart), the build's wall time, and that time in time limits per worker.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="fiche")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="copar-hang-") as name:
        tmp = Path(name)
        log = tmp / "calls.log"
        fake = tmp / "soffice"
        fake.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec sleep 3600\n')
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
        command = [sys.executable, "-m", "pipeline", "build", str(ROOT / "inputs"), "-o", str(tmp / "out"),
                   "--only", args.only, "--timeout", f"{args.timeout:g}", "--workers", str(args.workers)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "COPAR_SOFFICE": str(fake)},
                              cwd=ROOT, check=False)
        wall = time.perf_counter() - started
        lines = log.read_text().splitlines() if log.exists() else []
        warm = sum("--terminate_after_init" in line for line in lines)
        documents = [sum(a.endswith(".docx") for a in line.split()) for line in lines if "--terminate_after_init" not in line]
        summary = next((line for line in done.stdout.splitlines() if " en échec" in line), done.stdout[-300:])
    print(f"exit {done.returncode}; {summary.strip()}")
    print(f"calls: {len(documents)} (documents per call: {documents}), warm-ups: {warm}")
    print(f"wall: {wall:.1f} s = {wall / args.timeout:.1f} time limits of {args.timeout:g} s "
          f"({wall / args.timeout / args.workers:.1f} per worker with --workers {args.workers})")


if __name__ == "__main__":
    main()
