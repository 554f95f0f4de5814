"""Findings: what the rule engine says about a case, as data the UI decides how to show."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    #: Stops consent and plan from being exported until fixed or justified.
    BLOCKER = "blocker"
    #: Must be looked at; the doctor may go on.
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One observation about a case.

    ``code`` is stable (tests, documentation and the audit log refer to it); ``field`` is the
    dotted path into :class:`core.case.Case` (``"medications.0.daily_dose"``) or ``""``;
    ``step`` is the wizard step id from :mod:`core.steps`; ``message`` is already translated.
    """

    code: str
    severity: Severity
    step: str
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "step": self.step,
            "field": self.field,
            "message": self.message,
        }


def blockers(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.BLOCKER]
