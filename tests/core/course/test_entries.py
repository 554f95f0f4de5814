"""Quick entry: pre-filled from the plan and yesterday; "no problems today" in one step."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.case import Case, MeasureChoice
from core.content.pathway import Pathway
from core.course.entries import mark_routine_day, prefill_entry, withdrawal_scales
from core.course.model import DoseGiven, FollowUpEntry, Observer, WithdrawalScore
from core.rules import evaluate

NURSE = Observer(name="Sykepleier Siri Testberg", role="nurse")


def test_prefill_takes_the_plan_and_the_latest_entry(opioid_course: Case,
                                                     pathway: Pathway) -> None:
    at = datetime(2021, 11, 21, 8, tzinfo=UTC)  # the 4 mg taper step
    entry = prefill_entry(opioid_course, pathway, at)
    latest = max(opioid_course.course.followups, key=lambda e: e.at)
    assert entry.observer == latest.observer and entry.form == latest.form
    assert entry.at == at and entry.id != latest.id
    assert entry.doses == [DoseGiven(drug="buprenorphine_naloxone", dose="4", supervised=True)]
    assert [u.substance for u in entry.use_since_last] == ["opioids"]
    assert {u.used for u in entry.use_since_last} == {"unknown"}
    # The observations are left for the observer.
    assert entry.intoxication is entry.overdose is entry.adherence is None
    assert entry.withdrawal == [] and entry.observation_minutes is None


def test_prefill_with_a_given_observer_and_no_supervision_in_the_plan(
        opioid_course: Case, pathway: Pathway) -> None:
    opioid_course.measures["T3"] = MeasureChoice(chosen=False)
    entry = prefill_entry(opioid_course, pathway, datetime(2021, 11, 16, 8, tzinfo=UTC), NURSE)
    assert entry.observer == NURSE
    assert entry.doses[0].supervised is None


def test_nothing_planned_after_the_taper(opioid_course: Case, pathway: Pathway) -> None:
    entry = prefill_entry(opioid_course, pathway, datetime(2021, 11, 25, 8, tzinfo=UTC))
    assert entry.doses == []


def test_a_routine_day_is_one_step_and_gives_no_entry_findings(opioid_course: Case,
                                                               pathway: Pathway) -> None:
    case = opioid_course
    case.course.followups = [e for e in case.course.followups if e.at.day < 17]
    case.course.end.kind = None
    scales = [c.scale for c in withdrawal_scales(case, pathway) if c.scale is not None]
    assert [s.id for s in scales] == ["cows"]
    entry = prefill_entry(case, pathway, datetime(2021, 11, 17, 8, tzinfo=UTC), NURSE)
    routine = mark_routine_day(entry, scales=scales,
                               observation_minutes=case.plan.post_dose_observation_minutes)
    assert entry.intoxication is None  # the original is left alone
    assert (routine.intoxication, routine.overdose, routine.adherence) == ("none", "none", "kept")
    assert routine.doses[0].status == "given" and routine.observation_minutes == 30
    assert routine.withdrawal == [WithdrawalScore(scale="cows", version=1, not_scored=True)]
    case.course.followups.append(routine)
    findings = [f for f in evaluate(case, pathway, today=date(2021, 11, 18), scope="course")
                if f.field.startswith("course.followups.")]
    assert findings == []


def test_a_routine_day_keeps_what_was_already_recorded() -> None:
    entry = FollowUpEntry(
        intoxication="signs", intoxication_signs=["I1"],
        doses=[DoseGiven(drug="oxazepam", dose="10", status="withheld"),
               DoseGiven(drug="buprenorphine", dose="")],
        withdrawal=[WithdrawalScore(scale="ciwa-b", version=1, total=14),
                    WithdrawalScore(scale="cows", version=1)])
    routine = mark_routine_day(entry)
    assert routine.intoxication == "signs" and routine.intoxication_signs == ["I1"]
    assert [d.status for d in routine.doses] == ["withheld", None]
    assert routine.withdrawal[0].total == 14 and not routine.withdrawal[0].not_scored
    assert routine.withdrawal[1].not_scored


def test_stimulants_have_no_scale_and_say_why(pathway: Pathway) -> None:
    assert pathway.course is not None
    choice = pathway.course.scale_choice("stimulants")
    assert choice is not None and choice.scale is None
    assert "ikke skåret" in choice.reason.nb and "ikkje skåra" in choice.reason.nn
    assert mark_routine_day(FollowUpEntry()).withdrawal == [WithdrawalScore(not_scored=True)]
