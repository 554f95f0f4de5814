"""The case status the course implies: exported → in_treatment → tapering → completed/stopped.

The consultation statuses (``draft``, ``ready``, ``exported``) are set by the wizard and the
export; from there the course's own facts decide, on a given day:

* ``stopped`` / ``completed`` — the course has an end (``course.end.kind``) dated today or
  earlier (an end without a date counts from now: the GP said it ended);
* ``tapering`` — the continuation is a taper and its first step has begun;
* ``in_treatment`` — the first dose day has come;
* otherwise ``exported`` (the consultation is done; treatment has not begun), or the draft or
  ready status the case had.

The course statuses apply once the course has begun: the case was exported (or is already in
a course status), or a follow-up entry exists.  A draft or ready case with no entry keeps its
status, and nothing ever moves a case back into ``draft`` or ``ready``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Final

from core.course.doses import treatment_start

if TYPE_CHECKING:
    from core.case import Case, CaseStatus

#: The statuses that belong to the course (set by this module, not by the wizard).
COURSE_STATUSES: Final[frozenset[str]] = frozenset(
    {"in_treatment", "tapering", "completed", "stopped"})
#: The course has begun once the case has one of these (or a follow-up entry exists).
_BEGUN: Final[frozenset[str]] = COURSE_STATUSES | {"exported"}


def course_begun(case: Case) -> bool:
    """True once the course rules and statuses apply (see the module docstring)."""
    return case.status in _BEGUN or bool(case.course.followups)


def taper_started(case: Case, today: date) -> bool:
    days = [s.from_date for s in case.course.taper.steps if s.from_date is not None]
    return (case.course.continuation.kind == "taper" and bool(days) and min(days) <= today)


def status_on(case: Case, today: date) -> CaseStatus:
    """The status the case should have on ``today`` (pure; see the module docstring)."""
    if not course_begun(case):
        return case.status
    end = case.course.end
    if end.kind is not None and (end.ended_on is None or end.ended_on <= today):
        return end.kind
    if taper_started(case, today):
        return "tapering"
    start = treatment_start(case)
    if start is not None and start <= today:
        return "in_treatment"
    # Not begun yet: a consultation status stays as it is (a draft with an early entry is
    # still a draft); a course status falls back to "exported", never further.
    return case.status if case.status in ("draft", "ready", "exported") else "exported"


def apply(case: Case, today: date) -> bool:
    """Set ``case.status`` from the course on ``today``; True when it changed."""
    status = status_on(case, today)
    if status == case.status:
        return False
    case.status = status
    return True


__all__ = ["COURSE_STATUSES", "apply", "course_begun", "status_on", "taper_started"]
