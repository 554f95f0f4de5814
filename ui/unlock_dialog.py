"""The passphrase that protects the data key: choosing one, and typing it at start.

Two modes:

* ``create`` — the first start on a computer without a usable keyring (see
  :mod:`core.keys`): a passphrase, the same again, and a live strength hint; the button stays
  off until the passphrase is acceptable and both fields match;
* ``unlock`` — every later start: the passphrase; a wrong one says so and lets the GP try
  again.  "Forgotten passphrase?" explains, in the dialog itself, that the data cannot be read
  without it and that nothing has been or will be deleted.

The dialog never touches files itself: it hands the passphrase to ``attempt`` (for example
``lambda p: keys.unlock(data_dir, p)``) and shows the error that comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import keys
from core.keys import DataKey, KeyProblem, WrongPassphrase
from i18n import _
from ui.wizard.widgets import FieldRow, heading, wrapping_label

Mode = Literal["create", "unlock"]


def strength_hint(passphrase: str) -> str:
    """The hint under a new passphrase (see :func:`core.keys.passphrase_strength`)."""
    count = keys.MIN_PASSPHRASE_LENGTH
    hints = {
        "empty": _("Use at least {count} characters. A few unrelated words are easy to "
                   "remember and hard to guess.").format(count=count),
        "too_short": _("Too short: use at least {count} characters.").format(count=count),
        "weak": _("Too simple: avoid repeating the same characters or using only digits."),
        "fair": _("Acceptable. A longer passphrase is even better."),
        "strong": _("Strong passphrase."),
    }
    return hints[keys.passphrase_strength(passphrase)]


class UnlockDialog(QDialog):
    """Ask for the passphrase (``unlock``) or choose a new one (``create``).

    ``attempt(passphrase)`` returns the data key or raises :class:`core.keys.KeyProblem`; the
    dialog accepts on success and keeps the key in :attr:`key`.
    """

    def __init__(self, mode: Mode, attempt: Callable[[str], DataKey],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode: Mode = mode
        self._attempt = attempt
        self.key: DataKey | None = None
        self.failed_attempts = 0
        layout = QVBoxLayout(self)
        if mode == "create":
            self.setWindowTitle(_("Protect the patient data"))
            layout.addWidget(heading(_("Choose a passphrase"), self))
            layout.addWidget(wrapping_label(_(
                "Rekvirent encrypts the patient data on this computer. The key is protected "
                "by a passphrase that you type each time Rekvirent starts."), self))
            layout.addWidget(wrapping_label(_(
                "Write the passphrase down and keep it somewhere safe. If it is lost, nobody "
                "can recover the data."), self))
        else:
            self.setWindowTitle(_("Unlock Rekvirent"))
            layout.addWidget(heading(_("Type your passphrase"), self))
            layout.addWidget(wrapping_label(_(
                "The patient data on this computer are encrypted. Type your passphrase to "
                "open them."), self))

        self.passphrase = self._password_field()
        layout.addWidget(FieldRow(_("Passphrase"), self.passphrase, parent=self))
        self.confirm: QLineEdit | None = None
        self.hint: QLabel | None = None
        if mode == "create":
            self.hint = wrapping_label(strength_hint(""), self, small=True)
            self.hint.setAccessibleName(_("Passphrase strength"))
            layout.addWidget(self.hint)
            self.confirm = self._password_field()
            layout.addWidget(FieldRow(_("Repeat the passphrase"), self.confirm, parent=self))
        self.show_text = QCheckBox(_("Show passphrase"), self)
        self.show_text.toggled.connect(self._show_text)
        layout.addWidget(self.show_text)

        self.error = wrapping_label("", self)
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #a4262c;")
        self.error.setAccessibleName(_("Error"))
        self.error.hide()
        layout.addWidget(self.error)

        self.forgotten_button: QPushButton | None = None
        self.forgotten = wrapping_label(_(
            "Without the passphrase the encrypted data cannot be read – not by anyone, and "
            "there is no back door. Nothing has been deleted, and Rekvirent deletes nothing "
            "because of a wrong or missing passphrase: if you find the passphrase again, or "
            "have a copy of the key file (key.json) with a passphrase you remember, "
            "everything opens as before. Documents you have already exported are not "
            "affected."), self)
        self.forgotten.hide()
        if mode == "unlock":
            self.forgotten_button = QPushButton(_("Forgotten passphrase?"), self)
            self.forgotten_button.setFlat(True)
            self.forgotten_button.clicked.connect(self.show_forgotten)
            layout.addWidget(self.forgotten_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.forgotten)

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(
            _("Create") if mode == "create" else _("Open"),
            QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = self.buttons.addButton(_("Quit"),
                                                  QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.try_passphrase)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        layout.addStretch(1)

        self.passphrase.textChanged.connect(self._update)
        if self.confirm is not None:
            self.confirm.textChanged.connect(self._update)
        self._update()
        width = self.fontMetrics().horizontalAdvance("M") * 34
        self.resize(width, self.sizeHint().height())
        self.passphrase.setFocus()

    def _password_field(self) -> QLineEdit:
        field = QLineEdit(self)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setMaxLength(1024)
        field.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData
                                  | Qt.InputMethodHint.ImhNoPredictiveText)
        return field

    def _show_text(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        if self.confirm is not None:
            self.confirm.setEchoMode(mode)

    def _update(self, *_args: object) -> None:
        text = self.passphrase.text()
        if self.mode == "unlock":
            self.ok_button.setEnabled(bool(text))
            return
        assert self.hint is not None and self.confirm is not None
        self.hint.setText(strength_hint(text))
        acceptable = keys.passphrase_strength(text) in ("fair", "strong")
        repeated = self.confirm.text()
        matches = text == repeated
        if repeated and not matches and not text.startswith(repeated):
            self._show_error(_("The two passphrases are not the same."))
        else:
            self.error.hide()
        self.ok_button.setEnabled(acceptable and matches)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def show_forgotten(self) -> None:
        self.forgotten.show()

    def try_passphrase(self) -> None:
        """Hand the passphrase to ``attempt``; accept on success, say why otherwise."""
        if not self.ok_button.isEnabled():
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # scrypt takes a moment
        try:
            self.key = self._attempt(self.passphrase.text())
        except WrongPassphrase as exc:
            self.failed_attempts += 1
            self._show_error(str(exc))
            self.passphrase.clear()
            self.passphrase.setFocus()
            return
        except KeyProblem as exc:
            self._show_error(str(exc))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.passphrase.clear()
        if self.confirm is not None:
            self.confirm.clear()
        self.accept()


__all__ = ["UnlockDialog", "strength_hint"]
