"""Shared helpers for the headless verbs: opening the store and printing errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.storage import Store


def open_store(args: argparse.Namespace) -> Store | None:
    """The store named by ``--database``/``--data-dir``; None (message printed) on failure."""
    from core.storage import StorageError, Store

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else None
    try:
        return Store.open(getattr(args, "database", None), data_dir=data_dir)
    except StorageError as exc:
        error(str(exc))
        return None


def error(message: str) -> None:
    print(f"rekvirent: {message}", file=sys.stderr)
