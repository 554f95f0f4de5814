"""The working copy a course form edits before the GP saves it.

A follow-up entry or a dose decision is one unit (issue 16: one transaction per entry), so a
form does not write into the open case field by field.  It edits a deep copy of the case in a
controller of its own (no store: nothing is saved from here) with the usual binder, so every
field shows its findings as the GP types — the rules run on the copy with the new entry in
place — and what was typed is kept exactly, even when it is wrong.  *Save* hands the edited
item to the :class:`~ui.course.writer.CourseWriter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ui.controller import CaseController
from ui.wizard.binding import Binder, StepFields

if TYPE_CHECKING:
    from core.case import Case

COURSE_STEP = "course"


class Draft(QObject):
    """A copy of the open case, with its own controller, binder and field builder."""

    def __init__(self, source: CaseController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.controller = CaseController(
            source.case.model_copy(deep=True), source.pathway, None,
            step=COURSE_STEP, language=source.language, today=source.today, parent=self)
        self.binder = Binder(self.controller, self)
        self.fields = StepFields(self.binder, COURSE_STEP)

    @property
    def case(self) -> Case:
        return self.controller.case

    def change(self, path: str = "") -> None:
        """Announce a structural change made to :attr:`case` (rules re-run, editors reload)."""
        self.controller.mutate(lambda _case: None, path)


__all__ = ["COURSE_STEP", "Draft"]
