"""Doses over the course: the layers medication → decisions → taper, and typed doses read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.case import Case, Medication
from core.content.pathway import Pathway
from core.course.doses import (
    base_doses,
    course_end_day,
    daily_plan,
    decision_changes,
    dose_problem,
    doses_in_force,
    planned_doses,
    taper_zero_day,
    treatment_start,
    typed,
)
from core.course.model import CourseEnd, DoseDecision, TaperStep

D0 = date(2021, 11, 15)


def _case() -> Case:
    case = Case(medications=[Medication(drug="buprenorphine", daily_dose="8", start_date=D0)])
    case.course.dose_decisions.append(DoseDecision(
        decided_at=datetime(2021, 11, 17, 9, tzinfo=UTC), effective_from=D0 + timedelta(days=2),
        drug="buprenorphine", new_daily_dose="12"))
    case.course.taper.steps = [
        TaperStep(from_date=D0 + timedelta(days=5), doses={"buprenorphine": "8"}),
        TaperStep(from_date=D0 + timedelta(days=7), doses={"buprenorphine": "4"}),
        TaperStep(from_date=D0 + timedelta(days=9), doses={"buprenorphine": "0"}),
    ]
    return case


@pytest.mark.parametrize(("text", "problem"), [
    ("", "missing"), ("   ", "missing"), ("abc", "unreadable"), ("8 tabletter", "unreadable"),
    ("-4", "negative"), ("\u22124", "negative"), ("65", "implausible"), ("0", None),
    ("7,5", None), ("16 mg", None), ("64", None),
])
def test_dose_problems(pathway: Pathway, text: str, problem: str | None) -> None:
    assert dose_problem(text, pathway.drug("buprenorphine")) == problem


def test_an_empty_dose_may_be_allowed() -> None:
    assert dose_problem("", required=False) is None


@pytest.mark.parametrize(("value", "text"), [(Decimal("7.50"), "7,5"), (Decimal(12), "12"),
                                             (Decimal("1E+1"), "10"), (Decimal(0), "0")])
def test_typed(value: Decimal, text: str) -> None:
    assert typed(value) == text


def test_the_layers(pathway: Pathway) -> None:
    case = _case()
    plan = {day: doses["buprenorphine"]
            for day, doses in daily_plan(case, D0, D0 + timedelta(days=10))}
    assert [plan[D0 + timedelta(days=n)] for n in range(11)] == [
        8, 8, 12, 12, 12, 8, 8, 4, 4, 0, 0]
    assert planned_doses(case, pathway, D0 - timedelta(days=1)) == {}
    assert planned_doses(case, pathway, D0 + timedelta(days=3)) == {"buprenorphine": 12}
    assert taper_zero_day(case) == D0 + timedelta(days=9)
    assert course_end_day(case) == D0 + timedelta(days=8)


def test_a_decision_during_the_taper_wins_from_its_day(pathway: Pathway) -> None:
    case = _case()
    pause = D0 + timedelta(days=7)  # the day of the 4 mg step: stay at 8 mg instead
    case.course.dose_decisions.append(DoseDecision(effective_from=pause, drug="buprenorphine",
                                                   new_daily_dose="8", reason="Abstinens."))
    assert planned_doses(case, pathway, pause) == {"buprenorphine": 8}
    assert planned_doses(case, pathway, pause + timedelta(days=2)) == {"buprenorphine": 0}


def test_a_change_of_drug_replaces_the_drug(pathway: Pathway) -> None:
    case = _case()
    case.course.taper.steps = []
    case.course.dose_decisions[0].new_drug = "buprenorphine_naloxone"
    assert planned_doses(case, pathway, D0 + timedelta(days=3)) == {
        "buprenorphine_naloxone": 12}
    [change] = decision_changes(case)
    assert change.drug_changed and not change.increase


def test_unreadable_doses_are_planned_as_unknown(pathway: Pathway) -> None:
    case = _case()
    case.medications[0].daily_dose = "åtte"
    assert base_doses(case) == {"buprenorphine": None}
    assert planned_doses(case, pathway, D0) == {"buprenorphine": None}


def test_two_medications_of_one_drug_add_up() -> None:
    case = Case(medications=[Medication(drug="oxazepam", daily_dose="15"),
                             Medication(drug="oxazepam", daily_dose="10")])
    assert base_doses(case) == {"oxazepam": 25}


def test_nothing_is_planned_after_the_recorded_end(pathway: Pathway) -> None:
    case = _case()
    case.course.end = CourseEnd(kind="stopped", ended_on=D0 + timedelta(days=3),
                                stop_reason="admitted")
    assert planned_doses(case, pathway, D0 + timedelta(days=3))
    assert planned_doses(case, pathway, D0 + timedelta(days=4)) == {}
    assert course_end_day(case) == D0 + timedelta(days=3)


def test_the_start_is_the_course_start_or_the_earliest_medication() -> None:
    case = _case()
    case.medications.append(Medication(drug="oxazepam", daily_dose="10",
                                       start_date=D0 - timedelta(days=1)))
    assert treatment_start(case) == D0 - timedelta(days=1)
    case.course.started_on = D0 + timedelta(days=1)
    assert treatment_start(case) == D0 + timedelta(days=1)


@settings(max_examples=60, deadline=None)
@given(offsets=st.lists(st.integers(0, 20), max_size=6),
       doses=st.lists(st.sampled_from(["4", "8", "12", "x", "0"]), min_size=6, max_size=6))
def test_daily_plan_is_doses_in_force_day_by_day(offsets: list[int], doses: list[str]) -> None:
    case = Case(medications=[Medication(drug="buprenorphine", daily_dose="8", start_date=D0)])
    for n, offset in enumerate(offsets):
        case.course.dose_decisions.append(DoseDecision(
            effective_from=D0 + timedelta(days=offset), drug="buprenorphine",
            new_daily_dose=doses[n], decided_at=datetime(2021, 11, 1, n, tzinfo=UTC)))
    for day, plan in daily_plan(case, D0, D0 + timedelta(days=21)):
        assert plan == doses_in_force(case, day)
