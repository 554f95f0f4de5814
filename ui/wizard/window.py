"""The wizard window: step navigator, one page per step, Back/Next, banners and save status.

Nothing here holds case data: the pages show the controller's case through the binder, and
every change is saved by the controller's autosave.  Closing saves; Esc never discards; if
saving fails the window says so, keeps what was typed and offers to try again or to save a
copy as a case file.  The title never shows the patient's name or identity number.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.steps import STEP_IDS, STEPS
from i18n import _
from ui.controller import CaseController
from ui.wizard.banners import ConnectionBanner, SaveErrorBar, ValidityBanner
from ui.wizard.binding import Binder, labels_from
from ui.wizard.formatting import clock_time
from ui.wizard.navigator import StepNavigator
from ui.wizard.page import PageContext, StepPage
from ui.wizard.progress import step_progress
from ui.wizard.steps import page_class

UnsavedChoice = Literal["retry", "copy", "stay"]


class WizardWindow(QMainWindow):
    #: The window closed with everything saved; the argument is the case id.
    closed = Signal(str)

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(_("Rekvirent – case"))
        self.binder = Binder(controller, self)
        self.visited: set[str] = set()
        ctx = PageContext(controller, self.binder, controller.pathway, self.go_to_field)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.banner = ValidityBanner(central)
        layout.addWidget(self.banner)
        self.error_bar = SaveErrorBar(central)
        layout.addWidget(self.error_bar)
        self.connection_banner = ConnectionBanner(central)
        layout.addWidget(self.connection_banner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.splitter.setChildrenCollapsible(False)
        self.navigator = StepNavigator(self.splitter)
        self.stack = QStackedWidget(self.splitter)
        self.pages: dict[str, StepPage] = {}
        for step in STEPS:
            page = page_class(step.id)(step, ctx)
            self.stack.addWidget(page)
            self.pages[step.id] = page
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.back_button = QPushButton(_("&Back"), central)
        self.next_button = QPushButton(_("&Next"), central)
        self.back_button.setToolTip(_("Previous step (Ctrl+Page Up)"))
        self.next_button.setToolTip(_("Next step (Ctrl+Page Down)"))
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        from ui.course.view import with_course_view  # the Forløp view once the course began

        shown, self.course_view, self.course_tabs = with_course_view(
            self, controller, self.go_to_field, central)
        self.setCentralWidget(shown)
        if self.course_view is not None:  # the course documents are exported with the rest
            self.course_view.documents_button.clicked.connect(
                lambda: self.show_step(STEP_IDS.index("summary")))

        self.save_label = QLabel(self)
        self.save_label.setAccessibleName(_("Save status"))
        self.statusBar().addWidget(self.save_label, 1)

        self.navigator.currentRowChanged.connect(self._navigator_moved)
        self.back_button.clicked.connect(lambda: self.step_by(-1))
        self.next_button.clicked.connect(lambda: self.step_by(1))
        self.error_bar.retry.connect(self.retry_save)
        self.error_bar.save_copy.connect(self.save_copy)
        self.connection_banner.attach(controller)
        self.connection_banner.save_copy.connect(self.save_copy)
        # The conflict dialog names fields as the wizard labels them.
        controller.field_label = labels_from(self.binder)
        controller.findings_changed.connect(self._refresh_state)
        controller.save_state_changed.connect(self._show_save_state)
        self.binder.unplaced_changed.connect(self._place_findings)
        QShortcut(QKeySequence("Ctrl+PgDown"), self, lambda: self.step_by(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self, lambda: self.step_by(-1))
        QShortcut(QKeySequence.StandardKey.Save, self, self.retry_save)

        self._size_for_screen()
        start = controller.step if controller.step in STEP_IDS else STEP_IDS[0]
        self.binder.show_findings()
        self._place_findings()
        self._show_save_state()
        self.show_step(STEP_IDS.index(start), save=False)
        if self.course_tabs is not None:  # a course opens on the Forløp view
            self.course_tabs.setCurrentWidget(self.course_view)

    # ---- steps ---------------------------------------------------------------------------

    def configure_documents(self, journal_language: str, export_dir: str = "",
                            remember_folder: Callable[[Path], None] | None = None) -> None:
        """The doctor's written standard for journal and plan, the export folder, and where
        to remember the folder after an export."""
        panel = getattr(self.page("summary"), "documents", None)
        if panel is None:
            return
        index = panel.journal_language.findData(journal_language)
        if index >= 0:
            panel.journal_language.setCurrentIndex(index)
        panel.export_dir = export_dir
        if remember_folder is not None:
            panel.remember_folder = remember_folder

    @property
    def current_step(self) -> str:
        return STEP_IDS[self.stack.currentIndex()]

    def page(self, step: str) -> StepPage:
        return self.pages[step]

    def _navigator_moved(self, row: int) -> None:
        if 0 <= row < len(STEPS) and row != self.stack.currentIndex():
            self.show_step(row)

    def step_by(self, delta: int) -> None:
        index = self.stack.currentIndex() + delta
        if 0 <= index < len(STEPS):
            self.show_step(index)

    def show_step(self, index: int, *, save: bool = True) -> None:
        step = STEPS[index]
        page = self.pages[step.id]
        if self.course_tabs is not None:  # a step is shown on the consultation tab
            self.course_tabs.setCurrentIndex(1)
        previous = self.stack.currentWidget()
        if isinstance(previous, StepPage) and previous is not page:
            previous.on_hidden()
        self.stack.setCurrentIndex(index)
        blocked = self.navigator.blockSignals(True)
        self.navigator.setCurrentRow(index)
        self.navigator.blockSignals(blocked)
        self.visited.add(step.id)
        if save:
            self.controller.set_step(step.id)  # a natural pause: saves now
        else:
            self.controller.step = step.id
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(STEPS) - 1)
        self._refresh_state()
        page.on_shown()

    def go_to_field(self, path: str) -> bool:
        """Show the step of ``path`` and put the cursor in its widget."""
        located = self.binder.locate(path)
        if located is None:
            return False
        widget, step = located
        self.show_step(STEP_IDS.index(step))
        page = self.pages[step]
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        page.ensureWidgetVisible(widget)
        # The page may not be laid out yet the first time it is shown.
        QTimer.singleShot(0, lambda: page.ensureWidgetVisible(widget))
        return True

    # ---- state ---------------------------------------------------------------------------

    def _refresh_state(self) -> None:
        progress = step_progress(self.controller.case, self.controller.findings, self.visited)
        self.navigator.set_progress(progress)
        self.banner.update_for(self.controller.case, self.controller.pathway.legal_basis)

    def _place_findings(self) -> None:
        for step, page in self.pages.items():
            page.set_unplaced(self.binder.unplaced.get(step, []))

    def _show_save_state(self) -> None:
        controller = self.controller
        if controller.last_error:
            text = _("Not saved")
        elif controller.dirty:
            text = _("Changes not saved yet…")
        elif controller.last_saved_at is not None:
            text = _("Saved at {time}").format(time=clock_time(controller.last_saved_at))
        else:
            text = _("All changes are saved")
        self.save_label.setText(text)
        # While the server is away the connection banner speaks; the error bar is for the rest.
        self.error_bar.show_error(None if controller.connection_lost else controller.last_error)

    def _size_for_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:  # pragma: no cover - there is always a screen, even offscreen
            return
        available = screen.availableGeometry()
        self.resize(min(1280, available.width()), min(820, available.height()))

    # ---- saving --------------------------------------------------------------------------

    def retry_save(self) -> bool:
        return self.controller.save_now()

    def save_copy(self) -> bool:
        """Write the case as a case file chosen by the GP (the way out when the database fails)."""
        from core import casefile

        name = self.ask_copy_path()
        if not name:
            return False
        try:
            casefile.write(Path(name), self.controller.case)
        except OSError as exc:
            QMessageBox.warning(self, _("The copy could not be saved"),
                                _("The case file could not be written: {reason}").format(
                                    reason=exc.strerror or type(exc).__name__))
            return False
        self.statusBar().showMessage(_("A copy was saved as a case file."), 8000)
        return True

    def ask_copy_path(self) -> str:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save a copy as a case file"), "rekvirent-sak.json",
            _("Case files (*.json)"))
        return str(name)

    def ask_unsaved(self, reason: str) -> UnsavedChoice:
        """Closing failed to save: try again, save a copy, or stay (never discard)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("The case is not saved"))
        box.setText(_("The case could not be saved: {reason}. The window stays open so nothing "
                      "is lost.").format(reason=(reason or _("no database")).rstrip(".")))
        retry = box.addButton(_("&Try again"), QMessageBox.ButtonRole.AcceptRole)
        copy = box.addButton(_("Save a &copy as a case file…"), QMessageBox.ButtonRole.ActionRole)
        stay = box.addButton(_("&Stay in the case"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(retry)
        box.setEscapeButton(stay)
        box.exec()
        clicked = box.clickedButton()
        if clicked is retry:
            return "retry"
        if clicked is copy:
            return "copy"
        return "stay"

    def ensure_saved(self) -> bool:
        """Save now; True when the case is safe (in the database, or copied to a file)."""
        while not self.controller.save_now():
            choice = self.ask_unsaved(self.controller.last_error or "")
            if choice == "retry":
                continue
            if choice == "copy" and self.save_copy():
                return True
            if choice == "stay":
                return False
        return True

    # ---- events --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.ensure_saved():
            event.accept()
            self.closed.emit(self.controller.case.id)
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc never closes or discards anything
            return
        super().keyPressEvent(event)
