"""Findings, current substance use, the risk-mapping list and the measures."""

from __future__ import annotations

from core.content.pathway import AdmissionSign
from core.rules import relevance
from core.rules.context import RuleContext

HIGH = 2


def _sign_present(ctx: RuleContext, sign: AdmissionSign) -> bool:
    """Whether the case records the fact an admission sign of the pathway names."""
    findings, limits = ctx.case.findings, ctx.pathway.thresholds
    match sign.fact:
        case "respiratory_rate_low":
            rate = findings.respiratory_rate
            return rate is not None and 4 <= rate < limits.respiratory_rate_low
        case "oxygen_saturation_low":
            saturation = findings.oxygen_saturation
            return saturation is not None and 50 <= saturation < limits.oxygen_saturation_low
        case "risk_point_high":
            return ctx.risk_level(sign.risk_point) == HIGH
        case _:
            return bool(getattr(findings, sign.fact) == "yes")


def _admission_field(signs: list[AdmissionSign]) -> str:
    """Where the finding is shown: at the first sign recorded in the illness section.

    A low respiratory rate or saturation has its own warning at the value (which already says
    to consider admission), so those alone put the finding with the general condition.
    """
    for sign in signs:
        if sign.fact == "risk_point_high":
            return f"risk.{sign.risk_point}.assessment"
        if sign.fact not in ("respiratory_rate_low", "oxygen_saturation_low"):
            return f"findings.{sign.fact}"
    return "findings.reduced_general_condition"


def check_findings(ctx: RuleContext) -> None:
    findings = ctx.case.findings
    limits = ctx.pathway.thresholds
    rate, saturation = findings.respiratory_rate, findings.oxygen_saturation
    if rate is not None and not 4 <= rate <= 60:
        ctx.blocker("RESPIRATORY_RATE_IMPLAUSIBLE", "findings", "findings.respiratory_rate",
                    "A respiratory rate of {value} per minute is not plausible. Check the value.",
                    value=rate)
    elif rate is not None and rate < limits.respiratory_rate_low:
        ctx.warning("RESPIRATORY_RATE_LOW", "findings", "findings.respiratory_rate",
                    "Reduced respiratory rate ({value}/min, below {limit}): prefer oxazepam, be "
                    "careful with opioids, and consider admission.",
                    value=rate, limit=limits.respiratory_rate_low)
    if saturation is not None and saturation < 50:
        ctx.blocker("SATURATION_IMPLAUSIBLE", "findings", "findings.oxygen_saturation",
                    "An oxygen saturation of {value} is not plausible. Check the value.",
                    value=f"{saturation}\u00a0%")
    elif saturation is not None and saturation < limits.oxygen_saturation_low:
        ctx.warning("SATURATION_LOW", "findings", "findings.oxygen_saturation",
                    "Low oxygen saturation ({value}, below {limit}): prefer oxazepam, be "
                    "careful with opioids, and consider admission.",
                    value=f"{saturation}\u00a0%", limit=f"{limits.oxygen_saturation_low}\u00a0%")
    if findings.pulse is not None and not 20 <= findings.pulse <= 250:
        ctx.blocker("PULSE_IMPLAUSIBLE", "findings", "findings.pulse",
                    "A pulse of {value} per minute is not plausible. Check the value.",
                    value=findings.pulse)
    if (findings.qtc_ms is not None and findings.qtc_ms >= limits.qtc_high_ms) or (
            findings.heart_disease == "yes" or ctx.risk_level("R6") == HIGH):
        ctx.warning("HEART_RISK", "findings", "findings.qtc_ms",
                    "Risk of prolonged QTc or arrhythmia: choose the drug with care (avoid "
                    "methadone) and consider an ECG.")
    if findings.lung_disease == "yes" or findings.covid_respiratory_symptoms == "yes":
        ctx.warning("LUNG_RISK", "findings", "findings.lung_disease",
                    "Lung disease or respiratory symptoms of COVID-19 raise the risk of "
                    "respiratory failure with opioids and benzodiazepines.")
    signs = [sign for sign in ctx.pathway.admission_signs if _sign_present(ctx, sign)]
    if signs:
        ctx.warning("CONSIDER_ADMISSION", "findings", _admission_field(signs),
                    "Consider admission to an institution ({signs}): treatment without "
                    "observation around the clock is uncertain.",
                    signs=", ".join(ctx.text(sign.label) for sign in signs))
    if (findings.serious_somatic_illness == "yes" or findings.serious_psychiatric_illness
            == "yes") and not findings.comorbidity_note.strip():
        ctx.warning("COMORBIDITY_NOT_DESCRIBED", "findings", "findings.comorbidity_note",
                    "Describe the illness and how it complicates the treatment.")
    _check_pregnancy(ctx)


def _check_pregnancy(ctx: RuleContext) -> None:
    """R13: pregnancy, and a woman of childbearing age until her pregnancy status is known.

    Childbearing age is the doctor's tick, or derived from sex and the age on the consultation
    day within the pathway's range.
    """
    status = ctx.case.findings.pregnancy
    relevant = relevance.pregnancy_relevant(ctx.case, ctx.pathway, ctx.consultation_day)
    if status in (None, "unknown") and relevant:
        ctx.warning("PREGNANCY_STATUS_UNKNOWN", "findings", "findings.pregnancy",
                    "The patient is a woman of childbearing age: record whether she is "
                    "pregnant, and consider a pregnancy test.")
    elif relevant:
        ctx.warning("PREGNANCY", "findings", "findings.pregnancy",
                    "Pregnancy or childbearing age: assess the risk to the foetus, give "
                    "information about contraception and involve the specialist service.")


def check_substance_use(ctx: RuleContext) -> None:
    for index, use in enumerate(ctx.case.substance_use):
        if not use.substance:
            ctx.blocker("SUBSTANCE_USE_SUBSTANCE_MISSING", "findings",
                        f"substance_use.{index}.substance",
                        "Choose which substance this line of current use concerns.")
    for index, use in enumerate(ctx.case.substance_use):
        if use.substance in ("alcohol", "pregabalin", "ghb"):
            substance = ctx.pathway.substance(use.substance)
            ctx.warning("DEPRESSANT_CO_USE", "findings", f"substance_use.{index}.substance",
                        "Current use of {substance} together with substitution raises the risk "
                        "of overdose. Inform the patient and plan daily checks.",
                        substance=ctx.name(substance.name) if substance else use.substance)
    for combination in relevance.combinations(ctx.case, ctx.pathway):
        if combination.id == "opioid_benzodiazepine":
            ctx.warning("OPIOID_BENZODIAZEPINE", "medication", "medications",
                        "Opioids and benzodiazepines together carry the highest risk of "
                        "overdose. Supervise intake and observe after each dose.")


def check_risk_mapping(ctx: RuleContext) -> None:
    for point in ctx.pathway.risk_points:
        answer = ctx.case.risk.get(point.id)
        assessed = answer is not None and ctx.pathway.assessment(answer.assessment) is not None
        if point.required and not assessed:
            ctx.blocker("RISK_POINT_UNANSWERED", "risk", f"risk.{point.id}.assessment",
                        "Risk mapping: assess “{point}”.", point=ctx.text(point.title))
        elif answer is not None and assessed:
            level = ctx.risk_level(point.id)
            if level is None:
                ctx.warning("RISK_POINT_UNCLEAR", "risk", f"risk.{point.id}.assessment",
                            "Risk mapping: “{point}” is still unclear.",
                            point=ctx.text(point.title))
            elif level == HIGH and not answer.note.strip():
                ctx.warning("RISK_HIGH_WITHOUT_NOTE", "risk", f"risk.{point.id}.note",
                            "Risk mapping: describe the high risk for “{point}” and how it is "
                            "handled.", point=ctx.text(point.title))
    if ctx.risk_level("R11") == HIGH or not ctx.case.plan.supervision_frequency.strip():
        ctx.warning("NO_DAILY_SUPERVISION", "plan", "plan.supervision_frequency",
                    "Daily supervised intake is not in place. Without it, treatment outside an "
                    "institution is hard to make safe.")
    if ctx.risk_level("R10") == HIGH or ctx.case.patient.no_fixed_abode:
        ctx.warning("CHAOTIC_LIVING", "risk", "risk.R10.assessment",
                    "Chaotic living situation or no fixed abode: plan where the patient stays, "
                    "how the medicine is delivered and how it is stored safely.")
    for index, extra in enumerate(ctx.case.extra_risk_points):
        if not extra.title.strip():
            ctx.blocker("EXTRA_RISK_TITLE_MISSING", "risk", f"extra_risk_points.{index}.title",
                        "Give the additional risk point a title, or remove it.")


def check_measures(ctx: RuleContext) -> None:
    chosen = {mid for mid, choice in ctx.case.measures.items() if choice.chosen}
    for required in ("T1", "T2"):
        measure = ctx.pathway.measure(required)
        if measure is not None and required not in chosen:
            ctx.warning("MEASURE_NOT_CHOSEN", "measures", f"measures.{required}.chosen",
                        "The measure “{measure}” is expected for this treatment.",
                        measure=ctx.text(measure.title))
    for index, extra in enumerate(ctx.case.extra_measures):
        if not extra.title.strip():
            ctx.blocker("EXTRA_MEASURE_TITLE_MISSING", "measures",
                        f"extra_measures.{index}.title",
                        "Give the additional measure a title, or remove it.")
