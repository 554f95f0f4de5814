"""Bars at the top of the wizard: the validity banner, the save-error bar and the
connection-lost banner (clinic mode: the database server does not answer).

Both carry an icon, words and a coloured background — never colour alone — and both stay
until their cause is gone.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.case import Case
from core.content.pathway import LegalBasis
from i18n import _
from ui.wizard import icons
from ui.wizard.formatting import long_date
from ui.wizard.widgets import wrapping_label

if TYPE_CHECKING:
    from ui.controller import CaseController


def tint(widget: QWidget, colour: str) -> None:
    widget.setAutoFillBackground(True)
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(colour))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1a1a1a"))
    widget.setPalette(palette)


class _Bar(QFrame):
    def __init__(self, kind: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        tint(self, colour)
        self.row = QHBoxLayout(self)
        self.icon = QLabel(self)
        size = self.fontMetrics().height() + 6
        self.icon.setPixmap(icons.pixmap(kind, size, self.devicePixelRatioF()))
        self.row.addWidget(self.icon)
        column = QVBoxLayout()
        self.label = wrapping_label("", self)
        column.addWidget(self.label)
        self.row.addLayout(column, 1)
        self.hide()


def validity_period(basis: LegalBasis) -> str:
    if basis.valid_from and basis.valid_until:
        return _("{start} to {end}").format(start=long_date(basis.valid_from),
                                             end=long_date(basis.valid_until))
    if basis.valid_until:
        return _("until {end}").format(end=long_date(basis.valid_until))
    if basis.valid_from:
        return _("from {start}").format(start=long_date(basis.valid_from))
    return _("no end date")


def validity_message(case: Case, basis: LegalBasis) -> str:
    """What the banner says, or "" when the consultation date is inside the validity."""
    consultation = case.consultation
    if consultation.exercise_mode:
        return _("Exercise mode: this case is not a real prescription decision. Every document "
                 "is marked as an exercise, and the validity of the legal basis is not enforced.")
    day: date | None = consultation.date
    if day is not None and not basis.in_force_on(day):
        return _("The consultation date, {date}, is outside the period the legal basis applies "
                 "({period}). Choose a pathway in force, or mark the case as an exercise.").format(
            date=long_date(day), period=validity_period(basis))
    return ""


class ValidityBanner(_Bar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("warning", "#fff4d6", parent)
        self.setAccessibleName(_("Validity of the legal basis"))

    def update_for(self, case: Case, basis: LegalBasis) -> None:
        message = validity_message(case, basis)
        if message != self.label.text():
            self.label.setText(message)
            self.label.setAccessibleName(message)
        self.setVisible(bool(message))


class SaveErrorBar(_Bar):
    """Shown while saving fails; the typed case stays in memory and can be saved again."""

    retry = Signal()
    save_copy = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("error", "#fde7e5", parent)
        self.setAccessibleName(_("Saving failed"))
        self.retry_button = QPushButton(_("&Try again"), self)
        self.copy_button = QPushButton(_("Save a &copy as a case file…"), self)
        self.row.addWidget(self.retry_button)
        self.row.addWidget(self.copy_button)
        self.retry_button.clicked.connect(self.retry.emit)
        self.copy_button.clicked.connect(self.save_copy.emit)

    def show_error(self, reason: str | None) -> None:
        if reason:
            text = _("The case could not be saved: {reason}. What you typed is kept in this "
                     "window. Try again, or save a copy as a case file.").format(
                reason=reason.rstrip("."))
            self.label.setText(text)
            self.label.setAccessibleName(text)
        self.setVisible(bool(reason))


class ConnectionBanner(_Bar):
    """Shown while the database server does not answer: what the GP typed is safe in the
    window and is saved by itself when the server is back (the controller retries with
    growing pauses).  "Try now" retries at once; the copy is the way out if it never returns."""

    retry = Signal()
    save_copy = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("warning", "#fff4d6", parent)
        self.setAccessibleName(_("No connection to the database server"))
        text = _("The server does not answer – your changes are in the window and will be "
                 "saved when the connection is back.")
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.retry_button = QPushButton(_("Try &now"), self)
        self.copy_button = QPushButton(_("Save a &copy as a case file…"), self)
        self.row.addWidget(self.retry_button)
        self.row.addWidget(self.copy_button)
        self.retry_button.clicked.connect(self.retry.emit)
        self.copy_button.clicked.connect(self.save_copy.emit)

    def attach(self, controller: CaseController) -> None:
        """Follow ``controller``: visible exactly while its connection is lost; "Try now"
        retries at once."""
        def follow() -> None:
            self.setVisible(controller.connection_lost)

        controller.connection_changed.connect(follow)
        self.retry.connect(controller.retry_now)
        follow()
