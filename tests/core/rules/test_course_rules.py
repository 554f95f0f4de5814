"""Every course rule on both sides, starting from the course examples.

``running`` is the ten-day opioid example on its third day (entries of the first two days, no
end yet, the taper planned); ``finished`` is the same example after its end.  Both give only
the informational findings they should, so each test changes one thing, sees the finding,
changes it back (or to the other side of the threshold) and sees it go.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core import casefile
from core.case import Case, MeasureChoice
from core.casepath import get_value
from core.content.pathway import Pathway
from core.course.model import (
    CourseEnd,
    DoseDecision,
    Evaluation,
    FollowUpEntry,
    IsolationExtension,
    Observer,
    TaperStep,
    UseSinceLastIntake,
    WithdrawalScore,
)
from core.findings import Finding, Severity
from core.rules import evaluate
from core.rules.course import course_findings
from core.steps import ALL_STEP_IDS

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"
RUN_DAY = date(2021, 11, 17)
AFTER = date(2021, 11, 26)
GP = Observer(name="Lege Lise Fiktiv", role="gp")

Run = Callable[..., list[Finding]]


def _at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def finished() -> Case:
    return casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")


@pytest.fixture
def running(finished: Case) -> Case:
    case = finished.model_copy(deep=True)
    case.status = "in_treatment"
    case.course.end = CourseEnd()
    case.course.evaluation = Evaluation()
    case.course.isolation.ended_on = None
    case.course.followups = [e for e in case.course.followups if e.at.date() < RUN_DAY]
    return case


@pytest.fixture
def run(pathway: Pathway) -> Run:
    def evaluate_course(case: Case, today: date = RUN_DAY, language: str = "en") -> list[Finding]:
        return evaluate(case, pathway, today=today, language=language, scope="course")
    return evaluate_course


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def _one(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, (code, [f.code for f in findings])
    return matching[0]


def test_the_examples_start_clean(running: Case, finished: Case, run: Run) -> None:
    assert codes(run(running)) == {"COURSE_DAY", "COURSE_NEXT_TAPER_STEP"}
    assert codes(run(finished, AFTER)) == set()


def test_findings_point_at_real_fields_of_the_course(running: Case, run: Run) -> None:
    running.course.followups[0].overdose = "signs"
    running.course.followups[1].doses[0].dose = "abc"
    running.course.taper.steps[1].doses["buprenorphine_naloxone"] = "12"
    running.course.dose_decisions.append(DoseDecision(drug="buprenorphine_naloxone"))
    found = run(running)
    assert len(found) > 5
    for finding in found:
        assert finding.step == "course" and finding.step in ALL_STEP_IDS
        assert finding.field.startswith("course")
        get_value(running, finding.field)  # resolves (no CasePathError)
        assert finding.message


def test_course_rules_wait_until_the_course_has_begun(pathway: Pathway, running: Case) -> None:
    draft = running.model_copy(deep=True)
    draft.status = "draft"
    draft.course = type(draft.course)()
    assert not [f for f in evaluate(draft, pathway, today=RUN_DAY) if f.step == "course"]
    draft.course.followups.append(FollowUpEntry(at=_at(RUN_DAY)))
    assert [f for f in evaluate(draft, pathway, today=RUN_DAY) if f.step == "course"]
    exported = running.model_copy(deep=True)
    exported.status = "exported"
    exported.course = type(exported.course)()
    assert "COURSE_DAY_WITHOUT_FOLLOWUP" in codes(evaluate(exported, pathway, today=RUN_DAY))


def test_scopes_split_consultation_and_course(pathway: Pathway, running: Case) -> None:
    running.course.followups[0].overdose = "signs"
    every = evaluate(running, pathway, today=RUN_DAY)
    consultation = evaluate(running, pathway, today=RUN_DAY, scope="consultation")
    course = evaluate(running, pathway, today=RUN_DAY, scope="course")
    assert {f.step for f in course} == {"course"}
    assert "course" not in {f.step for f in consultation}
    assert every == consultation + course


def test_messages_are_translated(running: Case, run: Run) -> None:
    running.course.followups[0].overdose = "signs"
    english = _one(run(running, language="en"), "COURSE_OVERDOSE_NO_ACTION").message
    bokmal = _one(run(running, language="nb"), "COURSE_OVERDOSE_NO_ACTION").message
    nynorsk = _one(run(running, language="nn"), "COURSE_OVERDOSE_NO_ACTION").message
    assert len({english, bokmal, nynorsk}) == 3
    assert "overdose" in bokmal


# ---- start and end ---------------------------------------------------------------------


def test_start_unknown(running: Case, run: Run) -> None:
    running.course.started_on = None
    running.medications[0].start_date = None
    assert "COURSE_START_UNKNOWN" in codes(run(running))
    running.medications[0].start_date = date(2021, 11, 15)
    assert "COURSE_START_UNKNOWN" not in codes(run(running))


def test_end_needs_a_date_not_in_the_future_and_not_before_the_start(finished: Case,
                                                                     run: Run) -> None:
    finished.course.end.ended_on = None
    assert "COURSE_END_DATE_MISSING" in codes(run(finished, AFTER))
    finished.course.end.ended_on = AFTER + timedelta(days=1)
    assert {"COURSE_END_IN_FUTURE"} <= codes(run(finished, AFTER))
    finished.course.end.ended_on = AFTER
    assert not codes(run(finished, AFTER)) & {"COURSE_END_IN_FUTURE", "COURSE_END_DATE_MISSING"}
    finished.course.end.ended_on = date(2021, 11, 14)
    assert "COURSE_END_BEFORE_START" in codes(run(finished, AFTER))
    finished.course.end.ended_on = date(2021, 11, 15)
    assert "COURSE_END_BEFORE_START" not in codes(run(finished, AFTER))


def test_a_stop_needs_a_reason(finished: Case, run: Run) -> None:
    finished.course.end.kind = "stopped"
    assert "COURSE_STOP_REASON_MISSING" in codes(run(finished, AFTER))
    finished.course.end.stop_reason = "other"
    finished.course.end.note = ""
    found = codes(run(finished, AFTER))
    assert "COURSE_STOP_REASON_MISSING" not in found
    assert "COURSE_STOP_NOTE_MISSING" in found
    finished.course.end.note = "Reiste til familie i en annen kommune."
    assert "COURSE_STOP_NOTE_MISSING" not in codes(run(finished, AFTER))


def test_an_end_date_without_a_kind(running: Case, run: Run) -> None:
    running.course.end.ended_on = RUN_DAY
    assert "COURSE_END_KIND_MISSING" in codes(run(running))
    running.course.end.kind = "stopped"
    running.course.end.stop_reason = "moved"
    assert "COURSE_END_KIND_MISSING" not in codes(run(running))


# ---- isolation ---------------------------------------------------------------------------


def test_isolation_end_before_its_start_or_in_the_future(finished: Case, run: Run) -> None:
    finished.course.isolation.ended_on = date(2021, 11, 12)
    assert "COURSE_ISOLATION_END_BEFORE_START" in codes(run(finished, AFTER))
    finished.course.isolation.ended_on = date(2021, 11, 13)
    assert "COURSE_ISOLATION_END_BEFORE_START" not in codes(run(finished, AFTER))
    finished.course.isolation.ended_on = AFTER + timedelta(days=1)
    assert "COURSE_ISOLATION_END_IN_FUTURE" in codes(run(finished, AFTER))
    finished.course.isolation.ended_on = AFTER
    assert "COURSE_ISOLATION_END_IN_FUTURE" not in codes(run(finished, AFTER))


def test_an_extension_needs_a_sensible_new_end(running: Case, run: Run) -> None:
    running.course.isolation.extensions.append(IsolationExtension(decided_on=RUN_DAY))
    assert "COURSE_EXTENSION_END_MISSING" in codes(run(running))
    running.course.isolation.extensions[0].new_expected_end = date(2021, 11, 1)
    found = codes(run(running))
    assert "COURSE_EXTENSION_END_MISSING" not in found
    assert "COURSE_EXTENSION_END_BEFORE_START" in found
    running.course.isolation.extensions[0].new_expected_end = date(2021, 11, 22)
    assert "COURSE_EXTENSION_END_BEFORE_START" not in codes(run(running))


def test_isolation_over_without_a_plan_warns(running: Case, run: Run) -> None:
    day = date(2021, 11, 19)  # the isolation was expected to end on 18.11.2021
    running.course.continuation.kind = None
    assert "COURSE_ISOLATION_ENDED_NO_PLAN" in codes(run(running, day))
    assert "COURSE_ISOLATION_ENDED_NO_PLAN" not in codes(run(running, date(2021, 11, 18)))
    running.course.continuation.kind = "taper"
    running.course.taper.steps = []
    assert "COURSE_ISOLATION_ENDED_NO_PLAN" in codes(run(running, day))
    running.course.continuation.kind = "other_plan"
    assert "COURSE_ISOLATION_ENDED_NO_PLAN" not in codes(run(running, day))
    running.course.continuation.kind = None
    running.course.isolation.extensions.append(
        IsolationExtension(decided_on=date(2021, 11, 17), new_expected_end=date(2021, 11, 21)))
    assert "COURSE_ISOLATION_ENDED_NO_PLAN" not in codes(run(running, day))


# ---- one follow-up entry -----------------------------------------------------------------


def test_entry_dates_in_the_future_before_the_start_or_after_the_end(finished: Case,
                                                                     run: Run) -> None:
    entry = finished.course.followups[3]
    entry.at = _at(AFTER + timedelta(days=1))
    found = codes(run(finished, AFTER))
    assert {"COURSE_ENTRY_IN_FUTURE", "COURSE_ENTRY_AFTER_END"} <= found
    entry.at = _at(date(2021, 11, 14))
    found = codes(run(finished, AFTER))
    assert "COURSE_ENTRY_BEFORE_START" in found
    assert not found & {"COURSE_ENTRY_IN_FUTURE", "COURSE_ENTRY_AFTER_END"}
    entry.at = _at(date(2021, 11, 18))
    assert not codes(run(finished, AFTER)) & {"COURSE_ENTRY_BEFORE_START"}


def test_an_entry_late_in_the_evening_belongs_to_the_norwegian_day(running: Case,
                                                                   run: Run) -> None:
    # 23:30 UTC on the day before is 00:30 in Oslo on RUN_DAY + 1: the future.
    running.course.followups[0].at = datetime(2021, 11, 17, 23, 30, tzinfo=UTC)
    assert "COURSE_ENTRY_IN_FUTURE" in codes(run(running))
    running.course.followups[0].at = datetime(2021, 11, 17, 22, 30, tzinfo=UTC)
    assert "COURSE_ENTRY_IN_FUTURE" not in codes(run(running))


def test_observer_missing(running: Case, run: Run) -> None:
    running.course.followups[0].observer = Observer()
    assert "COURSE_OBSERVER_MISSING" in codes(run(running))
    running.course.followups[0].observer = GP
    assert "COURSE_OBSERVER_MISSING" not in codes(run(running))


@pytest.mark.parametrize(("typed", "code"), [
    ("abc", "COURSE_DOSE_UNREADABLE"), ("-8", "COURSE_DOSE_NEGATIVE"),
    ("640", "COURSE_DOSE_IMPLAUSIBLE"), ("", "COURSE_DOSE_MISSING"),
])
def test_bad_doses_given_are_found_and_kept(running: Case, run: Run, typed: str,
                                             code: str) -> None:
    running.course.followups[1].doses[0].dose = typed
    finding = _one(run(running), code)
    assert finding.field == "course.followups.1.doses.0.dose"
    assert finding.severity is (Severity.WARNING if code == "COURSE_DOSE_MISSING"
                                else Severity.BLOCKER)
    again = casefile.loads(casefile.dumps(running))
    assert again.course.followups[1].doses[0].dose == typed  # what was typed is saved
    running.course.followups[1].doses[0].dose = "7,5"
    assert code not in codes(run(running))


def test_a_dose_not_given_needs_no_amount(running: Case, run: Run) -> None:
    dose = running.course.followups[1].doses[0]
    dose.dose, dose.status = "", "refused"
    assert "COURSE_DOSE_MISSING" not in codes(run(running))
    dose.dose, dose.status = "8", None
    assert "COURSE_DOSE_STATUS_MISSING" in codes(run(running))
    dose.status = "given"
    assert "COURSE_DOSE_STATUS_MISSING" not in codes(run(running))


def test_unsupervised_intake_when_the_plan_says_supervised(running: Case, run: Run) -> None:
    running.course.followups[1].doses[0].supervised = False
    finding = _one(run(running), "COURSE_UNSUPERVISED")
    assert finding.field == "course.followups.1.doses.0.supervised"
    running.measures["T3"] = MeasureChoice(chosen=False)  # the plan has no supervised intake
    assert "COURSE_UNSUPERVISED" not in codes(run(running))
    running.measures["T3"] = MeasureChoice(chosen=True)
    running.course.followups[1].doses[0].supervised = True
    assert "COURSE_UNSUPERVISED" not in codes(run(running))


def test_observation_before_the_dose(running: Case, pathway: Pathway, run: Run) -> None:
    entry = running.course.followups[1]
    entry.intoxication = None
    assert "COURSE_INTOXICATION_NOT_RECORDED" in codes(run(running))
    entry.intoxication = "signs"
    found = codes(run(running))
    assert {"COURSE_INTOXICATION_SIGNS_MISSING", "COURSE_DOSE_DESPITE_INTOXICATION"} <= found
    assert "COURSE_INTOXICATION_NOT_RECORDED" not in found
    entry.intoxication_signs = ["I1", "NOT-A-SIGN"]
    found = codes(run(running))
    assert "COURSE_INTOXICATION_SIGNS_MISSING" not in found
    assert _one(run(running), "COURSE_SIGN_UNKNOWN").field == (
        "course.followups.1.intoxication_signs.1")
    entry.intoxication_signs = ["I1"]
    entry.doses[0].status = "withheld"
    found = codes(run(running))
    assert not found & {"COURSE_SIGN_UNKNOWN", "COURSE_DOSE_DESPITE_INTOXICATION"}
    assert pathway.course is not None and pathway.course.intoxication_sign("I1") is not None


def test_overdose_signs_need_an_action(running: Case, run: Run) -> None:
    entry = running.course.followups[0]
    entry.overdose = None
    assert "COURSE_OVERDOSE_NOT_RECORDED" in codes(run(running))
    entry.overdose = "signs"
    entry.overdose_signs = ["O2"]
    finding = _one(run(running), "COURSE_OVERDOSE_NO_ACTION")
    assert finding.severity is Severity.BLOCKER
    assert finding.field == "course.followups.0.overdose_action"
    entry.overdose_action = "Nalokson nesespray 1,8 mg, 113 ringt, våknet etter 3 minutter."
    found = codes(run(running))
    assert not found & {"COURSE_OVERDOSE_NO_ACTION", "COURSE_OVERDOSE_NOT_RECORDED"}
    entry.overdose_signs = ["O99"]
    assert "COURSE_SIGN_UNKNOWN" in codes(run(running))


def test_observation_after_intake_shorter_than_planned(running: Case, run: Run) -> None:
    assert running.plan.post_dose_observation_minutes == 30
    running.course.followups[0].observation_minutes = 29
    assert "COURSE_OBSERVATION_SHORT" in codes(run(running))
    running.course.followups[0].observation_minutes = 30
    assert "COURSE_OBSERVATION_SHORT" not in codes(run(running))


@pytest.mark.parametrize(("rate", "saturation", "field"), [
    (11, 97, "respiratory_rate"), (16, 93, "oxygen_saturation"), (11, 93, "respiratory_rate"),
])
def test_low_respiration_at_follow_up_means_consider_admission(
        running: Case, pathway: Pathway, run: Run, rate: int, saturation: int,
        field: str) -> None:
    assert (pathway.thresholds.respiratory_rate_low, pathway.thresholds.oxygen_saturation_low) \
        == (12, 94)
    entry = running.course.followups[0]
    entry.respiratory_rate, entry.oxygen_saturation = rate, saturation
    assert _one(run(running), "COURSE_CONSIDER_ADMISSION").field == f"course.followups.0.{field}"
    entry.respiratory_rate, entry.oxygen_saturation = 12, 94
    assert "COURSE_CONSIDER_ADMISSION" not in codes(run(running))
    entry.respiratory_rate = entry.oxygen_saturation = None  # not measured
    assert "COURSE_CONSIDER_ADMISSION" not in codes(run(running))


@pytest.mark.parametrize("substance", ["alcohol", "benzodiazepines", "pregabalin", "ghb",
                                       "opioids"])
def test_depressant_use_before_a_dose(running: Case, run: Run, substance: str) -> None:
    entry = running.course.followups[1]
    entry.use_since_last = [UseSinceLastIntake(substance=substance, used="yes")]
    assert _one(run(running), "COURSE_DEPRESSANT_USE_BEFORE_DOSE").field == (
        "course.followups.1.use_since_last.0.used")
    entry.doses[0].status = "withheld"  # not given: no dose on top of it
    assert "COURSE_DEPRESSANT_USE_BEFORE_DOSE" not in codes(run(running))
    entry.doses[0].status = "given"
    entry.use_since_last[0].used = "no"
    assert "COURSE_DEPRESSANT_USE_BEFORE_DOSE" not in codes(run(running))


def test_stimulant_use_is_not_a_depressant(running: Case, run: Run) -> None:
    running.course.followups[1].use_since_last = [
        UseSinceLastIntake(substance="stimulants", used="yes")]
    assert "COURSE_DEPRESSANT_USE_BEFORE_DOSE" not in codes(run(running))


# ---- withdrawal scores -----------------------------------------------------------------------


def test_withdrawal_must_be_recorded_or_marked_not_scored(running: Case, run: Run) -> None:
    entry = running.course.followups[0]
    entry.withdrawal = []
    assert "COURSE_WITHDRAWAL_NOT_RECORDED" in codes(run(running))
    entry.withdrawal = [WithdrawalScore(scale="cows", version=1, not_scored=True)]
    assert "COURSE_WITHDRAWAL_NOT_RECORDED" not in codes(run(running))
    entry.withdrawal = [WithdrawalScore(scale="cows", version=1)]
    assert "COURSE_SCORE_EMPTY" in codes(run(running))


def test_unknown_scale_and_item(running: Case, run: Run) -> None:
    score = running.course.followups[0].withdrawal[0]
    score.scale = "sows"
    assert "COURSE_SCALE_UNKNOWN" in codes(run(running))
    score.scale, score.version = "cows", 7
    assert "COURSE_SCALE_UNKNOWN" in codes(run(running))
    score.version = 1
    score.items["sneezing"] = 1
    finding = _one(run(running), "COURSE_SCORE_ITEM_UNKNOWN")
    assert finding.field == "course.followups.0.withdrawal.0.items.sneezing"
    del score.items["sneezing"]
    assert not codes(run(running)) & {"COURSE_SCALE_UNKNOWN", "COURSE_SCORE_ITEM_UNKNOWN"}


@pytest.mark.parametrize(("item", "bad", "good"), [("pupils", 3, 5), ("pulse", 55, 4),
                                                   ("gooseflesh", -1, 0)])
def test_item_scores_outside_the_scale(running: Case, run: Run, item: str, bad: int,
                                       good: int) -> None:
    score = running.course.followups[0].withdrawal[0]
    score.items[item] = bad
    finding = _one(run(running), "COURSE_SCORE_OUT_OF_SCALE")
    assert finding.field == f"course.followups.0.withdrawal.0.items.{item}"
    assert casefile.loads(casefile.dumps(running)).course.followups[0].withdrawal[0].items[
        item] == bad
    score.items[item] = good
    assert "COURSE_SCORE_OUT_OF_SCALE" not in codes(run(running))


def test_totals_outside_the_scale_or_not_matching(running: Case, run: Run) -> None:
    score = running.course.followups[0].withdrawal[0]
    score.items = {}
    score.total = 49
    assert "COURSE_SCORE_TOTAL_OUT_OF_SCALE" in codes(run(running))
    score.total = 48
    assert "COURSE_SCORE_TOTAL_OUT_OF_SCALE" not in codes(run(running))
    score.total = -1
    assert "COURSE_SCORE_TOTAL_OUT_OF_SCALE" in codes(run(running))
    example = running.model_copy(deep=True).course.followups[1].withdrawal[0]
    score.items = dict(example.items)
    score.total = sum(score.items.values()) + 1
    assert "COURSE_SCORE_TOTAL_MISMATCH" in codes(run(running))
    score.total = sum(score.items.values())
    assert "COURSE_SCORE_TOTAL_MISMATCH" not in codes(run(running))


def test_a_partly_scored_scale_has_no_total(running: Case, run: Run) -> None:
    score = running.course.followups[0].withdrawal[0]
    score.items = {"pulse": 1, "sweating": 1}
    score.total = None
    assert "COURSE_SCORE_INCOMPLETE" in codes(run(running))
    score.total = 7  # scored on paper; the sum is known
    assert "COURSE_SCORE_INCOMPLETE" not in codes(run(running))


def _scored(day: date, total: int) -> FollowUpEntry:
    return FollowUpEntry(at=_at(day), observer=GP, withdrawal=[
        WithdrawalScore(scale="cows", version=1, total=total)])


def test_withdrawal_rising_over_three_entries(running: Case, run: Run) -> None:
    running.course.followups = [_scored(date(2021, 11, 15), 5), _scored(date(2021, 11, 16), 8)]
    running.course.followups.append(_scored(date(2021, 11, 17), 11))
    finding = _one(run(running), "COURSE_WITHDRAWAL_RISING")
    assert finding.field == "course.followups.2.withdrawal.0"
    assert "5" in finding.message and "11" in finding.message
    running.course.followups[2].withdrawal[0].total = 8  # level, not rising
    assert "COURSE_WITHDRAWAL_RISING" not in codes(run(running))
    running.course.followups[2].withdrawal[0] = WithdrawalScore(scale="cows", version=1,
                                                                not_scored=True)
    assert "COURSE_WITHDRAWAL_RISING" not in codes(run(running))


def test_rising_scores_are_ordered_by_time_not_by_list_position(running: Case,
                                                                run: Run) -> None:
    running.course.followups = [_scored(date(2021, 11, 17), 11), _scored(date(2021, 11, 15), 5),
                                _scored(date(2021, 11, 16), 8)]
    assert _one(run(running), "COURSE_WITHDRAWAL_RISING").field == (
        "course.followups.0.withdrawal.0")


# ---- days without follow-up -------------------------------------------------------------------


def test_a_day_of_treatment_without_follow_up(running: Case, pathway: Pathway,
                                             run: Run) -> None:
    del running.course.followups[1]  # 16.11.2021
    finding = _one(run(running), "COURSE_DAY_WITHOUT_FOLLOWUP")
    assert "16/11/2021" in finding.message
    dated = [d for d in course_findings(running, pathway, today=RUN_DAY)
             if d.finding.code == "COURSE_DAY_WITHOUT_FOLLOWUP"]
    assert [(d.first, d.last) for d in dated] == [(date(2021, 11, 16), date(2021, 11, 16))]
    # (Today has no entry yet either, and is not a missing day: it is not over.)
    running.course.followups.append(FollowUpEntry(at=_at(date(2021, 11, 16)), observer=GP,
                                                  intoxication="none", overdose="none"))
    assert "COURSE_DAY_WITHOUT_FOLLOWUP" not in codes(run(running))


def test_missing_days_in_a_row_are_one_finding(running: Case, run: Run) -> None:
    running.course.followups = running.course.followups[:1]
    day = date(2021, 11, 22)
    finding = _one(run(running, day), "COURSE_DAY_WITHOUT_FOLLOWUP")
    assert "16/11/2021" in finding.message and "21/11/2021" in finding.message
    assert "6 days" in finding.message


def test_no_follow_up_is_expected_after_the_taper_reaches_zero(finished: Case,
                                                              run: Run) -> None:
    finished.course.end = CourseEnd()
    finished.course.followups = finished.course.followups[:10]
    assert "COURSE_DAY_WITHOUT_FOLLOWUP" not in codes(run(finished, date(2021, 12, 20)))


# ---- dose decisions -----------------------------------------------------------------------


def _increase(day: date = RUN_DAY, dose: str = "12", hour: int = 9) -> DoseDecision:
    return DoseDecision(decided_at=_at(day, hour), effective_from=day,
                        drug="buprenorphine_naloxone", new_daily_dose=dose,
                        reason="Vedvarende abstinens.", agreed_by=GP)


def test_increase_needs_a_tolerated_follow_up_within_24_hours(running: Case, run: Run) -> None:
    # The last entry is on 16.11.2021 at 08:00 UTC.
    running.course.dose_decisions = [_increase(hour=7)]  # 23 hours later
    assert "COURSE_INCREASE_WITHOUT_TOLERANCE" not in codes(run(running))
    running.course.dose_decisions = [_increase(hour=9)]  # 25 hours later
    finding = _one(run(running), "COURSE_INCREASE_WITHOUT_TOLERANCE")
    assert finding.severity is Severity.BLOCKER
    assert finding.field == "course.dose_decisions.0.new_daily_dose"
    running.course.dose_decisions = [_increase(hour=7)]
    running.course.followups[-1].intoxication = "signs"
    running.course.followups[-1].intoxication_signs = ["I1"]
    assert "COURSE_INCREASE_WITHOUT_TOLERANCE" in codes(run(running))
    running.course.followups[-1].intoxication = "not_assessed"
    assert "COURSE_INCREASE_WITHOUT_TOLERANCE" in codes(run(running))


def test_a_decrease_needs_no_tolerance(running: Case, run: Run) -> None:
    running.course.dose_decisions = [_increase(hour=12, dose="6")]
    assert "COURSE_INCREASE_WITHOUT_TOLERANCE" not in codes(run(running))


def test_increase_above_the_range_needs_tsb(running: Case, run: Run) -> None:
    running.course.dose_decisions = [_increase(hour=7, dose="20")]
    finding = _one(run(running), "COURSE_INCREASE_ABOVE_RANGE_NO_TSB")
    assert finding.field == "course.dose_decisions.0.tsb_specialist"
    running.course.dose_decisions[0].tsb_specialist = "Overlege Per Spesialist"
    assert "COURSE_INCREASE_ABOVE_RANGE_NO_TSB" not in codes(run(running))
    running.course.dose_decisions = [_increase(hour=7, dose="16")]  # the top of the range
    assert "COURSE_INCREASE_ABOVE_RANGE_NO_TSB" not in codes(run(running))


def test_a_change_of_drug_needs_a_reason_and_tsb(running: Case, run: Run) -> None:
    decision = _increase(hour=7, dose="12")
    decision.new_drug, decision.new_formulation = "buprenorphine", "sublingual_tablet"
    decision.reason = ""
    running.course.dose_decisions = [decision]
    found = codes(run(running))
    assert {"COURSE_DRUG_CHANGE_NO_REASON", "COURSE_DRUG_CHANGE_NO_TSB"} <= found
    assert "COURSE_INCREASE_WITHOUT_TOLERANCE" not in found  # a change of drug, not a raise
    decision.reason = "Nalokson ga kvalme."
    decision.tsb_specialist = "Overlege Per Spesialist"
    found = codes(run(running))
    assert not found & {"COURSE_DRUG_CHANGE_NO_REASON", "COURSE_DRUG_CHANGE_NO_TSB"}


def test_a_dose_change_without_reason_warns(running: Case, run: Run) -> None:
    running.course.dose_decisions = [_increase(hour=7, dose="6")]
    running.course.dose_decisions[0].reason = ""
    assert _one(run(running), "COURSE_DECISION_REASON_MISSING").severity is Severity.WARNING
    running.course.dose_decisions[0].reason = "Døsig om kvelden."
    assert "COURSE_DECISION_REASON_MISSING" not in codes(run(running))


def test_decisions_need_a_drug_a_day_and_a_readable_dose(running: Case, run: Run) -> None:
    decision = _increase(hour=7)
    decision.effective_from = None
    decision.new_daily_dose = "mye"
    running.course.dose_decisions = [decision]
    found = codes(run(running))
    assert {"COURSE_DECISION_DATE_MISSING", "COURSE_DOSE_UNREADABLE"} <= found
    decision.drug = ""
    assert "COURSE_DECISION_DRUG_MISSING" in codes(run(running))
    decision.drug = "oxazepam"
    decision.effective_from = RUN_DAY
    decision.new_daily_dose = "30"
    assert "COURSE_DECISION_DRUG_UNKNOWN" in codes(run(running))
    decision.drug = "buprenorphine_naloxone"
    decision.new_daily_dose = "12"
    found = codes(run(running))
    assert not found & {"COURSE_DECISION_DATE_MISSING", "COURSE_DOSE_UNREADABLE",
                        "COURSE_DECISION_DRUG_MISSING", "COURSE_DECISION_DRUG_UNKNOWN"}


def test_a_decision_dated_in_the_future(running: Case, run: Run) -> None:
    running.course.dose_decisions = [_increase(day=RUN_DAY + timedelta(days=2), hour=7)]
    assert "COURSE_DECISION_IN_FUTURE" in codes(run(running))
    running.course.dose_decisions[0].decided_at = _at(RUN_DAY, 7)  # planned ahead: fine
    assert "COURSE_DECISION_IN_FUTURE" not in codes(run(running))


# ---- taper --------------------------------------------------------------------------------


def test_a_taper_step_that_raises_the_dose_blocks(running: Case, run: Run) -> None:
    running.course.taper.steps[1].doses["buprenorphine_naloxone"] = "8"
    finding = _one(run(running), "COURSE_TAPER_STEP_INCREASES")
    assert finding.severity is Severity.BLOCKER
    assert finding.field == "course.taper.steps.1.doses.buprenorphine_naloxone"
    running.course.taper.steps[1].doses["buprenorphine_naloxone"] = "6"  # level: allowed
    assert "COURSE_TAPER_STEP_INCREASES" not in codes(run(running))


def test_the_first_step_is_compared_with_the_dose_before_the_taper(running: Case,
                                                                  run: Run) -> None:
    running.course.taper.steps[0].doses["buprenorphine_naloxone"] = "10"  # 8 mg before it
    assert "COURSE_TAPER_STEP_INCREASES" in codes(run(running))
    running.course.dose_decisions = [_increase(hour=7, dose="12")]  # now 12 mg before it
    assert "COURSE_TAPER_STEP_INCREASES" not in codes(run(running))


def test_a_taper_that_never_reaches_zero(running: Case, run: Run) -> None:
    running.course.taper.steps.pop()
    finding = _one(run(running), "COURSE_TAPER_NEVER_ZERO")
    assert finding.field == "course.taper.steps.2.doses.buprenorphine_naloxone"
    running.course.taper.steps.append(TaperStep(from_date=date(2021, 11, 25),
                                                doses={"buprenorphine_naloxone": "0"}))
    assert "COURSE_TAPER_NEVER_ZERO" not in codes(run(running))


def test_taper_dates_missing_or_out_of_order(running: Case, run: Run) -> None:
    steps = running.course.taper.steps
    steps[2].from_date = steps[1].from_date
    assert _one(run(running), "COURSE_TAPER_DATES_OUT_OF_ORDER").field == (
        "course.taper.steps.2.from_date")
    steps[2].from_date = None
    found = codes(run(running))
    assert "COURSE_TAPER_DATE_MISSING" in found
    steps[2].from_date = date(2021, 11, 23)
    assert not codes(run(running)) & {"COURSE_TAPER_DATE_MISSING",
                                      "COURSE_TAPER_DATES_OUT_OF_ORDER"}


@pytest.mark.parametrize(("typed", "code"), [("to", "COURSE_DOSE_UNREADABLE"),
                                             ("-2", "COURSE_DOSE_NEGATIVE"),
                                             ("", "COURSE_DOSE_MISSING")])
def test_bad_taper_doses(running: Case, run: Run, typed: str, code: str) -> None:
    running.course.taper.steps[1].doses["buprenorphine_naloxone"] = typed
    assert _one(run(running), code).field == "course.taper.steps.1.doses.buprenorphine_naloxone"
    running.course.taper.steps[1].doses["buprenorphine_naloxone"] = "4"
    assert code not in codes(run(running))


def test_a_drug_left_out_of_the_taper(running: Case, run: Run) -> None:
    running.course.dose_decisions = [DoseDecision(
        decided_at=_at(RUN_DAY, 7), effective_from=RUN_DAY, drug="oxazepam",
        new_daily_dose="30", reason="Benzodiazepinabstinens.", agreed_by=GP,
        tsb_specialist="Overlege Per Spesialist")]
    assert "COURSE_TAPER_DRUG_MISSING" in codes(run(running))
    for step, dose in zip(running.course.taper.steps, ("25", "20", "10", "0"), strict=True):
        step.doses["oxazepam"] = dose
    assert "COURSE_TAPER_DRUG_MISSING" not in codes(run(running))


def test_a_taper_plan_but_another_continuation(running: Case, run: Run) -> None:
    running.course.continuation.kind = "lar_referral"
    running.course.continuation.referral_date = RUN_DAY
    assert "COURSE_TAPER_NOT_CHOSEN" in codes(run(running))
    running.course.continuation.kind = "taper"
    assert "COURSE_TAPER_NOT_CHOSEN" not in codes(run(running))


def test_lar_and_other_plans_say_what_was_agreed(running: Case, run: Run) -> None:
    running.course.taper.steps = []
    running.course.continuation.kind = "lar_referral"
    running.course.continuation.agreed = ""
    found = codes(run(running))
    assert {"COURSE_LAR_REFERRAL_DATE_MISSING", "COURSE_CONTINUATION_NOT_DESCRIBED"} <= found
    running.course.continuation.referral_date = RUN_DAY
    running.course.continuation.agreed = "Henvist LAR Prøvestad; vurderes innen en uke."
    found = codes(run(running))
    assert not found & {"COURSE_LAR_REFERRAL_DATE_MISSING", "COURSE_CONTINUATION_NOT_DESCRIBED"}


# ---- duration, evaluation, info --------------------------------------------------------------


def test_a_course_longer_than_the_pathway_expects(running: Case, pathway: Pathway,
                                                  run: Run) -> None:
    assert pathway.course is not None and pathway.course.expected_max_days == 21
    running.course.taper.steps = []
    running.course.continuation.kind = "other_plan"
    running.course.continuation.agreed = "Fortsetter til ny vurdering."
    start = date(2021, 11, 15)
    assert "COURSE_LONGER_THAN_EXPECTED" not in codes(run(running, start + timedelta(days=20)))
    assert "COURSE_LONGER_THAN_EXPECTED" in codes(run(running, start + timedelta(days=21)))


def test_the_taper_does_not_count_as_stabilisation(running: Case, run: Run) -> None:
    for step in running.course.taper.steps:
        assert step.from_date is not None
        step.from_date += timedelta(days=30)
    assert "COURSE_LONGER_THAN_EXPECTED" in codes(run(running, date(2021, 12, 10)))
    for step in running.course.taper.steps:
        assert step.from_date is not None
        step.from_date -= timedelta(days=30)
    assert "COURSE_LONGER_THAN_EXPECTED" not in codes(run(running, date(2021, 12, 10)))


def test_the_end_asks_for_an_evaluation(finished: Case, run: Run) -> None:
    finished.course.evaluation = Evaluation()
    assert "COURSE_EVALUATION_MISSING" in codes(run(finished, AFTER))
    finished.course.evaluation = Evaluation(withdrawal_controlled="yes")
    found = codes(run(finished, AFTER))
    assert "COURSE_EVALUATION_MISSING" not in found
    assert "COURSE_EVALUATION_INCOMPLETE" in found
    finished.course.evaluation.evaluated_on = AFTER
    finished.course.evaluation.evaluated_by = GP
    assert "COURSE_EVALUATION_INCOMPLETE" not in codes(run(finished, AFTER))


def test_info_day_of_isolation_and_treatment(running: Case, run: Run) -> None:
    assert _one(run(running), "COURSE_DAY").message == (
        "Day 5 of the isolation, day 3 of the treatment.")
    running.conditions.quarantine.kind = "quarantine"
    assert "quarantine" in _one(run(running), "COURSE_DAY").message
    day = date(2021, 11, 20)  # after the isolation, in the taper
    running.course.followups = [e for e in running.course.followups]
    message = _one(run(running, day), "COURSE_DAY").message
    assert message == "Day 6 of the treatment."


def test_info_next_taper_step(running: Case, run: Run) -> None:
    finding = _one(run(running), "COURSE_NEXT_TAPER_STEP")
    assert finding.field == "course.taper.steps.0"
    assert "19/11/2021" in finding.message and "6\u00a0mg" in finding.message
    assert "COURSE_NEXT_TAPER_STEP" not in codes(run(running, date(2021, 11, 25)))
