"""Pieces the course forms share: the dialog frame, sign check lists, choice lists.

:class:`CourseFormDialog` is a dialog over a :class:`~ui.course.draft.Draft`: a scroll area of
sections, a button row, Ctrl+Enter to save, and :meth:`CourseFormDialog.focus_field` so a
finding in the view can open the form at its field.  Cancel keeps nothing (the draft is a
copy); the open case is written only by :meth:`CourseFormDialog.save` through the writer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.course.periods import oslo
from core.findings import Finding
from i18n import _
from ui.course.draft import COURSE_STEP, Draft
from ui.wizard.page import Section
from ui.wizard.widgets import FindingsLabel, FlowLayout, heading, wrapping_label

if TYPE_CHECKING:
    from core.content.course import Sign
    from ui.controller import CaseController
    from ui.course.writer import CourseWriter


def now_on(today: date) -> datetime:
    """Now (to the minute) when ``today`` is the real day, else 09:00 Oslo on ``today`` (the
    controller's today decides, so a fixed clock gives a fixed time)."""
    now = datetime.now(oslo())
    if now.date() == today:
        return now.replace(second=0, microsecond=0).astimezone(UTC)
    return datetime.combine(today, time(9, 0), tzinfo=oslo()).astimezone(UTC)


def observer_roles() -> list[tuple[object, str]]:
    return [("gp", _("GP")), ("nurse", _("Nurse")), ("municipal_staff", _("Municipal staff")),
            ("tsb", _("TSB specialist")), ("other", _("Other"))]


def yes_partly_no() -> list[tuple[object, str]]:
    return [("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))]


def yes_no_unknown() -> list[tuple[object, str]]:
    return [("no", _("No")), ("yes", _("Yes")), ("unknown", _("Unknown"))]


class SignChecks(QWidget):
    """Check boxes for a content list of signs, bound to a list of sign ids by hand (the
    binder knows single values only)."""

    edited = Signal()

    def __init__(self, draft: Draft, path: str, signs: Sequence[Sign], language: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft = draft
        self.path = path
        layout = FlowLayout(self, spacing=10)
        self.boxes: dict[str, QCheckBox] = {}
        for sign in signs:
            box = QCheckBox(sign.text.get(language), self)
            box.toggled.connect(self._toggled)
            layout.addWidget(box)
            self.boxes[sign.id] = box
        self.findings = FindingsLabel(self)
        draft.binder.register(path, self, COURSE_STEP)
        draft.binder.add_label(path, self.findings)
        draft.controller.changed.connect(lambda _p: self.load())
        if self.boxes:
            self.setFocusProxy(next(iter(self.boxes.values())))
        self.load()

    def value(self) -> list[str]:
        return [sign for sign, box in self.boxes.items() if box.isChecked()]

    def load(self) -> None:
        chosen = set(self.draft.controller.value(self.path) or [])
        for sign, box in self.boxes.items():
            blocked = box.blockSignals(True)
            box.setChecked(sign in chosen)
            box.blockSignals(blocked)

    def _toggled(self, _checked: bool) -> None:
        current = list(self.draft.controller.value(self.path) or [])
        unknown = [s for s in current if s not in self.boxes]  # kept: the rules report them
        self.draft.controller.set_value(self.path, self.value() + unknown)
        self.edited.emit()


class CourseFormDialog(QDialog):
    """A dialog editing a draft copy of the case; :meth:`commit` writes through the writer."""

    def __init__(self, controller: CaseController, writer: CourseWriter, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = controller
        self.writer = writer
        self.draft = Draft(controller, self)
        self.fields = self.draft.fields
        self.setWindowTitle(title)
        self.setModal(True)
        outer = QVBoxLayout(self)
        self.title = heading(title, self, scale=1.3)
        outer.addWidget(self.title)
        self.intro = wrapping_label("", self)
        self.intro.hide()
        outer.addWidget(self.intro)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.content = QWidget(self.scroll)
        self.body = QVBoxLayout(self.content)
        self.body.setSpacing(10)
        self.scroll.setWidget(self.content)
        outer.addWidget(self.scroll, 1)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(_("&Save"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip(_("Save (Ctrl+Enter)"))
        self.cancel_button = self.buttons.addButton(_("Cancel"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.saved = False

    # ---- building --------------------------------------------------------------------

    def section(self, title: str, *, columns: int = 2) -> Section:
        section = Section(title, "", self.content, columns=columns)
        self.body.addWidget(section)
        return section

    def add_button(self, text: str, action: Callable[[], None], *, tip: str = "") -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setAutoDefault(False)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(action)
        return button

    def finish(self) -> None:
        """Call at the end of building: findings shown, size fitted to the screen."""
        self.body.addStretch(1)
        self.draft.binder.show_findings()
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = 1100, 720
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, available.width() - 40)
            height = min(height, available.height() - 40)
        self.resize(width, height)

    # ---- findings --------------------------------------------------------------------

    def findings(self, prefix: str) -> list[Finding]:
        return self.draft.controller.findings_for(prefix)

    def focus_field(self, path: str) -> bool:
        """Put the cursor in the widget for ``path`` (a finding's field)."""
        located = self.draft.binder.locate(path)
        if located is None:
            return False
        widget = located[0]
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll.ensureWidgetVisible(widget)
        QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(widget))
        return True

    # ---- saving ----------------------------------------------------------------------

    def commit(self) -> None:
        """Write the edited item to the open case (subclasses)."""
        raise NotImplementedError

    def save(self) -> None:
        """Write through the writer; a storage failure keeps the form open with what was
        typed, and says why."""
        from core.storage import StorageError

        if self.saved:
            return
        try:
            self.commit()
        except StorageError as exc:
            self.save_failed(str(exc))
            return
        self.saved = True
        self.accept()

    def save_failed(self, message: str) -> None:
        """Tell the GP the item was not stored (tests replace this)."""
        QMessageBox.warning(self, _("Not saved"), message)


__all__ = ["CourseFormDialog", "SignChecks", "now_on", "observer_roles", "yes_no_unknown",
           "yes_partly_no"]
