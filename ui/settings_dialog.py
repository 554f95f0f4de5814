"""The settings dialog: languages, how long exported cases are kept, idle lock, profile.

Edits a copy of :class:`core.settings.Settings` (fields this dialog does not know are kept as
they are) and, through :func:`open_settings`, saves it with :func:`core.settings.save_settings`.
A new UI language takes effect at the next start (Qt's own texts, the locale and every window
are set up once), so saving one asks whether to restart now; the restart itself is a callable
the application provides (see :func:`request_restart`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import i18n
from core.case import Prescriber
from core.settings import Settings, load_settings, save_settings
from i18n import N_, _, ngettext
from ui.wizard.widgets import ChoiceCombo, FieldRow, wrapping_label

#: Text of the button or menu entry that opens this dialog (for the start window).
SETTINGS_ACTION = N_("Se&ttings…")

#: UI languages in the order they are offered.
UI_LANGUAGES: tuple[tuple[i18n.Language, str], ...] = (
    ("nb", N_("Norwegian Bokmål")),
    ("nn", N_("Norwegian Nynorsk")),
    ("en", N_("English")),
)
DOCUMENT_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("nb", N_("Norwegian Bokmål")),
    ("nn", N_("Norwegian Nynorsk")),
)


def default_ui_language(settings: Settings, system_locale: str | None = None) -> i18n.Language:
    """The saved choice, else the computer's language (``nb_NO`` → nb), else bokmål."""
    if settings.ui_language:
        return settings.ui_language
    return i18n.normalise_language(
        system_locale if system_locale is not None else QLocale.system().name())


def _split_count(template: str) -> tuple[str, str]:
    """``"{count} days"`` → (``""``, ``" days"``): prefix and suffix around the number."""
    before, _sep, after = template.partition("{count}")
    return before, after


class CountSpinBox(QSpinBox):
    """A whole number whose unit follows the number ("1 dag", "30 dager").

    ``template(n)`` gives the translated text with a ``{count}`` placeholder, e.g.
    ``lambda n: ngettext("{count} day", "{count} days", n)``.
    """

    def __init__(self, minimum: int, maximum: int, template: Callable[[int], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._template = template
        self.setRange(minimum, maximum)
        self.valueChanged.connect(self._unit)
        self._unit(self.value())

    def _unit(self, value: int) -> None:
        prefix, suffix = _split_count(self._template(value))
        self.setPrefix(prefix)
        self.setSuffix(suffix)


class SettingsDialog(QDialog):
    """The GP's settings.  :meth:`chosen` gives the edited copy; nothing is saved here."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 system_locale: str | None = None) -> None:
        super().__init__(parent)
        self.original = settings
        self._initial_ui_language = default_ui_language(settings, system_locale)
        self._prescriber = settings.prescriber.model_copy()
        self.setWindowTitle(_("Settings"))
        layout = QVBoxLayout(self)

        language_box = QGroupBox(_("Language"), self)
        language_layout = QVBoxLayout(language_box)
        self.ui_language = ChoiceCombo([(code, _(name)) for code, name in UI_LANGUAGES],
                                       parent=language_box)
        self.ui_language.setValue(self._initial_ui_language)
        language_layout.addWidget(FieldRow(
            _("&Language in Rekvirent:"), self.ui_language, parent=language_box,
            hint=_("The language of menus, buttons and messages. Documents have their own "
                   "language.")))
        self.document_language = ChoiceCombo(
            [(code, _(name)) for code, name in DOCUMENT_LANGUAGES], parent=language_box)
        self.document_language.setValue(settings.document_language)
        language_layout.addWidget(FieldRow(
            _("&Journal note and plan in:"), self.document_language, parent=language_box,
            hint=_("This is the default for new documents; you can change it for each case. "
                   "The consent follows the patient's choice.")))
        layout.addWidget(language_box)

        privacy_box = QGroupBox(_("Privacy and security"), self)
        privacy_layout = QVBoxLayout(privacy_box)
        self.retention_days = CountSpinBox(
            1, 3650, lambda n: ngettext("{count} day", "{count} days", n), privacy_box)
        self.retention_days.setValue(settings.retention_days)
        self.retention_row = FieldRow(_("&Delete exported cases after:"), self.retention_days,
                                      parent=privacy_box, hint=" ")
        privacy_layout.addWidget(self.retention_row)
        self.idle_lock_minutes = CountSpinBox(
            1, 240, lambda n: ngettext("{count} minute without use",
                                       "{count} minutes without use", n), privacy_box)
        self.idle_lock_minutes.setValue(settings.idle_lock_minutes)
        privacy_layout.addWidget(FieldRow(
            _("L&ock Rekvirent after:"), self.idle_lock_minutes, parent=privacy_box,
            hint=_("When nobody has used Rekvirent for a while, its windows are covered until "
                   "you unlock them. What you typed is saved first.")))
        layout.addWidget(privacy_box)
        self.retention_days.valueChanged.connect(self._explain_retention)
        self._explain_retention(self.retention_days.value())

        profile_box = QGroupBox(_("Prescriber profile"), self)
        profile_layout = QHBoxLayout(profile_box)
        self.profile_summary = wrapping_label("", profile_box)
        self.profile_button = QPushButton(_("&Change the profile…"), profile_box)
        self.profile_button.clicked.connect(self.edit_profile)
        profile_layout.addWidget(self.profile_summary, 1)
        profile_layout.addWidget(self.profile_button)
        layout.addWidget(profile_box)
        layout.addStretch(1)
        self._show_profile()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        self._readable_width()

    def _readable_width(self) -> None:
        """About 45 characters wide (relative to the font, so it scales), within the screen."""
        width = self.fontMetrics().horizontalAdvance("M") * 45
        screen = self.screen()
        if screen is not None:
            width = min(width, int(screen.availableGeometry().width() * 0.9))
        self.resize(width, self.heightForWidth(width) if self.hasHeightForWidth()
                    else self.sizeHint().height())

    def _explain_retention(self, days: int) -> None:
        self.retention_row.set_hint(ngettext(
            "Exported cases are deleted from this computer {count} day after the last export. "
            "The documents you exported are not affected.",
            "Exported cases are deleted from this computer {count} days after the last export. "
            "The documents you exported are not affected.", days).format(count=days))

    def _show_profile(self) -> None:
        prescriber = self._prescriber
        if prescriber.name.strip():
            text = _("{name}, HPR number {hpr}").format(name=prescriber.name,
                                                       hpr=prescriber.hpr_number or "–")
        else:
            text = _("No prescriber profile yet.")
        self.profile_summary.setText(text)

    def edit_profile(self) -> bool:
        """The existing profile dialog, on this dialog's copy of the profile."""
        from ui.wizard.dialogs import ProfileDialog

        dialog = ProfileDialog(self._prescriber, self)
        if not self.run_dialog(dialog):
            return False
        self._prescriber = dialog.prescriber()
        self._show_profile()
        return True

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a modal dialog; tests replace this to answer it."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    @property
    def prescriber(self) -> Prescriber:
        return self._prescriber

    def chosen(self) -> Settings:
        """A copy of the settings with what the dialog shows (unknown fields kept)."""
        ui_language = self.ui_language.value()
        if ui_language == self._initial_ui_language:
            ui_language = self.original.ui_language  # untouched: keep following the computer
        return self.original.model_copy(update={
            "ui_language": ui_language,
            "document_language": self.document_language.value(),
            "retention_days": int(self.retention_days.value()),
            "idle_lock_minutes": int(self.idle_lock_minutes.value()),
            "prescriber": self._prescriber,
        })

    def language_changed(self) -> bool:
        """True when the GP picked another UI language than the one in use."""
        return self.ui_language.value() != self._initial_ui_language


def restart_prompt(language: i18n.Language, parent: QWidget | None = None, *,
                   can_restart: bool = True) -> QMessageBox:
    """Ask, in the *new* language, whether to restart now so that it takes effect."""
    t = i18n.translator(language)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(t.gettext("Restart Rekvirent"))
    if can_restart:
        box.setText(t.gettext("Restart Rekvirent to switch the language."))
        box.setInformativeText(t.gettext(
            "What you have typed is saved before Rekvirent closes."))
        now = box.addButton(t.gettext("&Restart now"), QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton(t.gettext("&Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(now)
        box.setEscapeButton(later)
    else:
        box.setText(t.gettext("The new language is used the next time you start Rekvirent."))
        box.addButton(t.gettext("&Close"), QMessageBox.ButtonRole.AcceptRole)
    return box


def open_settings(data_dir: Path, parent: QWidget | None = None, *,
                  restart: Callable[[], None] | None = None,
                  run_dialog: Callable[[QDialog], bool] | None = None,
                  ask: Callable[[QMessageBox], bool] | None = None,
                  system_locale: str | None = None) -> Settings | None:
    """Show the dialog, save what was chosen, and offer a restart for a new UI language.

    ``run_dialog`` and ``ask`` (True = "Restart now") are for tests.  Returns the saved
    settings, or None when the GP cancelled or saving failed (a message says why).
    """
    settings = load_settings(data_dir)
    dialog = SettingsDialog(settings, parent, system_locale=system_locale)
    accepted = (run_dialog or dialog.run_dialog)(dialog)
    if not accepted:
        return None
    chosen = dialog.chosen()
    try:
        save_settings(data_dir, chosen)
    except OSError as exc:
        QMessageBox.warning(parent, _("The settings could not be saved"),
                            exc.strerror or type(exc).__name__)
        return None
    if dialog.language_changed():
        language = cast(i18n.Language, dialog.ui_language.value())
        box = restart_prompt(language, parent, can_restart=restart is not None)
        answer = ask(box) if ask is not None else _exec_answer(box)
        if answer and restart is not None:
            restart()
    return chosen


def _exec_answer(box: QMessageBox) -> bool:
    box.exec()
    return box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole


_restart_requested = False


def request_restart() -> None:
    """Close every window (each saves its case) and quit; :func:`restart_requested` is then
    True, and the caller of ``app.exec()`` starts Rekvirent again once its lock is released."""
    global _restart_requested
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for window in app.topLevelWidgets():
        if window.isVisible() and not window.close():
            return  # a window could not save and the GP chose to stay: no restart
    _restart_requested = True
    app.quit()


def restart_requested() -> bool:
    return _restart_requested


def restart_command(argv: list[str]) -> list[str]:
    """``sys.argv`` for the new process, without ``--language`` (the new setting must win)."""
    command: list[str] = []
    skip = False
    for argument in argv:
        if skip:
            skip = False
        elif argument == "--language":
            skip = True
        elif not argument.startswith("--language="):
            command.append(argument)
    return command
