"""An in-memory keyring for tests (this machine's own backend is keyring's ``fail``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat import properties


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict.

    Not *viable* (its priority raises), so keyring's automatic choice never picks it up; it is
    only ever installed explicitly with ``keyring.set_keyring``."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test backend: install it explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@contextmanager
def memory_keyring_installed() -> Iterator[MemoryKeyring]:
    """A desktop with a working keyring (Secret Service, Keychain, Credential Manager)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@contextmanager
def no_keyring_installed() -> Iterator[None]:
    """What this machine has: keyring's ``fail`` backend (no Secret Service)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
