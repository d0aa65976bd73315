#!/usr/bin/env bash
# Set up the machine if needed, then check and build the sample promotion into outputs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/copar check inputs/
.venv/bin/copar build inputs/ -o outputs/ "$@"
