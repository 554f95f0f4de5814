"""Field encryption: round trips, tampering, wrong place, wrong key, nonces."""

from __future__ import annotations

import base64

import pytest

from core import crypto
from core.crypto import DecryptionError, FieldCipher
from i18n import _

AAD = crypto.aad("cases", "payload", "0" * 32)


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher.generate()


@pytest.mark.parametrize("plaintext", [b"", b"x", "Åse Ærlig Østmo – ŋ š ž 😀".encode(),
                                       bytes(range(256)) * 300])
def test_bytes_round_trip(cipher: FieldCipher, plaintext: bytes) -> None:
    token = cipher.encrypt(plaintext, AAD)
    assert crypto.is_token(token)
    assert token.startswith(b"RK1" + cipher.key_id)
    assert cipher.decrypt(token, AAD) == plaintext
    assert len(token) == len(plaintext) + crypto.MIN_TOKEN_BYTES
    if len(plaintext) >= 8:  # a byte or two turns up in random ciphertext by chance
        assert plaintext not in token


def test_text_round_trip_is_ascii_armoured(cipher: FieldCipher) -> None:
    text = '{"patient": "Testa Testesen", "note": "æøå\\u0000\u202e"}'
    sealed = cipher.encrypt_text(text, AAD)
    assert sealed.startswith("RK1:")
    assert sealed.isascii()
    assert crypto.is_text_token(sealed)
    assert "Testa" not in sealed
    assert cipher.decrypt_text(sealed, AAD) == text


def test_str_plaintext_is_utf8(cipher: FieldCipher) -> None:
    assert cipher.decrypt(cipher.encrypt("Ærlig", AAD), AAD) == "Ærlig".encode()


def test_every_changed_byte_is_detected(cipher: FieldCipher) -> None:
    token = cipher.encrypt(b"Testa Testesen, 15888510025", AAD)
    for index in range(len(token)):
        changed = bytearray(token)
        changed[index] ^= 0x01
        with pytest.raises(DecryptionError):
            cipher.decrypt(bytes(changed), AAD)


def test_truncated_and_extended_tokens_are_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt(b"secret", AAD)
    for bad in (token[:-1], token[: crypto.MIN_TOKEN_BYTES - 1], token + b"\x00", b"", b"RK1"):
        with pytest.raises(DecryptionError):
            cipher.decrypt(bad, AAD)


def test_damaged_text_token_is_refused(cipher: FieldCipher) -> None:
    sealed = cipher.encrypt_text("Testa", AAD)
    for bad in (sealed[:-4], sealed.replace("RK1:", "RK2:"), "RK1:!!!" + sealed[7:],
                "plain text", sealed[:10]):
        with pytest.raises(DecryptionError):
            cipher.decrypt_text(bad, AAD)


def test_wrong_aad_is_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt(b"value of row a", crypto.aad("cases", "payload", "a" * 32))
    for other in (crypto.aad("cases", "payload", "b" * 32),
                  crypto.aad("cases", "summary", "a" * 32),
                  crypto.aad("export_revisions", "payload", "a" * 32), b""):
        with pytest.raises(DecryptionError):
            cipher.decrypt(token, other)


def test_aad_parts_are_unambiguous() -> None:
    assert crypto.aad("a|b", "c") != crypto.aad("a", "b|c")
    assert crypto.aad("ab", "c") != crypto.aad("a", "bc")
    assert crypto.aad("cases", 1) == crypto.aad("cases", "1")


def test_wrong_key_is_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt(b"secret", AAD)
    with pytest.raises(DecryptionError) as foreign:
        FieldCipher.generate().decrypt(token, AAD)
    assert str(foreign.value) == _("The stored value was encrypted with another key.")
    # Same key id, different key (a forged or mixed-up key file): the tag catches it.
    impostor = FieldCipher(crypto.new_key(), cipher.key_id)
    with pytest.raises(DecryptionError):
        impostor.decrypt(token, AAD)


def test_nonces_are_unique_and_equal_plaintexts_differ(cipher: FieldCipher) -> None:
    tokens = [cipher.encrypt(b"same", AAD) for _ in range(5000)]
    nonces = {t[len(crypto.MAGIC) + crypto.KEY_ID_BYTES: crypto.HEADER_BYTES] for t in tokens}
    assert len(nonces) == len(tokens)
    assert len(set(tokens)) == len(tokens)


def test_token_names_its_key(cipher: FieldCipher) -> None:
    assert crypto.token_key_id(cipher.encrypt(b"x", AAD)) == cipher.key_id
    with pytest.raises(DecryptionError):
        crypto.token_key_id(b"%PDF-1.4")


def test_plaintext_is_not_taken_for_a_token() -> None:
    assert not crypto.is_token(b"%PDF-1.4\n" + b"0" * 100)
    assert not crypto.is_text_token('{"format": "rekvirent-case"}')
    assert not crypto.is_text_token("RK1:short")
    assert not crypto.is_text_token("Testa Testesen")


def test_bad_key_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher(b"k" * 16, crypto.new_key_id())
    with pytest.raises(ValueError, match="8 bytes"):
        FieldCipher(crypto.new_key(), b"id")


def test_repr_never_shows_the_key() -> None:
    key = crypto.new_key()
    cipher = FieldCipher(key, crypto.new_key_id())
    shown = repr(cipher)
    assert cipher.key_id.hex() in shown
    assert key.hex() not in shown and base64.b64encode(key).decode() not in shown
