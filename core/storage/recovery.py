"""Recovery of a damaged local SQLite database: set it aside, restore a verified backup.

Zotero's order, which users trust: notice the damage (:func:`check`, in
:mod:`core.storage.health`) → move the damaged file aside (never delete it) → find the newest
backup that really opens and verifies → restore it → tell the GP which date was restored.
Starting from nothing is only done when the GP asks for it twice.

Like the check, everything here works on the *files* with the standard library's
:mod:`sqlite3`: no SQLAlchemy, no migrations, no decryption; a backup is a copy of the database
file, encrypted columns and all.

* :func:`set_aside` — rename the database and its ``-wal``/``-shm``/``-journal`` into
  ``<data dir>/damaged/`` with a UTC timestamp in the name; nothing is copied or deleted.
* :func:`newest_verified_backup` — the newest file in ``<data dir>/backups/`` that passes
  ``PRAGMA integrity_check`` and has a schema this Rekvirent knows (:func:`verify_backup`).
* :func:`restore` — copy a verified backup into place (temporary file, fsync, verify, atomic
  rename) and leave a marker so the ``restore`` is written to the audit log when the store
  opens next (:func:`record_pending_restore`).
* :func:`start_empty` — set the database aside so the store starts a new one.

The names of the check (:class:`Health`, :func:`check`, :func:`database_path`, …) and of the
database files (:data:`DB_NAME`, …) are importable from here too, as they always were.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.paths import ensure_private_dir, make_private
from core.storage.backups import newest_first, taken_at
from core.storage.files import BACKUPS_DIR, DAMAGED_DIR, DB_NAME, SIDECARS, sidecars
from core.storage.health import (
    HEADER_SIZE,
    SQLITE_HEADER,
    THOROUGH_CHECK_MAX_BYTES,
    Health,
    Problem,
    Status,
    check,
    database_path,
    header_problem,
    known_revisions,
    read_only,
    size_of,
    tables_and_revision,
)
from i18n import _

if TYPE_CHECKING:
    from core.storage.store import Store

log = logging.getLogger(__name__)

#: Left in the data folder by :func:`restore`; consumed by :func:`record_pending_restore`.
RESTORE_MARKER = "restore-pending.json"


class RecoveryError(Exception):
    """A recovery step could not be done; the message is safe to show (no patient data)."""


@dataclass(frozen=True)
class VerifiedBackup:
    """A backup copy that passed ``integrity_check`` and has a schema this version knows."""

    path: Path
    #: When the copy was taken (UTC), from the file name the store gives it, else its mtime.
    taken_at: datetime
    revision: str


# ---- backups ----------------------------------------------------------------------------


def _taken_at(path: Path) -> datetime:
    return taken_at(path.name) or datetime.fromtimestamp(path.stat().st_mtime, UTC)


def backups(data_dir: Path) -> list[Path]:
    """The backup copies in ``<data dir>/backups``, newest first (see
    :func:`core.storage.backups.newest_first`, which owns the name format)."""
    return newest_first(data_dir)


def verify_backup(path: Path) -> VerifiedBackup | None:
    """The backup if it passes ``integrity_check`` and has a known schema, else None.

    A copy is one self-contained file.  One that was interrupted while being written still
    has its ``-journal`` (SQLite's rollback journal of the copy), or a ``-wal`` with pages the
    file lacks: it is never trusted.
    """
    try:
        if (size_of(path) < HEADER_SIZE or size_of(Path(f"{path}-journal")) > 0
                or size_of(Path(f"{path}-wal")) > 0):
            return None
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
        if header_problem(header, size_of(path), 0):
            return None
        with read_only(path, immutable=True) as connection:
            rows = [row[0] for row in connection.execute("PRAGMA integrity_check(1)")]
            if rows != ["ok"]:
                return None
            tables, revision = tables_and_revision(connection)
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
    pieces = [p for p in (*sidecars(db_path), db_path) if p.exists()]
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
    if any(p.exists() for p in (db_path, *sidecars(db_path))):
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
        p.exists() for p in (db_path, *sidecars(db_path))) else None
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
    "BACKUPS_DIR",
    "DAMAGED_DIR",
    "DB_NAME",
    "HEADER_SIZE",
    "RESTORE_MARKER",
    "SIDECARS",
    "SQLITE_HEADER",
    "THOROUGH_CHECK_MAX_BYTES",
    "Health",
    "Problem",
    "RecoveryError",
    "Status",
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
