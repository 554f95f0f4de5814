"""The day-by-day timeline and the status line of the start window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.case import Case
from core.content.pathway import Pathway
from core.course.model import CourseEnd, Evaluation
from core.course.timeline import status_line, timeline

AFTER = date(2021, 12, 1)


def test_one_row_per_day_from_the_first_dose_to_the_end(opioid_course: Case,
                                                        pathway: Pathway) -> None:
    rows = timeline(opioid_course, pathway, AFTER)
    assert rows[0].day == date(2021, 11, 15)
    assert rows[-1].day == date(2021, 11, 25)  # the recorded end
    first = rows[0]
    assert (first.isolation_day, first.treatment_day) == (3, 1)
    assert first.planned == {"buprenorphine_naloxone": Decimal(8)}
    assert [index for index, _ in first.entries] == [0]
    assert first.taper_step is None and first.taper_steps == 4
    taper = rows[4]  # 19.11.2021, the first step
    assert taper.isolation_day is None and taper.treatment_day == 5
    assert (taper.taper_step, taper.taper_step_begins) == (1, True)
    assert rows[5].taper_step_begins is False
    assert rows[-1].treatment_day is None  # the zero step: no more treatment
    assert all(not r.findings for r in rows)


def test_findings_appear_on_their_day(opioid_course: Case, pathway: Pathway) -> None:
    del opioid_course.course.followups[2]  # 17.11.2021
    opioid_course.course.followups[0].respiratory_rate = 8
    rows = {r.day: r for r in timeline(opioid_course, pathway, AFTER)}
    assert [f.code for f in rows[date(2021, 11, 17)].findings] == ["COURSE_DAY_WITHOUT_FOLLOWUP"]
    assert [f.code for f in rows[date(2021, 11, 15)].findings] == ["COURSE_CONSIDER_ADMISSION"]
    assert rows[date(2021, 11, 16)].findings == ()


def test_an_open_course_runs_to_today_or_to_the_end_of_the_taper(opioid_course: Case,
                                                                 pathway: Pathway) -> None:
    opioid_course.course.end = CourseEnd()
    opioid_course.course.evaluation = Evaluation()
    assert timeline(opioid_course, pathway, date(2021, 11, 17))[-1].day == date(2021, 11, 25)
    opioid_course.course.taper.steps = []
    opioid_course.course.followups = opioid_course.course.followups[:2]
    assert timeline(opioid_course, pathway, date(2021, 11, 17))[-1].day == date(2021, 11, 17)


def test_no_start_no_timeline(pathway: Pathway) -> None:
    assert timeline(Case(), pathway, AFTER) == []


def test_decisions_show_on_the_day_they_take_effect(benzo_course: Case,
                                                    pathway: Pathway) -> None:
    rows = {r.day: r for r in timeline(benzo_course, pathway, date(2021, 12, 20))}
    assert [i for i, _ in rows[date(2021, 11, 17)].decisions] == [0]
    assert rows[date(2021, 11, 17)].planned == {"oxazepam": Decimal(45)}


@pytest.mark.parametrize(("day", "language", "line"), [
    (date(2021, 11, 16), "nb", "dag 4 av isoleringen"),
    (date(2021, 11, 16), "nn", "dag 4 av isoleringa"),
    (date(2021, 11, 16), "en", "day 4 of the isolation"),
    (date(2021, 11, 22), "nb", "nedtrapping trinn 2 av 4"),
    (date(2021, 11, 22), "nn", "nedtrapping trinn 2 av 4"),
    (date(2021, 11, 25), "nb", "avsluttet 25.11.2021"),
    (date(2021, 11, 25), "nn", "avslutta 25.11.2021"),
    (date(2021, 11, 25), "en", "completed 25/11/2021"),
])
def test_status_line(opioid_course: Case, pathway: Pathway, day: date, language: str,
                     line: str) -> None:
    assert status_line(opioid_course, pathway, day, language) == line


def test_status_line_for_other_states(opioid_course: Case, pathway: Pathway) -> None:
    case = opioid_course
    case.course.end = CourseEnd(kind="stopped", ended_on=date(2021, 11, 17),
                                stop_reason="admitted")
    assert status_line(case, pathway, AFTER) == "avbrutt 17.11.2021"
    case.course.end = CourseEnd()
    case.conditions.quarantine.kind = "quarantine"
    assert status_line(case, pathway, date(2021, 11, 16)) == "dag 4 av karantenen"
    case.course.continuation.kind = "other_plan"
    assert status_line(case, pathway, date(2021, 11, 20)) == "behandlingsdag 6"
    case.status = "exported"
    case.course.started_on = date(2021, 11, 20)
    assert status_line(case, pathway, date(2021, 11, 16)) == "behandlingen starter 20.11.2021"
    assert status_line(Case(), pathway, AFTER) == ""
