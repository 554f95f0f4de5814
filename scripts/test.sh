#!/usr/bin/env bash
# Run the whole test suite (sets everything up first): lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict on core/ and i18n/)"
.venv/bin/mypy core i18n
echo "== pytest"
.venv/bin/python -m pytest "$@"
