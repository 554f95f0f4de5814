"""The GP's choice when the start-up check finds the database damaged or missing.

Three ways out, and none of them deletes anything:

* **restore** the newest backup copy that passed the check — the button names its date and
  time ("Gjenopprett sikkerhetskopi fra 22. november 2026 kl. 14:32");
* **start with an empty database** — only after a second, explicit confirmation;
* **quit** — the default when there is no backup, and what Escape or closing the window does;
  the files stay exactly as they are and the question comes back at the next start.

The damaged files are moved (never deleted) into the folder the dialog names, so they can be
handed to someone who can rescue more from them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import i18n
from core.storage.recovery import Health, VerifiedBackup
from i18n import _

OSLO = ZoneInfo("Europe/Oslo")


class RecoveryChoice(StrEnum):
    RESTORE = "restore"
    EMPTY = "empty"
    QUIT = "quit"


def backup_moment(moment: datetime, locale: str | None = None) -> tuple[str, str]:
    """(date, time) of a backup in Norwegian time: ``("22. november 2026", "14:32")``."""
    from babel.dates import format_date, format_time

    locale = locale or i18n.current().locale
    local = moment.astimezone(OSLO)
    return (str(format_date(local.date(), format="long", locale=locale)),
            str(format_time(local.time(), format="HH:mm", locale=locale)))


def _label(text: str, parent: QWidget, *, selectable: bool = False) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # file names are shown, never interpreted
    label.setText(text)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RecoveryDialog(QDialog):
    """Ask what to do with a damaged or missing database; read :attr:`choice` afterwards."""

    def __init__(self, health: Health, backup: VerifiedBackup | None, damaged_folder: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.health = health
        self.backup = backup
        self.damaged_folder = damaged_folder
        self.choice = RecoveryChoice.QUIT
        damaged = health.status == "damaged"
        self.setWindowTitle(_("The database is damaged") if damaged
                            else _("The database is missing"))
        self.setModal(True)
        layout = QVBoxLayout(self)

        title = _label(self.windowTitle(), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        self.problem_label = _label(health.message, self)
        layout.addWidget(self.problem_label)

        if damaged:
            keep = _("Nothing is deleted, whatever you choose. The damaged files are moved, "
                     "unchanged, to this folder:")
        else:
            keep = _("Nothing is deleted, whatever you choose.")
        layout.addWidget(_label(keep, self))
        self.folder_label = _label(str(damaged_folder), self, selectable=True)
        self.folder_label.setVisible(damaged)
        layout.addWidget(self.folder_label)

        if backup is not None:
            day, time = backup_moment(backup.taken_at)
            about_backup = _(
                "The newest backup copy that passed the check is from {date} at {time}. "
                "Drafts changed after that are not in it.").format(date=day, time=time)
        else:
            about_backup = _("No backup copy that passes the check was found.")
        self.backup_label = _label(about_backup, self)
        layout.addWidget(self.backup_label)

        buttons = QHBoxLayout()
        self.restore_button: QPushButton | None = None
        if backup is not None:
            day, time = backup_moment(backup.taken_at)
            self.restore_button = QPushButton(
                _("&Restore the backup from {date} at {time}").format(date=day, time=time),
                self)
            self.restore_button.clicked.connect(self._restore)
            buttons.addWidget(self.restore_button)
        self.empty_button = QPushButton(_("Start with an &empty database…"), self)
        self.empty_button.clicked.connect(self._start_empty)
        self.quit_button = QPushButton(_("&Quit Rekvirent"), self)
        self.quit_button.clicked.connect(self.reject)
        buttons.addWidget(self.empty_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        layout.addLayout(buttons)
        default = self.restore_button or self.quit_button
        default.setDefault(True)
        default.setFocus()

    def _restore(self) -> None:
        self.choice = RecoveryChoice.RESTORE
        self.accept()

    def _start_empty(self) -> None:
        if self.confirm_empty():
            self.choice = RecoveryChoice.EMPTY
            self.accept()

    def confirm_empty(self) -> bool:
        """The second, explicit question before starting without any drafts."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Start with an empty database?"))
        box.setText(_("Start Rekvirent without any drafts?"))
        box.setInformativeText(_(
            "The drafts in the damaged database will not be shown. The damaged files stay "
            "in {folder}; nothing is deleted.").format(folder=self.damaged_folder))
        start = box.addButton(_("Start with an empty database"),
                              QMessageBox.ButtonRole.DestructiveRole)
        back = box.addButton(_("Go back"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(back)
        box.setEscapeButton(back)
        self._confirmation = box  # for tests
        box.exec()
        return box.clickedButton() is start

    def reject(self) -> None:
        self.choice = RecoveryChoice.QUIT
        super().reject()
