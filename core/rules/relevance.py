"""Which consent information items apply to a case (shared by rules, UI and documents)."""

from __future__ import annotations

from core.case import Case
from core.content.pathway import ConsentItem, Pathway


def respiration_reduced(case: Case, pathway: Pathway) -> bool:
    findings, limits = case.findings, pathway.thresholds
    return bool(
        (findings.respiratory_rate is not None
         and findings.respiratory_rate < limits.respiratory_rate_low)
        or (findings.oxygen_saturation is not None
            and findings.oxygen_saturation < limits.oxygen_saturation_low)
    )


def applies(item: ConsentItem, case: Case, pathway: Pathway) -> bool:
    drugs = [pathway.drug(m.drug) for m in case.medications]
    known = [d for d in drugs if d is not None]
    match item.when:
        case "always":
            return True
        case "methadone":
            return any(d.exception_only for d in known)
        case "diazepam_exception":
            return any(d.avoid_with_reduced_respiration for d in known) and respiration_reduced(
                case, pathway)
        case "non_opioid":
            return any(d.substance != "opioids" for d in known)
        case "pregnancy":
            return case.findings.pregnancy in ("possible", "pregnant") or (
                case.findings.childbearing_age)
        case "lar":
            return case.plan.lar_referral == "wanted"
        case "interpreter":
            return case.consent.interpreter_used or case.patient.interpreter_needed
    return False


def relevant_items(case: Case, pathway: Pathway) -> list[ConsentItem]:
    return [item for item in pathway.consent_items if applies(item, case, pathway)]


__all__ = ["applies", "relevant_items", "respiration_reduced"]
