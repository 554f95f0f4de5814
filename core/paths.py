"""Where Rekvirent keeps things: shipped resources, user data, logs, settings.

The user data directory comes from platformdirs (``%LOCALAPPDATA%\\Rekvirent`` on Windows,
``~/.local/share/rekvirent`` on Linux, ``~/Library/Application Support/Rekvirent`` on macOS).
``--data-dir`` or the ``REKVIRENT_DATA_DIR`` environment variable overrides it — used by tests,
by portable installs and by clinics that want the data on a specific (encrypted) disk.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

log = logging.getLogger(__name__)

APP_NAME = "Rekvirent"
APP_AUTHOR = "Rekvirent"
DATA_DIR_ENV = "REKVIRENT_DATA_DIR"
DATABASE_URL_ENV = "REKVIRENT_DATABASE_URL"


def resources_dir() -> Path:
    """The shipped ``resources/`` folder (also inside a frozen build)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def data_dir_path(override: str | os.PathLike[str] | None = None) -> Path:
    """Where the per-user data folder is, without creating it (the command line decides the
    key before it writes anything, so a refused command leaves no folder behind)."""
    if override:
        return Path(override)
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    from platformdirs import user_data_dir as _platform_data_dir

    return Path(_platform_data_dir(APP_NAME.lower(), APP_AUTHOR, roaming=False))


def user_data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The per-user data folder, created user-only (0700 on POSIX) if missing."""
    return ensure_private_dir(data_dir_path(override))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` user-only (0700 on POSIX); tighten it if it exists with group/other bits.

    A folder that belongs to somebody else is left as it is (and logged): changing it would
    fail anyway, and it is not ours to change.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        try:
            info = path.stat()
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                if info.st_uid == os.getuid():
                    path.chmod(mode & 0o700)
                else:
                    log.warning("Data folder is not user-only and not ours: mode %o", mode)
        except OSError as exc:
            log.warning("Could not make the data folder user-only (%s)", type(exc).__name__)
    return path


def make_private(path: Path) -> None:
    """Make an existing file user-only (0600) on POSIX; a missing file is fine."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o600)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("Could not make a data file user-only (%s)", type(exc).__name__)


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'rekvirent.sqlite3').as_posix()}"
