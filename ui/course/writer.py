"""Every write of the course goes through :class:`CourseWriter` — the seam to storage.

Follow-up entries and dose decisions are rows of their own (``store.course``, issue 16 part B):
each *Save* of a form writes its one item in one transaction, audited (``followup`` /
``dose_change``), with the item's own version (``controller.item_versions``) — so a nurse's
entry on another workstation and the GP's autosave of the case never overwrite each other.
The item goes to the store first and into the open case only when it is stored: a failure
leaves the form open with what was typed (:class:`~core.storage.StorageError` reaches it).

The rest of the course lives in the case: the isolation is saved by the ordinary autosave; the
taper or other continuation and the end of the course are explicit, audited saves
(``store.course.save_taper`` → ``taper``, ``store.course.complete`` → ``complete``).  After each
write the case status follows the course (:func:`core.course.lifecycle.apply`).  Without a store
(screenshots, a window whose storage is still opening) only the open case changes.
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

    def _store_item(self, item: FollowUpEntry | DoseDecision) -> None:
        """Write the item as its own row (add, or update at its known version)."""
        controller = self.controller
        store = controller.store
        if store is None:
            return
        versions = controller.item_versions
        known = versions.get(item.id)
        if known is None:
            versions[item.id] = store.course.add(controller.case.id, item)
        else:
            versions[item.id] = store.course.update(controller.case.id, item,
                                                    expected_version=known)

    def _write(self, change: Callable[[Case], None], path: str) -> None:
        def apply(case: Case) -> None:
            change(case)
            lifecycle.apply(case, self.controller.today())

        self.controller.mutate(apply, path)

    def add_entry(self, entry: FollowUpEntry) -> int:
        """Add a follow-up entry; its index in ``course.followups``."""
        self._store_item(entry)
        self._write(lambda case: case.course.followups.append(entry.model_copy(deep=True)),
                    "course.followups")
        return len(self.controller.case.course.followups) - 1

    def update_entry(self, entry: FollowUpEntry) -> int:
        """Replace the entry with the same id; its index."""
        index = _index(self.controller.case.course.followups, entry.id)
        self._store_item(entry)

        def change(case: Case) -> None:
            case.course.followups[index] = entry.model_copy(deep=True)

        self._write(change, f"course.followups.{index}")
        return index

    def add_decision(self, decision: DoseDecision) -> int:
        self._store_item(decision)
        self._write(
            lambda case: case.course.dose_decisions.append(decision.model_copy(deep=True)),
            "course.dose_decisions")
        return len(self.controller.case.course.dose_decisions) - 1

    def update_decision(self, decision: DoseDecision) -> int:
        index = _index(self.controller.case.course.dose_decisions, decision.id)
        self._store_item(decision)

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
        self.controller.save_explicitly(
            lambda store, case, version, step: store.course.save_taper(
                case, expected_version=version, step=step))

    def set_evaluation(self, evaluation: Evaluation, end: CourseEnd) -> None:
        """The evaluation and the end of the course (completed or stopped, or not yet)."""
        def change(case: Case) -> None:
            case.course.evaluation = evaluation.model_copy(deep=True)
            case.course.end = end.model_copy(deep=True)

        self._write(change, "course.evaluation")
        if self.controller.case.course.end.kind is not None:
            self.controller.save_explicitly(
                lambda store, case, version, step: store.course.complete(
                    case, expected_version=version, step=step))


def _index(items: list[FollowUpEntry] | list[DoseDecision], item_id: str) -> int:
    for index, item in enumerate(items):
        if item.id == item_id:
            return index
    raise KeyError(item_id)


__all__ = ["CourseWriter"]
