#!/usr/bin/env bash
# Rekvirent set-up, shared by scripts/start.sh and scripts/test.sh.
# Creates/updates .venv, installs the system libraries Qt needs (Debian/Ubuntu, when root or
# with sudo; otherwise stops and names them), installs the Python packages and compiles the
# translation catalogs.  Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRA="${1:-}"   # "test" installs the test extra too

# --- system libraries ------------------------------------------------------------------
# Qt's xcb platform plugin and fonts; poppler-utils renders PDFs to PNG for visual checks.
QT_LIBS=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
         libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
         libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
         fonts-dejavu-core)
if [ "$EXTRA" = "test" ]; then
  QT_LIBS+=(poppler-utils xvfb)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${QT_LIBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
    if [ "$SUDO" = "none" ]; then
      echo "Rekvirent trenger disse systempakkene / needs these system packages:" >&2
      echo "  apt-get install ${missing[*]}" >&2
      exit 3
    fi
    echo "Installerer systempakker for Qt: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- Python ----------------------------------------------------------------------------
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 2>/dev/null 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "Rekvirent trenger Python 3.11 eller nyere / needs Python 3.11+ (apt-get install python3 python3-venv)" >&2
  exit 3
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv || { echo "Kunne ikke lage virtualenv: apt-get install python3-venv" >&2; exit 3; }
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${EXTRA:-app}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  if [ "$EXTRA" = "test" ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
  else
    .venv/bin/python -m pip install -q -e .
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# --- translation catalogs ---------------------------------------------------------------
.venv/bin/python -m i18n.build compile

# --- bytecode ---------------------------------------------------------------------------
# What pip does for installed packages, done for Rekvirent's own code: compiled once here
# (again only for changed files), so no start compiles the app's sources — even where
# PYTHONDONTWRITEBYTECODE stops Python from caching them itself (docs/performance.md).
.venv/bin/python -m compileall -q -j 0 core ui i18n benchmarks >/dev/null
