"""The rule engine: pure functions from a case and its pathway to findings.

Blockers stop consent and plan from being exported; warnings must be looked at; info explains.
The doctor decides: every deviation from the guidance is possible with a written
justification and the agreement of a specialist in TSB.  Codes are listed in ``docs/rules.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from core.case import Case
from core.content.pathway import Pathway
from core.findings import Finding
from core.rules import clinical, conditions, consent, course, medication, patient, tapering
from core.rules.context import Deviation, RuleContext
from core.rules.relevance import consultation_day
from i18n import Language, translator

Rule = Callable[[RuleContext], None]

#: The rules of each legal condition, run only when the pathway declares the condition (its
#: ``conditions[].key``): a pathway without ``quarantine`` never gets the quarantine rules.
CONDITION_RULES: dict[str, Rule] = {
    "dependence": conditions.check_dependence,
    "plan": conditions.check_plan,
    "quarantine": conditions.check_quarantine,
    "tapering_consent": tapering.check_tapering_consent,
}
_BEFORE: tuple[Rule, ...] = (
    patient.check_patient,
    patient.check_prescriber,
    patient.check_consultation,
)
_AFTER: tuple[Rule, ...] = (
    conditions.check_patient_need,
    clinical.check_findings,
    clinical.check_substance_use,
    clinical.check_risk_mapping,
    clinical.check_measures,
    medication.check_medications,
    consent.check_plan,
    tapering.check_tapering,
    consent.check_consent,
)


def consultation_rules(pathway: Pathway) -> tuple[Rule, ...]:
    """The consultation's rules for ``pathway``, in wizard order."""
    declared = tuple(CONDITION_RULES[c.key] for c in pathway.conditions
                     if c.key in CONDITION_RULES)
    return _BEFORE + declared + _AFTER


#: The course of treatment (core/rules/course.py); runs once the course has begun.
_COURSE_RULES = (course.check_course,)

#: ``consultation``: the wizard's steps only (what the first documents are checked against);
#: ``course``: the course of treatment only; ``all``: both.
Scope = Literal["all", "consultation", "course"]


def _run(case: Case, pathway: Pathway, today: date | None, language: str,
         scope: Scope = "all") -> RuleContext:
    lang: Language = language if language in ("nb", "nn", "en") else "nb"  # type: ignore[assignment]
    today = today or date.today()
    ctx = RuleContext(case=case, pathway=pathway, today=today, t=translator(lang),
                      consultation_day=consultation_day(case, today))
    rules = ((() if scope == "course" else consultation_rules(pathway))
             + (() if scope == "consultation" else _COURSE_RULES))
    for rule in rules:
        before = len(ctx.findings)
        rule(ctx)
        if rule in _COURSE_RULES and pathway.tapering is not None:
            # The plan step edits the taper of a tapering pathway, and its rules report
            # the taper's problems there (core/rules/tapering.py): keep them once.
            # "After the isolation" has no meaning here either.
            ctx.findings[before:] = [f for f in ctx.findings[before:]
                                     if not f.field.startswith(tapering.TAPER_PATH)
                                     and f.code != "COURSE_TAPER_NOT_CHOSEN"]
    return ctx


def evaluate(case: Case, pathway: Pathway, *, today: date | None = None,
             language: str = "nb", scope: Scope = "all") -> list[Finding]:
    """Every finding for ``case`` under ``pathway``, in wizard order, then the course's."""
    return _run(case, pathway, today, language, scope).findings


def deviations(case: Case, pathway: Pathway, *, today: date | None = None,
               language: str = "nb") -> list[Deviation]:
    """Each departure from the guidance in the medication choice, in medication order."""
    return _run(case, pathway, today, language).deviations


__all__ = ["CONDITION_RULES", "Deviation", "Rule", "Scope", "consultation_rules", "deviations",
           "evaluate"]
