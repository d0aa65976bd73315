"""Figures: how long each page of `copar serve` takes to answer on the sample promotion.

    .venv/bin/python tools/web_timings.py [--repeat 5]

A copy of the sample workbook in a temporary folder, the page through Starlette's TestClient
(no network, the same handlers), « today » 15/02/2024. Prints the median and the slowest of
--repeat requests per page. The build itself is not a page (it runs in a thread) and is not
measured here. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from pipeline.web.app import create_app
from pipeline.web.security import COOKIE, Secrets

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/classeur", "/classeur?verifier=1", "/documents", "/formulaires", "/suivi", "/envois", "/planning",
         "/sauvegardes", "/documents/progression", "/classeur/etat"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        shutil.copyfile(ROOT / "inputs" / "promotion.xlsx", inputs / "promotion.xlsx")
        keys = Secrets()
        app = create_app(inputs, output=Path(tmp) / "outputs", keys=keys, port=8765, today=dt.date(2024, 2, 15))
        with TestClient(app, base_url="http://127.0.0.1:8765") as client:
            client.cookies.set(COOKIE, keys.session)
            print(f"{'page':<26} {'médiane':>9} {'max':>9}")
            for page in PAGES:
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.get(page)
                    times.append(time.perf_counter() - start)
                    assert response.status_code == 200, (page, response.status_code)
                print(f"{page:<26} {statistics.median(times) * 1000:>7.0f} ms {max(times) * 1000:>6.0f} ms")


if __name__ == "__main__":
    main()
