"""The case status from the course: forward from exported, never back into draft."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.case import Case
from core.course import lifecycle
from core.course.model import CourseEnd, FollowUpEntry


def test_the_opioid_course_goes_through_every_status(opioid_course: Case) -> None:
    case = opioid_course
    case.status = "exported"
    assert lifecycle.status_on(case, date(2021, 11, 14)) == "exported"
    assert lifecycle.status_on(case, date(2021, 11, 15)) == "in_treatment"
    assert lifecycle.status_on(case, date(2021, 11, 18)) == "in_treatment"
    assert lifecycle.status_on(case, date(2021, 11, 19)) == "tapering"
    assert lifecycle.status_on(case, date(2021, 11, 24)) == "tapering"
    assert lifecycle.status_on(case, date(2021, 11, 25)) == "completed"


def test_a_stop_and_an_end_without_a_date(opioid_course: Case) -> None:
    case = opioid_course
    case.course.end = CourseEnd(kind="stopped", ended_on=date(2021, 11, 17),
                                stop_reason="consent_withdrawn")
    assert lifecycle.status_on(case, date(2021, 11, 16)) == "in_treatment"
    assert lifecycle.status_on(case, date(2021, 11, 17)) == "stopped"
    case.course.end.ended_on = None
    assert lifecycle.status_on(case, date(2021, 11, 16)) == "stopped"


def test_a_taper_counts_only_when_it_is_the_chosen_continuation(opioid_course: Case) -> None:
    opioid_course.course.end = CourseEnd()
    opioid_course.course.continuation.kind = "lar_referral"
    assert lifecycle.status_on(opioid_course, date(2021, 11, 20)) == "in_treatment"


def test_never_back_into_draft(opioid_course: Case) -> None:
    case = opioid_course
    case.course.end = CourseEnd()
    case.status = "in_treatment"
    case.course.started_on = date(2021, 12, 1)  # the start moved into the future
    case.medications[0].start_date = date(2021, 12, 1)
    case.course.taper.steps = []
    assert lifecycle.status_on(case, date(2021, 11, 20)) == "exported"


def test_draft_and_ready_cases_keep_their_status_until_the_course_begins() -> None:
    case = Case(status="draft")
    assert lifecycle.status_on(case, date(2021, 11, 20)) == "draft"
    case.status = "ready"
    assert not lifecycle.course_begun(case)
    case.course.followups.append(FollowUpEntry(at=datetime(2021, 11, 20, 8, tzinfo=UTC)))
    assert lifecycle.course_begun(case)
    assert lifecycle.status_on(case, date(2021, 11, 20)) == "ready"  # no first dose day yet
    case.course.started_on = date(2021, 11, 19)
    assert lifecycle.status_on(case, date(2021, 11, 20)) == "in_treatment"


def test_apply_sets_the_status_and_says_whether_it_changed(opioid_course: Case) -> None:
    opioid_course.status = "exported"
    assert lifecycle.apply(opioid_course, date(2021, 11, 16))
    assert opioid_course.status == "in_treatment"
    assert not lifecycle.apply(opioid_course, date(2021, 11, 17))
