"""The edit-conflict dialog: another doctor saved this case after the window loaded it.

It lists what differs — the field, what is saved now, what is in this window — and who saved
it and when, and offers exactly three ways on: reload the saved version (the GP's version is
kept as a separate copy first), keep the GP's version as a copy (a new case of their own), or
decide later (nothing is written, the window keeps what was typed).  There is no button that
overwrites the other doctor's work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import diff
from i18n import _, ngettext
from ui.wizard.formatting import clock_time, format_date, ui_language
from ui.wizard.widgets import heading, wrapping_label

if TYPE_CHECKING:
    from core.content.pathway import Pathway
    from ui.conflict import Conflict, ConflictChoice

#: Longer values are cut in the table (the whole value is in the tooltip).
CELL_MAX = 300


def _cell(text: str) -> QTableWidgetItem:
    shown = text if len(text) <= CELL_MAX else text[:CELL_MAX - 1] + "…"
    item = QTableWidgetItem(shown)
    item.setToolTip(text[:4000])
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def conflict_message(conflict: Conflict) -> str:
    """The dialog's first sentence: who saved what, and when (or that the case is gone)."""
    if conflict.stored is None:
        return _("Someone else has deleted this case while you were working on it. Your "
                 "version is still in this window.")
    who = conflict.saved_by
    when = conflict.saved_at
    name = who.name if who is not None and who.name else ""
    if name and when is not None:
        return _("{name} saved this case on {date} at {time}, after you opened it. Nothing "
                 "has been overwritten: your version is still in this window.").format(
            name=name, date=format_date(when.date()), time=clock_time(when))
    if when is not None:
        return _("Someone else saved this case on {date} at {time}, after you opened it. "
                 "Nothing has been overwritten: your version is still in this window.").format(
            date=format_date(when.date()), time=clock_time(when))
    return _("Someone else saved this case after you opened it. Nothing has been overwritten: "
             "your version is still in this window.")


class ConflictDialog(QDialog):
    def __init__(self, conflict: Conflict, *, pathway: Pathway | None = None,
                 label_for: Callable[[str], str | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.choice: ConflictChoice = "later"
        self.setWindowTitle(_("The case was changed by someone else"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("The case was changed by someone else"), self))
        self.message = wrapping_label(conflict_message(conflict), self)
        layout.addWidget(self.message)

        count = len(conflict.changes)
        self.summary = wrapping_label(ngettext(
            "{count} field differs between the saved version and yours:",
            "{count} fields differ between the saved version and yours:", count).format(
            count=count), self)
        layout.addWidget(self.summary)
        self.table = QTableWidget(count, 3, self)
        self.table.setAccessibleName(_("Differences"))
        self.table.setHorizontalHeaderLabels(
            [_("Field"), _("Saved version"), _("Your version")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        language = ui_language()
        for row, change in enumerate(conflict.changes):
            label = (label_for(change.path) if label_for is not None else None) or (
                diff.label_for(change.path, pathway, language))
            self.table.setItem(row, 0, _cell(label))
            self.table.setItem(row, 1, _cell(diff.display_value(change.theirs)))
            self.table.setItem(row, 2, _cell(diff.display_value(change.mine)))
        self.table.resizeRowsToContents()
        # Wrapped cells get their height once the columns have their real width.
        self._fit_rows = QTimer(self)
        self._fit_rows.setSingleShot(True)
        self._fit_rows.setInterval(0)
        self._fit_rows.timeout.connect(self.table.resizeRowsToContents)
        header.sectionResized.connect(lambda *_args: self._fit_rows.start())
        layout.addWidget(self.table, 1)

        self.reload_button = QPushButton(_("&Reload the saved version"), self)
        self.reload_button.setToolTip(_("Show the saved version. Your version is first kept as "
                                        "a separate copy in the draft list."))
        self.copy_button = QPushButton(_("&Keep my version as a copy"), self)
        self.copy_button.setToolTip(_("Your version becomes a new case of your own; the saved "
                                      "version stays as it is."))
        self.later_button = QPushButton(_("Decide &later"), self)
        self.later_button.setToolTip(_("Nothing is saved now; what you typed stays in this "
                                       "window."))
        explanation = _("Reload: your version is first kept as a copy in the draft list. "
                        "Nothing is ever overwritten without you choosing it.")
        if conflict.stored is None:
            self.reload_button.setEnabled(False)
            explanation = _("Keep your version as a new case, or decide later.")
        layout.addWidget(wrapping_label(explanation, self, small=True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        layout.addLayout(buttons)
        self.reload_button.clicked.connect(lambda: self._choose("reload"))
        self.copy_button.clicked.connect(lambda: self._choose("copy"))
        self.later_button.clicked.connect(lambda: self._choose("later"))
        (self.copy_button if conflict.stored is None else self.reload_button).setDefault(True)
        width = self.fontMetrics().horizontalAdvance("M") * 60
        screen = self.screen()
        if screen is not None:
            width = min(width, int(screen.availableGeometry().width() * 0.9))
        self.resize(width, self.fontMetrics().height() * 28)

    def _choose(self, choice: ConflictChoice) -> None:
        self.choice = choice
        if choice == "later":
            self.reject()
        else:
            self.accept()

    def ask(self) -> ConflictChoice:
        """Show the dialog modally; Esc or closing it means "decide later"."""
        self.choice = "later"
        self.exec()
        return self.choice
