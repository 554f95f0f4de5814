"""Every write of the course goes through :class:`CourseWriter` — the seam to storage.

Today the writer changes ``case.course`` through the :class:`~ui.controller.CaseController`
and lets its autosave store the case.  Storage of the course as rows of their own (issue 16,
part B: ``store.course.add(case_id, item, *, actor) -> version``, ``update(...,
expected_version)``) replaces the bodies of these methods at integration; the view and the
dialogs only ever call them.  After each write the case status follows the course
(:func:`core.course.lifecycle.apply`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.course import lifecycle
from core.course.model import (
    Continuation,
    CourseEnd,
    DoseDecision,
    Evaluation,
    FollowUpEntry,
    Isolation,
    TaperPlan,
)

if TYPE_CHECKING:
    from core.case import Case
    from ui.controller import CaseController


class CourseWriter:
    def __init__(self, controller: CaseController) -> None:
        self.controller = controller

    def _write(self, change: Callable[[Case], None], path: str) -> None:
        def apply(case: Case) -> None:
            change(case)
            lifecycle.apply(case, self.controller.today())

        self.controller.mutate(apply, path)

    def add_entry(self, entry: FollowUpEntry) -> int:
        """Add a follow-up entry; its index in ``course.followups``."""
        self._write(lambda case: case.course.followups.append(entry.model_copy(deep=True)),
                    "course.followups")
        return len(self.controller.case.course.followups) - 1

    def update_entry(self, entry: FollowUpEntry) -> int:
        """Replace the entry with the same id; its index."""
        index = _index(self.controller.case.course.followups, entry.id)

        def change(case: Case) -> None:
            case.course.followups[index] = entry.model_copy(deep=True)

        self._write(change, f"course.followups.{index}")
        return index

    def add_decision(self, decision: DoseDecision) -> int:
        self._write(
            lambda case: case.course.dose_decisions.append(decision.model_copy(deep=True)),
            "course.dose_decisions")
        return len(self.controller.case.course.dose_decisions) - 1

    def update_decision(self, decision: DoseDecision) -> int:
        index = _index(self.controller.case.course.dose_decisions, decision.id)

        def change(case: Case) -> None:
            case.course.dose_decisions[index] = decision.model_copy(deep=True)

        self._write(change, f"course.dose_decisions.{index}")
        return index

    def set_isolation(self, isolation: Isolation) -> None:
        self._write(lambda case: setattr(case.course, "isolation",
                                         isolation.model_copy(deep=True)), "course.isolation")

    def set_continuation(self, continuation: Continuation, taper: TaperPlan) -> None:
        """What follows the isolation: the taper (its steps) or another plan."""
        def change(case: Case) -> None:
            case.course.continuation = continuation.model_copy(deep=True)
            case.course.taper = taper.model_copy(deep=True)

        self._write(change, "course.taper")

    def set_evaluation(self, evaluation: Evaluation, end: CourseEnd) -> None:
        """The evaluation and the end of the course (completed or stopped, or not yet)."""
        def change(case: Case) -> None:
            case.course.evaluation = evaluation.model_copy(deep=True)
            case.course.end = end.model_copy(deep=True)

        self._write(change, "course.evaluation")


def _index(items: list[FollowUpEntry] | list[DoseDecision], item_id: str) -> int:
    for index, item in enumerate(items):
        if item.id == item_id:
            return index
    raise KeyError(item_id)


__all__ = ["CourseWriter"]
