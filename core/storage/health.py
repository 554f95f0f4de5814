"""The start-up check of the local SQLite database: is it whole, and if not, what is wrong?

Everything here reads the *files* with the standard library's :mod:`sqlite3` on read-only
connections: no SQLAlchemy, no migrations, no decryption, and never a changed byte.  So it runs
right after the first window is painted, before :meth:`core.storage.Store.open` touches the
database, and it is indifferent to field-level encryption.

* :func:`check` — ``integrity_check`` (``quick_check`` above :data:`THOROUGH_CHECK_MAX_BYTES`)
  plus a few cheap file-level checks SQLite itself is lenient about (empty, truncated, not
  SQLite, bad header, half-built schema, a WAL without its database or a database without its
  WAL).  The answer is a :class:`Health`.
* :func:`database_path` — which file the store will open, without importing SQLAlchemy.
* The read-only primitives (:func:`read_only`, :func:`header_problem`,
  :func:`tables_and_revision`, :func:`known_revisions`) are shared with
  :mod:`core.storage.recovery`, which uses them to verify a backup copy before restoring it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from core.paths import DATABASE_URL_ENV
from core.storage.files import BACKUPS_DIR, DAMAGED_DIR, DB_NAME
from i18n import _

SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"

Status = Literal["ok", "new", "damaged", "missing", "unavailable"]
Problem = Literal[
    "", "empty", "truncated", "not_a_database", "bad_header", "malformed", "integrity",
    "incomplete_schema", "orphan_wal", "wal_missing", "wal_truncated", "bad_wal", "missing",
    "locked", "cannot_read",
]

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xff).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED = 3, 5, 6
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 8, 10, 11
_SQLITE_CANTOPEN, _SQLITE_NOTADB = 14, 26
_WAL_MAGIC = (0x377F0682, 0x377F0683)
_WAL_HEADER, _WAL_FRAME_HEADER = 32, 24
_WAL_INDEX_VERSION = 3007000
#: Up to this size the start-up check is SQLite's full ``integrity_check`` (which also compares
#: every index with its table); above it ``quick_check`` (O(N), skips the index comparison).
THOROUGH_CHECK_MAX_BYTES = 64 * 1024 * 1024
_REVISION_LINE = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)


@dataclass(frozen=True)
class Health:
    """What :func:`check` found.

    ``ok`` and ``new`` (no database yet, nothing suggests there ever was one) let the store
    open as usual.  ``damaged`` and ``missing`` (no database, but backups or damaged files show
    there was one) need the GP's decision.  ``unavailable`` (locked, no permission, I/O error)
    is not damage: the file is left alone and the store reports the problem when it opens.
    """

    status: Status
    db_path: Path
    problem: Problem = ""
    #: SQLite's own words for the log (page numbers and index names, never row contents).
    detail: str = ""

    @property
    def needs_recovery(self) -> bool:
        return self.status in ("damaged", "missing")

    @property
    def message(self) -> str:
        """One sentence for the GP about what is wrong (no patient data)."""
        messages = {
            "empty": _("The database file is empty although Rekvirent has kept data here "
                       "before."),
            "truncated": _("The database file has been cut short (part of it is missing)."),
            "not_a_database": _("The database file is not a database (it has been "
                                "overwritten or replaced)."),
            "bad_header": _("The start of the database file is damaged."),
            "malformed": _("The database file is damaged and cannot be read."),
            "integrity": _("The integrity check found errors in the database."),
            "incomplete_schema": _("The database was only partly set up (Rekvirent was "
                                   "interrupted while creating or upgrading it)."),
            "orphan_wal": _("The database file is missing, but its unsaved changes file "
                            "(-wal) is still there."),
            "wal_missing": _("The file with the most recent changes (-wal) is missing; the "
                             "database alone would show older data or none."),
            "wal_truncated": _("The file with the most recent changes (-wal) has been cut "
                               "short."),
            "bad_wal": _("The file with the most recent changes (-wal) is damaged."),
            "missing": _("The database file is missing, but there are backup copies or "
                         "damaged files from earlier."),
            "locked": _("The database is in use by another program."),
            "cannot_read": _("The database file cannot be read (permissions or a disk "
                             "error)."),
        }
        if self.problem in messages:
            return messages[self.problem]
        return _("The database is in order.")


# ---- locating the database --------------------------------------------------------------


def database_path(data_dir: Path, url: str | None = None) -> Path | None:
    """The SQLite file the store will open, or None for a server database / in-memory SQLite.

    Mirrors :meth:`core.storage.Store.open` without importing SQLAlchemy: ``url``, else
    ``REKVIRENT_DATABASE_URL``, else ``<data dir>/rekvirent.sqlite3``.
    """
    url = url or os.environ.get(DATABASE_URL_ENV) or None
    if url is None:
        return data_dir / DB_NAME
    match = re.fullmatch(r"sqlite(?:\+\w+)?://(/[^?]*)?(\?.*)?", url)
    if match is None:
        return None  # PostgreSQL or another server: it checks itself
    database = (match.group(1) or "")[1:]
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def size_of(path: Path) -> int:
    """The size of ``path`` in bytes; 0 when it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _has_history(data_dir: Path) -> bool:
    """Backup copies or set-aside files: proof that a database with data existed here."""
    for folder in (data_dir / BACKUPS_DIR, data_dir / DAMAGED_DIR):
        with contextlib.suppress(OSError):
            if any(p.is_file() for p in folder.iterdir()):
                return True
    return False


@contextlib.contextmanager
def read_only(path: Path, *, immutable: bool = False,
              timeout: float = 1.0) -> Iterator[sqlite3.Connection]:
    """A read-only connection: SQLite reads the WAL but never writes the database.

    ``immutable`` (for backup copies, which are whole files without a WAL) reads only the file
    itself and leaves no ``-wal``/``-shm`` behind.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
    connection = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    # A damaged file can hand back bytes that are not UTF-8 (in messages or names).
    connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        yield connection
    finally:
        connection.close()


def _classify(exc: sqlite3.Error) -> tuple[Status, Problem]:
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == _SQLITE_NOTADB:
        return "damaged", "not_a_database"
    if code == _SQLITE_CORRUPT:
        return "damaged", "malformed"
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return "unavailable", "locked"
    if code in (_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_IOERR):
        return "unavailable", "cannot_read"
    text = str(exc).lower()
    if "not a database" in text:
        return "damaged", "not_a_database"
    if "malformed" in text or "corrupt" in text:
        return "damaged", "malformed"
    if "locked" in text or "busy" in text:
        return "unavailable", "locked"
    return "unavailable", "cannot_read"


def header_problem(header: bytes, file_size: int, wal_size: int) -> Problem:
    """File-level checks of the first :data:`HEADER_SIZE` bytes that SQLite itself is lenient
    about (it treats a short file as empty)."""
    if len(header) < HEADER_SIZE:
        return "truncated" if SQLITE_HEADER.startswith(header[:16]) else "not_a_database"
    if header[:16] != SQLITE_HEADER:
        return "not_a_database"
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "bad_header"
    if header[18] not in (1, 2) or header[19] not in (1, 2) or header[21:24] != b"\x40\x20\x20":
        return "bad_header"
    (change_counter,) = struct.unpack(">I", header[24:28])
    (pages,) = struct.unpack(">I", header[28:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    # The page count in the header is trusted only when it was written with the counter
    # (SQLite's rule).  With a WAL, newer pages may live there, so only check without one.
    if (wal_size == 0 and pages and change_counter == valid_for
            and file_size < pages * page_size):
        return "truncated"
    if file_size % page_size and wal_size == 0:
        return "truncated"
    return ""


def _wal_problem(db_path: Path, wal_size: int) -> Problem:
    """Is the WAL the wal-index (``-shm``) describes still there and whole?

    SQLite silently ignores a WAL that is missing, has a broken header or ends early, and
    shows the database as it was at the last checkpoint — possibly empty.  The wal-index in
    ``-shm`` remembers how many frames were committed (``mxFrame``) and how many are already
    copied into the database (``nBackfill``); if frames are still owed and the WAL cannot
    deliver them, committed saves would vanish without a word.  A garbage or missing ``-shm``
    proves nothing (SQLite rebuilds it) and is not reported.
    """
    try:
        with Path(f"{db_path}-shm").open("rb") as handle:
            index = handle.read(136)
    except OSError:
        return ""
    if len(index) < 136 or index[0:48] != index[48:96]:
        return ""
    version, _unused, _change = struct.unpack("=III", index[0:12])
    if version != _WAL_INDEX_VERSION or index[12] != 1:
        return ""
    (page_size,) = struct.unpack("=H", index[14:16])
    page_size = 65536 if page_size == 1 else page_size
    (frames,) = struct.unpack("=I", index[16:20])
    (backfilled,) = struct.unpack("=I", index[96:100])
    if frames <= backfilled:
        return ""  # everything committed is in the database file already
    if wal_size == 0:
        return "wal_missing"
    try:
        with Path(f"{db_path}-wal").open("rb") as handle:
            header = handle.read(_WAL_HEADER)
    except OSError:
        return ""
    if len(header) < _WAL_HEADER or struct.unpack(">I", header[:4])[0] not in _WAL_MAGIC:
        return "bad_wal"
    if wal_size < _WAL_HEADER + frames * (_WAL_FRAME_HEADER + page_size):
        return "wal_truncated"
    return ""


def known_revisions() -> frozenset[str]:
    """Schema revisions this Rekvirent can open (read from the migration files, no Alembic)."""
    found: set[str] = set()
    for path in MIGRATIONS_DIR.glob("*.py"):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            match = _REVISION_LINE.search(path.read_text(encoding="utf-8"))
            if match:
                found.add(match.group(1))
    return frozenset(found)


def tables_and_revision(connection: sqlite3.Connection) -> tuple[set[str], str | None]:
    """The tables of the database and its Alembic revision (None when it has none)."""
    tables = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision: str | None = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return tables, revision


# ---- the check --------------------------------------------------------------------------


def check(data_dir: Path, *, db_path: Path | None = None,
          thorough: bool | None = None) -> Health:
    """Is the database healthy?  Read-only: the database file is never changed.

    ``thorough`` runs ``integrity_check`` instead of ``quick_check``; by default it does so
    for databases up to :data:`THOROUGH_CHECK_MAX_BYTES`.
    """
    db_path = db_path or data_dir / DB_NAME
    wal_size = size_of(Path(f"{db_path}-wal"))
    try:
        file_size = db_path.stat().st_size
    except FileNotFoundError:
        if wal_size:
            return Health("damaged", db_path, "orphan_wal")
        if _has_history(data_dir):
            return Health("missing", db_path, "missing")
        return Health("new", db_path)
    except OSError as exc:
        return Health("unavailable", db_path, "cannot_read", type(exc).__name__)
    if file_size == 0 and wal_size == 0:
        # Store.open creates the file before the first connection: a crash right then leaves
        # it empty.  That is a new database — unless there was data here before.
        if _has_history(data_dir):
            return Health("damaged", db_path, "empty")
        return Health("new", db_path)
    try:
        with db_path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except OSError as exc:
        return Health("unavailable", db_path, "cannot_read", type(exc).__name__)
    if file_size:
        problem = header_problem(header, file_size, wal_size)
        if problem:
            return Health("damaged", db_path, problem)
    problem = _wal_problem(db_path, wal_size)
    if problem:
        return Health("damaged", db_path, problem)
    if thorough is None:
        thorough = file_size + wal_size <= THOROUGH_CHECK_MAX_BYTES
    pragma = "integrity_check(20)" if thorough else "quick_check(20)"
    # Without a -wal nobody has the database open in WAL mode and all of it is in the file:
    # read just the file (a plain read-only open would leave empty -wal/-shm files behind).
    alone = not Path(f"{db_path}-wal").exists()
    try:
        with read_only(db_path, immutable=alone) as connection:
            rows = [row[0] for row in connection.execute(f"PRAGMA {pragma}")]
            if rows != ["ok"]:
                return Health("damaged", db_path, "integrity", "; ".join(rows)[:500])
            tables, revision = tables_and_revision(connection)
    except sqlite3.Error as exc:
        status, problem = _classify(exc)
        return Health(status, db_path, problem, str(exc)[:200])
    except (ValueError, OverflowError, MemoryError) as exc:  # SQLite handed back nonsense
        return Health("damaged", db_path, "malformed", type(exc).__name__)
    if not tables:
        if _has_history(data_dir):
            return Health("damaged", db_path, "empty")
        return Health("new", db_path)
    if revision is None or "cases" not in tables:
        return Health("damaged", db_path, "incomplete_schema")
    # An unknown (newer) revision is not damage: Store.open refuses it with its own message.
    return Health("ok", db_path)


__all__ = [
    "HEADER_SIZE",
    "SQLITE_HEADER",
    "THOROUGH_CHECK_MAX_BYTES",
    "Health",
    "Problem",
    "Status",
    "check",
    "database_path",
    "header_problem",
    "known_revisions",
    "read_only",
    "size_of",
    "tables_and_revision",
]
