"""A keyring for benchmark runs only: entries in a JSON file in the run's temporary folder.

The app keeps its data key in the operating system's keyring, or asks for a passphrase in a
dialog when there is none — and a benchmark cannot type into a dialog in another process.
This backend stands in for the OS keyring, so ``main.py`` started by the benchmarks opens its
encrypted data exactly as on a GP's computer with a keyring (``keyring`` loads it through
``PYTHON_KEYRING_BACKEND``).  It holds only keys made for the run, for synthetic drafts in a
temporary folder that is deleted afterwards; it is never used outside ``benchmarks``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend

#: Where the entries are kept (set by :func:`use`, inherited by the processes started).
FILE_ENV = "REKVIRENT_BENCH_KEYRING"
BACKEND = "benchmarks.keyring_backend.FileKeyring"


class FileKeyring(KeyringBackend):  # type: ignore[misc]
    priority = 1

    def _path(self) -> Path:
        return Path(os.environ[FILE_ENV])

    def _entries(self) -> dict[str, str]:
        try:
            entries: dict[str, str] = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return entries

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._entries()
        entries[f"{service}\n{username}"] = password
        path = self._path()
        path.touch(mode=0o600)
        path.write_text(json.dumps(entries), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        entries = self._entries()
        entries.pop(f"{service}\n{username}", None)
        self._path().write_text(json.dumps(entries), encoding="utf-8")


def use(path: Path) -> Any:
    """Use a file keyring at ``path`` in this process and in the processes it starts;
    returns the keyring in use before (give it to :func:`restore`)."""
    import keyring

    os.environ[FILE_ENV] = str(path)
    os.environ["PYTHON_KEYRING_BACKEND"] = BACKEND
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    return previous


def restore(previous: Any) -> None:
    import keyring

    os.environ.pop(FILE_ENV, None)
    os.environ.pop("PYTHON_KEYRING_BACKEND", None)
    keyring.set_keyring(previous)
