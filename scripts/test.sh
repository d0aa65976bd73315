#!/usr/bin/env bash
# Set up the machine if needed, then run the linter and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check pipeline tests tools
.venv/bin/mypy
.venv/bin/pytest -q "$@"
