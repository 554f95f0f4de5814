"""Qt's own texts (menus, buttons, file and print dialogs) and QLocale in bokmål and nynorsk.

Qt has no bokmål or nynorsk catalogs; :class:`ui.qt_i18n.GettextTranslator` answers from ours.
These tests build the real widgets and read what they show.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QLocale, QPoint, QTimer, QTranslator
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDateEdit,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

import i18n
from ui.app import QT_LOCALES
from ui.qt_i18n import GettextTranslator, install_translator

Button = QDialogButtonBox.StandardButton

CONTEXT_MENU = {
    "nb": ["Angre", "Gjør om", "Klipp ut", "Kopier", "Lim inn", "Slett", "Merk alt"],
    "nn": ["Angre", "Gjer om", "Klipp ut", "Kopier", "Lim inn", "Slett", "Merk alt"],
}
BUTTONS = {
    "nb": {Button.Ok: "OK", Button.Cancel: "Avbryt", Button.Yes: "Ja", Button.No: "Nei",
           Button.Save: "Lagre", Button.Discard: "Forkast", Button.Close: "Lukk",
           Button.Open: "Åpne", Button.Apply: "Bruk", Button.Help: "Hjelp",
           Button.Retry: "Prøv igjen", Button.YesToAll: "Ja til alle",
           Button.NoToAll: "Nei til alle"},
    "nn": {Button.Ok: "OK", Button.Cancel: "Avbryt", Button.Yes: "Ja", Button.No: "Nei",
           Button.Save: "Lagre", Button.Discard: "Forkast", Button.Close: "Lukk",
           Button.Open: "Opne", Button.Apply: "Bruk", Button.Help: "Hjelp",
           Button.Retry: "Prøv igjen", Button.YesToAll: "Ja til alle",
           Button.NoToAll: "Nei til alle"},
}
FILE_DIALOG = {
    "nb": {"lookInLabel": "Se i:", "fileNameLabel": "Filnavn:", "fileTypeLabel": "Filtype:"},
    "nn": {"lookInLabel": "Sjå i:", "fileNameLabel": "Filnamn:", "fileTypeLabel": "Filtype:"},
}
# Qt strings we deliberately leave as they are: key names in shortcuts, paper-size names, file
# type descriptions, numbers, units, and texts Qt never shows (form titles, the layout-direction
# marker).
LEFT_AS_QT = {"QShortcut", "QPageSize", "QGuiApplication", "QMimeType"}
LEFT_AS_QT_TEXTS = {"Form", "...", "%1%", "mm", "Show ", "Alt+Left", "Alt+Right", "Alt+Up",
                    "Pica (P̸)", "Didot (DD)", "Cicero (CC)", "1 (1x1)", "2 (2x1)", "4 (2x2)",
                    "6 (2x3)", "9 (3x3)", "16 (4x4)"}


def plain(text: str) -> str:
    """Menu text without its shortcut (after a tab) and without mnemonic ampersands."""
    return text.split("\t")[0].replace("&&", "\0").replace("&", "").replace("\0", "&")


@pytest.fixture
def translated(qapp: QApplication) -> Iterator[GettextTranslator]:
    translator = install_translator(qapp)
    locale = QLocale()
    yield translator
    qapp.removeTranslator(translator)
    QLocale.setDefault(locale)
    i18n.set_language("nb")


def use(language: i18n.Language) -> None:
    i18n.set_language(language)
    QLocale.setDefault(QT_LOCALES[language])


def _menu_texts(menu: QMenu) -> list[str]:
    return [plain(action.text()) for action in menu.actions() if not action.isSeparator()]


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_text_field_context_menus(translated: GettextTranslator, qtbot: QtBot,
                                  language: i18n.Language) -> None:
    use(language)
    line = QLineEdit("Testa Testesen")
    qtbot.addWidget(line)
    assert _menu_texts(line.createStandardContextMenu()) == CONTEXT_MENU[language]
    note = QPlainTextEdit("tekst")
    qtbot.addWidget(note)
    assert _menu_texts(note.createStandardContextMenu()) == CONTEXT_MENU[language]
    # Shortcuts keep Qt's key names ("Ctrl+Z"): an untranslated Qt string is never blanked.
    undo = line.createStandardContextMenu().actions()[0].text()
    assert undo.endswith("\tCtrl+Z"), undo


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_spin_box_context_menu(translated: GettextTranslator, qtbot: QtBot,
                               language: i18n.Language) -> None:
    use(language)
    spin = QSpinBox()
    qtbot.addWidget(spin)
    spin.show()
    qtbot.waitExposed(spin)
    seen: list[str] = []

    def read_and_close() -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            seen.extend(_menu_texts(popup))
            popup.close()

    def close_anyway() -> None:  # never leave the menu's event loop running
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()

    QTimer.singleShot(0, read_and_close)
    guard = QTimer(spin)  # dies with the spin box, so it cannot touch a later test
    guard.setSingleShot(True)
    guard.timeout.connect(close_anyway)
    guard.start(3000)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(2, 2),
                              spin.mapToGlobal(QPoint(2, 2)))
    QApplication.sendEvent(spin, event)
    assert "Steg opp" in seen and "Steg ned" in seen, seen
    assert "Merk alt" in seen and "Kopier" in seen, seen


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_standard_buttons(translated: GettextTranslator, qtbot: QtBot,
                          language: i18n.Language) -> None:
    use(language)
    box = QDialogButtonBox()
    qtbot.addWidget(box)
    for button, text in BUTTONS[language].items():
        box.addButton(button)
        shown = box.button(button)
        assert shown is not None and plain(shown.text()) == text, (button, shown.text())


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_message_box_buttons(translated: GettextTranslator, qtbot: QtBot,
                             language: i18n.Language) -> None:
    use(language)
    box = QMessageBox(QMessageBox.Icon.Question, "Rekvirent", "?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(box)
    box.setDetailedText("detaljar")
    box.show()
    qtbot.waitExposed(box)
    texts = {plain(b.text()) for b in box.findChildren(QPushButton) if b.isVisible()}
    details = "Vis detaljer …" if language == "nb" else "Vis detaljar …"
    assert {"Ja", "Nei", details} <= texts, texts
    box.close()


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_qt_file_dialog_labels(translated: GettextTranslator, qtbot: QtBot,
                               language: i18n.Language, tmp_path: Path) -> None:
    """Qt's own file dialog (Linux without a native one); Windows and macOS translate theirs."""
    use(language)
    dialog = QFileDialog(None, "Eksporter saksfil", str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.show()
    qtbot.waitExposed(dialog)
    for name, text in FILE_DIALOG[language].items():
        label = dialog.findChild(QLabel, name)
        assert label is not None and plain(label.text()) == text, (name, label)
    texts = {plain(b.text()) for b in dialog.findChildren(QPushButton) if b.isVisible()}
    assert {"Lagre", "Avbryt"} <= texts, texts
    dialog.close()


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_print_dialog_labels(translated: GettextTranslator, qtbot: QtBot,
                             language: i18n.Language) -> None:
    use(language)
    printer = QPrinter()
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = {plain(w.text()) for w in dialog.findChildren(QPushButton) if w.isVisible()}
    assert "Skriv ut" in texts and "Avbryt" in texts, texts
    labels = {plain(w.text()) for w in dialog.findChildren(QLabel) if w.isVisible()}
    assert ("Namn:" if language == "nn" else "Navn:") in labels, labels
    dialog.close()


class _Recorder(QTranslator):
    """Notes every (context, source) Qt looks up and lets the next translator answer."""

    def __init__(self, parent: QWidget | QApplication | None = None) -> None:
        super().__init__(parent)
        self.seen: set[tuple[str, str]] = set()

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        self.seen.add((context, source))
        return None

    def isEmpty(self) -> bool:
        return False


def test_every_qt_text_we_show_has_a_norwegian_translation(
        translated: GettextTranslator, qtbot: QtBot, qapp: QApplication,
        tmp_path: Path) -> None:
    """Asks Qt which strings it looks up for our menus and dialogs; all must be in the catalog.

    A Qt upgrade that renames a string shows up here instead of as English on screen.
    """
    use("nb")
    recorder = _Recorder(qapp)
    qapp.installTranslator(recorder)  # asked first; it passes every lookup on
    try:
        widgets: list[QWidget] = []
        line = QLineEdit("x")
        line.createStandardContextMenu()
        note = QPlainTextEdit("x")
        note.createStandardContextMenu()
        box = QDialogButtonBox()
        for button in BUTTONS["nb"]:
            box.addButton(button)
        message = QMessageBox()
        message.setDetailedText("x")
        widgets += [line, note, box, message]
        for mode in ("open", "save", "directory"):
            dialog = QFileDialog(None, "", str(tmp_path))
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
            if mode == "save":
                dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            if mode == "directory":
                dialog.setFileMode(QFileDialog.FileMode.Directory)
            widgets.append(dialog)
        printer = QPrinter()
        print_dialog = QPrintDialog(printer)
        widgets.append(print_dialog)
        for widget in widgets:
            qtbot.addWidget(widget)
            widget.show()
        QApplication.processEvents()
        for button in print_dialog.findChildren(QPushButton):
            if button.text().startswith("&Alternativer"):
                button.click()  # the options part has its own labels
        QApplication.processEvents()
        for widget in widgets:
            widget.close()
    finally:
        qapp.removeTranslator(recorder)
    catalog = i18n.translator("nb")
    missing = sorted(
        (context, source) for context, source in recorder.seen
        if context not in LEFT_AS_QT and source not in LEFT_AS_QT_TEXTS
        and catalog.pgettext(context, source) == source
        and not _translated_as_itself(context, source))
    assert not missing, f"add to ui/qt_strings.py and the catalogs: {missing}"


def _translated_as_itself(context: str, source: str) -> bool:
    """"OK" and "Type:" are the same in Norwegian: present in the catalog, same text."""
    from babel.messages.pofile import read_po

    with (i18n.LOCALE_DIR / "nb" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="nb")
    return catalog.get(source, context=context) is not None


def test_many_lookups_keep_none_alive(translated: GettextTranslator) -> None:
    """PySide6 6.12 drops a reference to None per lookup (and per void call).

    Without :mod:`ui._pyside_guard`, CPython 3.11 aborts ("deallocating None") after a few
    thousand lookups, i.e. some minutes into a session.  Importing ``ui`` applies the guard;
    40,000 lookups must leave None far from zero.
    """
    from ui import _pyside_guard

    use("nb")
    for _round in range(20_000):
        QCoreApplication.translate("QPlatformTheme", "Cancel")
        QCoreApplication.translate("QShortcut", "Ctrl")
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) > _pyside_guard.RESERVE // 2


def test_an_untranslated_qt_string_keeps_its_english_text(
        translated: GettextTranslator) -> None:
    use("nn")
    assert QCoreApplication.translate("NoSuchContext", "Some text") == "Some text"
    assert QCoreApplication.translate("QPlatformTheme", "OK") == "OK"


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_dates_and_decimals_follow_norwegian_conventions(
        translated: GettextTranslator, qtbot: QtBot, language: i18n.Language) -> None:
    use(language)
    date_edit = QDateEdit(QDate(2026, 11, 22))
    qtbot.addWidget(date_edit)
    assert date_edit.displayFormat() == "dd.MM.yyyy"
    assert date_edit.text() == "22.11.2026"
    number = QDoubleSpinBox()
    qtbot.addWidget(number)
    number.setDecimals(1)
    number.setValue(2.5)
    assert number.text() == "2,5"
    assert QLocale().toDouble("7,5") == (7.5, True)
    long_date = QLocale().toString(QDate(2026, 11, 22), QLocale.FormatType.LongFormat)
    assert "22. november 2026" in long_date


def test_english_ui_uses_british_conventions(translated: GettextTranslator,
                                             qtbot: QtBot) -> None:
    use("en")
    date_edit = QDateEdit(QDate(2026, 11, 22))
    qtbot.addWidget(date_edit)
    assert date_edit.text() == "22/11/2026"
    box = QDialogButtonBox(Button.Cancel)
    qtbot.addWidget(box)
    cancel = box.button(Button.Cancel)
    assert cancel is not None and cancel.text() == "Cancel"
