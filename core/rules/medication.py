"""Drug, formulation and dose against the pathway's table; deviations need justification."""

from __future__ import annotations

from core.case import Medication
from core.content.pathway import Drug
from core.dose import format_dose, parse_signed_dose
from core.findings import Severity
from core.rules.context import Deviation, RuleContext
from i18n import N_


def _justified(medication: Medication) -> bool:
    return bool(medication.deviation_justification.strip()
                and medication.deviation_agreed_by.strip())


JUSTIFIED = N_("Deviation justified and agreed with {specialist}.")
NOT_JUSTIFIED = N_("Write the justification and name the specialist in TSB who agreed.")


def _deviation(ctx: RuleContext, medication: Medication, path: str, code: str,
               message: str, **values: str) -> None:
    """A deviation is allowed with written justification and specialist agreement.

    The finding is two sentences, each translated on its own: what deviates, then what is
    recorded (or still missing).
    """
    index = int(path.split(".")[1])
    sentence = ctx.t.gettext(message).format(**values)
    ctx.deviations.append(Deviation(index, code, sentence, _justified(medication)))
    if _justified(medication):
        ctx.add_sentences(code, Severity.WARNING, "medication", path,
                          (message, values),
                          (JUSTIFIED, {"specialist": medication.deviation_agreed_by.strip()}))
    else:
        ctx.add_sentences(code, Severity.BLOCKER, "medication",
                          f"{path.rsplit('.', 1)[0]}.deviation_justification",
                          (message, values), (NOT_JUSTIFIED, {}))


def _range(drug: Drug, locale: str) -> str:
    lo, hi = drug.dose_min_mg, drug.dose_max_mg
    if lo is None or hi is None:
        return "—"
    return f"{format_dose(lo, locale).removesuffix(NBSP_MG)}–{format_dose(hi, locale)}"


NBSP_MG = "\u00a0mg"


def check_medications(ctx: RuleContext) -> None:
    if not ctx.case.medications:
        ctx.blocker("NO_MEDICATION", "medication", "medications",
                    "No drug is chosen yet. (If treatment is not started, the journal note "
                    "still documents the decision.)")
    reduced = ctx.respiration_reduced()
    for index, medication in enumerate(ctx.case.medications):
        path = f"medications.{index}"
        if not medication.drug:
            ctx.blocker("MEDICATION_DRUG_MISSING", "medication", f"{path}.drug",
                        "Choose the drug.")
            continue
        drug = ctx.drug_of(medication)
        if drug is None:
            name = medication.other_name.strip()
            if not name:
                ctx.blocker("MEDICATION_OTHER_NAME_MISSING", "medication", f"{path}.other_name",
                            "Enter the name of the drug.")
            _deviation(ctx, medication, f"{path}.drug", "DRUG_NOT_IN_TABLE",
                       "{drug} is not among the drugs suggested for this treatment.",
                       drug=name or "?")
        else:
            if not medication.formulation or drug.formulation(medication.formulation) is None:
                ctx.blocker("MEDICATION_FORMULATION_MISSING", "medication",
                            f"{path}.formulation", "Choose the formulation.")
            if drug.exception_only:
                _deviation(ctx, medication, f"{path}.drug", "EXCEPTION_DRUG",
                           "{drug} is only an exception: it carries a higher risk of overdose "
                           "and death than the preferred drug.", drug=ctx.name(drug.name))
            if drug.avoid_with_reduced_respiration and reduced:
                _deviation(ctx, medication, f"{path}.drug", "AVOID_WITH_REDUCED_RESPIRATION",
                           "{drug} with reduced respiration or low saturation: oxazepam is "
                           "preferred.", drug=ctx.name(drug.name))
        _check_dose(ctx, medication, drug, path)
        if (medication.start_date is not None and medication.planned_end is not None
                and medication.planned_end < medication.start_date):
            ctx.blocker("MEDICATION_END_BEFORE_START", "medication", f"{path}.planned_end",
                        "The planned end is before the start.")


def _check_dose(ctx: RuleContext, medication: Medication, drug: Drug | None, path: str) -> None:
    text = medication.daily_dose.strip()
    if not text:
        ctx.blocker("DOSE_MISSING", "medication", f"{path}.daily_dose", "Enter the daily dose.")
        return
    dose = parse_signed_dose(text)
    if dose is None:
        ctx.blocker("DOSE_UNREADABLE", "medication", f"{path}.daily_dose",
                    "The daily dose must be a number of milligrams, for example 16 or 7,5.")
        return
    if dose <= 0:
        ctx.blocker("DOSE_NOT_POSITIVE", "medication", f"{path}.daily_dose",
                    "The daily dose must be greater than zero.")
        return
    if drug is None:
        return
    if dose > drug.implausible_above_mg:
        ctx.blocker("DOSE_IMPLAUSIBLE", "medication", f"{path}.daily_dose",
                    "{dose} per day of {drug} is not plausible. Check for a typing error.",
                    dose=format_dose(dose, ctx.t.locale), drug=ctx.name(drug.name))
        return
    lo, hi = drug.dose_min_mg, drug.dose_max_mg
    if hi is not None and dose > hi:
        _deviation(ctx, medication, f"{path}.daily_dose", "DOSE_ABOVE_RANGE",
                   "{dose} is above the suggested daily dose ({range}).",
                   dose=format_dose(dose, ctx.t.locale), range=_range(drug, ctx.t.locale))
        if not medication.tolerance_note.strip():
            ctx.warning("DOSE_ABOVE_RANGE_NO_TOLERANCE", "medication", f"{path}.tolerance_note",
                        "A dose above the suggested range needs documented tolerance for the "
                        "dose.")
    elif lo is not None and dose < lo:
        ctx.info("DOSE_BELOW_RANGE", "medication", f"{path}.daily_dose",
                 "{dose} is below the suggested daily dose ({range}): a careful start.",
                 dose=format_dose(dose, ctx.t.locale), range=_range(drug, ctx.t.locale))
