"""The database connection every part of the store shares: engine, pragmas and transactions.

Any SQLAlchemy URL works (SQLite by default, PostgreSQL for clinics).  Each operation is one
short connection and one transaction.  The engine is created with ``hide_parameters=True`` so no
patient data ever reaches a log line or an exception message, and SQLAlchemy's own debug lines
with result rows are dropped (:class:`_NoResultRows`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from core.paths import (
    DATABASE_URL_ENV,
    default_database_url,
    ensure_private_dir,
    make_private,
    user_data_dir,
)
from core.storage.errors import StorageError, translate_errors
from core.storage.files import sqlite_files
from i18n import _

log = logging.getLogger(__name__)


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG (``hide_parameters`` covers only bound
    parameters): drop those records, so even debug logging never shows stored values."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


_NO_RESULT_ROWS = _NoResultRows()
logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NO_RESULT_ROWS)

#: Seconds to wait for a database server to answer a connection attempt (libpq's default is
#: forever: an unplugged network would freeze the window); override with the URL's
#: ``?connect_timeout=``.
CONNECT_TIMEOUT_S = 5


class Database:
    """The engine, where the database lives, and the two kinds of transaction.

    ``data_dir`` is the data folder (backups go there; None: an in-memory or server database
    opened without one); ``sqlite_path`` the SQLite file (None: a server or in-memory).
    """

    def __init__(self, engine: Engine, *, data_dir: Path | None,
                 sqlite_path: Path | None) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.sqlite_path = sqlite_path
        self.is_sqlite = engine.dialect.name == "sqlite"

    @classmethod
    def connect_to(cls, url: str | URL | None = None, *,
                   data_dir: Path | None = None) -> Database:
        """The engine for ``url`` (nothing is read yet; see :meth:`core.storage.Store.open`).

        Without a URL: ``REKVIRENT_DATABASE_URL``, else SQLite in the user data directory.  A
        new SQLite file is created user-only (0600) and an existing one tightened *before* the
        first connection: SQLite gives ``-wal``/``-shm``/``-journal`` the database's mode.
        """
        url = url or os.environ.get(DATABASE_URL_ENV) or None
        folder: Path | None = None
        if url is None:
            folder = user_data_dir(data_dir)
            url = default_database_url(folder)
        elif data_dir is not None:
            folder = user_data_dir(data_dir)
        parsed = make_url(url)
        sqlite_path: Path | None = None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            sqlite_path = Path(str(parsed.database))
            folder = folder or sqlite_path.parent
            if not sqlite_path.parent.exists():
                ensure_private_dir(sqlite_path.parent)
            if not sqlite_path.exists():
                sqlite_path.touch(mode=0o600)
            for path in sqlite_files(sqlite_path):
                make_private(path)
        try:
            engine = create_engine(url, hide_parameters=True, future=True,
                                   **_server_options(parsed))
        except Exception as exc:  # bad URL, missing driver
            raise StorageError(_("The database cannot be opened ({kind}).").format(
                kind=type(exc).__name__)) from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _set_sqlite_pragmas)
        return cls(engine, data_dir=folder, sqlite_path=sqlite_path)

    # ---- transactions --------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """One connection for reading; SQLAlchemy errors become :class:`StorageError`."""
        with translate_errors(), self.engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction, committed at the end (rolled back on any error); SQLAlchemy
        errors become :class:`StorageError`.

        On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock is taken up front (waiting
        up to the busy timeout), so two writers never both read the audit head and then
        collide — and a save never fails half-way on a lock upgrade."""
        with translate_errors(), self.engine.begin() as connection:
            if self.is_sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection

    # ---- the files -----------------------------------------------------------------------

    def tighten_permissions(self) -> None:
        """The SQLite file and its side files user-only (0600), as they are now."""
        if self.sqlite_path is not None:
            for path in sqlite_files(self.sqlite_path):
                make_private(path)

    def checkpoint(self) -> bool:
        """SQLite: copy the WAL into the database and truncate it to zero bytes, so pages of
        removed rows are not kept in the WAL.  True when it completed (False: a reader was
        busy, or not SQLite)."""
        if not self.is_sqlite:
            return False
        try:
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        except SQLAlchemyError as exc:
            log.warning("WAL checkpoint failed (%s)", type(exc).__name__)
            return False
        return bool(row[0] == 0)

    def integrity_ok(self) -> bool:
        """SQLite ``quick_check``; other backends answer True (the server checks itself)."""
        if self.sqlite_path is None:
            return True
        with self.engine.connect() as connection:
            result = connection.exec_driver_sql("PRAGMA quick_check").scalar()
            return bool(result == "ok")

    def close(self) -> None:
        self.engine.dispose()


def aware(value: datetime) -> datetime:
    """A time read back from the database, as aware UTC (SQLite returns naive values)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def in_chunks(items: Sequence[Any], size: int = 200) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size``: for ``IN (…)`` clauses that stay small."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA secure_delete=ON")
    # Sorts, indexes and VACUUM's copy in memory: no temporary file ever holds a page.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _server_options(url: URL) -> dict[str, Any]:
    """Engine options for a database server: test pooled connections before use (a server
    restart is then survived without an error) and do not wait forever to connect."""
    if url.get_backend_name() == "sqlite":
        return {}
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return options
