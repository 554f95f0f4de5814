"""Key management: passphrase key files, the keyring, and never losing a key."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from core import keys
from core.keys import (
    DataKey,
    KdfParams,
    KeyAlreadyExists,
    KeyringUnavailable,
    KeyUnavailable,
    PassphraseRequired,
    WeakPassphrase,
    WrongPassphrase,
)
from i18n import _
from tests.memory_keyring import MemoryKeyring, memory_keyring_installed, no_keyring_installed

CHEAP = KdfParams.for_tests()
PASSPHRASE = "korrekt hest batteri stift"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """What this machine has: keyring's ``fail`` backend (no Secret Service)."""
    with no_keyring_installed():
        yield


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with memory_keyring_installed() as backend:
        yield backend


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- passphrase mode ------------------------------------------------------------------------


def test_passphrase_key_round_trip(tmp_path: Path) -> None:
    made = keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    info = keys.read_key_info(tmp_path)
    assert info is not None and info.mode == "passphrase"
    assert info.key_id_hex == made.key_id_hex
    opened = keys.unlock(tmp_path, PASSPHRASE)
    assert opened.key == made.key and opened.key_id == made.key_id
    assert keys.load_key(tmp_path, passphrase=PASSPHRASE) is not None
    token = made.cipher().encrypt(b"Testa", b"aad")
    assert opened.cipher().decrypt(token, b"aad") == b"Testa"


def test_key_file_is_private_and_holds_no_raw_key(tmp_path: Path) -> None:
    made = keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    path = keys.key_file(tmp_path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes()
    assert made.key not in raw
    assert base64.b64encode(made.key) not in raw and made.key.hex().encode() not in raw
    assert PASSPHRASE.encode() not in raw
    document = json.loads(raw)
    assert document["format"] == "rekvirent-key" and document["version"] == 1
    assert document["kdf"]["name"] == "scrypt" and document["kdf"]["n"] == CHEAP.n
    assert len(base64.b64decode(document["kdf"]["salt"])) == 16
    assert document["wrapped_key"]["alg"] == "AES-256-GCM"
    assert not [p.name for p in tmp_path.iterdir() if p.name != "key.json"]  # no temp files left


def test_default_scrypt_cost_is_documented_and_floors_hold() -> None:
    assert (keys.DEFAULT_KDF.n, keys.DEFAULT_KDF.r, keys.DEFAULT_KDF.p) == (2**17, 8, 1)
    with pytest.raises(ValueError, match="minimum"):
        KdfParams(n=2**10).check()
    with pytest.raises(ValueError, match="power of two"):
        KdfParams(n=3 * 2**15).check()
    KdfParams.for_tests().check()


def test_real_key_file_refuses_a_test_cost(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="minimum"):
        keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=KdfParams(n=2**10))
    assert not keys.key_file(tmp_path).exists()


def test_wrong_passphrase_changes_nothing(tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    before = _digest(keys.key_file(tmp_path))
    for wrong in ("korrekt hest batteri stif", "", PASSPHRASE.upper(), PASSPHRASE + " "):
        with pytest.raises(WrongPassphrase):
            keys.unlock(tmp_path, wrong)
    assert _digest(keys.key_file(tmp_path)) == before


def test_passphrase_is_required(tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    with pytest.raises(PassphraseRequired):
        keys.load_key(tmp_path)


def test_no_key_yet(tmp_path: Path) -> None:
    assert keys.read_key_info(tmp_path) is None
    assert keys.load_key(tmp_path) is None
    with pytest.raises(KeyUnavailable):
        keys.unlock(tmp_path, PASSPHRASE)


def test_unicode_passphrase_matches_in_either_normal_form(tmp_path: Path) -> None:
    composed = unicodedata.normalize("NFC", "blåbærsyltetøy på åkeren")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    made = keys.create_passphrase_key(tmp_path, composed, kdf=CHEAP)
    assert keys.unlock(tmp_path, decomposed).key == made.key


def test_a_second_key_is_never_made(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    before = _digest(keys.key_file(tmp_path))
    with pytest.raises(KeyAlreadyExists):
        keys.create_passphrase_key(tmp_path, "et helt annet passord her", kdf=CHEAP)
    with pytest.raises(KeyAlreadyExists):
        keys.create_keyring_key(tmp_path)
    assert _digest(keys.key_file(tmp_path)) == before
    assert memory_keyring.entries == {}


def test_change_passphrase_rewraps_the_same_key(tmp_path: Path) -> None:
    made = keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    old_document = json.loads(keys.key_file(tmp_path).read_text())
    keys.change_passphrase(tmp_path, PASSPHRASE, "ny og lengre passordfrase", kdf=CHEAP)
    new_document = json.loads(keys.key_file(tmp_path).read_text())
    assert new_document["key_id"] == old_document["key_id"]
    assert new_document["kdf"]["salt"] != old_document["kdf"]["salt"]
    assert keys.unlock(tmp_path, "ny og lengre passordfrase").key == made.key
    with pytest.raises(WrongPassphrase):
        keys.unlock(tmp_path, PASSPHRASE)


def test_change_passphrase_with_a_wrong_or_weak_one_changes_nothing(tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    before = _digest(keys.key_file(tmp_path))
    with pytest.raises(WrongPassphrase):
        keys.change_passphrase(tmp_path, "feil passordfrase her", "ny og lengre passordfrase",
                               kdf=CHEAP)
    with pytest.raises(WeakPassphrase):
        keys.change_passphrase(tmp_path, PASSPHRASE, "kort", kdf=CHEAP)
    assert _digest(keys.key_file(tmp_path)) == before


@pytest.mark.parametrize("content", [
    b"", b"not json", b"{", b"[]", b'{"format": "something-else", "version": 1}',
    b'{"format": "rekvirent-key", "version": 1, "mode": "passphrase", "key_id": "zz"}',
    b'{"format": "rekvirent-key", "version": 1, "mode": "magic", "key_id": "0011223344556677"}',
    b"\xff\xfe garbage",
])
def test_damaged_key_file_is_reported_and_kept(tmp_path: Path, content: bytes) -> None:
    keys.key_file(tmp_path).write_bytes(content)
    with pytest.raises(KeyUnavailable):
        keys.load_key(tmp_path, passphrase=PASSPHRASE)
    assert keys.key_file(tmp_path).read_bytes() == content


def test_damaged_wrapped_key_is_reported(tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    document = json.loads(keys.key_file(tmp_path).read_text())
    for broken in ({**document, "kdf": {**document["kdf"], "salt": "***"}},
                   {**document, "wrapped_key": {}},
                   {**document, "kdf": {**document["kdf"], "n": 3}}):
        keys.key_file(tmp_path).write_text(json.dumps(broken))
        with pytest.raises(KeyUnavailable):
            keys.unlock(tmp_path, PASSPHRASE)
    # A swapped key id no longer matches the wrapping's associated data.
    keys.key_file(tmp_path).write_text(json.dumps({**document, "key_id": "00" * 8}))
    with pytest.raises(WrongPassphrase):
        keys.unlock(tmp_path, PASSPHRASE)


def test_newer_key_file_is_refused(tmp_path: Path) -> None:
    keys.key_file(tmp_path).write_text(json.dumps(
        {"format": "rekvirent-key", "version": 99, "mode": "passphrase",
         "key_id": "0011223344556677"}))
    with pytest.raises(KeyUnavailable) as newer:
        keys.load_key(tmp_path, passphrase=PASSPHRASE)
    assert str(newer.value) == _("The key file was made by a newer version of Rekvirent. "
                                 "Update the program; the file has not been changed.")


@pytest.mark.parametrize(("passphrase", "strength"), [
    ("", "empty"), ("kort", "too_short"), ("aaaaaaaaaaaa", "weak"), ("12345678901", "weak"),
    ("Sommer2024!", "fair"), ("bjørk og furu", "fair"),
    ("korrekt hest batteri stift", "strong"), ("Tre-Ord-Og-Tall-17", "strong"),
])
def test_passphrase_strength(passphrase: str, strength: str) -> None:
    assert keys.passphrase_strength(passphrase) == strength
    if strength in ("fair", "strong"):
        keys.require_acceptable(passphrase)
    else:
        with pytest.raises(WeakPassphrase):
            keys.require_acceptable(passphrase)


def test_weak_passphrase_makes_no_key(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase):
        keys.create_passphrase_key(tmp_path, "aaaaaaaaaaaa", kdf=CHEAP)
    assert not keys.key_file(tmp_path).exists()


def test_data_key_repr_hides_the_key() -> None:
    key = DataKey.generate()
    assert key.key.hex() not in repr(key) and key.key_id_hex in repr(key)


# ---- keyring mode ---------------------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_it_says_so_and_makes_nothing(tmp_path: Path) -> None:
    assert not keys.keyring_available()
    with pytest.raises(KeyringUnavailable) as missing:
        keys.create_keyring_key(tmp_path)
    assert str(missing.value) == _("The computer's keyring is not available, so the key cannot "
                                   "be kept there. Use a passphrase instead.")
    assert not keys.key_file(tmp_path).exists()


def test_keyring_key_round_trip(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    assert keys.keyring_available()
    made = keys.create_keyring_key(tmp_path)
    info = keys.read_key_info(tmp_path)
    assert info is not None and info.mode == "keyring"
    raw = keys.key_file(tmp_path).read_bytes()
    assert base64.b64encode(made.key) not in raw and made.key not in raw
    assert list(memory_keyring.entries) == [("Rekvirent", f"data-key-{made.key_id_hex}")]
    loaded = keys.load_key(tmp_path)
    assert loaded is not None and loaded.key == made.key


def test_missing_keyring_entry_is_reported_and_nothing_is_replaced(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    made = keys.create_keyring_key(tmp_path)
    before = _digest(keys.key_file(tmp_path))
    memory_keyring.entries.clear()
    with pytest.raises(KeyUnavailable, match=made.key_id_hex):
        keys.load_key(tmp_path)
    with pytest.raises(KeyAlreadyExists):
        keys.create_keyring_key(tmp_path)
    assert _digest(keys.key_file(tmp_path)) == before
    assert memory_keyring.entries == {}


def test_keyring_gone_later_is_reported(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    keys.create_keyring_key(tmp_path)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailable):
        keys.load_key(tmp_path)


# ---- moving a key to another workstation -----------------------------------------------------


def test_export_and_import_for_another_workstation(tmp_path: Path,
                                                   memory_keyring: MemoryKeyring) -> None:
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder in (first, second, third):
        folder.mkdir()
    made = keys.create_keyring_key(first)
    shared = tmp_path / "klinikk-nokkel.json"
    keys.export_key_file(made, shared, PASSPHRASE, kdf=CHEAP)
    with pytest.raises(KeyAlreadyExists):
        keys.export_key_file(made, shared, PASSPHRASE, kdf=CHEAP)
    with pytest.raises(WrongPassphrase):
        keys.import_key_file(shared, second, "feil passordfrase her")
    assert not keys.key_file(second).exists()
    assert keys.import_key_file(shared, second, PASSPHRASE).key == made.key
    assert keys.unlock(second, PASSPHRASE).key == made.key
    memory_keyring.entries.clear()
    assert keys.import_key_file(shared, third, PASSPHRASE, mode="keyring").key == made.key
    loaded = keys.load_key(third)
    assert loaded is not None and loaded.key == made.key
    # Importing the same key again is harmless; a different one is refused.
    assert keys.import_key_file(shared, second, PASSPHRASE).key == made.key
    other = tmp_path / "annen.json"
    keys.export_key_file(DataKey.generate(), other, PASSPHRASE, kdf=CHEAP)
    with pytest.raises(KeyAlreadyExists):
        keys.import_key_file(other, second, PASSPHRASE)
