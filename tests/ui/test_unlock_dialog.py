"""The passphrase dialog: unlock, wrong passphrase, forgotten passphrase, choosing a new one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from core import keys
from core.keys import DataKey, KdfParams
from i18n import _
from ui.unlock_dialog import UnlockDialog, strength_hint

CHEAP = KdfParams.for_tests()
PASSPHRASE = "korrekt hest batteri stift"


def _dialog(qtbot: QtBot, mode: str, attempt: object) -> UnlockDialog:
    dialog = UnlockDialog(mode, attempt)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _unlocking(qtbot: QtBot, data_dir: Path) -> UnlockDialog:
    return _dialog(qtbot, "unlock", lambda p: keys.unlock(data_dir, p))


def test_the_right_passphrase_opens(qtbot: QtBot, tmp_path: Path) -> None:
    made = keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    dialog = _unlocking(qtbot, tmp_path)
    assert dialog.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key is not None and dialog.key.key == made.key
    assert dialog.passphrase.text() == ""  # not kept in the widget


def test_a_wrong_passphrase_says_so_and_allows_another_try(qtbot: QtBot,
                                                           tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    before = hashlib.sha256(keys.key_file(tmp_path).read_bytes()).hexdigest()
    dialog = _unlocking(qtbot, tmp_path)
    qtbot.keyClicks(dialog.passphrase, "feil passordfrase")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.key is None
    assert dialog.error.isVisible()
    assert dialog.error.text() == _("The passphrase is not right. Try again.")
    assert dialog.passphrase.text() == "" and dialog.failed_attempts == 1
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.key is not None
    assert hashlib.sha256(keys.key_file(tmp_path).read_bytes()).hexdigest() == before


def test_forgotten_passphrase_explains_and_deletes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    files = {p: p.read_bytes() for p in tmp_path.iterdir()}
    dialog = _unlocking(qtbot, tmp_path)
    assert not dialog.forgotten.isVisible()
    assert dialog.forgotten_button is not None
    qtbot.mouseClick(dialog.forgotten_button, Qt.MouseButton.LeftButton)
    assert dialog.forgotten.isVisible()
    assert "key.json" in dialog.forgotten.text()
    qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.key is None
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == files


def test_a_missing_key_file_is_shown_not_hidden(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _unlocking(qtbot, tmp_path)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "key.json" in dialog.error.text()
    assert dialog.failed_attempts == 0


def test_choosing_a_passphrase(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, "create",
                     lambda p: keys.create_passphrase_key(tmp_path, p, kdf=CHEAP))
    assert dialog.confirm is not None and dialog.hint is not None
    assert dialog.forgotten_button is None
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.passphrase, "kort")
    assert dialog.hint.text() == strength_hint("kort")
    assert not dialog.ok_button.isEnabled()
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    assert dialog.hint.text() == strength_hint(PASSPHRASE) == _("Strong passphrase.")
    assert not dialog.ok_button.isEnabled()  # not repeated yet
    qtbot.keyClicks(dialog.confirm, "korrekt hest X")
    assert dialog.error.isVisible()
    assert dialog.error.text() == _("The two passphrases are not the same.")
    assert not dialog.ok_button.isEnabled()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, PASSPHRASE)
    assert not dialog.error.isVisible() and dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.show_text, Qt.Key.Key_Space)
    assert dialog.confirm.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key is not None
    assert keys.unlock(tmp_path, PASSPHRASE).key == dialog.key.key


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaaaa", "12345678901234"])
def test_a_weak_passphrase_cannot_be_chosen(qtbot: QtBot, tmp_path: Path, weak: str) -> None:
    calls: list[str] = []

    def attempt(passphrase: str) -> DataKey:
        calls.append(passphrase)
        return DataKey.generate()

    dialog = _dialog(qtbot, "create", attempt)
    assert dialog.confirm is not None
    qtbot.keyClicks(dialog.passphrase, weak)
    qtbot.keyClicks(dialog.confirm, weak)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Return)
    assert calls == [] and dialog.isVisible()


def test_an_existing_key_is_never_replaced(qtbot: QtBot, tmp_path: Path) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    before = keys.key_file(tmp_path).read_bytes()
    dialog = _dialog(qtbot, "create",
                     lambda p: keys.create_passphrase_key(tmp_path, p, kdf=CHEAP))
    assert dialog.confirm is not None
    qtbot.keyClicks(dialog.passphrase, "en helt ny passordfrase")
    qtbot.keyClicks(dialog.confirm, "en helt ny passordfrase")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.isVisible() and dialog.key is None
    assert keys.key_file(tmp_path).read_bytes() == before
