"""The course day by day, and the one-line status the start window shows.

:func:`timeline` gives one :class:`CourseDay` per calendar day from the first dose to the end
of the course: its recorded end, else the day the taper reaches zero, else today (and on to
the last follow-up entry, should one be dated later).  Each day carries the isolation and
treatment day numbers, the planned doses, that day's entries and dose decisions, the taper
step in force (k of n) and the course findings that concern the day.  The UI, the command
line (``course CASE_ID``) and the documents all read it; none of them computes days itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from core.course.doses import Doses, daily_plan, taper_zero_day, treatment_start
from core.course.lifecycle import status_on
from core.course.periods import (
    is_quarantine,
    isolation_day,
    local_day,
    short_date,
    treatment_day,
)
from i18n import Language, translator

if TYPE_CHECKING:
    from core.case import Case
    from core.content.pathway import Pathway
    from core.course.model import DoseDecision, FollowUpEntry
    from core.findings import Finding


@dataclass(frozen=True)
class CourseDay:
    day: date
    #: 1 = the first day of the isolation or quarantine; None outside it.
    isolation_day: int | None
    #: 1 = the day of the first dose; None after the course.
    treatment_day: int | None
    #: The planned daily dose per drug (``None`` = planned, but the typed dose is unreadable).
    planned: Doses
    #: The follow-up entries of the day (index in ``course.followups``, entry), by time.
    entries: tuple[tuple[int, FollowUpEntry], ...]
    #: Dose decisions taking effect this day (index in ``course.dose_decisions``, decision).
    decisions: tuple[tuple[int, DoseDecision], ...]
    #: The taper step in force, 1-based (None before the taper); ``taper_steps`` = n.
    taper_step: int | None
    taper_steps: int
    #: A taper step begins this day.
    taper_step_begins: bool
    #: Course findings that concern this day.
    findings: tuple[Finding, ...]


def timeline_end(case: Case, today: date) -> date | None:
    """The last day the timeline shows (see the module docstring); None without a start."""
    start = treatment_start(case)
    if start is None:
        return None
    end = case.course.end
    if end.kind is not None and end.ended_on is not None:
        last = end.ended_on
    else:
        zero = taper_zero_day(case)
        last = zero if zero is not None else today
    entry_days = [local_day(e.at) for e in case.course.followups]
    if entry_days:
        last = max(last, max(entry_days))
    return max(last, start)


def timeline(case: Case, pathway: Pathway, today: date, language: str = "nb") -> list[CourseDay]:
    """One row per calendar day of the course (empty until the day of the first dose is
    known)."""
    from core.rules.course import course_findings

    start = treatment_start(case)
    last = timeline_end(case, today)
    if start is None or last is None:
        return []
    findings = course_findings(case, pathway, today=today, language=language)
    entries_by_day: dict[date, list[tuple[int, FollowUpEntry]]] = {}
    for index, entry in sorted(enumerate(case.course.followups), key=lambda p: (p[1].at, p[0])):
        entries_by_day.setdefault(local_day(entry.at), []).append((index, entry))
    decisions_by_day: dict[date, list[tuple[int, DoseDecision]]] = {}
    for index, decision in enumerate(case.course.dose_decisions):
        if decision.effective_from is not None:
            decisions_by_day.setdefault(decision.effective_from, []).append((index, decision))
    step_days = sorted(s.from_date for s in case.course.taper.steps if s.from_date is not None)
    end = case.course.end
    ended = end.ended_on if end.kind is not None else None
    rows = []
    for day, doses in daily_plan(case, start, last):
        done = sum(1 for d in step_days if d <= day)
        rows.append(CourseDay(
            day=day,
            isolation_day=isolation_day(case, day),
            treatment_day=treatment_day(case, day),
            planned={} if ended is not None and day > ended else doses,
            entries=tuple(entries_by_day.get(day, ())),
            decisions=tuple(decisions_by_day.get(day, ())),
            taper_step=done or None,
            taper_steps=len(step_days),
            taper_step_begins=day in step_days,
            findings=tuple(f.finding for f in findings if f.concerns(day)),
        ))
    return rows


def status_line(case: Case, pathway: Pathway, today: date, language: str = "nb") -> str:
    """The short line beside the case in the start window: "dag 4 av isoleringen",
    "nedtrapping trinn 2 av 4", "avsluttet 12.03.2027"; "" when the course has not begun."""
    del pathway
    lang: Language = language if language in ("nb", "nn", "en") else "nb"  # type: ignore[assignment]
    t = translator(lang)
    status = status_on(case, today)
    end = case.course.end
    if status in ("completed", "stopped"):
        if end.ended_on is None:
            return t.gettext("completed") if status == "completed" else t.gettext("stopped")
        text = (t.gettext("completed {date}") if status == "completed"
                else t.gettext("stopped {date}"))
        return text.format(date=short_date(end.ended_on, t.locale))
    if status == "tapering":
        days = sorted(s.from_date for s in case.course.taper.steps if s.from_date is not None)
        done = sum(1 for d in days if d <= today)
        return t.gettext("taper step {step} of {steps}").format(step=done, steps=len(days))
    if status == "in_treatment":
        isolation = isolation_day(case, today)
        if isolation is not None:
            text = (t.gettext("day {day} of the quarantine") if is_quarantine(case)
                    else t.gettext("day {day} of the isolation"))
            return text.format(day=isolation)
        treatment = treatment_day(case, today)
        if treatment is not None:
            return t.gettext("treatment day {day}").format(day=treatment)
        return ""
    start = treatment_start(case)
    if status == "exported" and start is not None and start > today:
        return t.gettext("treatment starts {date}").format(date=short_date(start, t.locale))
    return ""


__all__ = ["CourseDay", "status_line", "timeline", "timeline_end"]
