"""What every rule needs: the case, its pathway, today, the translator, and a findings list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from core.case import Case, Medication
from core.content.pathway import AssessmentOption, Drug, Pathway
from core.dose import parse_dose
from core.findings import Finding, Severity
from core.rules.relevance import respiration_reduced
from i18n import Translator


@dataclass(frozen=True)
class Deviation:
    """A medication choice that departs from the guidance (for the journal and the consent)."""

    medication_index: int
    code: str
    #: What deviates, one translated sentence (without the justification).
    text: str
    justified: bool


@dataclass
class RuleContext:
    case: Case
    pathway: Pathway
    today: date
    t: Translator
    findings: list[Finding] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)

    def add(self, code: str, severity: Severity, step: str, path: str, message: str,
            **values: Any) -> None:
        """Record a finding; ``message`` is an English msgid translated here, then formatted."""
        text = self.t.gettext(message)
        if values:
            text = text.format(**values)
        self.findings.append(Finding(code, severity, step, path, text))

    def add_sentences(self, code: str, severity: Severity, step: str, path: str,
                      *sentences: tuple[str, dict[str, Any]]) -> None:
        """A finding made of whole sentences, each an msgid translated and formatted alone."""
        text = " ".join(self.t.gettext(msgid).format(**values) for msgid, values in sentences)
        self.findings.append(Finding(code, severity, step, path, text))

    def blocker(self, code: str, step: str, path: str, message: str, **values: Any) -> None:
        self.add(code, Severity.BLOCKER, step, path, message, **values)

    def warning(self, code: str, step: str, path: str, message: str, **values: Any) -> None:
        self.add(code, Severity.WARNING, step, path, message, **values)

    def info(self, code: str, step: str, path: str, message: str, **values: Any) -> None:
        self.add(code, Severity.INFO, step, path, message, **values)

    # ---- shared facts -------------------------------------------------------------------

    def text(self, value: Any) -> str:
        """A pathway ``Text`` in the document language of this evaluation."""
        return str(value.get(self.t.language))

    def assessment(self, point_id: str) -> AssessmentOption | None:
        answer = self.case.risk.get(point_id)
        if answer is None or not answer.assessment:
            return None
        return self.pathway.assessment(answer.assessment)

    def risk_level(self, point_id: str) -> int | None:
        option = self.assessment(point_id)
        return None if option is None else option.level

    def drug_of(self, medication: Medication) -> Drug | None:
        return self.pathway.drug(medication.drug) if medication.drug else None

    def dose_of(self, medication: Medication) -> Decimal | None:
        return parse_dose(medication.daily_dose)

    def substituted_substances(self) -> set[str]:
        substances = set()
        for medication in self.case.medications:
            drug = self.drug_of(medication)
            if drug is not None:
                substances.add(drug.substance)
        return substances

    def used_substances(self) -> set[str]:
        return {use.substance for use in self.case.substance_use if use.substance}

    def respiration_reduced(self) -> bool:
        return respiration_reduced(self.case, self.pathway)
