"""The settings dialog: languages, retention, idle lock, profile; saving and the restart prompt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

import ui.settings_dialog as settings_dialog
from core.case import Prescriber
from core.settings import Settings, load_settings, save_settings
from ui.qt_i18n import install_translator
from ui.settings_dialog import SettingsDialog, open_settings, restart_prompt
from ui.wizard.dialogs import ProfileDialog

DOCTOR = Prescriber(name="Lege Syntetisk Prøve", hpr_number="9144889", workplace="Prøvestad")


@pytest.fixture(autouse=True)
def _qt_in_norwegian(qapp: QApplication) -> Iterator[None]:
    translator = install_translator(qapp)  # as ui.app does: Qt's own buttons in Norwegian
    yield
    qapp.removeTranslator(translator)


def _dialog(qtbot: QtBot, settings: Settings | None = None,
            system_locale: str = "nb_NO.UTF-8") -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(prescriber=DOCTOR), system_locale=system_locale)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _type_number(qtbot: QtBot, spin: QWidget, number: str) -> None:
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, number)


def _pick(combo: settings_dialog.ChoiceCombo, value: str) -> None:
    """Choose as the GP does: open the list with the keyboard and move to the entry."""
    combo.setFocus()
    while combo.value() != value:
        before = combo.currentIndex()
        combo.setCurrentIndex((before + 1) % combo.count())
        combo.activated.emit(combo.currentIndex())


@pytest.mark.parametrize(
    ("saved", "system", "shown"),
    [(None, "nb_NO.UTF-8", "nb"), (None, "nn_NO", "nn"), (None, "en_GB", "en"),
     (None, "de_DE", "nb"), (None, "C", "nb"), ("nn", "en_GB", "nn"), ("en", "nb_NO", "en")],
)
def test_ui_language_defaults_to_the_saved_choice_else_the_computer(
        qtbot: QtBot, saved: str | None, system: str, shown: str) -> None:
    dialog = _dialog(qtbot, Settings(ui_language=saved), system_locale=system)  # type: ignore[arg-type]
    assert dialog.ui_language.value() == shown
    assert not dialog.language_changed()
    assert dialog.chosen().ui_language == saved  # untouched: still following the computer


def test_shows_the_settings_in_bokmal(qtbot: QtBot) -> None:
    settings = Settings(prescriber=DOCTOR, document_language="nn", retention_days=30,
                        idle_lock_minutes=1)
    dialog = _dialog(qtbot, settings)
    assert dialog.windowTitle() == "Innstillinger"
    assert dialog.document_language.currentText() == "Nynorsk"
    assert dialog.retention_days.text() == "30 dager"
    assert dialog.idle_lock_minutes.text() == "1 minutt uten bruk"
    hint = dialog.retention_row.hint
    assert hint is not None
    assert "30 dager etter siste eksport" in hint.text()
    assert "Lege Syntetisk Prøve, HPR-nummer 9144889" in dialog.profile_summary.text()
    texts = {b.text() for b in dialog.buttons.findChildren(QPushButton)}
    assert texts == {"Lagre", "Avbryt"}


def test_units_follow_the_number(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    _type_number(qtbot, dialog.retention_days, "1")
    assert dialog.retention_days.value() == 1
    assert dialog.retention_days.text() == "1 dag"
    hint = dialog.retention_row.hint
    assert hint is not None and "1 dag etter siste eksport" in hint.text()
    _type_number(qtbot, dialog.retention_days, "45")
    assert dialog.retention_days.text() == "45 dager"


def test_chosen_keeps_what_the_dialog_does_not_show(qtbot: QtBot) -> None:
    settings = Settings(prescriber=DOCTOR, export_dir="/tmp/rekvirent-eksport",
                        retention_days=30, idle_lock_minutes=10)
    dialog = _dialog(qtbot, settings)
    _type_number(qtbot, dialog.retention_days, "60")
    _type_number(qtbot, dialog.idle_lock_minutes, "5")
    _pick(dialog.document_language, "nn")
    _pick(dialog.ui_language, "nn")
    chosen = dialog.chosen()
    assert chosen.retention_days == 60
    assert chosen.idle_lock_minutes == 5
    assert chosen.document_language == "nn"
    assert chosen.ui_language == "nn"
    assert chosen.export_dir == "/tmp/rekvirent-eksport"
    assert chosen.prescriber == DOCTOR
    assert dialog.language_changed()
    assert settings.retention_days == 30  # the original is not touched


def test_profile_is_edited_with_the_profile_dialog(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    assert dialog.profile_summary.text() == "Ingen legeprofil ennå."

    def answer(profile: QDialog) -> bool:
        assert isinstance(profile, ProfileDialog)
        qtbot.keyClicks(profile.edits["name"], "Testa Testesen")
        qtbot.keyClicks(profile.edits["hpr_number"], "9144889")
        return True

    dialog.run_dialog = answer  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.profile_button, Qt.MouseButton.LeftButton)
    assert dialog.profile_summary.text() == "Testa Testesen, HPR-nummer 9144889"
    assert dialog.chosen().prescriber.hpr_number == "9144889"


def _accept_with(change: object) -> object:
    def run(dialog: QDialog) -> bool:
        assert isinstance(dialog, SettingsDialog)
        change(dialog)  # type: ignore[operator]
        return True
    return run


def test_saving_without_a_new_language_asks_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    save_settings(tmp_path, Settings(prescriber=DOCTOR, ui_language="nb"))
    asked: list[QMessageBox] = []

    def longer(dialog: SettingsDialog) -> None:
        _type_number(qtbot, dialog.retention_days, "90")

    saved = open_settings(tmp_path, run_dialog=_accept_with(longer),  # type: ignore[arg-type]
                          ask=lambda box: bool(asked.append(box)), restart=lambda: None)
    assert saved is not None and saved.retention_days == 90
    assert load_settings(tmp_path).retention_days == 90
    assert load_settings(tmp_path).prescriber == DOCTOR
    assert asked == []


def test_new_language_offers_a_restart_in_that_language(qtbot: QtBot, tmp_path: Path) -> None:
    save_settings(tmp_path, Settings(ui_language="nb"))
    asked: list[QMessageBox] = []
    restarted: list[bool] = []

    def ask(box: QMessageBox) -> bool:
        asked.append(box)
        return True

    saved = open_settings(
        tmp_path, run_dialog=_accept_with(lambda d: _pick(d.ui_language, "nn")),  # type: ignore[arg-type]
        ask=ask, restart=lambda: restarted.append(True))
    assert saved is not None and load_settings(tmp_path).ui_language == "nn"
    assert len(asked) == 1 and restarted == [True]
    box = asked[0]
    assert box.text() == "Start Rekvirent på nytt for å byte språk."
    assert {b.text() for b in box.buttons()} == {"&Start på nytt no", "S&einare"}


def test_later_does_not_restart(qtbot: QtBot, tmp_path: Path) -> None:
    restarted: list[bool] = []
    saved = open_settings(
        tmp_path, run_dialog=_accept_with(lambda d: _pick(d.ui_language, "en")),  # type: ignore[arg-type]
        ask=lambda box: False, restart=lambda: restarted.append(True), system_locale="nb_NO")
    assert saved is not None and saved.ui_language == "en"
    assert restarted == []


def test_cancel_saves_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    assert open_settings(tmp_path, run_dialog=lambda dialog: False) is None
    assert not (tmp_path / "settings.json").exists()


def test_a_failed_save_says_so_and_changes_nothing(qtbot: QtBot, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x", encoding="utf-8")
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: warnings.append(title)))
    assert open_settings(not_a_folder, run_dialog=lambda dialog: True) is None
    assert warnings == ["Innstillingene kunne ikke lagres"]


def test_restart_prompt_texts(qtbot: QtBot) -> None:
    bokmal = restart_prompt("nb")
    qtbot.addWidget(bokmal)
    assert bokmal.text() == "Start Rekvirent på nytt for å bytte språk."
    assert {b.text() for b in bokmal.buttons()} == {"&Start på nytt nå", "S&enere"}
    english = restart_prompt("en", can_restart=False)
    qtbot.addWidget(english)
    assert english.text() == "The new language is used the next time you start Rekvirent."
    assert [b.text() for b in english.buttons()] == ["&Close"]


def test_request_restart_closes_windows_then_quits(qtbot: QtBot,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    monkeypatch.setattr(settings_dialog, "_restart_requested", False)
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    settings_dialog.request_restart()
    assert not window.isVisible()
    assert quits == [True]
    assert settings_dialog.restart_requested()


def test_restart_command_drops_the_language_option() -> None:
    assert settings_dialog.restart_command(
        ["main.py", "--language", "nb", "--data-dir", "/tmp/x", "--language=en"]) == [
        "main.py", "--data-dir", "/tmp/x"]
