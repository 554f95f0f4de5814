"""A tapering-plan pathway (``Pathway.tapering``): the plan with the specialist service, the
taper itself (``case.course.taper``), its length, and the patient's consent to tapering.

These rules run only for a pathway that declares them (the ``tapering`` section, the
``tapering_consent`` condition); the quarantine pathway's rules never run for such a pathway
(see :mod:`core.rules`).  The limits are content: ``max_months`` and ``warn_months``.
"""

from __future__ import annotations

import calendar
from datetime import date

from core.content.pathway import Tapering
from core.course.doses import taper_problems, taper_zero_day, treatment_start
from core.rules.context import RuleContext

#: The taper fields the plan step edits; findings of the course rules at these paths are
#: reported by these rules instead (once, at the plan step).
TAPER_PATH = "course.taper.steps"


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months (31 January + 1 → 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_start(ctx: RuleContext) -> date | None:
    """The first day of treatment under the plan: the first step, else the first dose."""
    days = [s.from_date for s in ctx.case.course.taper.steps if s.from_date is not None]
    start = treatment_start(ctx.case)
    if start is not None:
        days.append(start)
    return min(days) if days else None


def check_tapering_consent(ctx: RuleContext) -> None:
    """The patient's informed consent to tapering, also beyond any isolation (seed 004, 3.1)."""
    if not ctx.case.conditions.tapering_consent:
        ctx.blocker("TAPERING_CONSENT_MISSING", "conditions", "conditions.tapering_consent",
                    "The patient has not consented to tapering. Without consent to taper off, "
                    "also after any quarantine or isolation, this rule gives no basis for a "
                    "prescription.")


def check_tapering(ctx: RuleContext) -> None:
    tapering = ctx.pathway.tapering
    if tapering is None:
        return
    _check_plan_before_start(ctx)
    _check_steps(ctx)
    _check_length(ctx, tapering)
    _check_plan_content(ctx)


def _check_plan_before_start(ctx: RuleContext) -> None:
    """The plan is made *before* it is put into effect and the treatment starts (seed 2.2)."""
    contacted = ctx.case.conditions.plan.contacted_at
    start = plan_start(ctx)
    if contacted is not None and start is not None and contacted.date() > start:
        ctx.blocker("TAPERING_PLAN_AFTER_START", "conditions", "conditions.plan.contacted_at",
                    "The plan with the specialist service is dated after the treatment starts "
                    "({start}). It must be made before the first prescription.",
                    start=start.isoformat())


def _check_steps(ctx: RuleContext) -> None:
    steps = ctx.case.course.taper.steps
    if not steps:
        ctx.blocker("TAPERING_NO_STEPS", "plan", TAPER_PATH,
                    "The tapering plan has no steps: enter the start, each step with its date "
                    "and doses, and the last step at 0 mg.")
        return
    for problem in taper_problems(ctx.case, ctx.pathway):
        path = f"{TAPER_PATH}.{problem.step}"
        drug = ctx.pathway.drug(problem.drug)
        name = ctx.name(drug.name) if drug is not None else problem.drug
        match problem.kind:
            case "date_missing":
                ctx.blocker("TAPERING_STEP_DATE_MISSING", "plan", f"{path}.from_date",
                            "Enter the day this step of the tapering plan begins.")
            case "dates_out_of_order":
                ctx.blocker("TAPERING_STEP_DATES_OUT_OF_ORDER", "plan", f"{path}.from_date",
                            "Each step of the tapering plan must begin after the one before.")
            case "missing" | "unreadable" | "negative" | "implausible":
                ctx.blocker("TAPERING_STEP_DOSE_INVALID", "plan", f"{path}.doses.{problem.drug}",
                            "Enter a daily dose in mg for {drug} in this step.", drug=name)
            case "increase":
                ctx.blocker("TAPERING_STEP_INCREASES", "plan", f"{path}.doses.{problem.drug}",
                            "This step raises the dose of {drug}. A tapering plan only goes "
                            "down.", drug=name)
            case "never_zero":
                ctx.blocker("TAPERING_NO_END", "plan", f"{path}.doses.{problem.drug}",
                            "The tapering plan never reaches zero for {drug}: end it with a "
                            "dated step of 0 mg.", drug=name)
            case "drug_missing":
                ctx.blocker("TAPERING_DRUG_MISSING", "plan", TAPER_PATH,
                            "The tapering plan does not say how {drug} is tapered and ended.",
                            drug=name)


def _check_length(ctx: RuleContext, tapering: Tapering) -> None:
    start, zero = plan_start(ctx), taper_zero_day(ctx.case)
    if start is None or zero is None:
        return
    path = f"{TAPER_PATH}.{len(ctx.case.course.taper.steps) - 1}.from_date"
    if zero > add_months(start, tapering.max_months):
        ctx.blocker("TAPERING_TOO_LONG", "plan", path,
                    "The tapering plan runs longer than {months} months. Shorten it, or "
                    "consider another treatment with the specialist service (such as LAR).",
                    months=tapering.max_months)
    elif zero > add_months(start, tapering.warn_months):
        ctx.warning("TAPERING_LONG", "plan", path,
                    "The tapering plan runs longer than {months} months; the limit is "
                    "{limit}. Check that it is still a short plan.",
                    months=tapering.warn_months, limit=tapering.max_months)


def _check_plan_content(ctx: RuleContext) -> None:
    """What the plan must say besides the steps: responsibility, follow-up, relapse."""
    plan = ctx.case.plan
    if not plan.responsible_gp.strip():
        ctx.blocker("TAPERING_GP_ROLE_MISSING", "plan", "plan.responsible_gp",
                    "Write what the GP is responsible for in the tapering plan.")
    if not plan.responsible_tsb.strip():
        ctx.blocker("TAPERING_TSB_ROLE_MISSING", "plan", "plan.responsible_tsb",
                    "Write what the specialist service (TSB) is responsible for in the "
                    "tapering plan.")
    if not plan.responsible_municipality.strip():
        ctx.warning("TAPERING_MUNICIPALITY_ROLE_MISSING", "plan",
                    "plan.responsible_municipality",
                    "Write what the municipality is responsible for, or that it has no part.")
    if not plan.follow_up_frequency.strip():
        ctx.blocker("TAPERING_FOLLOW_UP_MISSING", "plan", "plan.follow_up_frequency",
                    "Write how often the patient is followed up during the taper.")
    if not plan.relapse_plan.strip():
        ctx.blocker("TAPERING_RELAPSE_PLAN_MISSING", "plan", "plan.relapse_plan",
                    "Write what happens if the patient relapses.")
    if not plan.patient_contact_phone.strip():
        ctx.blocker("TAPERING_CONTACT_MISSING", "plan", "plan.patient_contact_phone",
                    "Give the patient a contact person and phone number to call during the "
                    "taper.")
