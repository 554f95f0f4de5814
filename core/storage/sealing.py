"""Sealing values before they reach SQL, and where each sealed value belongs (its AAD).

Every sensitive value is sealed with AES-256-GCM (:class:`core.crypto.FieldCipher`) bound to
its place: table, column and the row's identity go into the associated data, so a value copied
to another row or column does not open (:class:`~core.storage.errors.UnreadableData`).  The AAD
of every place is defined here, once; a new table adds its own function beside these.
"""

from __future__ import annotations

from core import crypto
from core.crypto import DecryptionError, FieldCipher
from core.storage.errors import unreadable

_CASE_AAD_PREFIX = {column: crypto.aad("cases", column) for column in ("payload", "summary")}


def case_aad(column: str, case_id: str) -> bytes:
    """``cases.payload`` and ``cases.summary`` of one case."""
    return _CASE_AAD_PREFIX[column] + crypto.aad(case_id)


def snapshot_aad(case_id: str, revision: int) -> bytes:
    """``export_revisions.case_snapshot``: the case as exported in ``revision``."""
    return crypto.aad("export_revisions", "case_snapshot", case_id, revision)


def document_aad(column: str, case_id: str, revision: int, kind: str, language: str,
                 sha256: str) -> bytes:
    """A document is bound to its case, revision, kind, language and SHA-256 (its id is
    only known after the insert)."""
    return crypto.aad("export_documents", column, case_id, revision, kind, language, sha256)


def course_item_aad(case_id: str, item_id: str, kind: str) -> bytes:
    """``course_items.payload``: one follow-up entry or dose decision, bound to its case, its
    id and its kind (an entry copied into another case, or passed off as a decision, does not
    open)."""
    return crypto.aad("course_items", "payload", case_id, item_id, kind)


def key_check_aad(key_id_hex: str) -> bytes:
    """``key_check.check_value`` of one data key."""
    return crypto.aad("key_check", "check_value", key_id_hex)


class Sealer:
    """Seals and opens values with the database's data key — or passes them through while the
    store has none (an unencrypted database: tests, development).

    One instance is shared by every part of a store, so they all start sealing at the moment
    the key is set (:meth:`core.storage.encryption.Encryption.check_key`).
    """

    def __init__(self, cipher: FieldCipher | None = None) -> None:
        self.cipher = cipher

    @property
    def encrypted(self) -> bool:
        """True when values are sealed with a data key before they reach SQL."""
        return self.cipher is not None

    def seal(self, value: str, aad: bytes) -> str:
        return value if self.cipher is None else self.cipher.encrypt_text(value, aad)

    def unseal(self, value: str, aad: bytes) -> str:
        if self.cipher is None:
            return value
        try:
            return self.cipher.decrypt_text(value, aad)
        except DecryptionError:
            raise unreadable() from None

    def seal_bytes(self, value: bytes, aad: bytes) -> bytes:
        return value if self.cipher is None else self.cipher.encrypt(value, aad)

    def unseal_bytes(self, value: bytes, aad: bytes) -> bytes:
        if self.cipher is None:
            return value
        try:
            return self.cipher.decrypt(bytes(value), aad)
        except DecryptionError:
            raise unreadable() from None
