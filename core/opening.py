"""Opening the store with its data key: the steps the window and the command line share.

The window (:mod:`ui.opening`) and every headless verb (:mod:`core.commands._common`) open the
data the same way; only the questions differ, so they come in as callbacks — dialogs in the
window, ``getpass`` or ``--passphrase-file`` on the command line:

1. ``key.json`` names the key: from the keyring, or unlocked with a passphrase
   (``ask_passphrase("unlock", attempt)``).  A wrong or missing key stops here.
2. No ``key.json`` and no encrypted database: a **new key is decided before anything is
   written** — generated in memory, kept in the keyring when the computer has one, else with a
   passphrase chosen now (``ask_passphrase("create", attempt)``; ``attempt`` only checks its
   strength).  Nobody to ask (no terminal, no passphrase file) stops here, and the data
   folder is exactly as it was — not even created.
3. ``before_writing()`` (the command line creates the folder and takes the instance lock
   there; the window holds its lock already), then the database is opened.  An encrypted
   database without ``key.json`` is refused (``KeyRequired``) and never given a new key.
4. A new key is written (``key.json``, and the keyring entry) and the database is encrypted in
   place before the store is handed out, so not one patient value is ever stored in
   plaintext.  A full disk at either step gives the store's disk-full message and leaves
   everything as it was: no half key file, and a key whose encryption failed is taken back
   (:func:`core.keys.discard_unused_key`).

Pure Python: no Qt.  Every question goes through ``ask_passphrase`` so tests can answer it.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core import keys
from core.keys import DataKey, Mode
from i18n import _

if TYPE_CHECKING:
    from core.crypto import FieldCipher
    from core.storage import Store

log = logging.getLogger(__name__)

AskMode = Literal["create", "unlock"]
#: ``(mode, attempt)`` → the data key, or None when the user gave up.  ``attempt(passphrase)``
#: returns the key or raises :class:`core.keys.KeyProblem` (wrong passphrase, too weak); the
#: callback may ask again after a failed attempt.  It may also raise :class:`OpeningStopped`
#: with its own message (the command line: "no terminal to ask on").
AskPassphrase = Callable[[AskMode, Callable[[str], DataKey]], "DataKey | None"]
#: ``cipher`` → the opened store (``Store.open(…, cipher=cipher)`` plus whatever the caller
#: needs around it, e.g. asking for a server password); raises ``StorageError`` or
#: :class:`OpeningStopped`.
OpenDatabase = Callable[["FieldCipher | None"], "Store"]


class OpeningStopped(Exception):
    """The store was not opened; ``str()`` is a message for the user (already translated)."""


@dataclass(frozen=True)
class NewKey:
    """A key decided but not written yet (step 2 of the module docstring)."""

    key: DataKey
    mode: Mode
    passphrase: str | None = field(default=None, repr=False)


@dataclass
class OpenedStore:
    store: Store
    #: How the key is kept: "keyring" or "passphrase".
    key_mode: Mode
    #: True when this call made the data folder's key.
    made_key: bool = False


def open_store(data_dir: Path, open_database: OpenDatabase, *, ask_passphrase: AskPassphrase,
               database_file: Path | None = None,
               before_writing: Callable[[], None] | None = None) -> OpenedStore:
    """The opened, encrypted store (see the module docstring); raises :class:`OpeningStopped`.

    ``database_file`` is the SQLite file ``open_database`` opens (None for a server); it is
    only read, to tell a fresh folder from an encrypted database whose ``key.json`` is gone
    before anybody is asked to choose a passphrase."""
    info = key_info(data_dir)
    key: DataKey | None = None
    new: NewKey | None = None
    if info is not None:
        key = existing_key(data_dir, info, ask_passphrase)
    elif not _may_hold_encrypted_data(database_file):
        new = decide_new_key(ask_passphrase)
    if before_writing is not None:
        before_writing()
        if key_info(data_dir) != info:  # another process made (or moved) the key meanwhile
            return open_store(data_dir, open_database, ask_passphrase=ask_passphrase,
                              database_file=database_file)
    store = _open(open_database, key.cipher() if key is not None else None)
    if info is not None:
        return OpenedStore(store, info.mode)
    try:
        if new is None:
            new = decide_new_key(ask_passphrase)
        new = write_new_key(data_dir, new, ask_passphrase)
        encrypt(store, data_dir, new.key)
    except BaseException:
        store.close()
        raise
    return OpenedStore(store, new.mode, made_key=True)


def key_info(data_dir: Path) -> keys.KeyInfo | None:
    """What ``key.json`` says (None: no key yet); a damaged file stops the opening."""
    try:
        return keys.read_key_info(data_dir)
    except keys.KeyProblem as exc:
        raise OpeningStopped(str(exc)) from None


def existing_key(data_dir: Path, info: keys.KeyInfo, ask: AskPassphrase) -> DataKey:
    """The key ``key.json`` names: from the keyring, or unlocked with the passphrase."""
    try:
        if info.mode == "keyring":
            key = keys.load_key(data_dir)
        else:
            key = ask("unlock", lambda passphrase: keys.unlock(data_dir, passphrase))
            if key is None:
                raise OpeningStopped(_("Rekvirent stays locked: the data were not opened."))
    except keys.KeyProblem as exc:
        raise OpeningStopped(str(exc)) from None
    if key is None:  # the key file vanished in between
        raise OpeningStopped(_("This data folder has no key file (key.json)."))
    return key


def decide_new_key(ask: AskPassphrase) -> NewKey:
    """A first key, in memory only: for the keyring when there is one, else with a passphrase
    chosen now.  Nothing is written."""
    key = DataKey.generate()
    if keys.keyring_available():
        return NewKey(key, "keyring")
    return _with_new_passphrase(key, ask)


def _with_new_passphrase(key: DataKey, ask: AskPassphrase) -> NewKey:
    chosen: list[str] = []

    def attempt(passphrase: str) -> DataKey:
        keys.require_acceptable(passphrase)
        chosen.append(passphrase)
        return key

    if ask("create", attempt) is None or not chosen:
        raise OpeningStopped(_(
            "Rekvirent does not store patient data unencrypted. Start again and choose a "
            "passphrase to protect them."))
    return NewKey(key, "passphrase", chosen[-1])


def write_new_key(data_dir: Path, new: NewKey, ask: AskPassphrase) -> NewKey:
    """Write the decided key (atomically; never over an existing ``key.json``).  A keyring
    that refuses the entry falls back to a passphrase.  Returns the key as written."""
    try:
        if new.mode == "keyring":
            try:
                keys.create_keyring_key(data_dir, key=new.key)
                return new
            except keys.KeyringUnavailable:
                log.warning("The keyring refused the new key; asking for a passphrase instead")
                new = _with_new_passphrase(new.key, ask)
        assert new.passphrase is not None
        # DEFAULT_KDF looked up now, not bound at import: the tests of the command line lower
        # it for speed (KdfParams.for_tests()); nothing else ever changes it.
        keys.create_passphrase_key(data_dir, new.passphrase, key=new.key,
                                   kdf=keys.DEFAULT_KDF)
    except keys.KeyProblem as exc:
        raise OpeningStopped(str(exc)) from None
    except OSError as exc:
        raise OpeningStopped(write_failed_message(exc)) from None
    return new


def encrypt(store: Store, data_dir: Path, key: DataKey) -> None:
    """Encrypt the freshly opened database with the new key (one transaction: as it was, or
    fully encrypted).  On failure the new key is taken back when the database does not hold
    it, so the folder is left as it was."""
    from core.storage import StorageError

    try:
        store.enable_encryption(key.cipher())
    except StorageError as exc:
        _take_back(store, data_dir, key)
        raise OpeningStopped(str(exc)) from None
    except OSError as exc:  # a file operation around the encryption (backups, compaction)
        _take_back(store, data_dir, key)
        raise OpeningStopped(write_failed_message(exc)) from None


def _take_back(store: Store, data_dir: Path, key: DataKey) -> None:
    try:
        in_use = key.key_id_hex in store.key_ids()
    except Exception as exc:  # cannot tell: keep the key (a kept key file harms nothing)
        log.warning("Kept the new key: its use could not be checked (%s)", type(exc).__name__)
        return
    if not in_use and keys.discard_unused_key(data_dir, key):
        log.info("The new key was taken back: the database was not encrypted with it")


def write_failed_message(exc: OSError) -> str:
    """What to say when writing in the data folder failed: the store's disk-full sentence
    for a full disk (one text, one translation), else the reason."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return disk_full_message()
    return _("The data folder could not be written to ({reason}). Nothing was changed.").format(
        reason=exc.strerror or type(exc).__name__)


def disk_full_message() -> str:
    """The store's own message for a full disk (``core.storage.errors.condition``)."""
    from core.storage.errors import condition

    message = condition(sqlite3.OperationalError("database or disk is full"))
    assert message is not None
    return message


def _open(open_database: OpenDatabase, cipher: FieldCipher | None) -> Store:
    from core.storage import StorageError

    try:
        return open_database(cipher)
    except StorageError as exc:
        raise OpeningStopped(str(exc)) from None
    except OSError as exc:  # creating the folder or the database file
        raise OpeningStopped(write_failed_message(exc)) from None


def _may_hold_encrypted_data(database_file: Path | None) -> bool:
    """True unless the SQLite file is missing, empty or a database without a key check —
    then a new key may be decided before it is opened.  Read-only; a file that cannot be
    read counts as "may" (the store will say what is wrong with it)."""
    if database_file is None:
        return False  # a server: decide the key first, the store refuses a foreign one
    try:
        if database_file.stat().st_size == 0:
            return False
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return bool(database_key_ids(database_file) != ())


def database_key_ids(database_file: Path) -> tuple[str, ...] | None:
    """Ids of the keys a SQLite database is encrypted with (``()``: not encrypted; None: the
    file is missing or cannot be read).  Opens it read-only; never changes a byte."""
    from core.storage.tables import key_check

    if not database_file.is_file():
        return None
    # Without a -wal all of the database is in the file: read just the file (a plain
    # read-only open would leave empty -wal/-shm files behind), as the start-up check does.
    alone = not Path(f"{database_file}-wal").exists()
    uri = f"{database_file.resolve().as_uri()}?mode=ro" + ("&immutable=1" if alone else "")
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (key_check.name,)).fetchone()
        if not has_table:
            return ()
        rows = connection.execute(
            f"SELECT {key_check.c.key_id.name} FROM {key_check.name} ORDER BY 1").fetchall()
        return tuple(str(row[0]) for row in rows)
    except sqlite3.Error:
        return None
    finally:
        connection.close()
