"""Encryption at rest: the key check on open, encrypting a plaintext database in place, and
scrubbing the plaintext it leaves behind.  Owns the table ``key_check``.

``key_check`` holds a known value sealed with each data key: no row means the database is not
encrypted.  Which columns are sealed, and how, is each part's own business: a part registers an
:data:`PlaintextEncrypter` (:meth:`Encryption.also_encrypt`) and is called inside the one
transaction that encrypts the database.  Sealing itself is :mod:`core.storage.sealing`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from core.crypto import DecryptionError, FieldCipher
from core.storage.backups import BackupFolder, holds_plaintext
from core.storage.database import Database
from core.storage.errors import KeyMismatch, KeyRequired
from core.storage.sealing import Sealer, key_check_aad
from core.storage.tables import key_check
from i18n import _

log = logging.getLogger(__name__)

#: The known value sealed into ``key_check``: opening it proves the key belongs here.
KEY_CHECK_TEXT = "rekvirent-key-check-v1"

#: Seals one part's plaintext values with ``cipher`` inside the encrypting transaction;
#: returns what it sealed, for the log (``{"cases": 12}``).
PlaintextEncrypter = Callable[[Connection, FieldCipher], Mapping[str, int]]


def key_mismatch(key_ids: tuple[str, ...] | list[str]) -> KeyMismatch:
    ids = tuple(sorted(key_ids))
    return KeyMismatch(_(
        "This key does not belong to the database (it is encrypted with key {key_ids}). "
        "Nothing has been changed; open it with the key that belongs to it.").format(
            key_ids=", ".join(ids)), key_ids=ids)


def verify_key(cipher: FieldCipher, checks: Mapping[str, str]) -> None:
    """Raise :class:`KeyMismatch` unless ``cipher`` opens its own row of ``key_check``."""
    value = checks.get(cipher.key_id_hex)
    try:
        ok = value is not None and cipher.decrypt_text(
            value, key_check_aad(cipher.key_id_hex)) == KEY_CHECK_TEXT
    except DecryptionError:
        ok = False
    if not ok:
        raise key_mismatch(list(checks))


class Encryption:
    def __init__(self, database: Database, sealer: Sealer, backup_folder: BackupFolder) -> None:
        self._database = database
        self._sealer = sealer
        self._backup_folder = backup_folder
        self._encrypters: list[PlaintextEncrypter] = []

    def also_encrypt(self, encrypter: PlaintextEncrypter) -> None:
        """Call ``encrypter`` when a plaintext database is encrypted (in registration order)."""
        self._encrypters.append(encrypter)

    @property
    def encrypted(self) -> bool:
        """True when values are sealed with a data key before they reach SQL."""
        return self._sealer.encrypted

    def key_ids(self) -> tuple[str, ...]:
        """Ids of the data keys this database is encrypted with (empty: not encrypted)."""
        with self._database.reading() as connection:
            return tuple(connection.execute(
                select(key_check.c.key_id).order_by(key_check.c.key_id)).scalars())

    def check_key(self, cipher: FieldCipher | None) -> None:
        """On open, before anything is written: refuse a missing or foreign key; encrypt a
        database that has no key yet when a key is given."""
        with self._database.engine.connect() as connection:
            checks: dict[str, str] = {
                r.key_id: r.check_value for r in connection.execute(
                    select(key_check.c.key_id, key_check.c.check_value))}
        if not checks:
            if cipher is not None:
                self.enable(cipher)
            return
        if cipher is None:
            raise KeyRequired(_(
                "The database is encrypted, and the key to open it is missing. Nothing has "
                "been read or changed."), key_ids=tuple(sorted(checks)))
        verify_key(cipher, checks)
        self._sealer.cipher = cipher

    def enable(self, cipher: FieldCipher) -> None:
        """Encrypt a database that is not encrypted yet with ``cipher``'s key.

        Every plaintext value (recognised by the missing ``RK1`` format prefix) is sealed in
        ONE transaction together with the key check, so a crash leaves the database either
        as it was or fully encrypted.  Then, on SQLite, the WAL is checkpointed and truncated,
        the file is rewritten (``VACUUM``; ``secure_delete`` has zeroed the old cells), a fresh
        backup is taken and the backups that still hold plaintext are deleted.
        """
        current = self._sealer.cipher
        if current is not None:
            if current.key_id != cipher.key_id:
                raise key_mismatch(self.key_ids())
            return
        converted = self._encrypt_plaintext(cipher)
        self._sealer.cipher = cipher
        if converted and self._database.is_sqlite:
            self._scrub_plaintext_traces()

    def _encrypt_plaintext(self, cipher: FieldCipher) -> bool:
        """Seal every plaintext value and add the key check; False when another process
        encrypted the database first (then the key is verified against its check instead)."""
        counts: dict[str, int] = {}
        with self._database.writing() as connection:
            if not self._database.is_sqlite:  # one encrypting workstation at a time
                connection.execute(text("LOCK TABLE key_check IN SHARE ROW EXCLUSIVE MODE"))
            checks = {r.key_id: r.check_value for r in connection.execute(
                select(key_check.c.key_id, key_check.c.check_value))}
            if checks:
                verify_key(cipher, checks)
                return False
            for encrypter in self._encrypters:
                counts.update(encrypter(connection, cipher))
            connection.execute(insert(key_check).values(
                key_id=cipher.key_id_hex, created_at=datetime.now(UTC),
                check_value=cipher.encrypt_text(KEY_CHECK_TEXT, key_check_aad(cipher.key_id_hex))))
        log.info("Database encrypted: %s",
                 ", ".join(f"{count} {what}" for what, count in counts.items()))
        return True

    def _scrub_plaintext_traces(self) -> None:
        """After encrypting in place (SQLite): no plaintext left in the database's files or in
        the backups folder.  Failures are logged, never raised: the data itself is safe."""
        try:
            with self._database.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.exec_driver_sql("VACUUM")
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except SQLAlchemyError as exc:
            log.warning("Could not compact the database after encrypting (%s)",
                        type(exc).__name__)
        try:
            fresh = self._backup_folder.take("after-encryption")
        except (OSError, sqlite3.Error) as exc:
            log.warning("No backup after encrypting (%s); old backups are kept",
                        type(exc).__name__)
            return
        stale = [p for p in self._backup_folder.copies() if p != fresh and holds_plaintext(p)]
        self._backup_folder.remove(stale)
        if stale:
            log.info("Removed %d backups that held unencrypted data", len(stale))
