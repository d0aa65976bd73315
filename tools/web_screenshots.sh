#!/bin/sh
# Regenerate the screenshots of the guide's chapter « La page web » (docs/guide/img/web-*.png):
# the browser test walks through the year on the sample and photographs each page.
set -e
cd "$(dirname "$0")/.."
COPAR_WEB_SCREENSHOTS=1 .venv/bin/pytest -q tests/test_web_browser.py
