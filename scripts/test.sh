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
echo "== PostgreSQL test server (127.0.0.1, throwaway)"
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rekvirent-pg.XXXXXX")
trap 'bash scripts/pg-test-server.sh stop "$PG_DIR"' EXIT
REKVIRENT_TEST_POSTGRES_URL=$(bash scripts/pg-test-server.sh start "$PG_DIR")
export REKVIRENT_TEST_POSTGRES_URL REKVIRENT_REQUIRE_POSTGRES=1
echo "== pytest"
.venv/bin/python -m pytest "$@"
