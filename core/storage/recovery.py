"""Start-up integrity check and recovery of the local SQLite database.

Zotero's order, which users trust: notice the damage → move the damaged file aside (never
delete it) → find the newest backup that really opens and verifies → restore it → tell the
GP which date was restored.  Starting from nothing is only done when the GP asks for it twice.

Everything here works on the *files* with the standard library's :mod:`sqlite3`: no SQLAlchemy,
no migrations, no decryption.  So it runs right after the first window is painted, before
:meth:`core.storage.Store.open` touches the database, and it is indifferent to field-level
encryption (a backup is a copy of the database file, encrypted columns and all).

* :func:`check` — ``PRAGMA quick_check`` on a read-only connection plus a few cheap file-level
  checks (empty, truncated, not SQLite, bad header, half-built schema, a WAL without its
  database).  It never changes a byte of the database.
* :func:`set_aside` — rename the database and its ``-wal``/``-shm``/``-journal`` into
  ``<data dir>/damaged/`` with a UTC timestamp in the name; nothing is copied or deleted.
* :func:`newest_verified_backup` — the newest file in ``<data dir>/backups/`` that passes
  ``PRAGMA integrity_check`` and has a schema this Rekvirent knows.
* :func:`restore` — copy a verified backup into place (temporary file, fsync, verify, atomic
  rename) and leave a marker so the ``restore`` is written to the audit log when the store
  opens next (:func:`record_pending_restore`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from core.paths import DATABASE_URL_ENV, ensure_private_dir, make_private
from i18n import _

if TYPE_CHECKING:
    from core.storage.store import Store

log = logging.getLogger(__name__)

DB_NAME = "rekvirent.sqlite3"
SIDECARS = ("-wal", "-shm", "-journal")
BACKUPS_DIR = "backups"
DAMAGED_DIR = "damaged"
#: Left in the data folder by :func:`restore`; consumed by :func:`record_pending_restore`.
RESTORE_MARKER = "restore-pending.json"
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
_BACKUP_STAMP = re.compile(r"-(\d{8}T\d{6})(\d{6})?Z")
_REVISION_LINE = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)


class RecoveryError(Exception):
    """A recovery step could not be done; the message is safe to show (no patient data)."""


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


@dataclass(frozen=True)
class VerifiedBackup:
    """A backup copy that passed ``integrity_check`` and has a schema this version knows."""

    path: Path
    #: When the copy was taken (UTC), from the file name the store gives it, else its mtime.
    taken_at: datetime
    revision: str


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


def _sidecars(db_path: Path) -> tuple[Path, ...]:
    return tuple(Path(f"{db_path}{suffix}") for suffix in SIDECARS)


def _size(path: Path) -> int:
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
def _read_only(path: Path, *, immutable: bool = False,
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


def _header_problem(header: bytes, file_size: int, wal_size: int) -> Problem:
    """File-level checks SQLite itself is lenient about (it treats a short file as empty)."""
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


def _schema(connection: sqlite3.Connection) -> tuple[set[str], str | None]:
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
    wal_size = _size(Path(f"{db_path}-wal"))
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
        problem = _header_problem(header, file_size, wal_size)
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
        with _read_only(db_path, immutable=alone) as connection:
            rows = [row[0] for row in connection.execute(f"PRAGMA {pragma}")]
            if rows != ["ok"]:
                return Health("damaged", db_path, "integrity", "; ".join(rows)[:500])
            tables, revision = _schema(connection)
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


# ---- backups ----------------------------------------------------------------------------


def _taken_at(path: Path) -> datetime:
    match = _BACKUP_STAMP.search(path.name)
    if match:
        with contextlib.suppress(ValueError):
            moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            return moment.replace(microsecond=int(match.group(2) or 0))
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def backups(data_dir: Path) -> list[Path]:
    """The backup copies in ``<data dir>/backups``, newest first."""
    folder = data_dir / BACKUPS_DIR
    try:
        files = [p for p in folder.iterdir()
                 if p.is_file() and p.suffix == ".sqlite3" and p.name.startswith("rekvirent-")]
    except OSError:
        return []
    dated: list[tuple[datetime, Path]] = []
    for path in files:
        with contextlib.suppress(OSError):
            dated.append((_taken_at(path), path))
    return [path for _when, path in sorted(dated, key=lambda item: (item[0], item[1].name),
                                           reverse=True)]


def verify_backup(path: Path) -> VerifiedBackup | None:
    """The backup if it passes ``integrity_check`` and has a known schema, else None.

    A copy is one self-contained file.  One that was interrupted while being written still
    has its ``-journal`` (SQLite's rollback journal of the copy), or a ``-wal`` with pages the
    file lacks: it is never trusted.
    """
    try:
        if (_size(path) < HEADER_SIZE or _size(Path(f"{path}-journal")) > 0
                or _size(Path(f"{path}-wal")) > 0):
            return None
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
        if _header_problem(header, _size(path), 0):
            return None
        with _read_only(path, immutable=True) as connection:
            rows = [row[0] for row in connection.execute("PRAGMA integrity_check(1)")]
            if rows != ["ok"]:
                return None
            tables, revision = _schema(connection)
        if revision is None or "cases" not in tables or revision not in known_revisions():
            return None
        return VerifiedBackup(path=path, taken_at=_taken_at(path), revision=revision)
    except (OSError, sqlite3.Error, ValueError, OverflowError):
        return None


def newest_verified_backup(data_dir: Path) -> VerifiedBackup | None:
    """The newest backup copy that verifies (damaged or half-written ones are skipped)."""
    for path in backups(data_dir):
        verified = verify_backup(path)
        if verified is not None:
            return verified
        log.warning("Backup copy skipped: it does not verify (%s)", path.name)
    return None


# ---- moving aside and restoring ---------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def set_aside(db_path: Path) -> Path:
    """Move the database and its ``-wal``/``-shm``/``-journal`` into ``damaged/``, unchanged.

    Renamed, never copied or deleted, under ``<name>-<UTC time>`` so they stay a matching set
    SQLite can open together.  The side files go first: a database must never be left behind
    with a WAL that is not its own, nor a new database be created next to an old WAL.
    Returns the new path of the database file.
    """
    folder = ensure_private_dir(db_path.parent / DAMAGED_DIR)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    pieces = [p for p in (*_sidecars(db_path), db_path) if p.exists()]
    if not pieces:
        raise RecoveryError(_("There is no database file to move aside."))
    attempt = 1
    while True:
        base = f"{db_path.stem}-{stamp}" + (f"-{attempt}" if attempt > 1 else "")
        targets = {p: folder / f"{base}{p.name[len(db_path.stem):]}" for p in pieces}
        if not any(t.exists() for t in targets.values()):
            break
        attempt += 1
    try:
        for source, target in targets.items():
            os.rename(source, target)
    except OSError as exc:
        raise RecoveryError(_(
            "The damaged database could not be moved aside ({error}). Nothing was deleted."
        ).format(error=exc.strerror or type(exc).__name__)) from None
    _fsync_dir(folder)
    _fsync_dir(db_path.parent)
    log.warning("Damaged database moved aside: %s", targets[pieces[-1]].name)
    return folder / f"{base}{db_path.suffix}"


def restore(backup: VerifiedBackup | Path, data_dir: Path, *,
            db_path: Path | None = None) -> Path:
    """Put a verified backup in place of the (already set aside) database.

    Copy to a temporary file next to the database, fsync, verify the copy, then rename it
    into place — a crash leaves either no database or the whole restored one.  Refuses to
    overwrite anything.  The ``restore`` audit entry is written when the store opens next
    (:func:`record_pending_restore`).
    """
    db_path = db_path or data_dir / DB_NAME
    source = backup.path if isinstance(backup, VerifiedBackup) else backup
    if any(p.exists() for p in (db_path, *_sidecars(db_path))):
        raise RecoveryError(_("The damaged database must be moved aside before a backup is "
                              "restored."))
    verified = verify_backup(source)
    if verified is None:
        raise RecoveryError(_("The backup copy could not be verified; it was not restored."))
    temporary = db_path.with_name(f".{db_path.name}.restoring")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()  # our own unfinished copy from an interrupted restore
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if verify_backup(temporary) is None:
            raise RecoveryError(_("The restored copy did not verify; the backup was not "
                                  "restored."))
        os.replace(temporary, db_path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise RecoveryError(_("The backup could not be restored ({error}).").format(
            error=exc.strerror or type(exc).__name__)) from None
    _fsync_dir(db_path.parent)
    make_private(db_path)
    _write_marker(data_dir, {"action": "restore", "backup": source.name})
    log.warning("Backup restored: %s", source.name)
    return db_path


def start_empty(db_path: Path) -> Path | None:
    """Set the database aside (if any piece of it is there) so the store starts a new one.

    Only after the GP has confirmed twice; the audit log of the new database records it.
    Returns where the old database went (None when there was nothing to move).
    """
    moved = set_aside(db_path) if any(
        p.exists() for p in (db_path, *_sidecars(db_path))) else None
    _write_marker(db_path.parent, {"action": "empty"})
    return moved


def _write_marker(data_dir: Path, content: dict[str, str]) -> None:
    from core.casefile import write_atomic

    try:
        write_atomic(data_dir / RESTORE_MARKER, json.dumps(content))
    except OSError as exc:  # the restore itself succeeded; only the audit note is missing
        log.warning("Restore marker not written (%s)", type(exc).__name__)


def record_pending_restore(store: Store, data_dir: Path) -> bool:
    """After a restore (or an empty start): write the ``restore`` audit entry, once.

    Called right after the store has opened.  True when an entry was written.
    """
    marker = data_dir / RESTORE_MARKER
    try:
        content = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        content = {}
    details: dict[str, str] = {"reason": "empty-database"}
    if isinstance(content, dict) and content.get("action") == "restore":
        details = {"reason": "damaged-database"}
        backup = content.get("backup")
        if isinstance(backup, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}",
                                                    backup):
            details["backup"] = backup
    store.audit("restore", None, details=details)
    with contextlib.suppress(OSError):
        marker.unlink()
    return True


__all__ = [
    "DB_NAME",
    "Health",
    "RecoveryError",
    "VerifiedBackup",
    "backups",
    "check",
    "database_path",
    "known_revisions",
    "newest_verified_backup",
    "record_pending_restore",
    "restore",
    "set_aside",
    "start_empty",
    "verify_backup",
]
