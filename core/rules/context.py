"""What every rule needs: the case, its pathway, the days, the translator, and a findings list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from core.case import Case, Medication
from core.content.pathway import AssessmentOption, Drug, Pathway
from core.dose import parse_dose
from core.findings import Finding, Severity
from core.rules import relevance
from i18n import Translator


def sentence_case(text: str) -> str:
    """The first letter in upper case: a name in running-text form (``buprenorfin``) may open
    the translated sentence in one language and stand inside it in another."""
    return text[:1].upper() + text[1:]


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
    #: The day the rules run (what "in the future" means).
    today: date
    t: Translator
    #: The day date-dependent judgements are made on: the consultation date, or ``today``
    #: while it is missing (age, childbearing age, validity of the legal basis).
    consultation_day: date
    findings: list[Finding] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)

    def add(self, code: str, severity: Severity, step: str, path: str, message: str,
            **values: Any) -> None:
        """Record a finding; ``message`` is an English msgid translated here, then formatted."""
        text = self.t.gettext(message)
        if values:
            text = text.format(**values)
        self.findings.append(Finding(code, severity, step, path, sentence_case(text)))

    def add_sentences(self, code: str, severity: Severity, step: str, path: str,
                      *sentences: tuple[str, dict[str, Any]]) -> None:
        """A finding made of whole sentences, each an msgid translated and formatted alone."""
        text = " ".join(sentence_case(self.t.gettext(msgid).format(**values))
                        for msgid, values in sentences)
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

    def name(self, value: Any) -> str:
        """A pathway name (drug, substance) for the middle of a sentence: ``buprenorfin``."""
        return str(value.running(self.t.language))

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
        return relevance.substituted_substances(self.case, self.pathway)

    def used_substances(self) -> set[str]:
        return relevance.used_substances(self.case)

    def respiration_reduced(self) -> bool:
        return relevance.respiration_reduced(self.case, self.pathway)
