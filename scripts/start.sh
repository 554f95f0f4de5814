#!/usr/bin/env bash
# Start Rekvirent (sets everything up first).  Arguments are passed on to main.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
