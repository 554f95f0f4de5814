"""Storage fixtures: every storage test runs against SQLite and, when a server is given,
PostgreSQL (``REKVIRENT_TEST_POSTGRES_URL``; ``scripts/test.sh`` starts a throwaway one and
sets ``REKVIRENT_REQUIRE_POSTGRES=1`` so a missing server fails instead of skipping)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.storage import Store

POSTGRES_URL = os.environ.get("REKVIRENT_TEST_POSTGRES_URL", "")


def _reset_postgres(url: str) -> None:
    """An empty database for each test: drop every object the migrations may have created."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rekvirent.sqlite3'}"
    if not POSTGRES_URL:
        if os.environ.get("REKVIRENT_REQUIRE_POSTGRES") == "1":
            pytest.fail("REKVIRENT_REQUIRE_POSTGRES=1 but no REKVIRENT_TEST_POSTGRES_URL")
        pytest.skip("no PostgreSQL test server (set REKVIRENT_TEST_POSTGRES_URL)")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(store_url, data_dir=tmp_path)
    yield opened
    opened.close()
