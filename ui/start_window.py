"""The start window: the draft list with search-as-you-type, and the way into the wizard.

It appears before storage is opened (SQLAlchemy costs hundreds of milliseconds to import);
:meth:`StartWindow.open_storage` runs right after the first paint and fills the list.  No
patient data in the window title.  From here the GP starts a new case (the prescriber profile
is asked for once), opens a draft (double-click or Enter), duplicates, deletes (after a
question naming the patient), imports and exports case files.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
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

import i18n
from i18n import N_, _, ngettext
from ui.audit_banner import AuditBanner

if TYPE_CHECKING:
    from core.content import ContentLibrary
    from core.keys import DataKey
    from core.settings import Settings
    from core.storage import DraftSummary, Store
    from ui.wizard.window import WizardWindow

log = logging.getLogger(__name__)


@cache
def _oslo() -> tzinfo:
    """Norwegian time for the list (read from the tz database when first needed, not at
    start-up)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Oslo")


STATUS_WORDS = {"draft": N_("Draft"), "ready": N_("Ready"), "exported": N_("Exported"),
                "in_treatment": N_("In treatment"), "tapering": N_("Tapering"),
                "completed": N_("Completed"), "stopped": N_("Stopped")}
#: Statuses whose cases get a day line ("dag 4 av isoleringen", "nedtrapping trinn 2 av 4").
COURSE_STATUSES = frozenset({"exported", "in_treatment", "tapering", "completed", "stopped"})
#: At most this many cases are opened per refresh to make their day lines (the rest wait).
DAY_LINE_LOADS = 200
SEARCH_DELAY_MS = 150
#: The daily backup waits until the list has been usable for a moment.
BACKUP_DELAY_MS = 1500
Index = QModelIndex | QPersistentModelIndex


class DraftTableModel(QAbstractTableModel):
    HEADERS = (N_("Patient"), N_("Identity number"), N_("Consultation"), N_("Status"),
               N_("Course"), N_("Last edited"), N_("Owner"), N_("Last edited by"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafts: list[DraftSummary] = []
        #: Case id → the course's day line (see :meth:`StartWindow.day_lines`).
        self.day_lines: dict[str, str] = {}
        #: Case id → the status the course gives it today (when it differs from the stored one).
        self.statuses: dict[str, str] = {}

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
            status = self.statuses.get(draft.id, draft.status)
            return _(STATUS_WORDS.get(status, status))
        if column == 4:
            return self.day_lines.get(draft.id, "")
        if column == 5:
            return _local(draft.updated_at)
        person = draft.owner if column == 6 else draft.editor
        return person.name if person is not None else ""


def _local(moment: datetime) -> str:
    return moment.astimezone(_oslo()).strftime("%d.%m.%Y %H:%M")


class StartWindow(QMainWindow):
    #: The settings dialog saved new settings (the app adjusts e.g. the idle lock).
    settings_saved = Signal(object)
    #: The store is open (the app then arms e.g. the idle lock for passphrase mode).
    storage_opened = Signal()

    def __init__(self, *, data_dir: Path, database_url: str | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.database_url = database_url
        self.store: Store | None = None
        self.key_mode = "none"
        self._loaded: list[DraftSummary] = []
        #: Case id → (updated_at, status, day line): a case is opened again only when it changed.
        self._day_lines: dict[str, tuple[datetime, str, str]] = {}
        self.wizards: dict[str, WizardWindow] = {}
        self._library: ContentLibrary | None = None
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
        self.audit_banner = AuditBanner(central)
        layout.addWidget(self.audit_banner)

        row = QHBoxLayout()
        search_label = QLabel(_("&Search:"), central)
        self.search = QLineEdit(central)
        self.search.setPlaceholderText(_("Name, identity number or date"))
        self.search.setAccessibleName(_("Search drafts"))
        self.search.setClearButtonEnabled(True)
        search_label.setBuddy(self.search)
        row.addWidget(search_label)
        row.addWidget(self.search, 1)
        layout.addLayout(row)

        actions = QHBoxLayout()
        self.new_button = QPushButton(_("&New case…"), central)
        self.open_button = QPushButton(_("&Open"), central)
        self.duplicate_button = QPushButton(_("D&uplicate"), central)
        self.delete_button = QPushButton(_("De&lete…"), central)
        self.export_button = QPushButton(_("E&xport case file…"), central)
        self.audit_button = QPushButton(_("Audit lo&g…"), central)
        self.import_button = QPushButton(_("&Import case file…"), central)
        self.profile_button = QPushButton(_("Prescriber &profile…"), central)
        self.settings_button = QPushButton(_("Se&ttings…"), central)
        for button in (self.new_button, self.open_button, self.duplicate_button,
                       self.delete_button, self.export_button, self.audit_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.import_button)
        actions.addWidget(self.profile_button)
        actions.addWidget(self.settings_button)
        layout.addLayout(actions)
        self.new_button.clicked.connect(self.new_case)
        self.open_button.clicked.connect(self.open_selected)
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.audit_button.clicked.connect(self.show_audit_log)
        self.import_button.clicked.connect(self.import_case_file)
        self.profile_button.clicked.connect(self.edit_profile)
        self.settings_button.clicked.connect(self.edit_settings)

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
        # Fit the columns to the first rows only: measuring 10,000 rows on every keystroke
        # would make search-as-you-type stutter (docs/performance.md).
        header.setResizeContentsPrecision(200)
        layout.addWidget(self.table, 1)
        self.table.activated.connect(lambda index: self.open_case(
            self.model.drafts[index.row()].id))
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)

        self.retention_label = QLabel(central)
        self.retention_label.setWordWrap(True)
        self.retention_label.setAccessibleName(_("Automatic deletion"))
        self.retention_label.hide()
        layout.addWidget(self.retention_label)

        self.status = QLabel(_("Opening the database…"), central)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.setCentralWidget(central)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.show_matches)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self._update_buttons()

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
        """Open the database (password, key, encryption), then apply retention."""
        from ui import opening

        settings = self.settings()
        url = self.database_url or settings.database_url or None
        try:
            self.store = opening.open_store(
                self.data_dir, url, ask_passphrase=self.ask_passphrase,
                ask_password=self.ask_password, ask_remember=self.ask_remember_password)
        except opening.OpeningStopped as exc:
            self.status.setText(str(exc))
            opening.show_stopped(self, str(exc))
            return
        self.key_mode = opening.key_mode(self.data_dir)
        if settings.has_prescriber and hasattr(self.store, "set_actor"):
            self.store.set_actor(settings.prescriber.name, settings.prescriber.hpr_number)
        purged, upcoming = opening.apply_retention(self.store, settings.retention_days)
        self.retention_label.setText(opening.retention_notice(
            len(purged), upcoming, settings.retention_days))
        self.retention_label.setVisible(bool(purged or upcoming))
        self.storage_ready()

    def storage_ready(self) -> None:
        """List the drafts of the open :attr:`store` and settle in for the session."""
        self.refresh()
        # Everything loaded so far (Qt bindings, SQLAlchemy, content) lives for the session:
        # keep it out of the garbage collector's full passes, which otherwise stall the UI
        # thread for 50–60 ms during the first export (docs/performance.md).
        gc.freeze()
        self.storage_opened.emit()
        QTimer.singleShot(BACKUP_DELAY_MS, self.rotate_backups)
        QTimer.singleShot(BACKUP_DELAY_MS, self.check_audit_log)
        if os.environ.get("REKVIRENT_BENCH_LIST_READY"):  # benchmark hook: list usable now
            print("list-ready", flush=True)
            QTimer.singleShot(0, self.close)

    def rotate_backups(self) -> threading.Thread | None:
        """Today's backup (if none yet) and thinning of old ones, off the UI thread (the copy
        of a large database takes a while).  It uses its own SQLite connections and files
        only; a copy cut short by quitting is left under a hidden partial name and removed
        next time."""
        store = self.store
        if store is None:
            return None

        def rotate() -> None:
            import sqlite3

            from core.storage import StorageError

            try:
                store.daily_backup()
            except (OSError, sqlite3.Error, StorageError) as exc:
                log.warning("Daily backup failed (%s); it is tried again at the next start",
                            type(exc).__name__)

        worker = threading.Thread(target=rotate, name="rekvirent-backup", daemon=True)
        worker.start()
        return worker

    def check_audit_log(self) -> threading.Thread | None:
        """The audit chain and its append-only guards, checked off the UI thread; the
        banner appears when something is wrong (see :mod:`ui.audit_banner`)."""
        from ui.audit_banner import check_in_background

        store = self.store
        if store is None:
            return None
        return check_in_background(
            store, lambda state: self.audit_banner.show_state(state, store), self)

    def audit_dialog(self, case_id: str) -> QDialog | None:
        """The audit log of ``case_id`` with the verifier's verdict on the whole chain."""
        from core.storage import StorageError
        from ui.audit_dialog import AuditDialog

        if self.store is None:
            return None
        try:
            entries = self.store.audit_log(case_id)
            verification = self.store.verify_audit()
        except StorageError as exc:
            QMessageBox.warning(self, _("The audit log cannot be read"), str(exc))
            return None
        return AuditDialog(entries, verification, self)

    def show_audit_log(self) -> None:
        case_id = self.selected_id()
        dialog = self.audit_dialog(case_id) if case_id is not None else None
        if dialog is not None:
            self.run_dialog(dialog)

    def ask_passphrase(self, mode: str, attempt: Callable[[str], DataKey]) -> DataKey | None:
        """The passphrase dialog (tests replace this to answer it)."""
        from ui import opening

        return opening.ask_passphrase_dialog(self)(mode, attempt)

    def ask_remember_password(self, where: str) -> bool:
        """Offer to keep a typed database password in the keyring (tests replace this)."""
        from ui import opening

        return opening.ask_remember_dialog(self)(where)

    def ask_password(self, where: str, failed: bool) -> str | None:
        """The database password dialog (tests replace this to answer it)."""
        from ui import opening

        return opening.ask_password_dialog(self)(where, failed)

    def refresh(self, select: str | None = None) -> None:
        """Reload the drafts from the database (decrypting each summary once), then show the
        ones matching the search."""
        if self.store is None:
            return
        self._loaded = self.store.list("")
        self.model.day_lines = self.day_lines(self._loaded)
        self.show_matches(select)

    def day_lines(self, drafts: list[DraftSummary]) -> dict[str, str]:
        """The course's day line of each case in a course status, and today's status.

        The summary carries the course facts the line needs (:mod:`core.course_summary`, kept
        by the store since migration 0006): no case is opened.  A summary written before that
        has none: such a case is opened (decrypted) once and its line, from
        :func:`core.course.timeline.status_line`, kept until the case changes; at most
        :data:`DAY_LINE_LOADS` per refresh.  The line depends on today: it is made again when
        the date changes.
        """
        from core.course.lifecycle import status_on
        from core.course.timeline import status_line

        lines: dict[str, str] = {}
        loads = 0
        today = date.today()
        language = i18n.current().language
        for draft in drafts:
            if draft.course is not None:
                status = draft.status_on(today)
                if status != draft.status:
                    self.model.statuses[draft.id] = status
                if status in COURSE_STATUSES:
                    lines[draft.id] = draft.course_line(today, language)
                continue
            if draft.status not in COURSE_STATUSES or self.store is None:
                continue
            known = self._day_lines.get(draft.id)
            stamp = f"{draft.status}:{today.isoformat()}"
            if known is not None and known[0] == draft.updated_at and known[1] == stamp:
                lines[draft.id] = known[2]
                continue
            if loads >= DAY_LINE_LOADS:
                continue
            loads += 1
            try:
                case = self.store.load(draft.id).case
                pathway = self.library().get(case.pathway_id, case.pathway_version)
            except Exception as exc:  # a day line is a convenience, never a crash
                log.warning("No day line for a case (%s)", type(exc).__name__)
                continue
            line = status_line(case, pathway, today, language) if pathway else ""
            self._day_lines[draft.id] = (draft.updated_at, stamp, line)
            lines[draft.id] = line
            # The stored status is the one of the last save; today's may have moved on.
            self.model.statuses[draft.id] = status_on(case, today)
        return lines

    def show_matches(self, select: str | None = None) -> None:
        """Filter the loaded list by the search field (each keystroke; no database query when
        every draft carries its search key)."""
        if self.store is None:
            return
        from core.storage.search import normalise_query

        current = select or self.selected_id()
        query = self.search.text()
        needle = normalise_query(query)
        if not needle:
            drafts = list(self._loaded)
        elif all(d.search_key is not None for d in self._loaded):
            drafts = [d for d in self._loaded if needle in (d.search_key or "")]
        else:  # plaintext rows: the database filters
            drafts = self.store.list(query)
        self.model.set_drafts(drafts)
        if drafts:
            self.status.setText(ngettext("{count} draft", "{count} drafts", len(drafts))
                                .format(count=len(drafts)))
        elif query.strip():
            self.status.setText(_("No drafts match the search."))
        else:
            self.status.setText(_("No drafts yet. Start a new case or import a case file."))
        ids = [d.id for d in drafts]
        if current in ids:
            self.table.selectRow(ids.index(current))
        self._update_buttons()

    # ---- selection -----------------------------------------------------------------------

    def selected(self) -> DraftSummary | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self.model.drafts[row] if 0 <= row < len(self.model.drafts) else None

    def selected_id(self) -> str | None:
        draft = self.selected()
        return draft.id if draft is not None else None

    def _update_buttons(self, *_args: object) -> None:
        ready = self.store is not None
        chosen = ready and self.selected() is not None
        for button in (self.open_button, self.duplicate_button, self.delete_button,
                       self.export_button, self.audit_button):
            button.setEnabled(chosen)
        for button in (self.new_button, self.import_button):
            button.setEnabled(ready)

    # ---- settings and content -----------------------------------------------------------

    def settings(self) -> Settings:
        from core.settings import load_settings

        return load_settings(self.data_dir)

    def library(self) -> ContentLibrary:
        if self._library is None:
            from core.content import load_library

            self._library = load_library()
        return self._library

    def edit_profile(self) -> bool:
        """Ask for the prescriber profile; True when it was saved."""
        from core.settings import save_settings
        from ui.wizard.dialogs import ProfileDialog

        settings = self.settings()
        dialog = ProfileDialog(settings.prescriber, self)
        if not self.run_dialog(dialog):
            return False
        settings.prescriber = dialog.prescriber()
        try:
            save_settings(self.data_dir, settings)
        except OSError as exc:
            QMessageBox.warning(self, _("The profile could not be saved"),
                                exc.strerror or type(exc).__name__)
            return False
        if self.store is not None and hasattr(self.store, "set_actor"):
            self.store.set_actor(settings.prescriber.name, settings.prescriber.hpr_number)
        return True

    def edit_settings(self) -> None:
        """The settings dialog; a new UI language offers a restart."""
        from ui.settings_dialog import open_settings, request_restart

        saved = open_settings(self.data_dir, self, restart=request_restart)
        if saved is None:
            return
        if saved.has_prescriber and self.store is not None and hasattr(self.store, "set_actor"):
            self.store.set_actor(saved.prescriber.name, saved.prescriber.hpr_number)
        self.settings_saved.emit(saved)

    def remember_export_folder(self, folder: Path) -> None:
        """Offer the last export folder next time (a failure only costs the convenience)."""
        from core.settings import save_settings

        settings = self.settings()
        settings.export_dir = str(folder)
        try:
            save_settings(self.data_dir, settings)
        except OSError as exc:
            log.warning("The export folder could not be remembered (%s)", type(exc).__name__)

    def save_open_wizards(self) -> bool:
        """Save every open case (all of them, even after one fails); True when all saved."""
        return all([window.controller.save_now() for window in list(self.wizards.values())])

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a modal dialog; tests replace this to answer it."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    # ---- cases ---------------------------------------------------------------------------

    def new_case(self) -> str | None:
        """Choose a pathway, make the draft with the prescriber profile, open the wizard."""
        from core.content import ContentError
        from core.storage import StorageError
        from ui.wizard.dialogs import NewCaseDialog, start_case

        if self.store is None:
            return None
        if not self.settings().has_prescriber:
            self.edit_profile()
        try:
            library = self.library()
            today = date.today()
            dialog = NewCaseDialog(list(library.pathways.values()), library.default(today),
                                   today, self)
        except ContentError as exc:
            QMessageBox.critical(self, _("The pathway content cannot be read"), str(exc))
            return None
        if not self.run_dialog(dialog):
            return None
        case = start_case(dialog.pathway(), self.settings().prescriber, today=today,
                          exercise=dialog.exercise_mode())
        try:
            self.store.save(case, step="patient")
        except StorageError as exc:
            QMessageBox.warning(self, _("The case could not be saved"), str(exc))
            return None
        self.refresh(select=case.id)
        self.open_case(case.id)
        return case.id

    def open_selected(self) -> None:
        case_id = self.selected_id()
        if case_id is not None:
            self.open_case(case_id)

    def open_case(self, case_id: str) -> WizardWindow | None:
        from core.storage import StorageError
        from ui.controller import CaseController
        from ui.wizard.window import WizardWindow

        if self.store is None:
            return None
        window = self.wizards.get(case_id)
        if window is not None:
            window.show()
            window.raise_()
            window.activateWindow()
            return window
        try:
            opener = getattr(self.store, "open_case", self.store.load)
            stored = opener(case_id)
        except StorageError as exc:
            QMessageBox.warning(self, _("The case cannot be opened"), str(exc))
            return None
        pathway = self.library().get(stored.case.pathway_id, stored.case.pathway_version)
        if pathway is None:
            QMessageBox.warning(self, _("The case cannot be opened"), _(
                "The case was made under pathway {pathway}, version {version}, which is not "
                "installed.").format(pathway=stored.case.pathway_id,
                                     version=stored.case.pathway_version))
            return None
        controller = CaseController.for_stored(stored, pathway, self.store,
                                               language=i18n.current().language)
        window = WizardWindow(controller)
        settings = self.settings()
        window.configure_documents(settings.document_language, settings.export_dir,
                                   remember_folder=self.remember_export_folder)
        window.closed.connect(self._wizard_closed)
        controller.case_replaced.connect(self._case_replaced)
        self.wizards[case_id] = window
        window.show()
        return window

    def _case_replaced(self, old_id: str, new_id: str) -> None:
        """The wizard now edits a copy (a conflict kept the GP's version as a new case)."""
        window = self.wizards.pop(old_id, None)
        if window is not None:
            self.wizards[new_id] = window
        self.refresh(select=new_id)

    def _wizard_closed(self, case_id: str) -> None:
        window = self.wizards.pop(case_id, None)
        if window is not None:
            window.deleteLater()
        self.refresh()

    def _save_open(self, case_id: str) -> bool:
        window = self.wizards.get(case_id)
        return window is None or window.ensure_saved()

    def duplicate_selected(self) -> str | None:
        from core.storage import StorageError

        case_id = self.selected_id()
        if self.store is None or case_id is None or not self._save_open(case_id):
            return None
        try:
            copy = self.store.duplicate(case_id)
        except StorageError as exc:
            QMessageBox.warning(self, _("The case could not be duplicated"), str(exc))
            return None
        self.refresh(select=copy)
        return copy

    def confirm_delete(self, patient: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Delete the case"))
        box.setText(_("Delete the case for {patient}?").format(patient=patient))
        box.setInformativeText(_("The draft is deleted from this computer and cannot be "
                                 "restored. Exported documents are not affected."))
        delete = box.addButton(_("&Delete"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(_("&Keep the case"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is delete

    def delete_selected(self) -> bool:
        from core.storage import StorageError

        draft = self.selected()
        if self.store is None or draft is None:
            return False
        window = self.wizards.get(draft.id)
        if window is not None and not window.close():
            return False
        if not self.confirm_delete(draft.patient_name or _("(no name yet)")):
            return False
        try:
            self.store.delete(draft.id)
        except StorageError as exc:
            QMessageBox.warning(self, _("The case could not be deleted"), str(exc))
            return False
        self.refresh()
        return True

    def ask_export_path(self) -> str:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Export case file"), "rekvirent-sak.json", _("Case files (*.json)"))
        return str(name)

    def export_selected(self) -> bool:
        from core import casefile
        from core.storage import StorageError

        case_id = self.selected_id()
        if self.store is None or case_id is None or not self._save_open(case_id):
            return False
        name = self.ask_export_path()
        if not name:
            return False
        try:
            casefile.write(Path(name), self.store.load(case_id).case)
        except StorageError as exc:
            QMessageBox.warning(self, _("The case file could not be written"), str(exc))
            return False
        except OSError as exc:
            QMessageBox.warning(self, _("The case file could not be written"),
                                exc.strerror or type(exc).__name__)
            return False
        self.status.setText(_("The case file was exported."))
        return True

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
            getattr(self.store, "import_case", self.store.save)(case)
        except (casefile.CaseFileError, StorageError) as exc:
            QMessageBox.warning(self, _("The case file cannot be imported"), str(exc))
            return
        self.refresh(select=case.id)

    def closeEvent(self, event: Any) -> None:
        for window in list(self.wizards.values()):
            if not window.close():  # it could not save and the GP chose to stay
                event.ignore()
                return
        if self.store is not None:
            self.store.close()
            self.store = None
        super().closeEvent(event)
