"""The few course facts the start window needs, and its status and day line from them.

The start window lists thousands of cases and may not decrypt a payload each; a line like
"dag 4 av isoleringen" also changes every day, so it cannot be stored.  :func:`course_facts`
takes the *dates* the line depends on from a case (what :func:`core.course.lifecycle.status_on`
and :func:`core.course.timeline.status_line` read), the store keeps them inside the sealed
list summary (``cases.summary``), and :func:`facts_status` / :func:`facts_line` compute the
status and the line for any day from them alone.  They agree with ``status_on`` and
``status_line`` for every case and day (``tests/core/test_course_summary.py``).

Pure Python, no storage: the facts travel as a small JSON object (:meth:`CourseFacts.to_json`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from core.course.doses import taper_zero_day, treatment_start
from core.course.lifecycle import COURSE_STATUSES
from core.course.periods import (
    is_quarantine,
    isolation_last_day,
    isolation_start,
    oslo,
    short_date,
)
from i18n import Language, translator

if TYPE_CHECKING:
    from core.case import Case, CaseStatus

_BEGUN: Final[frozenset[str]] = COURSE_STATUSES | {"exported"}
_STATUSES: Final[frozenset[str]] = COURSE_STATUSES | {"draft", "ready", "exported"}


@dataclass(frozen=True)
class CourseFacts:
    """What the status and the day line of one case depend on (all dates, no text)."""

    #: The case's stored status (the wizard's or the course's, as last saved).
    status: CaseStatus = "draft"
    #: At least one follow-up entry is stored (the course has begun even in a draft).
    has_followups: bool = False
    treatment_start: date | None = None
    isolation_start: date | None = None
    #: The day the isolation ended, else its expected last day (extensions included).
    isolation_last_day: date | None = None
    quarantine: bool = False
    continuation: str | None = None
    #: The taper steps' first days, sorted.
    taper_days: tuple[date, ...] = ()
    #: The first day the taper plans no dose of any drug.
    taper_zero_day: date | None = None
    end_kind: str | None = None
    end_date: date | None = None

    def to_json(self) -> dict[str, Any]:
        """A compact JSON object (dates ISO; empty values left out)."""
        out: dict[str, Any] = {"s": self.status}
        if self.has_followups:
            out["f"] = True
        for key, value in (("ts", self.treatment_start), ("is", self.isolation_start),
                           ("il", self.isolation_last_day), ("tz", self.taper_zero_day),
                           ("ed", self.end_date)):
            if value is not None:
                out[key] = value.isoformat()
        if self.quarantine:
            out["q"] = True
        if self.continuation:
            out["c"] = self.continuation
        if self.taper_days:
            out["td"] = [d.isoformat() for d in self.taper_days]
        if self.end_kind:
            out["ek"] = self.end_kind
        return out

    @classmethod
    def from_json(cls, data: Any) -> CourseFacts | None:
        """The facts from :meth:`to_json`'s object; None for anything else (an older summary,
        a damaged one): the start window then shows no line rather than a wrong one."""
        if not isinstance(data, dict) or data.get("s") not in _STATUSES:
            return None
        try:
            def day(key: str) -> date | None:
                value = data.get(key)
                return None if value is None else date.fromisoformat(value)

            continuation = data.get("c")
            end_kind = data.get("ek")
            if not (continuation is None or isinstance(continuation, str)) or not (
                    end_kind is None or isinstance(end_kind, str)):
                return None
            return cls(
                status=cast("CaseStatus", data["s"]), has_followups=data.get("f") is True,
                treatment_start=day("ts"), isolation_start=day("is"),
                isolation_last_day=day("il"), quarantine=data.get("q") is True,
                continuation=continuation,
                taper_days=tuple(sorted(date.fromisoformat(d) for d in data.get("td", []))),
                taper_zero_day=day("tz"), end_kind=end_kind, end_date=day("ed"))
        except (TypeError, ValueError):
            return None


def oslo_today() -> date:
    """Today in Norway: the day the course statuses and day numbers are counted on."""
    return datetime.now(oslo()).date()


def course_facts(case: Case, *, has_followups: bool | None = None) -> CourseFacts:
    """The facts of ``case``.  ``has_followups`` overrides ``bool(case.course.followups)``
    (the store knows it from its rows when the payload carries no entries)."""
    course = case.course
    return CourseFacts(
        status=case.status,
        has_followups=bool(course.followups) if has_followups is None else has_followups,
        treatment_start=treatment_start(case),
        isolation_start=isolation_start(case),
        isolation_last_day=isolation_last_day(case),
        quarantine=is_quarantine(case),
        continuation=course.continuation.kind,
        taper_days=tuple(sorted(s.from_date for s in course.taper.steps
                                if s.from_date is not None)),
        taper_zero_day=taper_zero_day(case),
        end_kind=course.end.kind,
        end_date=course.end.ended_on,
    )


def facts_status(facts: CourseFacts, today: date) -> CaseStatus:
    """The status on ``today`` (as :func:`core.course.lifecycle.status_on`)."""
    if not (facts.status in _BEGUN or facts.has_followups):
        return facts.status
    if facts.end_kind is not None and (facts.end_date is None or facts.end_date <= today):
        return cast("CaseStatus", facts.end_kind)
    if facts.continuation == "taper" and facts.taper_days and facts.taper_days[0] <= today:
        return "tapering"
    if facts.treatment_start is not None and facts.treatment_start <= today:
        return "in_treatment"
    return facts.status if facts.status in ("draft", "ready", "exported") else "exported"


def _isolation_day(facts: CourseFacts, day: date) -> int | None:
    start = facts.isolation_start
    if start is None or day < start:
        return None
    if facts.isolation_last_day is not None and day > facts.isolation_last_day:
        return None
    return (day - start).days + 1


def _treatment_day(facts: CourseFacts, day: date) -> int | None:
    start = facts.treatment_start
    if start is None or day < start:
        return None
    zero = facts.taper_zero_day
    if facts.end_kind is not None and facts.end_date is not None:
        last: date | None = facts.end_date
    else:
        last = None if zero is None else date.fromordinal(zero.toordinal() - 1)
    if (last is not None and day > last) or (zero is not None and day >= zero):
        return None
    return (day - start).days + 1


def facts_line(facts: CourseFacts, today: date, language: str = "nb") -> str:
    """The start window's line (as :func:`core.course.timeline.status_line`): "dag 4 av
    isoleringen", "nedtrapping trinn 2 av 4", "avsluttet 12.03.2027"; "" before the course."""
    lang: Language = language if language in ("nb", "nn", "en") else "nb"  # type: ignore[assignment]
    t = translator(lang)
    status = facts_status(facts, today)
    if status in ("completed", "stopped"):
        if facts.end_date is None:
            return t.gettext("completed") if status == "completed" else t.gettext("stopped")
        text = (t.gettext("completed {date}") if status == "completed"
                else t.gettext("stopped {date}"))
        return text.format(date=short_date(facts.end_date, t.locale))
    if status == "tapering":
        done = sum(1 for d in facts.taper_days if d <= today)
        return t.gettext("taper step {step} of {steps}").format(step=done,
                                                               steps=len(facts.taper_days))
    if status == "in_treatment":
        isolation = _isolation_day(facts, today)
        if isolation is not None:
            text = (t.gettext("day {day} of the quarantine") if facts.quarantine
                    else t.gettext("day {day} of the isolation"))
            return text.format(day=isolation)
        treatment = _treatment_day(facts, today)
        if treatment is not None:
            return t.gettext("treatment day {day}").format(day=treatment)
        return ""
    start = facts.treatment_start
    if status == "exported" and start is not None and start > today:
        return t.gettext("treatment starts {date}").format(date=short_date(start, t.locale))
    return ""


__all__ = ["CourseFacts", "course_facts", "facts_line", "facts_status", "oslo_today"]
