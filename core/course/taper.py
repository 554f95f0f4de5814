"""A suggested taper from the current doses by the pathway's per-drug default rules.

The seed says only that after the isolation the drugs "gradvis trappes ned og avvikles over en
nokså kort periode" (004, 1.3); the numbers are content (``course.taper.rules`` in the pathway
file), marked as editable suggestions.  This module turns them into steps.  It is pure and
deterministic: the same case, pathway and start give the same plan, with Decimal arithmetic
rounded as the rule says, never a step up, and every drug ending at zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from core.course.doses import doses_in_force, typed
from core.course.model import TaperPlan, TaperStep

if TYPE_CHECKING:
    from core.case import Case
    from core.content.course import TaperRule
    from core.content.pathway import Pathway

#: No rule may make more steps than this (a safety net for odd content: 300 mg in 1 mg
#: steps is 300 steps, which no one would follow).
MAX_STEPS = 120


class TaperError(ValueError):
    """The pathway has no course content, so no taper can be suggested."""


def round_up(value: Decimal, step: Decimal) -> Decimal:
    """``value`` up to a multiple of ``step``: 7 mg in 2 mg tablets → 8 mg.  Rounding up means a
    step never lowers the dose by more than the rule says."""
    return (value / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step


def below(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of ``step`` strictly below ``value``: 8 → 6, 7 → 6 (2 mg steps)."""
    return (round_up(value, step) / step - 1) * step


def schedule(dose: Decimal, rule: TaperRule) -> list[Decimal]:
    """The successive daily doses from ``dose`` down to zero (``dose`` itself not included).

    Each step lowers the dose by the first reduction whose ``above_mg`` it exceeds, rounds up
    to a multiple of ``round_to_mg`` (so no step cuts more than the rule says; a step the
    rounding would undo goes down to the next multiple instead) and stops the drug when the
    result falls below ``stop_below_mg``.  Each step is strictly lower than the one before and
    after the first every dose is a multiple of ``round_to_mg``, so the schedule ends at zero.
    """
    doses: list[Decimal] = []
    current = dose
    while current > 0:
        reduction = next((r for r in rule.reductions if current > r.above_mg),
                         rule.reductions[-1])
        following = round_up(current - reduction.reduce_mg, rule.round_to_mg)
        if following >= current:
            following = below(current, rule.round_to_mg)
        if following < rule.stop_below_mg or following < 0 or len(doses) + 1 >= MAX_STEPS:
            following = Decimal(0)
        doses.append(following)
        current = following
    return doses


@dataclass(frozen=True)
class _DrugPlan:
    drug: str
    rule: TaperRule
    doses: list[Decimal]

    def dose_on(self, offset_days: int, start_dose: Decimal) -> Decimal:
        """The dose ``offset_days`` after the taper's first day."""
        steps_done = offset_days // self.rule.every_days + 1
        if steps_done <= 0:
            return start_dose
        return self.doses[min(steps_done, len(self.doses)) - 1]


def suggest_taper(case: Case, pathway: Pathway, start: date) -> TaperPlan:
    """A taper beginning on ``start`` (the first lower dose) for every drug in force the day
    before with a known dose above zero and a taper rule in the pathway.

    The plan's steps combine the drugs: a new step begins whenever any drug's dose changes,
    and each step lists every tapered drug's dose that day; the last step is zero for all.
    A drug without a rule (or with an unreadable dose) is left out, and the rule engine says
    so (``COURSE_TAPER_DRUG_MISSING``).  Raises :class:`TaperError` for a pathway without
    course content.
    """
    content = pathway.course
    if content is None:
        raise TaperError(f"{pathway.id} {pathway.version} has no course content")
    current = doses_in_force(case, start - timedelta(days=1), include_taper=False)
    plans: list[tuple[_DrugPlan, Decimal]] = []
    for drug, dose in current.items():
        rule = content.taper_rule(drug)
        if rule is None or dose is None or dose <= 0:
            continue
        plans.append((_DrugPlan(drug, rule, schedule(dose, rule)), dose))
    plans.sort(key=lambda item: item[0].drug)
    offsets = sorted({index * plan.rule.every_days
                      for plan, _ in plans for index in range(len(plan.doses))})
    steps = [
        TaperStep(from_date=start + timedelta(days=offset),
                  doses={plan.drug: typed(plan.dose_on(offset, dose)) for plan, dose in plans})
        for offset in offsets
    ]
    return TaperPlan(
        steps=steps,
        rules={plan.drug: plan.rule.id for plan, _ in plans},
        pathway_version=pathway.version,
        edited=False,
    )


__all__ = ["MAX_STEPS", "TaperError", "below", "round_up", "schedule", "suggest_taper"]
