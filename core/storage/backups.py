"""Backup copies of the SQLite database in ``<data dir>/backups`` (standard library only).

A copy is taken with SQLite's online backup API (consistent, WAL included) before a migration,
before a delete, after encrypting and after a retention purge, once a day by
:meth:`BackupFolder.daily` (which also thins the folder), and on demand.  The file name carries
the UTC moment and the reason — ``rekvirent-20261123T093000123456Z-daily.sqlite3`` — and never
patient data.  Recovery (:mod:`core.storage.recovery`) reads the same folder through
:func:`newest_first`, so the name format lives here only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.paths import ensure_private_dir, make_private
from core.storage.files import BACKUPS_DIR, sqlite_files

log = logging.getLogger(__name__)

_STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
_STAMP = re.compile(r"-(\d{8}T\d{6})(\d{6})?Z")


def backup_name(at: datetime, reason: str) -> str:
    """The file name of a copy taken at ``at`` (UTC; an aware time is converted) for
    ``reason``."""
    utc = at.astimezone(UTC) if at.tzinfo is not None else at
    return f"rekvirent-{utc.strftime(_STAMP_FORMAT)}-{reason}.sqlite3"


def taken_at(name: str) -> datetime | None:
    """When a copy was taken (UTC), from its name; None when the name carries no time."""
    match = _STAMP.search(name)
    if match is None:
        return None
    try:
        moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return moment.replace(microsecond=int(match.group(2) or 0))


def newest_first(data_dir: Path) -> list[Path]:
    """The backup copies in ``<data dir>/backups``, newest first — by the time in the name,
    else the file's modification time (a copy renamed by hand)."""
    folder = data_dir / BACKUPS_DIR
    try:
        files = [p for p in folder.iterdir()
                 if p.is_file() and p.suffix == ".sqlite3" and p.name.startswith("rekvirent-")]
    except OSError:
        return []
    dated: list[tuple[datetime, Path]] = []
    for path in files:
        with contextlib.suppress(OSError):
            dated.append((taken_at(path.name)
                          or datetime.fromtimestamp(path.stat().st_mtime, UTC), path))
    return [path for _when, path in sorted(dated, key=lambda item: (item[0], item[1].name),
                                           reverse=True)]


def case_rows(path: Path) -> int | None:
    """How many cases (drafts, exported, deleted-but-not-purged) the SQLite file at ``path``
    holds — a row count, nothing is decrypted; None when it cannot be read."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError):
        return None
    try:
        return int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])
    except (sqlite3.Error, OverflowError, ValueError):
        return None
    finally:
        connection.close()


def holds_plaintext(path: Path) -> bool:
    """True when a backup copy is an unencrypted database (no ``key_check`` row).  A copy
    that cannot be read is kept (False) and logged: it is not ours to judge."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        log.warning("Backup %s could not be opened; kept", path.name)
        return False
    try:
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='key_check'").fetchone()
        if not has_table:
            return True
        return bool(connection.execute("SELECT count(*) FROM key_check").fetchone()[0] == 0)
    except sqlite3.Error:
        log.warning("Backup %s could not be read; kept", path.name)
        return False
    finally:
        connection.close()


class BackupFolder:
    """The copies of one store's SQLite file.  Without a file or a data folder (a server or an
    in-memory database) nothing is copied and the methods answer None / nothing."""

    def __init__(self, *, sqlite_path: Path | None, data_dir: Path | None) -> None:
        self._sqlite_path = sqlite_path
        self._data_dir = data_dir

    def path(self) -> Path | None:
        """The backups folder (created user-only when missing)."""
        if self._data_dir is None:
            return None
        return ensure_private_dir(self._data_dir / BACKUPS_DIR)

    def tighten(self) -> None:
        """An existing backups folder user-only (0700) and every file in it 0600 — copies
        made by an older version, or a folder a restore from elsewhere left 0755/0644."""
        if self._data_dir is None:
            return
        folder = self._data_dir / BACKUPS_DIR
        if not folder.is_dir():
            return
        ensure_private_dir(folder)
        with contextlib.suppress(OSError):
            for path in folder.iterdir():
                if path.is_file():
                    make_private(path)

    def take(self, reason: str, *, at: datetime | None = None) -> Path | None:
        """Copy the database now; ``at`` (default: the clock) is the moment in its name."""
        folder = self.path()
        if self._sqlite_path is None or folder is None:
            return None
        moment = at or datetime.now(UTC)
        target = folder / backup_name(moment, reason)
        while target.exists():  # never replace a copy: a given moment may be taken twice
            moment += timedelta(microseconds=1)
            target = folder / backup_name(moment, reason)
        # Written under a temporary name and renamed when complete, so a crash never leaves
        # a half-written copy that looks finished.  Created user-only *before* any data goes
        # in (a chmod afterwards leaves a window).
        partial = folder / f".{target.name}.partial"
        for stale in folder.glob(".rekvirent-*.partial*"):  # left by a crash (one instance runs)
            with contextlib.suppress(OSError):
                stale.unlink()
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            source = sqlite3.connect(self._sqlite_path)
            try:
                dest = sqlite3.connect(partial)
                try:
                    source.backup(dest)
                finally:
                    dest.close()
            finally:
                source.close()
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except BaseException:
            for path in sqlite_files(partial):
                path.unlink(missing_ok=True)
            raise
        for path in sqlite_files(target):
            make_private(path)
        log.info("Backup written: %s", target.name)
        return target

    def backup(self, reason: str = "manual") -> Path | None:
        """A backup copy now (SQLite only); returns its path.  ``reason`` goes into the file
        name: lower-case letters, digits and hyphens only."""
        if not reason or not all(c.isascii() and (c.isalnum() or c == "-") for c in reason) \
                or reason != reason.lower():
            raise ValueError("backup reason must be lower-case ASCII letters, digits, hyphens")
        return self.take(reason)

    def daily(self, now: datetime | None = None, *, keep_days: int = 7, keep_weeks: int = 4,
              keep_other: int = 10) -> Path | None:
        """The rotation run at each start: a backup unless one was taken today (UTC), then
        thinning — the newest copy of each of the last ``keep_days`` days, the newest of each
        of the last ``keep_weeks`` ISO weeks, and the ``keep_other`` newest copies taken for
        a reason (before a migration or a delete) are kept, and so is the newest copy that
        holds more cases than the database does now; older copies are deleted.
        ``now`` is the moment the rotation reasons with, and the new copy is named with it.
        Returns the new backup's path (None when none was needed or on a server)."""
        moment = now or datetime.now(UTC)
        if self._sqlite_path is None or self._data_dir is None:
            return None
        dated = [(taken, path) for path in self.copies()
                 if (taken := taken_at(path.name)) is not None]
        made = None
        if not any(taken.date() == moment.date() for taken, _path in dated):
            made = self.take("daily", at=moment)
            if made is not None:
                dated.append((moment, made))
        keep: set[Path] = set()
        by_time = sorted(dated, key=lambda item: item[0], reverse=True)
        days: set[date] = set()
        weeks: set[tuple[int, int]] = set()
        for taken, path in by_time:
            day = taken.date()
            week = tuple(day.isocalendar())[:2]
            if (moment.date() - day).days < keep_days and day not in days:
                days.add(day)
                keep.add(path)
            if (moment.date() - day).days < keep_weeks * 7 and week not in weeks:
                weeks.add(week)  # type: ignore[arg-type]
                keep.add(path)
        others = [path for _taken, path in by_time if not path.name.endswith("-daily.sqlite3")]
        keep.update(others[:keep_other])
        if any(path not in keep for _taken, path in by_time):  # count only when deleting
            keep.update(self._richer_than_now([path for _taken, path in by_time]))
        self.remove([path for _taken, path in dated if path not in keep])
        return made

    def _richer_than_now(self, candidates: list[Path]) -> list[Path]:
        """Of the copies (newest first), the newest that holds more cases than the database
        does now: thinning keeps it.  A database emptied or replaced by mistake must
        never cost the last copy of the real drafts, however old it is.  A database that
        cannot be counted keeps nothing extra (it has its own start-up check)."""
        if not candidates or self._sqlite_path is None:
            return []
        current = case_rows(self._sqlite_path)
        if current is None:
            return []
        for path in candidates:
            rows = case_rows(path)
            if rows is not None and rows > current:
                log.info("Backup kept by thinning: it holds more cases than the database")
                return [path]
        return []

    def copies(self) -> list[Path]:
        """The backup copies in the backups folder, oldest first (names carry UTC times)."""
        folder = self._data_dir / BACKUPS_DIR if self._data_dir is not None else None
        if folder is None or not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("rekvirent-*.sqlite3") if p.is_file())

    def remove(self, paths: list[Path]) -> int:
        """Delete backup copies (and any -wal/-shm/-journal beside them); returns how many.
        Only files in this store's backups folder are touched."""
        own = set(self.copies())
        removed = 0
        for path in paths:
            if path not in own:
                raise ValueError("not a backup of this store")
            for part in sqlite_files(path):
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()
            removed += 1
        return removed
