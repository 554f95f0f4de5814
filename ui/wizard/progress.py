"""How far each wizard step has come: not started, in progress, complete, warnings, blocked.

Pure Python (no Qt), computed from the case and the rule engine's findings:

* *not started* — nothing entered on the step (and the GP has not opened it);
* *in progress* — something must still be filled in (a blocker on an empty field);
* *blocked* — something entered stops the treatment or must be corrected (a blocker on a
  field that has a value, e.g. a self-chosen quarantine or a wrong identity number);
* *has warnings* — no blockers, but warnings to look at;
* *complete* — no blockers and no warnings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from core.case import Case
from core.casepath import CasePathError, get_value
from core.findings import Finding, Severity
from core.steps import STEP_IDS
from i18n import N_

SUMMARY = "summary"


class StepState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    WARNINGS = "warnings"
    BLOCKED = "blocked"


STATE_WORDS = {
    StepState.NOT_STARTED: N_("Not started"),
    StepState.IN_PROGRESS: N_("In progress"),
    StepState.COMPLETE: N_("Complete"),
    StepState.WARNINGS: N_("Has warnings"),
    StepState.BLOCKED: N_("Blocked"),
}

#: The parts of the case each step fills in (to tell "not started" from "in progress").
STEP_SECTIONS: dict[str, tuple[str, ...]] = {
    "patient": ("patient",),
    "conditions": ("conditions",),
    "findings": ("substance_use", "findings"),
    "risk": ("risk", "extra_risk_points"),
    "measures": ("measures", "extra_measures"),
    "medication": ("medications",),
    "plan": ("plan",),
    "consent": ("consent",),
    SUMMARY: ("journal_addition",),
}

_BLANK = Case()


@dataclass(frozen=True)
class StepProgress:
    state: StepState
    blockers: int
    warnings: int


def _is_blank(value: Any) -> bool:
    if value is None or value == "" or value is False:
        return True
    if isinstance(value, list | dict | tuple):
        return not value
    if isinstance(value, BaseModel):
        return bool(value == type(value)())
    return False


def field_is_empty(case: Case, path: str) -> bool:
    """True when the field a finding points at is empty or still at its default value."""
    if not path:
        return False
    try:
        value = get_value(case, path)
    except CasePathError:
        return True
    if _is_blank(value):
        return True
    parent_path, _, last = path.rpartition(".")
    try:
        parent = get_value(case, parent_path) if parent_path else case
    except CasePathError:
        return True
    if isinstance(parent, BaseModel):
        info = type(parent).model_fields.get(last)
        if info is not None and not info.is_required():
            return bool(value == info.get_default(call_default_factory=True))
    return False


def started(case: Case, step: str) -> bool:
    return any(getattr(case, name) != getattr(_BLANK, name) for name in STEP_SECTIONS.get(step, ()))


def step_progress(case: Case, findings: Iterable[Finding],
                  visited: Iterable[str] = ()) -> dict[str, StepProgress]:
    seen = set(visited)
    by_step: dict[str, list[Finding]] = {step: [] for step in STEP_IDS}
    all_findings = list(findings)
    for finding in all_findings:
        by_step.setdefault(finding.step, []).append(finding)
    result: dict[str, StepProgress] = {}
    for step in STEP_IDS:
        if step == SUMMARY:
            continue
        items = by_step[step]
        blockers = [f for f in items if f.severity is Severity.BLOCKER]
        warnings = [f for f in items if f.severity is Severity.WARNING]
        if not (step in seen or started(case, step)):
            state = StepState.NOT_STARTED
        elif any(not field_is_empty(case, f.field) for f in blockers):
            state = StepState.BLOCKED
        elif blockers:
            state = StepState.IN_PROGRESS
        elif warnings:
            state = StepState.WARNINGS
        else:
            state = StepState.COMPLETE
        result[step] = StepProgress(state, len(blockers), len(warnings))
    result[SUMMARY] = _summary(result, all_findings, SUMMARY in seen)
    return result


def _summary(steps: dict[str, StepProgress], findings: list[Finding],
             visited: bool) -> StepProgress:
    blockers = sum(1 for f in findings if f.severity is Severity.BLOCKER)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    states = {p.state for p in steps.values()}
    if StepState.BLOCKED in states:
        state = StepState.BLOCKED
    elif blockers or StepState.IN_PROGRESS in states:
        state = StepState.IN_PROGRESS
    elif StepState.NOT_STARTED in states and not visited:
        state = StepState.NOT_STARTED
    elif warnings:
        state = StepState.WARNINGS
    else:
        state = StepState.COMPLETE
    return StepProgress(state, blockers, warnings)
