"""Opening the benchmark's stores the way the app does: encrypted, with the key in a keyring.

The app encrypts every sensitive field (AES-256-GCM, ``core.crypto``) with a data key kept in
the OS keyring or behind a passphrase (``core.keys``, ``key.json`` in the data folder).  The
benchmarks give each data folder a key in keyring mode, held by the file keyring of
:mod:`benchmarks.keyring_backend`, so ``main.py`` in a subprocess and the in-process figures
open the same encrypted database without a dialog.  ``REKVIRENT_BENCH_ENCRYPTION=off``
measures without encryption for comparison.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.storage import Store

PLAIN = "none"
ENCRYPTED = "AES-256-GCM field encryption, data key in the keyring (key.json, keyring mode)"


def encryption_off() -> bool:
    return os.environ.get("REKVIRENT_BENCH_ENCRYPTION", "").lower() in ("0", "off", "no")


def folder_cipher(data_dir: Path) -> Any | None:
    """The data folder's cipher, making a keyring key for it when it has none yet."""
    from core import keys
    from core.paths import ensure_private_dir

    ensure_private_dir(data_dir)
    key = keys.load_key(data_dir)
    if key is None:
        key = keys.create_keyring_key(data_dir)
    return key.cipher()


def open_bench_store(data_dir: Path) -> tuple[Store, str]:
    """``Store.open(data_dir=...)`` with the folder's key (encrypting a plaintext database in
    place the first time, as the app does), unless encryption is switched off."""
    from core.storage import Store

    if encryption_off():
        return Store.open(data_dir=data_dir), PLAIN
    return Store.open(data_dir=data_dir, cipher=folder_cipher(data_dir)), ENCRYPTED
