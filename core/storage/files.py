"""The files of a local database and where they live in the data folder (standard library only).

An SQLite database is one file plus up to three side files that belong to it
(``-wal``, ``-shm``, ``-journal``): they are created, protected, moved aside and deleted together.
"""

from __future__ import annotations

from pathlib import Path

#: The database file in the data folder (``core.paths.default_database_url`` points at it).
DB_NAME = "rekvirent.sqlite3"
SIDECARS = ("-wal", "-shm", "-journal")
#: ``<data dir>/backups``: the copies the store takes (see :mod:`core.storage.backups`).
BACKUPS_DIR = "backups"
#: ``<data dir>/damaged``: a damaged database set aside by recovery, never deleted.
DAMAGED_DIR = "damaged"


def sidecars(path: Path) -> tuple[Path, ...]:
    """The side files SQLite may keep next to the database ``path``."""
    return tuple(Path(f"{path}{suffix}") for suffix in SIDECARS)


def sqlite_files(path: Path) -> tuple[Path, ...]:
    """The database ``path`` itself and its side files."""
    return (path, *sidecars(path))
