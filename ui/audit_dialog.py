"""The audit log of one case, read-only: who did what and when (no clinical text in it)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from i18n import N_, _

if TYPE_CHECKING:
    from core.audit import AuditEntry, AuditVerification

OSLO = ZoneInfo("Europe/Oslo")
ACTIONS = {
    "create": N_("Created"), "open": N_("Opened"),
    "export": N_("Exported"), "print": N_("Printed"), "copy": N_("Copied to the clipboard"),
    "delete": N_("Deleted"), "purge": N_("Deleted by the retention rule"),
    "restore": N_("Restored from a backup"), "import": N_("Imported"),
    "duplicate": N_("Duplicated"),
    "repair": N_("Audit log guard put back"),
    "followup": N_("Follow-up entry"), "dose_change": N_("Dose decision"),
    "taper": N_("Taper or further plan set"), "complete": N_("Course ended"),
}


def action_text(action: str) -> str:
    return _(ACTIONS[action]) if action in ACTIONS else action


class AuditDialog(QDialog):
    def __init__(self, entries: list[AuditEntry], verification: AuditVerification | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Audit log of the case"))
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        if verification is not None:
            ok = verification.ok
            self.status = QLabel(_("The log is intact: every entry is linked to the one "
                                   "before it.") if ok else _(
                "The log has been changed or shortened (first problem at entry {seq}).").format(
                seq=verification.first_broken_seq), self)
        else:
            self.status = QLabel(_("The log could not be checked."), self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = QTableWidget(len(entries), 4, self)
        self.table.setHorizontalHeaderLabels(
            [_("Time"), _("What"), _("Who"), _("Workstation")])
        self.table.setAccessibleName(_("Audit log entries"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for row, entry in enumerate(entries):
            who = entry.actor + (f" ({entry.actor_hpr})" if entry.actor_hpr else "")
            cells = (entry.at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M:%S"),
                     action_text(entry.action), who, entry.workstation)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
