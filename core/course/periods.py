"""Days of the course: local dates of entries, the isolation period and day numbers.

Moments are stored in UTC; the day an entry belongs to is its date in Europe/Oslo (an entry at
23:30 UTC on 15 November is on 16 November in Norway).  The isolation starts on the day vilkår
3 gives (``conditions.quarantine.start``) and ends on ``course.isolation.ended_on`` once that
is recorded, else on the expected end — the last extension's, or the consultation's.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.course.doses import course_end_day, taper_zero_day, treatment_start

if TYPE_CHECKING:
    from core.case import Case


@cache
def oslo() -> ZoneInfo:
    """Europe/Oslo, read from the time-zone database when first needed."""
    return ZoneInfo("Europe/Oslo")


def local_day(moment: datetime) -> date:
    """The date in Norway of an aware moment."""
    return moment.astimezone(oslo()).date()


def isolation_start(case: Case) -> date | None:
    return case.conditions.quarantine.start


def expected_isolation_end(case: Case) -> date | None:
    """The expected last day: the latest extension's new end, else vilkår 3's expected end."""
    extended = [e for e in case.course.isolation.extensions if e.new_expected_end is not None]
    if extended:
        latest = max(extended, key=lambda e: (e.decided_on or date.min, e.new_expected_end))
        return latest.new_expected_end
    return case.conditions.quarantine.expected_end


def isolation_last_day(case: Case) -> date | None:
    """The day the isolation ended if recorded, else the day it is expected to end."""
    return case.course.isolation.ended_on or expected_isolation_end(case)


def isolation_day(case: Case, day: date) -> int | None:
    """Day number of the isolation on ``day`` (1 = its first day); None outside it."""
    start = isolation_start(case)
    if start is None or day < start:
        return None
    last = isolation_last_day(case)
    if last is not None and day > last:
        return None
    return (day - start).days + 1


def treatment_day(case: Case, day: date) -> int | None:
    """Day number of the treatment on ``day`` (1 = the first dose); None before the first dose,
    after the recorded end, and from the day the taper reaches zero."""
    start = treatment_start(case)
    if start is None or day < start:
        return None
    last = course_end_day(case)
    zero = taper_zero_day(case)
    if (last is not None and day > last) or (zero is not None and day >= zero):
        return None
    return (day - start).days + 1


def is_quarantine(case: Case) -> bool:
    """True for quarantine, False for isolation (texts choose between two whole messages)."""
    return case.conditions.quarantine.kind == "quarantine"




def short_date(day: date, locale: str) -> str:
    """``02.03.2027`` (nb, nn) or ``02/03/2027`` (en_GB): the compact date of lists and lines."""
    from babel.dates import format_date

    return str(format_date(day, "short", locale=locale))


__all__ = [
    "expected_isolation_end",
    "is_quarantine",
    "isolation_day",
    "isolation_last_day",
    "isolation_start",
    "local_day",
    "oslo",
    "short_date",
    "treatment_day",
]
