"""Where Rekvirent keeps things: shipped resources, user data, logs, settings.

The user data directory comes from platformdirs (``%LOCALAPPDATA%\\Rekvirent`` on Windows,
``~/.local/share/rekvirent`` on Linux, ``~/Library/Application Support/Rekvirent`` on macOS).
``--data-dir`` or the ``REKVIRENT_DATA_DIR`` environment variable overrides it — used by tests,
by portable installs and by clinics that want the data on a specific (encrypted) disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def user_data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The per-user data folder, created user-only (0700 on POSIX) if missing."""
    if override:
        path = Path(override)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        from platformdirs import user_data_dir as _platform_data_dir

        path = Path(_platform_data_dir(APP_NAME.lower(), APP_AUTHOR, roaming=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'rekvirent.sqlite3').as_posix()}"
