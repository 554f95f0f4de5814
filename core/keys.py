"""The data key (DEK): where it lives, how it is unlocked, and what happens when it is missing.

One random 256-bit data key encrypts every sensitive value the store writes
(:mod:`core.crypto`).  It is kept in one of two ways, described by ``<data dir>/key.json``:

* ``keyring`` — the key itself is in the operating system's keyring (Windows Credential
  Manager, macOS Keychain, Secret Service) under service ``Rekvirent`` and user
  ``data-key-<key id>``; ``key.json`` only names that entry.  Nothing to type; the key is as
  safe as the user's login.
* ``passphrase`` — ``key.json`` holds the key wrapped (AES-256-GCM) with a key derived from a
  passphrase by scrypt (n = 2**17, r = 8, p = 1 by default: 128 MiB and about 0.3 s per
  attempt).  Works without a keyring, and the same file plus passphrase opens the data on
  another workstation (clinic mode).

Rules that protect the GP's data:

* a missing, unreadable or wrong key raises :class:`KeyUnavailable` / :class:`WrongPassphrase`
  with a message that is safe to show — and nothing here ever deletes or rewrites a key file
  or a keyring entry that exists (a new key is refused while ``key.json`` exists) — the one
  exception is :func:`discard_unused_key`, which takes back a key made in the same start that
  no data was encrypted with;
* changing the passphrase re-wraps the same data key (same key id); no stored value changes;
* only tests may lower the scrypt cost (``KdfParams.for_tests()``).

The database keeps its own check of which key it was encrypted with (``key_check`` table), so a
key that does not belong to the database is refused on open, before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from core import crypto
from core.casefile import write_atomic
from core.crypto import FieldCipher
from i18n import _

KEY_FILE_NAME = "key.json"
FORMAT = "rekvirent-key"
FORMAT_VERSION = 1
KEYRING_SERVICE = "Rekvirent"
SALT_BYTES = 16
MIN_PASSPHRASE_LENGTH = 10
#: The lowest scrypt cost a real key file may be made with (32 MiB, about 0.07 s).
MIN_SCRYPT_N = 2**15

Mode = Literal["keyring", "passphrase"]
Strength = Literal["empty", "too_short", "weak", "fair", "strong"]


# ---- errors ---------------------------------------------------------------------------------


class KeyProblem(Exception):
    """Base of the key errors; the message is safe to show and never contains the key."""


class KeyUnavailable(KeyProblem):
    """The key cannot be had (keyring entry or key file missing or unreadable).

    The data is left as it is; it can be read again once the key is back."""


class KeyringUnavailable(KeyUnavailable):
    """There is no usable keyring on this computer (e.g. no Secret Service on Linux)."""


class WrongPassphrase(KeyProblem):
    """The passphrase does not unlock the key file."""


class PassphraseRequired(KeyProblem):
    """The key is protected by a passphrase and none was given."""


class KeyAlreadyExists(KeyProblem):
    """A key file exists already; a new key would orphan the data encrypted with it."""


class WeakPassphrase(KeyProblem):
    """The new passphrase is too short or too simple."""


# ---- the key ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class DataKey:
    """The raw data key and its id.  ``repr`` shows the id only."""

    key: bytes
    key_id: bytes

    def __post_init__(self) -> None:
        if len(self.key) != crypto.KEY_BYTES or len(self.key_id) != crypto.KEY_ID_BYTES:
            raise ValueError("a data key is 32 bytes with an 8-byte id")

    @classmethod
    def generate(cls) -> DataKey:
        return cls(crypto.new_key(), crypto.new_key_id())

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    def cipher(self) -> FieldCipher:
        return FieldCipher(self.key, self.key_id)

    def __repr__(self) -> str:
        return f"DataKey(key_id={self.key_id_hex})"


@dataclass(frozen=True)
class KdfParams:
    """scrypt cost.  The default follows OWASP's recommendation (n=2**17, r=8, p=1)."""

    n: int = 2**17
    r: int = 8
    p: int = 1
    #: Set only by :meth:`for_tests`: allows a cost below :data:`MIN_SCRYPT_N`.
    testing: bool = field(default=False, compare=False)

    @classmethod
    def for_tests(cls) -> KdfParams:
        """A cheap cost so tests run fast.  Never use it for a real key file."""
        return cls(n=2**10, r=8, p=1, testing=True)

    def check(self) -> None:
        if self.n < 2 or self.n & (self.n - 1):
            raise ValueError("scrypt n must be a power of two")
        if self.n < MIN_SCRYPT_N and not self.testing:
            raise ValueError("scrypt cost below the minimum (only tests may lower it)")

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        return Scrypt(salt=salt, length=32, n=self.n, r=self.r, p=self.p).derive(
            _normalise(passphrase).encode("utf-8"))


DEFAULT_KDF = KdfParams()


@dataclass(frozen=True)
class KeyInfo:
    """What ``key.json`` says (no secret in it for keyring mode; a wrapped key otherwise)."""

    mode: Mode
    key_id_hex: str
    path: Path
    created: str = ""


def key_file(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE_NAME


def keyring_user(key_id_hex: str) -> str:
    return f"data-key-{key_id_hex}"


# ---- key.json ------------------------------------------------------------------------------


def _normalise(passphrase: str) -> str:
    """NFC, so the same passphrase typed on macOS (decomposed æøå) and Windows matches."""
    return unicodedata.normalize("NFC", passphrase)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


def _damaged() -> KeyUnavailable:
    return KeyUnavailable(_(
        "The key file (key.json) in the data folder is damaged or not a Rekvirent key file. "
        "It has not been changed. Put back a working copy of the file to read the data."))


def _read_document(data_dir: Path) -> dict[str, Any] | None:
    return _read_path(key_file(data_dir))


def _read_path(path: Path) -> dict[str, Any] | None:
    """The checked key document at ``path``; ``None`` when there is no such file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyUnavailable(_(
            "The key file (key.json) in the data folder cannot be read ({reason}).").format(
                reason=exc.strerror or type(exc).__name__)) from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged() from None
    if (not isinstance(document, dict) or document.get("format") != FORMAT
            or not isinstance(document.get("version"), int)):
        raise _damaged()
    if document["version"] > FORMAT_VERSION:
        raise KeyUnavailable(_(
            "The key file was made by a newer version of Rekvirent. Update the program; the "
            "file has not been changed."))
    if document.get("mode") not in ("keyring", "passphrase"):
        raise _damaged()
    key_id = document.get("key_id")
    if not isinstance(key_id, str) or len(key_id) != 2 * crypto.KEY_ID_BYTES:
        raise _damaged()
    try:
        bytes.fromhex(key_id)
    except ValueError:
        raise _damaged() from None
    return document


def read_key_info(data_dir: Path) -> KeyInfo | None:
    """What kind of key this data folder has; ``None`` when it has none yet."""
    document = _read_document(data_dir)
    if document is None:
        return None
    return KeyInfo(mode=document["mode"], key_id_hex=document["key_id"],
                   path=key_file(data_dir), created=str(document.get("created", "")))


def _write_new(path: Path, document: dict[str, Any]) -> None:
    """Write ``path`` atomically (0600) and only if it does not exist yet."""
    data = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rekvirent-key-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if the file exists: never replaces a key
        except FileExistsError:
            raise KeyAlreadyExists(_(
                "This data folder already has a key. A new key is not made, so the data "
                "encrypted with the existing one stays readable.")) from None
        except OSError:  # no hard links on this file system
            if path.exists():
                raise KeyAlreadyExists(_(
                    "This data folder already has a key. A new key is not made, so the data "
                    "encrypted with the existing one stays readable.")) from None
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _replace(path: Path, document: dict[str, Any]) -> None:
    """Replace ``path`` atomically (0600): the old file until the rename, the new one after."""
    write_atomic(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


def _wrap_aad(key_id_hex: str) -> bytes:
    return crypto.aad("key.json", "wrapped_key", key_id_hex)


def _wrapped_document(key: DataKey, passphrase: str, kdf: KdfParams,
                      created: str | None = None) -> dict[str, Any]:
    kdf.check()
    salt = os.urandom(SALT_BYTES)
    kek = AESGCM(kdf.derive(passphrase, salt))
    nonce = os.urandom(crypto.NONCE_BYTES)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "mode": "passphrase",
        "key_id": key.key_id_hex,
        "created": created or datetime.now(UTC).isoformat(timespec="seconds"),
        "kdf": {"name": "scrypt", "n": kdf.n, "r": kdf.r, "p": kdf.p, "salt": _b64(salt)},
        "wrapped_key": {"alg": "AES-256-GCM", "nonce": _b64(nonce),
                        "ciphertext": _b64(kek.encrypt(nonce, key.key,
                                                       _wrap_aad(key.key_id_hex)))},
    }


def _unwrap(document: dict[str, Any], passphrase: str) -> DataKey:
    try:
        kdf_doc = document["kdf"]
        wrapped = document["wrapped_key"]
        if kdf_doc.get("name") != "scrypt" or wrapped.get("alg") != "AES-256-GCM":
            raise _damaged()
        n, r, p = int(kdf_doc["n"]), int(kdf_doc["r"]), int(kdf_doc["p"])
        salt = _unb64(kdf_doc["salt"])
        nonce = _unb64(wrapped["nonce"])
        sealed = _unb64(wrapped["ciphertext"])
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        raise _damaged() from None
    if n < 2 or n & (n - 1) or n > 2**22 or not 1 <= r <= 64 or not 1 <= p <= 16:
        raise _damaged()
    kek = AESGCM(KdfParams(n=n, r=r, p=p, testing=True).derive(passphrase, salt))
    try:
        key = kek.decrypt(nonce, sealed, _wrap_aad(document["key_id"]))
    except InvalidTag:
        raise WrongPassphrase(_("The passphrase is not right. Try again.")) from None
    return DataKey(key, bytes.fromhex(document["key_id"]))


# ---- keyring -------------------------------------------------------------------------------


def keyring_available() -> bool:
    """True when the operating system offers a real keyring (not keyring's ``fail`` backend)."""
    try:
        import keyring
        from keyring.backends import fail, null
    except Exception:  # keyring missing or broken: same as no keyring
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    return not isinstance(backend, fail.Keyring | null.Keyring)


def _keyring_unavailable() -> KeyringUnavailable:
    return KeyringUnavailable(_(
        "The computer's keyring is not available, so the key cannot be kept there. "
        "Use a passphrase instead."))


def create_keyring_key(data_dir: Path, *, key: DataKey | None = None) -> DataKey:
    """A new data key kept in the OS keyring; ``key.json`` names the entry.

    ``key`` is a key generated beforehand (:func:`core.opening.open_store` decides the key
    before anything is written); by default a fresh one is made.  Raises
    :class:`KeyringUnavailable` when there is no keyring and :class:`KeyAlreadyExists` when
    the folder has a key already."""
    if not keyring_available():
        raise _keyring_unavailable()
    import keyring
    from keyring.errors import KeyringError

    if key_file(data_dir).exists():
        raise KeyAlreadyExists(_(
            "This data folder already has a key. A new key is not made, so the data "
            "encrypted with the existing one stays readable."))
    key = key or DataKey.generate()
    user = keyring_user(key.key_id_hex)
    try:
        keyring.set_password(KEYRING_SERVICE, user, _b64(key.key))
        stored = keyring.get_password(KEYRING_SERVICE, user)
    except KeyringError:
        raise _keyring_unavailable() from None
    if stored != _b64(key.key):
        raise _keyring_unavailable()
    try:
        _write_new(key_file(data_dir), {
            "format": FORMAT, "version": FORMAT_VERSION, "mode": "keyring",
            "key_id": key.key_id_hex,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "keyring": {"service": KEYRING_SERVICE, "user": user},
        })
    except BaseException:  # (disk full…) the entry just made names no key file: take it back
        _forget_keyring_entry(user)
        raise
    return key


def _forget_keyring_entry(user: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    with contextlib.suppress(KeyringError, RuntimeError):
        keyring.delete_password(KEYRING_SERVICE, user)


def _load_from_keyring(key_id_hex: str) -> DataKey:
    if not keyring_available():
        raise _keyring_unavailable()
    import keyring
    from keyring.errors import KeyringError

    try:
        secret = keyring.get_password(KEYRING_SERVICE, keyring_user(key_id_hex))
    except KeyringError:
        raise _keyring_unavailable() from None
    if secret is None:
        raise KeyUnavailable(_(
            "The key for this data folder is not in the computer's keyring (key id {key_id}). "
            "The data cannot be read without it; nothing has been deleted.").format(
                key_id=key_id_hex))
    try:
        return DataKey(_unb64(secret), bytes.fromhex(key_id_hex))
    except (ValueError, binascii.Error):
        raise KeyUnavailable(_(
            "The key in the computer's keyring is damaged (key id {key_id}). The data cannot "
            "be read without it; nothing has been deleted.").format(key_id=key_id_hex)) from None


# ---- public API ----------------------------------------------------------------------------


def load_key(data_dir: Path, *, passphrase: str | None = None) -> DataKey | None:
    """The data folder's key; ``None`` when it has none yet.

    Keyring mode reads the keyring.  Passphrase mode needs ``passphrase`` (else
    :class:`PassphraseRequired`); a wrong one raises :class:`WrongPassphrase`.
    """
    document = _read_document(data_dir)
    if document is None:
        return None
    if document["mode"] == "keyring":
        return _load_from_keyring(document["key_id"])
    if passphrase is None:
        raise PassphraseRequired(_("Type the passphrase to open the data."))
    return _unwrap(document, passphrase)


def discard_unused_key(data_dir: Path, key: DataKey) -> bool:
    """Take back a key made moments ago that no data was encrypted with — the one exception to
    "never delete a key", for a first start that failed half-way (disk full while encrypting).

    The caller must have checked that the database does not hold this key's check.  Removes
    ``key.json`` only if it names ``key`` (and the keyring entry of that key id); True when
    the file was removed."""
    path = key_file(data_dir)
    try:
        document = _read_document(data_dir)
    except KeyProblem:
        return False
    if document is None or document.get("key_id") != key.key_id_hex:
        return False
    if document["mode"] == "keyring":
        _forget_keyring_entry(keyring_user(key.key_id_hex))
    try:
        path.unlink()
    except OSError:
        return False
    return True


def unlock(data_dir: Path, passphrase: str) -> DataKey:
    """Unlock a passphrase key file (:class:`KeyUnavailable` when there is none)."""
    key = load_key(data_dir, passphrase=passphrase)
    if key is None:
        raise KeyUnavailable(_("This data folder has no key file (key.json)."))
    return key


def create_passphrase_key(data_dir: Path, passphrase: str, *,
                          kdf: KdfParams = DEFAULT_KDF, key: DataKey | None = None) -> DataKey:
    """A new data key wrapped with ``passphrase`` into ``key.json`` (refused if one exists);
    ``key`` as in :func:`create_keyring_key`."""
    require_acceptable(passphrase)
    if key_file(data_dir).exists():
        raise KeyAlreadyExists(_(
            "This data folder already has a key. A new key is not made, so the data "
            "encrypted with the existing one stays readable."))
    key = key or DataKey.generate()
    _write_new(key_file(data_dir), _wrapped_document(key, passphrase, kdf))
    return key


def change_passphrase(data_dir: Path, old: str, new: str, *,
                      kdf: KdfParams = DEFAULT_KDF) -> None:
    """Re-wrap the same data key with a new passphrase (new salt); no data changes."""
    document = _read_document(data_dir)
    if document is None or document["mode"] != "passphrase":
        raise KeyUnavailable(_("This data folder has no passphrase key file."))
    key = _unwrap(document, old)
    require_acceptable(new)
    _replace(key_file(data_dir),
             _wrapped_document(key, new, kdf, created=str(document.get("created", ""))))


def export_key_file(key: DataKey, target: Path, passphrase: str, *,
                    kdf: KdfParams = DEFAULT_KDF) -> None:
    """Write the key, wrapped with ``passphrase``, to ``target`` (for another workstation of
    the same clinic database, or as a safe copy).  Refuses to overwrite a file."""
    require_acceptable(passphrase)
    _write_new(Path(target), _wrapped_document(key, passphrase, kdf))


def read_key_file(source: Path, passphrase: str) -> DataKey:
    """The key in an exported key file (or another workstation's passphrase ``key.json``),
    unlocked with ``passphrase``; nothing is written.  :class:`WrongPassphrase` when it does
    not open, :class:`KeyUnavailable` when the file is missing or not such a file."""
    document = _read_path(Path(source))
    if document is None:
        raise KeyUnavailable(_("The key file {file} does not exist.").format(file=source))
    if document["mode"] != "passphrase":
        raise _damaged()
    return _unwrap(document, passphrase)


def import_key_file(source: Path, data_dir: Path, passphrase: str, *,
                    mode: Mode = "passphrase") -> DataKey:
    """Take a key made with :func:`export_key_file` (or another workstation's ``key.json``)
    into this data folder: as the passphrase file itself, or into the keyring."""
    document = _read_path(Path(source))
    if document is None or document["mode"] != "passphrase":
        raise _damaged()
    key = _unwrap(document, passphrase)
    existing = read_key_info(data_dir)
    if existing is not None:
        if existing.key_id_hex == key.key_id_hex:
            return key
        raise KeyAlreadyExists(_(
            "This data folder already has a key. A new key is not made, so the data "
            "encrypted with the existing one stays readable."))
    if mode == "passphrase":
        _write_new(key_file(data_dir), document)
        return key
    if not keyring_available():
        raise _keyring_unavailable()
    import keyring
    from keyring.errors import KeyringError

    user = keyring_user(key.key_id_hex)
    try:
        keyring.set_password(KEYRING_SERVICE, user, _b64(key.key))
    except KeyringError:
        raise _keyring_unavailable() from None
    _write_new(key_file(data_dir), {
        "format": FORMAT, "version": FORMAT_VERSION, "mode": "keyring",
        "key_id": key.key_id_hex, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "keyring": {"service": KEYRING_SERVICE, "user": user},
    })
    return key


# ---- passphrase strength -------------------------------------------------------------------


def passphrase_strength(passphrase: str) -> Strength:
    """A rough, offline judgement for the hint under the passphrase field.

    Length counts most (a few unrelated words beat a short jumble of symbols)."""
    text = _normalise(passphrase)
    if not text:
        return "empty"
    if len(text) < MIN_PASSPHRASE_LENGTH:
        return "too_short"
    distinct = len(set(text.casefold()))
    classes = sum((
        any(c.islower() for c in text),
        any(c.isupper() for c in text),
        any(c.isdigit() for c in text),
        any(not c.isalnum() for c in text),
    ))
    words = [w for w in text.replace("-", " ").split() if len(w) >= 3]
    if distinct < 5 or text.isdigit():
        return "weak"
    if len(text) >= 20 or (len(text) >= 16 and (len(words) >= 3 or classes >= 3)):
        return "strong"
    return "fair"


def require_acceptable(passphrase: str) -> None:
    """Raise :class:`WeakPassphrase` unless the passphrase is at least ``fair``."""
    if passphrase_strength(passphrase) not in ("fair", "strong"):
        raise WeakPassphrase(_(
            "Choose a passphrase of at least {count} characters that is not a simple "
            "repetition, for example a few unrelated words.").format(
                count=MIN_PASSPHRASE_LENGTH))


__all__ = [
    "DEFAULT_KDF",
    "KEYRING_SERVICE",
    "KEY_FILE_NAME",
    "MIN_PASSPHRASE_LENGTH",
    "DataKey",
    "KdfParams",
    "KeyAlreadyExists",
    "KeyInfo",
    "KeyProblem",
    "KeyUnavailable",
    "KeyringUnavailable",
    "PassphraseRequired",
    "WeakPassphrase",
    "WrongPassphrase",
    "change_passphrase",
    "create_keyring_key",
    "create_passphrase_key",
    "discard_unused_key",
    "export_key_file",
    "import_key_file",
    "key_file",
    "keyring_available",
    "keyring_user",
    "load_key",
    "passphrase_strength",
    "read_key_file",
    "require_acceptable",
    "unlock",
]
