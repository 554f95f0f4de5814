"""The taper machinery: the content rules as steps that only go down and end at zero."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.case import Case, Medication
from core.content import load_library
from core.content.course import Reduction, TaperRule
from core.content.pathway import Pathway, Text
from core.course.doses import parse_dose, taper_problems
from core.course.model import DoseDecision
from core.course.taper import MAX_STEPS, TaperError, below, round_up, schedule, suggest_taper


def _load() -> Pathway:
    found = load_library().get("karantene-substitusjon", 1)
    assert found is not None
    return found


DRUGS = ("buprenorphine", "buprenorphine_naloxone", "methadone", "oxazepam", "diazepam",
         "lisdexamfetamine")
START = date(2021, 11, 24)
#: Loaded once here, not as a fixture: hypothesis prints its arguments on failure.
PATHWAY = _load()
MG = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(300), places=1, allow_nan=False,
                 allow_infinity=False)


def _rule(pathway: Pathway, drug: str) -> TaperRule:
    assert pathway.course is not None
    rule = pathway.course.taper_rule(drug)
    assert rule is not None
    return rule


def test_every_drug_of_the_pathway_has_an_editable_rule_with_a_reason(pathway: Pathway) -> None:
    assert pathway.course is not None
    assert {r.drug for r in pathway.course.taper_rules} == {d.id for d in pathway.drugs}
    for rule in pathway.course.taper_rules:
        assert rule.editable
        assert rule.reason.nb and rule.reason.nn and rule.reason.en
    assert "ingen tall" in pathway.course.taper_note.nb  # the seed gives no numbers


def test_rounding_helpers() -> None:
    assert round_up(Decimal(7), Decimal(2)) == 8
    assert round_up(Decimal(6), Decimal(2)) == 6
    assert round_up(Decimal("27.5"), Decimal(5)) == 30
    assert below(Decimal(8), Decimal(2)) == 6
    assert below(Decimal(7), Decimal(2)) == 6


@pytest.mark.parametrize(("drug", "dose", "expected"), [
    ("buprenorphine", "16", ["12", "8", "6", "4", "2", "0"]),
    ("buprenorphine_naloxone", "8", ["6", "4", "2", "0"]),
    ("oxazepam", "45", ["35", "25", "20", "15", "10", "5", "0"]),
    ("diazepam", "30", ["25", "20", "15", "10", "8", "6", "4", "2", "0"]),
    ("lisdexamfetamine", "70", ["50", "30", "0"]),
    ("methadone", "60", ["50", "40", "35", "30", "25", "20", "15", "10", "5", "0"]),
])
def test_the_shipped_rules(pathway: Pathway, drug: str, dose: str, expected: list[str]) -> None:
    assert [str(d) for d in schedule(Decimal(dose), _rule(pathway, drug))] == expected


@settings(max_examples=300, deadline=None)
@given(drug=st.sampled_from(DRUGS), dose=MG)
def test_schedules_only_go_down_end_at_zero_and_respect_the_rule(drug: str,
                                                                 dose: Decimal) -> None:
    rule = _rule(PATHWAY, drug)
    doses = schedule(dose, rule)
    assert doses[-1] == 0
    assert len(doses) <= MAX_STEPS
    previous = dose
    for value in doses:
        assert 0 <= value < previous
        if value != 0:
            assert value % rule.round_to_mg == 0
            assert value >= rule.stop_below_mg
        previous = value
    assert schedule(dose, rule) == doses  # deterministic


@settings(max_examples=200, deadline=None)
@given(every=st.integers(1, 7), round_to=st.sampled_from([Decimal("0.5"), Decimal(1),
                                                          Decimal(2), Decimal(5)]),
       reduce=st.decimals(Decimal("0.1"), Decimal(20), places=1),
       stop=st.decimals(Decimal(0), Decimal(10), places=1), dose=MG)
def test_any_valid_rule_ends_at_zero(every: int, round_to: Decimal, reduce: Decimal,
                                     stop: Decimal, dose: Decimal) -> None:
    rule = TaperRule(id="X", drug="x", every_days=every,
                     reductions=(Reduction(Decimal(0), reduce),), round_to_mg=round_to,
                     stop_below_mg=stop, reason=Text("x"), editable=True)
    doses = schedule(dose, rule)
    assert doses[-1] == 0
    assert all(b < a for a, b in zip([dose, *doses], doses, strict=False))


def _plausible(drug: str) -> Decimal:
    found = PATHWAY.drug(drug)
    assert found is not None
    return found.implausible_above_mg


def _case(doses: dict[str, Decimal]) -> Case:
    return Case(medications=[Medication(drug=drug, daily_dose=str(dose).replace(".", ","),
                                        start_date=date(2021, 11, 10))
                             for drug, dose in doses.items()])


@settings(max_examples=150, deadline=None)
@given(doses=st.dictionaries(st.sampled_from(DRUGS), MG, min_size=1, max_size=3))
def test_suggested_plans_never_increase_and_end_at_zero(doses: dict[str, Decimal]) -> None:
    pathway = PATHWAY
    # Plausible doses only (an absurd dose is a finding of its own, not a taper question).
    doses = {drug: min(dose, _plausible(drug)) for drug, dose in doses.items()}
    case = _case(doses)
    plan = suggest_taper(case, pathway, START)
    assert plan == suggest_taper(case, pathway, START)  # deterministic
    assert set(plan.rules) == set(doses)
    assert plan.pathway_version == pathway.version and not plan.edited
    days = [s.from_date for s in plan.steps]
    assert days[0] == START and days == sorted(set(days))  # strictly later each step
    previous = {drug: dose for drug, dose in doses.items()}
    for step in plan.steps:
        assert set(step.doses) == set(doses)
        for drug, text in step.doses.items():
            value = parse_dose(text)
            assert value is not None and value <= previous[drug]
            previous[drug] = value
    assert all(parse_dose(t) == 0 for t in plan.steps[-1].doses.values())
    case.course.taper = plan
    assert taper_problems(case, pathway) == []


def test_the_plan_starts_from_the_dose_decisions_in_force(pathway: Pathway) -> None:
    case = _case({"buprenorphine": Decimal(8)})
    case.course.dose_decisions.append(DoseDecision(effective_from=START - timedelta(days=3),
                                                   drug="buprenorphine", new_daily_dose="12"))
    plan = suggest_taper(case, pathway, START)
    assert plan.steps[0].doses == {"buprenorphine": "8"}  # 12 mg − 4 mg
    case.course.dose_decisions[0].effective_from = START  # not yet in force the day before
    assert suggest_taper(case, pathway, START).steps[0].doses == {"buprenorphine": "6"}


def test_drugs_combine_into_steps_on_each_change(pathway: Pathway) -> None:
    plan = suggest_taper(_case({"buprenorphine": Decimal(8), "oxazepam": Decimal(20)}),
                         pathway, START)
    assert [(s.from_date - START).days for s in plan.steps] == [0, 2, 3, 4, 6, 9]
    assert plan.steps[1].doses == {"buprenorphine": "4", "oxazepam": "15"}
    assert plan.steps[-1].doses == {"buprenorphine": "0", "oxazepam": "0"}


def test_drugs_without_a_rule_or_a_readable_dose_are_left_out(pathway: Pathway) -> None:
    case = Case(medications=[Medication(drug="buprenorphine", daily_dose="mye"),
                             Medication(drug="other", other_name="Tramadol", daily_dose="100"),
                             Medication(drug="oxazepam", daily_dose="10")])
    plan = suggest_taper(case, pathway, START)
    assert set(plan.rules) == {"oxazepam"}
    case.course.taper = plan
    missing = {p.drug for p in taper_problems(case, pathway) if p.kind == "drug_missing"}
    assert missing == {"buprenorphine", "other"}


def test_a_pathway_without_course_content_cannot_suggest(pathway: Pathway) -> None:
    with pytest.raises(TaperError):
        suggest_taper(_case({"oxazepam": Decimal(10)}), replace(pathway, course=None), START)
