"""The tapering-plan pathway's rules, each from both sides, and the separation of pathways:
the quarantine rules never fire for it, and its rules never fire for the quarantine pathway."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core import casefile
from core.case import Case
from core.content import load_library
from core.content.pathway import Pathway
from core.course.model import TaperStep
from core.rules import evaluate
from core.rules.tapering import add_months

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"
TODAY = date(2026, 12, 6)


@pytest.fixture
def pathway() -> Pathway:
    pathway = load_library().get("nedtrappingsplan", 1)
    assert pathway is not None
    return pathway


@pytest.fixture
def case() -> Case:
    return casefile.read(EXAMPLES / "nedtrapping-benzodiazepin-8-uker.json")


def codes(case: Case, pathway: Pathway, day: date = TODAY) -> set[str]:
    return {f.code for f in evaluate(case, pathway, today=day, scope="consultation")}


def blockers(case: Case, pathway: Pathway) -> set[str]:
    return {f.code for f in evaluate(case, pathway, today=TODAY, scope="consultation")
            if f.severity.value == "blocker"}


def test_the_complete_plan_has_no_blocker(case: Case, pathway: Pathway) -> None:
    assert blockers(case, pathway) == set()


def test_a_consultation_today_is_not_blocked_and_one_in_2009_is(case: Case,
                                                                pathway: Pathway) -> None:
    assert "LEGAL_BASIS_NOT_IN_FORCE" not in codes(case, pathway)
    case.consultation.date = date(2009, 6, 1)
    assert "LEGAL_BASIS_NOT_IN_FORCE" in blockers(case, pathway)


def test_the_document_cites_the_provision_in_force_on_the_consultation_day(
        pathway: Pathway) -> None:
    basis = pathway.legal_basis
    old, new = basis.reference_on(date(2021, 5, 1)), basis.reference_on(TODAY)
    assert "1998 nr. 455" in old.nb and "bokstav d nr. 2" in old.nb
    assert "2022 nr. 977" in new.nb
    assert basis.period_on(date(2022, 9, 15)).reference == old
    assert basis.period_on(date(2022, 9, 16)).reference == new
    assert basis.period_on(date(2022, 9, 15)).verified
    assert not basis.period_on(TODAY).verified


def test_consent_to_tapering_is_required(case: Case, pathway: Pathway) -> None:
    case.conditions.tapering_consent = False
    assert "TAPERING_CONSENT_MISSING" in blockers(case, pathway)


def test_a_plan_dated_after_the_first_step_is_a_blocker(case: Case, pathway: Pathway) -> None:
    assert "TAPERING_PLAN_AFTER_START" not in codes(case, pathway)
    case.conditions.plan.contacted_at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert "TAPERING_PLAN_AFTER_START" in blockers(case, pathway)


def test_the_plan_must_name_the_specialist_service(case: Case, pathway: Pathway) -> None:
    case.conditions.plan.unit = ""
    case.conditions.plan.person = ""
    found = blockers(case, pathway)
    assert "C2_INCOMPLETE" in found


def test_no_steps_is_a_blocker(case: Case, pathway: Pathway) -> None:
    case.course.taper.steps = []
    assert "TAPERING_NO_STEPS" in blockers(case, pathway)


def test_a_step_that_raises_the_dose_is_a_blocker_at_the_plan_step(
        case: Case, pathway: Pathway) -> None:
    case.course.taper.steps[3].doses["diazepam"] = "40"
    found = evaluate(case, pathway, today=TODAY)  # the course rules too: reported once
    increases = [f for f in found if f.code in ("TAPERING_STEP_INCREASES",
                                                "COURSE_TAPER_STEP_INCREASES")]
    assert [(f.code, f.step, f.field) for f in increases] == [
        ("TAPERING_STEP_INCREASES", "plan", "course.taper.steps.3.doses.diazepam")]


def test_a_plan_that_never_reaches_zero_is_a_blocker(case: Case, pathway: Pathway) -> None:
    case.course.taper.steps.pop()
    assert "TAPERING_NO_END" in blockers(case, pathway)


def test_length_warns_after_ten_months_and_blocks_after_twelve(case: Case,
                                                              pathway: Pathway) -> None:
    assert not codes(case, pathway) & {"TAPERING_LONG", "TAPERING_TOO_LONG"}
    start = case.course.taper.steps[0].from_date
    assert start is not None
    case.course.taper.steps[-1] = TaperStep(from_date=add_months(start, 11),
                                            doses={"diazepam": "0"})
    found = codes(case, pathway)
    assert "TAPERING_LONG" in found and "TAPERING_TOO_LONG" not in found
    case.course.taper.steps[-1] = TaperStep(from_date=add_months(start, 13),
                                            doses={"diazepam": "0"})
    assert "TAPERING_TOO_LONG" in blockers(case, pathway)


def test_the_plan_says_who_does_what_how_often_and_at_relapse(case: Case,
                                                              pathway: Pathway) -> None:
    plan = case.plan
    plan.responsible_gp = plan.responsible_tsb = plan.relapse_plan = ""
    plan.follow_up_frequency = plan.responsible_municipality = ""
    found = evaluate(case, pathway, today=TODAY, scope="consultation")
    by_code = {f.code: f.severity.value for f in found}
    assert by_code["TAPERING_GP_ROLE_MISSING"] == "blocker"
    assert by_code["TAPERING_TSB_ROLE_MISSING"] == "blocker"
    assert by_code["TAPERING_FOLLOW_UP_MISSING"] == "blocker"
    assert by_code["TAPERING_RELAPSE_PLAN_MISSING"] == "blocker"
    assert by_code["TAPERING_MUNICIPALITY_ROLE_MISSING"] == "warning"


def test_the_quarantine_rules_never_fire_for_the_tapering_pathway(case: Case,
                                                                 pathway: Pathway) -> None:
    case.plan.patient_contact_phone = ""
    found = codes(case, pathway)
    assert not {c for c in found if c.startswith("C3_")}
    assert not found & {"PATIENT_CONTACT_MISSING", "NO_PLAN_AFTER_ISOLATION"}
    assert "TAPERING_CONTACT_MISSING" in found


def test_the_tapering_rules_never_fire_for_the_quarantine_pathway() -> None:
    quarantine = load_library().get("karantene-substitusjon", 1)
    assert quarantine is not None
    case = casefile.read(EXAMPLES / "opioid-komplett.json")
    case.conditions.tapering_consent = False
    case.course.taper.steps = [TaperStep(from_date=date(2021, 11, 20),
                                         doses={"buprenorphine_naloxone": "20"})]
    found = {f.code for f in evaluate(case, quarantine, today=date(2021, 11, 15))}
    assert not {c for c in found if c.startswith("TAPERING_")}
    assert "COURSE_TAPER_STEP_INCREASES" in found  # the course's own rule still runs


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 12, 2), 12, date(2027, 12, 2)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_days_without_a_follow_up_warn_on_the_quarantine_pathway_only(case: Case,
                                                                     pathway: Pathway) -> None:
    """A tapering plan sets its own follow-up frequency; daily observation before each dose
    is the isolation's demand (seed 004 ch. 5), so only that pathway warns on a missing day."""
    first = min(step.from_date for step in case.course.taper.steps if step.from_date)
    later = date.fromordinal(first.toordinal() + 10)
    course_codes = {f.code for f in evaluate(case, pathway, today=later, scope="course")}
    assert case.course.followups == [] and "COURSE_DAY_WITHOUT_FOLLOWUP" not in course_codes

    quarantine = casefile.read(EXAMPLES / "forlop-benzodiazepin-doseokning.json")
    other = load_library().get(quarantine.pathway_id, quarantine.pathway_version)
    assert other is not None and other.course is not None and other.course.daily_followup
    assert any(f.code == "COURSE_DAY_WITHOUT_FOLLOWUP"
               for f in evaluate(quarantine, other, today=date(2026, 12, 6), scope="course"))
