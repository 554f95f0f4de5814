"""Field-level authenticated encryption (AES-256-GCM) for what the store writes to SQL.

Every sensitive value is sealed *before* it reaches the database, so the database file, its
WAL, its backups and any temporary files only ever hold ciphertext — on SQLite and PostgreSQL
alike (see ``docs/security.md``).

A sealed value (a *token*) is::

    b"RK1" | key id (8 bytes) | nonce (12 random bytes) | ciphertext + 16-byte GCM tag

``RK1`` names the format version; the key id says which data key sealed it (so a wrong key is
reported as such, not as damage).  Text columns hold the same token armoured as
``"RK1:" + base64(token)``.  The *associated data* (AAD) binds a value to its table, column
and row (see :func:`aad`): a value copied into another row or column no longer decrypts.

Random 96-bit nonces are safe for far more values than one practice will ever write with one
key (NIST SP 800-38D: up to 2**32 encryptions per key).
"""

from __future__ import annotations

import binascii
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from i18n import _

MAGIC = b"RK1"
TEXT_PREFIX = "RK1:"
KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES
MIN_TOKEN_BYTES = HEADER_BYTES + TAG_BYTES


class CryptoError(Exception):
    """Base of the encryption errors; messages are safe to show (no data, no key)."""


class DecryptionError(CryptoError):
    """A value could not be decrypted: wrong key, changed bytes, or moved to another place."""


def new_key() -> bytes:
    """A fresh random 256-bit data key."""
    return os.urandom(KEY_BYTES)


def new_key_id() -> bytes:
    """A fresh random key id (not derived from the key, so it reveals nothing about it)."""
    return os.urandom(KEY_ID_BYTES)


def aad(*parts: str | int) -> bytes:
    """Associated data from table, column and row key parts, e.g. ``aad("cases", "payload",
    case_id)``.  Parts are length-prefixed, so ``("a|b", "c")`` and ``("a", "b|c")`` differ,
    and ``aad(a, b) + aad(c) == aad(a, b, c)`` (callers may precompute a prefix)."""
    out = bytearray()
    for part in parts:
        raw = str(part).encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def is_token(value: bytes) -> bool:
    """True when ``value`` has the shape of a sealed value (format prefix and minimum size)."""
    return len(value) >= MIN_TOKEN_BYTES and value[: len(MAGIC)] == MAGIC


def is_text_token(value: str) -> bool:
    """True when ``value`` is an armoured sealed value (``RK1:`` + base64 of a token)."""
    return value.startswith(TEXT_PREFIX) and len(value) >= len(TEXT_PREFIX) + 4 * (
        (MIN_TOKEN_BYTES + 2) // 3)


def token_key_id(token: bytes) -> bytes:
    """The key id a token was sealed with (raises :class:`DecryptionError` if not a token)."""
    if not is_token(token):
        raise DecryptionError(_("The stored value is not in an encrypted format Rekvirent knows."))
    return token[len(MAGIC): len(MAGIC) + KEY_ID_BYTES]


class FieldCipher:
    """Seals and opens field values with one data key (AES-256-GCM)."""

    __slots__ = ("_aead", "key_id")

    def __init__(self, key: bytes, key_id: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the data key must be 32 bytes")
        if len(key_id) != KEY_ID_BYTES:
            raise ValueError("the key id must be 8 bytes")
        self._aead = AESGCM(key)
        self.key_id = bytes(key_id)

    @classmethod
    def generate(cls) -> FieldCipher:
        return cls(new_key(), new_key_id())

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    def __repr__(self) -> str:  # never the key
        return f"FieldCipher(key_id={self.key_id_hex})"

    def encrypt(self, plaintext: bytes | str, aad: bytes) -> bytes:
        """Seal ``plaintext`` (text is UTF-8 encoded) bound to ``aad``; returns a token."""
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + self.key_id + nonce + self._aead.encrypt(nonce, data, aad)

    def decrypt(self, token: bytes, aad: bytes) -> bytes:
        """Open a token sealed with this key for exactly this ``aad``.

        Raises :class:`DecryptionError` when the token is damaged, was sealed with another key,
        or belongs to another table, column or row.
        """
        if not is_token(token):
            raise DecryptionError(
                _("The stored value is not in an encrypted format Rekvirent knows."))
        if not hmac.compare_digest(token_key_id(token), self.key_id):
            raise DecryptionError(_("The stored value was encrypted with another key."))
        nonce = token[len(MAGIC) + KEY_ID_BYTES: HEADER_BYTES]
        try:
            return self._aead.decrypt(nonce, token[HEADER_BYTES:], aad)
        except InvalidTag:
            raise DecryptionError(
                _("An encrypted value is damaged or does not belong here; it cannot be read."),
            ) from None

    def encrypt_text(self, text: str, aad: bytes) -> str:
        """Seal text for a text column: ``"RK1:" + base64(token)``."""
        return TEXT_PREFIX + binascii.b2a_base64(self.encrypt(text, aad), newline=False).decode(
            "ascii")

    def decrypt_text(self, value: str, aad: bytes) -> str:
        """Open a value made by :meth:`encrypt_text`."""
        if not value.startswith(TEXT_PREFIX):
            raise DecryptionError(
                _("The stored value is not in an encrypted format Rekvirent knows."))
        try:
            token = binascii.a2b_base64(value[len(TEXT_PREFIX):], strict_mode=True)
        except (binascii.Error, ValueError):
            raise DecryptionError(
                _("The stored value is not in an encrypted format Rekvirent knows."),
            ) from None
        try:
            return self.decrypt(token, aad).decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError(
                _("An encrypted value is damaged or does not belong here; it cannot be read."),
            ) from None


__all__ = [
    "KEY_BYTES",
    "KEY_ID_BYTES",
    "MAGIC",
    "TEXT_PREFIX",
    "CryptoError",
    "DecryptionError",
    "FieldCipher",
    "aad",
    "is_text_token",
    "is_token",
    "new_key",
    "new_key_id",
    "token_key_id",
]
