"""The start window: the draft list with search-as-you-type.

It appears before storage is opened (SQLAlchemy costs hundreds of milliseconds to import);
:meth:`StartWindow.open_storage` runs right after the first paint and fills the list.  No
patient data in the window title.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from i18n import N_, _, ngettext

if TYPE_CHECKING:
    from core.storage import DraftSummary, Store

OSLO = ZoneInfo("Europe/Oslo")
STATUS_WORDS = {"draft": N_("Draft"), "ready": N_("Ready"), "exported": N_("Exported")}
SEARCH_DELAY_MS = 150
Index = QModelIndex | QPersistentModelIndex


class DraftTableModel(QAbstractTableModel):
    HEADERS = (N_("Patient"), N_("Identity number"), N_("Consultation"), N_("Status"),
               N_("Last edited"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafts: list[DraftSummary] = []

    def set_drafts(self, drafts: list[DraftSummary]) -> None:
        self.beginResetModel()
        self.drafts = drafts
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.drafts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        draft = self.drafts[index.row()]
        column = index.column()
        if column == 0:
            return draft.patient_name or _("(no name yet)")
        if column == 1:
            return draft.masked_identity
        if column == 2:
            return draft.consultation_date.strftime("%d.%m.%Y") if draft.consultation_date else ""
        if column == 3:
            return _(STATUS_WORDS.get(draft.status, draft.status))
        return _local(draft.updated_at)


def _local(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


class StartWindow(QMainWindow):
    def __init__(self, *, data_dir: Path, database_url: str | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.database_url = database_url
        self.store: Store | None = None
        self.setWindowTitle("Rekvirent")
        self.resize(1100, 680)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        heading = QLabel(_("Drafts"), central)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)

        row = QHBoxLayout()
        search_label = QLabel(_("&Search:"), central)
        self.search = QLineEdit(central)
        self.search.setPlaceholderText(_("Name, identity number or date"))
        self.search.setAccessibleName(_("Search drafts"))
        self.search.setClearButtonEnabled(True)
        search_label.setBuddy(self.search)
        row.addWidget(search_label)
        row.addWidget(self.search, 1)
        self.import_button = QPushButton(_("&Import case file…"), central)
        self.import_button.clicked.connect(self.import_case_file)
        row.addWidget(self.import_button)
        layout.addLayout(row)

        self.model = DraftTableModel(central)
        self.table = QTableView(central)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Draft list"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(DraftTableModel.HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

        self.status = QLabel(_("Opening the database…"), central)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.setCentralWidget(central)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.import_button.setEnabled(False)

    # ---- storage ------------------------------------------------------------------------

    def open_storage_after_first_paint(self) -> None:
        """Open storage once the window has been painted (never delaying the first frame)."""
        self._open_on_paint = True

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and getattr(self, "_open_on_paint", False):
            self._open_on_paint = False
            QTimer.singleShot(0, self.open_storage)
        return handled

    def open_storage(self) -> None:
        from core.storage import StorageError, Store

        try:
            self.store = Store.open(self.database_url, data_dir=self.data_dir)
        except StorageError as exc:
            self.status.setText(str(exc))
            QMessageBox.critical(self, _("The database cannot be opened"), str(exc))
            return
        self.import_button.setEnabled(True)
        self.refresh()
        if os.environ.get("REKVIRENT_BENCH_LIST_READY"):  # benchmark hook: list usable now
            print("list-ready", flush=True)
            QTimer.singleShot(0, self.close)

    def refresh(self) -> None:
        if self.store is None:
            return
        drafts = self.store.list(self.search.text())
        self.model.set_drafts(drafts)
        if drafts:
            self.status.setText(ngettext("{count} draft", "{count} drafts", len(drafts))
                                .format(count=len(drafts)))
        elif self.search.text().strip():
            self.status.setText(_("No drafts match the search."))
        else:
            self.status.setText(_("No drafts yet. Import a case file to start."))

    def import_case_file(self) -> None:
        from core import casefile
        from core.storage import StorageError

        if self.store is None:
            return
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Import case file"), "", _("Case files (*.json)"))
        if not name:
            return
        try:
            case = casefile.read(Path(name))
            self.store.save(case)
        except (casefile.CaseFileError, StorageError) as exc:
            QMessageBox.warning(self, _("The case file cannot be imported"), str(exc))
            return
        self.refresh()

    def closeEvent(self, event: Any) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        super().closeEvent(event)
