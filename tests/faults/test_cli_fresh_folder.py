"""Scoreboard row S7 "CLI on a fresh folder": plaintext bytes found must be 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import keys
from core.keys import KdfParams
from tests.faults import cli


def test_cli_on_a_fresh_folder_leaves_no_plaintext(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "DEFAULT_KDF", KdfParams.for_tests())
    report = cli.scan(tmp_path)
    assert report.verbs_failed == []
    assert report.verbs_run == 14
    assert report.plaintext == []
    assert report.exported_with_marker >= 4  # the documents carry the patient's text
    assert report.files_scanned > 10
    assert report.refused_exit == 2
    assert report.refused_left == []
    assert report.met
    assert "plaintext bytes found: 0" in report.line()


def test_the_row_sees_plaintext_when_encryption_does_not_encrypt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative control: a cipher whose text "ciphertext" is the plaintext must be caught."""
    from core.crypto import TEXT_PREFIX, FieldCipher

    pad = "=" * 64  # long enough to pass for a sealed value
    monkeypatch.setattr(keys, "DEFAULT_KDF", KdfParams.for_tests())
    monkeypatch.setattr(FieldCipher, "encrypt_text",
                        lambda self, text, aad: TEXT_PREFIX + text + pad)
    monkeypatch.setattr(FieldCipher, "decrypt_text",
                        lambda self, value, aad: value[len(TEXT_PREFIX):-len(pad)])
    report = cli.scan(tmp_path)
    assert report.plaintext, "a scanner that sees nothing proves nothing"
    assert any("rekvirent.sqlite3" in hit for hit in report.plaintext)
    assert not report.met


def test_an_emptied_or_deleted_database_gives_every_draft_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoreboard row R7: drafts offered back must be all; no verb may start over."""
    monkeypatch.setattr(keys, "DEFAULT_KDF", KdfParams.for_tests())
    report = cli.emptied_database(tmp_path, cases=2)
    assert report.offered == {"emptied": (2, 2), "deleted": (2, 2)}
    assert report.started_over == [] and report.unnamed == []
    assert report.met
    assert "drafts offered back 4/4" in report.line()
