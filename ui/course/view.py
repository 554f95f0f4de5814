"""The Forløp view: the course day by day, its findings, and the ways to record what happens.

A case whose course has begun (exported, in a course status, or with a follow-up entry —
:func:`core.course.lifecycle.course_begun`) opens on this view; the consultation stays one
tab away (Alt+K in bokmål).  The timeline is a table model fed by
:func:`core.course.timeline.timeline`; the findings list holds the course findings, each of
which opens the form of its field (a follow-up, a dose decision, the taper …) with the
cursor in it, or the consultation step for a consultation field.  Ctrl+N is a new follow-up.

Nothing here writes the case: the forms edit copies and save through the
:class:`~ui.course.writer.CourseWriter`, and the controller's autosave stores the case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.course import lifecycle
from core.course.doses import planned_doses, typed
from core.course.periods import oslo
from core.course.timeline import status_line, timeline
from core.findings import Severity
from i18n import _
from ui.course.timeline_model import DAY_ROLE, ENTRIES, FINDINGS, CourseTimelineModel
from ui.course.writer import CourseWriter
from ui.wizard import icons
from ui.wizard.widgets import FlowLayout, heading, severity_word, wrapping_label

if TYPE_CHECKING:
    from core.case import Case
    from core.course.timeline import CourseDay
    from ui.controller import CaseController
    from ui.course.forms import CourseFormDialog

log = logging.getLogger(__name__)
_ORDER = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.INFO: 2}
PATH_ROLE = int(Qt.ItemDataRole.UserRole)
DAY_OF_FINDING_ROLE = int(Qt.ItemDataRole.UserRole) + 1


class CourseView(QWidget):
    def __init__(self, controller: CaseController, *,
                 go_to_consultation: Callable[[str], bool] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("course-view")
        self.controller = controller
        self.writer = CourseWriter(controller)
        #: Shows a consultation field (the wizard's go_to_field in its tab).
        self.go_to_consultation = go_to_consultation
        #: Runs a form dialog; tests replace it (the default blocks in ``exec``).
        self.run_dialog: Callable[[QDialog], object] = lambda dialog: dialog.exec()
        #: The last form opened (tests type into it).
        self.dialog: CourseFormDialog | None = None
        self._stale = True

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading(_("Course of treatment"), self, scale=1.5)
        top.addWidget(self.title, 1)
        self.status = QLabel(self)
        self.status.setAccessibleName(_("Status of the course"))
        font = self.status.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.status.setFont(font)
        top.addWidget(self.status, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(top)
        #: Whose course this is (the window title carries no patient data; the GP with two
        #: case windows open must still see at a glance which patient an entry is for).
        self.patient_line = QLabel(self)
        self.patient_line.setAccessibleName(_("Patient"))
        self.patient_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.patient_line)
        self.today_line = wrapping_label("", self)
        self.today_line.setAccessibleName(_("Planned today"))
        layout.addWidget(self.today_line)

        bar = QWidget(self)  # the buttons wrap on a narrow window or with long words
        actions = FlowLayout(bar, spacing=6)
        self.new_button = QPushButton(_("&New follow-up"), self)
        self.new_button.setToolTip(_("Record today's follow-up (Ctrl+N)"))
        self.decision_button = QPushButton(_("&Dose decision…"), self)
        self.isolation_button = QPushButton(_("&Isolation ended or extended…"), self)
        self.taper_button = QPushButton(_("&Taper or further treatment…"), self)
        self.evaluation_button = QPushButton(_("E&valuation and end…"), self)
        self.documents_button = QPushButton(_("Docu&ments…"), self)
        self.documents_button.setToolTip(_("Export the follow-up sheet, contact card, taper "
                                           "plan and end-of-treatment note with the "
                                           "consultation's documents"))
        self.copy_button = QPushButton(_("Copy &journal text"), self)
        self.copy_button.setToolTip(_("The journal text of the selected day's follow-ups and "
                                      "dose decisions, to paste into the patient's record"))
        for button in (self.new_button, self.decision_button, self.isolation_button,
                       self.taper_button, self.evaluation_button, self.copy_button,
                       self.documents_button):
            actions.addWidget(button)
        layout.addWidget(bar)
        self.new_button.clicked.connect(lambda: self.new_followup())
        self.decision_button.clicked.connect(lambda: self.dose_decision())
        self.isolation_button.clicked.connect(lambda: self.isolation())
        self.taper_button.clicked.connect(lambda: self.taper())
        self.evaluation_button.clicked.connect(lambda: self.evaluation())
        self.copy_button.clicked.connect(lambda: self.copy_journal_text())
        QShortcut(QKeySequence.StandardKey.New, self, lambda: self.new_followup(),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.model = CourseTimelineModel(controller.pathway, self)
        self.table = QTableView(self.splitter)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("The course day by day"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Sizes come from the cell texts (fit_sizes), never from asking every cell for its
        # size hint: ResizeToContents queries each cell many times per layout.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ENTRIES, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(FINDINGS, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._day_activated)
        findings_box = QWidget(self.splitter)
        box = QVBoxLayout(findings_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.findings_heading = QLabel(_("&Findings in the course"), findings_box)
        box.addWidget(self.findings_heading)
        self.findings = QListWidget(findings_box)
        self.findings.setAccessibleName(_("Findings in the course"))
        self.findings.setWordWrap(True)
        self.findings.setToolTip(_("Enter or double-click: go to the field"))
        self.findings_heading.setBuddy(self.findings)
        self.findings.itemActivated.connect(self._finding_activated)
        box.addWidget(self.findings, 1)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(findings_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.table, self.findings)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        controller.changed.connect(self._changed)
        self.follow_lifecycle()
        self.refresh()

    # ---- showing ---------------------------------------------------------------------

    def _changed(self, _path: str = "") -> None:
        self._stale = True
        if self.isVisible():
            self._refresh_timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def follow_lifecycle(self) -> None:
        """The case status follows the course on opening (in treatment, tapering …)."""
        case = self.controller.case
        if lifecycle.status_on(case, self.controller.today()) != case.status:
            self.controller.mutate(lambda c: lifecycle.apply(c, self.controller.today()),
                                   "status")

    def refresh(self) -> None:
        self._stale = False
        controller = self.controller
        case, pathway, today = controller.case, controller.pathway, controller.today()
        language = controller.language
        days = timeline(case, pathway, today, language)
        current = self.selected_day()
        self.model.set_days(days, today)
        self.fit_sizes()
        line = status_line(case, pathway, today, language)
        self.status.setText(line)
        self.patient_line.setText(patient_line(case))
        doses = planned_doses(case, pathway, today)
        if doses:
            parts = []
            for drug_id, value in doses.items():
                drug = pathway.drug(drug_id)
                name = drug.name.get(language) if drug is not None else drug_id
                parts.append(f"{name} {typed(value)} mg" if value is not None
                             else f"{name}: " + _("unreadable dose"))
            self.today_line.setText(_("Planned today: {doses}").format(doses=", ".join(parts)))
        else:
            self.today_line.setText(_("No dose is planned today."))
        self._fill_findings()
        row = self.model.row_of(current or today)
        if row is None and days:
            row = len(days) - 1
        if row is not None:
            self.table.selectRow(row)

    def fit_sizes(self) -> None:
        """Column widths and row heights from the texts (lines × line height)."""
        metrics = self.table.fontMetrics()
        bold = self.table.font()
        bold.setBold(True)
        header_metrics = QFontMetrics(bold)
        pad = 2 * metrics.horizontalAdvance("m")
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            if column in (ENTRIES, FINDINGS):
                continue
            texts = self.model.column_texts(column)
            width = max((metrics.horizontalAdvance(line) for text in texts
                         for line in text.split("\n")), default=0)
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            header.resizeSection(column, max(width, header_metrics.horizontalAdvance(title))
                                 + pad)
        line = metrics.lineSpacing()
        vertical = self.table.verticalHeader()
        for row in range(self.model.rowCount()):
            vertical.resizeSection(row, self.model.lines(row) * line + line // 2 + 4)

    def _fill_findings(self) -> None:
        findings = sorted(
            (f for f in self.controller.findings if f.step == "course"),
            key=lambda f: _ORDER[f.severity])
        self.findings.clear()
        for finding in findings:
            item = QListWidgetItem(icons.icon(finding.severity.value), finding.message)
            item.setData(PATH_ROLE, finding.field)
            item.setToolTip(severity_word(finding.severity))
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{severity_word(finding.severity)}: {finding.message}")
            self.findings.addItem(item)
        if not findings:
            item = QListWidgetItem(_("No findings in the course."))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.findings.addItem(item)

    def selected_day(self) -> date | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        day: CourseDay = rows[0].data(DAY_ROLE)
        return day.day

    def journal_text(self, day: date | None = None) -> tuple[str, int]:
        """The journal texts (pasientjournalforskriften § 8, as the first note) of every
        follow-up entry and dose decision of ``day`` (default: the selected day), by time;
        and how many there are.  Bokmål unless the window speaks nynorsk."""
        from core.documents import to_text
        from core.documents.course_journal import decision_note, followup_note

        day = day or self.selected_day()
        controller = self.controller
        found = [d for d in self.model.days if d.day == day] if day is not None else []
        if not found:
            return "", 0
        language = controller.language if controller.language in ("nb", "nn") else "nb"
        case, pathway, today = controller.case, controller.pathway, controller.today()
        texts = [str(to_text(followup_note(case, pathway, index, language, today=today)))
                 for index, _entry in found[0].entries]
        texts += [str(to_text(decision_note(case, pathway, index, language, today=today)))
                  for index, _decision in found[0].decisions]
        return "\n\n".join(text.strip() for text in texts), len(texts)

    def copy_journal_text(self) -> str:
        """Put the selected day's journal texts on the clipboard (audited as ``copy``)."""
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QToolTip

        text, count = self.journal_text()
        if not count:
            QToolTip.showText(self.copy_button.mapToGlobal(self.copy_button.rect().center()),
                              _("Choose a day with a follow-up or a dose decision."),
                              self.copy_button)
            return ""
        QGuiApplication.clipboard().setText(text)
        store = self.controller.store
        if store is not None:
            try:
                store.audit("copy", self.controller.case.id,
                            details={"kind": "course-journal", "count": count})
            except Exception as exc:  # the audit must not block the GP's work; it is logged
                log.warning("Audit entry copy failed (%s)", type(exc).__name__)
        return text

    def finding_items(self) -> list[tuple[str, str]]:
        """(message, field) of every finding in the list (for tests and screen readers)."""
        items = (self.findings.item(i) for i in range(self.findings.count()))
        return [(item.text(), item.data(PATH_ROLE)) for item in items if item.data(PATH_ROLE)]

    # ---- jumping ---------------------------------------------------------------------

    def _finding_activated(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.open_field(str(path))

    def open_field(self, path: str) -> bool:
        """Open the form where ``path`` is edited and put the cursor in its field."""
        parts = path.split(".")
        course = self.controller.case.course
        if parts[0] != "course":
            return self.go_to_consultation(path) if self.go_to_consultation else False
        area = parts[1] if len(parts) > 1 else ""
        if area == "followups" and len(parts) > 2 and parts[2].isdigit():
            index = int(parts[2])
            if index < len(course.followups):
                return self.edit_followup(index, focus=path)
        if area == "followups":
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if area == "dose_decisions" and len(parts) > 2 and parts[2].isdigit():
            index = int(parts[2])
            if index < len(course.dose_decisions):
                return self.dose_decision(index, focus=path)
        if area == "isolation":
            return self.isolation(focus=path)
        if area in ("taper", "continuation"):
            return self.taper(focus=path)
        if area in ("evaluation", "end"):
            return self.evaluation(focus=path)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _day_activated(self, index: QModelIndex) -> None:
        day: CourseDay = index.data(DAY_ROLE)
        if day.entries:
            self.edit_followup(day.entries[-1][0])
        else:
            self.new_followup(day.day)

    # ---- the forms -------------------------------------------------------------------

    def _run(self, dialog: CourseFormDialog, focus: str | None) -> bool:
        self.dialog = dialog
        if focus:
            dialog.show()
            dialog.focus_field(focus)
        self.run_dialog(dialog)
        return True

    def new_followup(self, day: date | None = None) -> bool:
        from ui.course.followup import FollowUpDialog

        today = self.controller.today()
        at = None
        if day is not None and day != today:
            at = datetime.combine(day, time(12, 0), tzinfo=oslo()).astimezone(UTC)
        return self._run(FollowUpDialog(self.controller, self.writer, at=at, parent=self),
                         None)

    def edit_followup(self, index: int, *, focus: str | None = None) -> bool:
        from ui.course.followup import FollowUpDialog

        entry = self.controller.case.course.followups[index]
        return self._run(FollowUpDialog(self.controller, self.writer, entry=entry,
                                        parent=self), focus)

    def dose_decision(self, index: int | None = None, *, focus: str | None = None) -> bool:
        from ui.course.dialogs import DoseDecisionDialog

        decisions = self.controller.case.course.dose_decisions
        decision = decisions[index] if index is not None else None
        return self._run(DoseDecisionDialog(self.controller, self.writer, decision=decision,
                                            parent=self), focus)

    def isolation(self, *, focus: str | None = None) -> bool:
        from ui.course.dialogs import IsolationDialog

        return self._run(IsolationDialog(self.controller, self.writer, parent=self), focus)

    def taper(self, *, focus: str | None = None) -> bool:
        from ui.course.dialogs import TaperDialog

        return self._run(TaperDialog(self.controller, self.writer, parent=self), focus)

    def evaluation(self, *, focus: str | None = None) -> bool:
        from ui.course.dialogs import EvaluationDialog

        return self._run(EvaluationDialog(self.controller, self.writer, parent=self), focus)


def patient_line(case: Case) -> str:
    """"Kari Nordmann, født 07.03.1988" (the name alone without a birth date)."""
    from core.rules.relevance import birth_date

    name = case.patient.name.strip() or _("(no name yet)")
    born = birth_date(case)  # typed, else from the identity number
    if born is None:
        return name
    return _("{name}, born {date}").format(name=name, date=born.strftime("%d.%m.%Y"))


def with_course_view(window: QWidget, controller: CaseController,
                     go_to_field: Callable[[str], bool], consultation: QWidget
                     ) -> tuple[QWidget, CourseView | None, QTabWidget | None]:
    """The case window's central widget: the wizard alone, or — once the course has begun —
    tabs with the Forløp view first and the consultation second.  Returns the widget, the
    view and the tabs (None, None for a case whose course has not begun).  ``go_to_field``
    shows a consultation field (the window's step switch also selects the consultation tab)."""
    if not lifecycle.course_begun(controller.case):
        return consultation, None, None
    tabs = QTabWidget(window)
    tabs.setDocumentMode(True)
    view = CourseView(controller, go_to_consultation=go_to_field, parent=tabs)
    tabs.addTab(view, _("Cou&rse"))
    tabs.addTab(consultation, _("&Consultation"))
    tabs.setCurrentWidget(view)
    return tabs, view, tabs


__all__ = ["CourseView", "with_course_view"]
