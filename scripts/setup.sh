#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian 12 machine (run as root, or with sudo available):
# LibreOffice headless + the fonts the templates use + poppler-utils, then a virtual
# environment with copar installed. Re-running it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
# fonts-symbola: emoji and rare symbols typed in the workbook, which Carlito lacks
# libreoffice-calc-nogui: the workbook forms typed in Calc (tests/test_forms_office.py)
# python3-uno: LibreOffice's UNO bridge for the system Python; each conversion worker keeps one
# LibreOffice running through it instead of starting one per call (pipeline/libreoffice/listener.py)
# chromium, gir1.2-poppler-0.18, python3-gi: the tests that type into copar's PDF forms in real
# viewers (tests/test_pdf_viewers.py): PDF.js's viewer in Debian's Chromium driven by playwright
# (never `playwright install`), Poppler through the system python3
APT_PACKAGES="libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-symbola poppler-utils chromium gir1.2-poppler-0.18 python3-gi"

missing=""
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.copar-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing copar and its dependencies"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  touch "$stamp"
fi

# PDF.js (Firefox's PDF engine) for the tests that fill copar's PDF forms as a browser would:
# Node and npm from Debian if absent, then the pinned pdfjs-dist of tests/js/package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
if [ ! -d tests/js/node_modules/pdfjs-dist ] || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
  echo "setup: installing pdfjs-dist into tests/js"
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi
