"""Facts about a case that rules, UI and documents share: which consent information items
apply, the patient's age and childbearing age on the consultation day, reduced respiration,
and the combinations of depressants this patient has."""

from __future__ import annotations

from datetime import date

from core.case import Case, Sex
from core.content.pathway import Combination, ConsentItem, Pathway, Text
from core.identity import check


def consultation_day(case: Case, today: date | None = None) -> date:
    """The day every date-dependent judgement is made on: the consultation date, or today
    while it is missing (the rule ``CONSULTATION_DATE_MISSING`` says so)."""
    return case.consultation.date or today or date.today()


def age_on(born: date, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birth_date(case: Case) -> date | None:
    """The recorded date of birth, else the one in a valid identity number."""
    if case.patient.birth_date is not None:
        return case.patient.birth_date
    result = check(case.patient.identity_number)
    return result.birth_date if result.valid else None


def patient_sex(case: Case) -> Sex | None:
    """The recorded sex, else the one a valid identity number issued before 2032 carries."""
    if case.patient.sex is not None:
        return case.patient.sex
    return check(case.patient.identity_number).sex


def derived_childbearing_age(case: Case, pathway: Pathway, day: date) -> bool:
    """A woman whose age on ``day`` is inside the pathway's childbearing range."""
    born = birth_date(case)
    return (patient_sex(case) == "female" and born is not None and born <= day
            and pathway.childbearing_age.includes(age_on(born, day)))


def childbearing_age(case: Case, pathway: Pathway, day: date | None = None) -> bool:
    """Ticked by the doctor, or derived from sex and age on the consultation day."""
    day = day or consultation_day(case)
    return case.findings.childbearing_age or derived_childbearing_age(case, pathway, day)


def pregnancy_relevant(case: Case, pathway: Pathway, day: date | None = None) -> bool:
    """Pregnant or possibly so; ticked as of childbearing age; or of that age by sex and age
    unless the doctor judged pregnancy not relevant (R13, consent item K15)."""
    status, findings = case.findings.pregnancy, case.findings
    if status in ("possible", "pregnant") or findings.childbearing_age:
        return True
    day = day or consultation_day(case)
    return status != "not_relevant" and derived_childbearing_age(case, pathway, day)


def respiration_reduced(case: Case, pathway: Pathway) -> bool:
    findings, limits = case.findings, pathway.thresholds
    return bool(
        (findings.respiratory_rate is not None
         and findings.respiratory_rate < limits.respiratory_rate_low)
        or (findings.oxygen_saturation is not None
            and findings.oxygen_saturation < limits.oxygen_saturation_low)
    )


def substituted_substances(case: Case, pathway: Pathway) -> set[str]:
    """Substance groups the prescribed drugs substitute (buprenorfin → opioids)."""
    drugs = (pathway.drug(m.drug) for m in case.medications if m.drug)
    return {d.substance for d in drugs if d is not None}


def used_substances(case: Case) -> set[str]:
    return {use.substance for use in case.substance_use if use.substance}


def combinations(case: Case, pathway: Pathway) -> list[Combination]:
    """The pathway's dangerous combinations this patient has: every substance of it is either
    prescribed (as the drug that substitutes it) or in the current substance use."""
    present = substituted_substances(case, pathway) | used_substances(case)
    return [c for c in pathway.combinations if set(c.substances) <= present]


def combination_names(case: Case, pathway: Pathway, combination: Combination) -> list[Text]:
    """What this patient has of each substance in ``combination``: the prescribed drugs (what
    the patient knows they get), else the substance group they use (``alkohol``)."""
    names: list[Text] = []
    for substance_id in combination.substances:
        drugs = [pathway.drug(m.drug) for m in case.medications if m.drug]
        prescribed = [d.name for d in drugs if d is not None and d.substance == substance_id]
        if prescribed:
            names.extend(dict.fromkeys(prescribed))
            continue
        substance = pathway.substance(substance_id)
        names.append(substance.name if substance is not None else Text(substance_id))
    return names


def applies(item: ConsentItem, case: Case, pathway: Pathway, day: date | None = None) -> bool:
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
            return pregnancy_relevant(case, pathway, day)
        case "lar":
            return case.plan.lar_referral == "wanted"
        case "interpreter":
            return case.consent.interpreter_used or case.patient.interpreter_needed
        case "combination":
            return bool(combinations(case, pathway))
    return False


def relevant_items(case: Case, pathway: Pathway, day: date | None = None) -> list[ConsentItem]:
    return [item for item in pathway.consent_items if applies(item, case, pathway, day)]


__all__ = [
    "age_on",
    "applies",
    "birth_date",
    "childbearing_age",
    "combination_names",
    "combinations",
    "consultation_day",
    "derived_childbearing_age",
    "patient_sex",
    "pregnancy_relevant",
    "relevant_items",
    "respiration_reduced",
    "substituted_substances",
    "used_substances",
]
