"""The three cumulative legal conditions (C1 dependence, C2 plan, C3 quarantine/isolation)."""

from __future__ import annotations

import re

from core.rules.context import RuleContext

#: "§ 4", "§§ 4 og 7", "§4a", "section 7", "paragraf 4": the paragraph numbers a legal
#: reference names (the letters after a number are ignored: § 4 a is part of § 4).
_SECTIONS = re.compile(
    r"(?:§+|\bsections?\b|\bparagraf(?:ene|en)?\b)\s*"
    r"([0-9]+(?:\s*[a-z]\b)?(?:\s*(?:,|og|and|or|eller|-|–)\s*[0-9]+)*)", re.IGNORECASE)


def named_sections(reference: str) -> set[str]:
    """The paragraph numbers a typed legal reference names."""
    return {number for match in _SECTIONS.finditer(reference)
            for number in re.findall(r"[0-9]+", match.group(1))}


def check_dependence(ctx: RuleContext) -> None:
    """C1: an F1x.2 diagnosis, properly set, for every narcotic substance to be substituted."""
    dependence = ctx.case.conditions.dependence
    base = "conditions.dependence"
    if not dependence.diagnoses:
        ctx.blocker("C1_NO_DIAGNOSIS", "conditions", f"{base}.diagnoses",
                    "Condition 1 is not documented: add the ICD-10 dependence diagnosis (F1x.2) "
                    "for each substance to be substituted.")
    diagnosed: set[str] = set()
    for index, diagnosis in enumerate(dependence.diagnoses):
        path = f"{base}.diagnoses.{index}"
        substance = ctx.pathway.substance(diagnosis.substance)
        if substance is None:
            ctx.blocker("C1_SUBSTANCE_MISSING", "conditions", f"{path}.substance",
                        "Choose the substance the diagnosis concerns.")
            continue
        if diagnosis.icd10 not in substance.icd10:
            ctx.blocker("C1_ICD10_INVALID", "conditions", f"{path}.icd10",
                        "Choose a dependence-syndrome code for {substance}: {codes}.",
                        substance=ctx.name(substance.name), codes=", ".join(substance.icd10))
        if diagnosis.diagnosed_by is None or not diagnosis.diagnosed_by_name.strip():
            ctx.blocker("C1_DIAGNOSED_BY_MISSING", "conditions", f"{path}.diagnosed_by",
                        "Record who set the diagnosis: a specialist in addiction medicine, or a "
                        "GP under such a specialist's guidance.")
        elif diagnosis.diagnosed_by == "gp_supervised" and not diagnosis.supervisor_name.strip():
            ctx.blocker("C1_SUPERVISOR_MISSING", "conditions", f"{path}.supervisor_name",
                        "A diagnosis set by a GP needs the name of the supervising specialist "
                        "in addiction medicine.")
        if not substance.narcotic:
            ctx.warning("C1_NOT_NARCOTIC", "conditions", f"{path}.substance",
                        "{substance} is not a narcotic: this diagnosis does not satisfy "
                        "condition 1 on its own.", substance=ctx.name(substance.name))
        elif diagnosis.icd10 in substance.icd10:
            diagnosed.add(substance.id)
    if dependence.diagnoses and not diagnosed:
        ctx.blocker("C1_NO_NARCOTIC_DEPENDENCE", "conditions", f"{base}.diagnoses",
                    "Condition 1 requires dependence on a narcotic substance. Alcohol "
                    "dependence alone does not qualify.")
    for index, medication in enumerate(ctx.case.medications):
        drug = ctx.drug_of(medication)
        if drug is not None and drug.substance not in diagnosed and dependence.diagnoses:
            substance = ctx.pathway.substance(drug.substance)
            name = ctx.name(substance.name) if substance else drug.substance
            ctx.blocker("C1_DRUG_WITHOUT_DIAGNOSIS", "medication", f"medications.{index}.drug",
                        "{drug} substitutes {substance}, but no dependence diagnosis for "
                        "{substance} is recorded.", drug=ctx.name(drug.name), substance=name)


def check_plan(ctx: RuleContext) -> None:
    """C2: a plan made together with the specialist service — who, when, how, what."""
    plan = ctx.case.conditions.plan
    base = "conditions.plan"
    missing = [
        ("unit", plan.unit.strip()),
        ("person", plan.person.strip()),
        ("contacted_at", plan.contacted_at),
        ("channel", plan.channel),
        ("agreed", plan.agreed.strip()),
        ("starts_treatment", plan.starts_treatment),
    ]
    empty = [name for name, value in missing if not value]
    if len(empty) == len(missing):
        ctx.blocker("C2_NO_PLAN", "conditions", base,
                    "Condition 2 is not documented: record the plan made with the specialist "
                    "service (unit, person, when, how and what was agreed).")
        return
    for name in empty:
        ctx.blocker("C2_INCOMPLETE", "conditions", f"{base}.{name}",
                    "The plan with the specialist service is incomplete: this field is needed.")
    if plan.contacted_at is not None and ctx.case.consultation.date is not None:
        contacted = plan.contacted_at.date()
        if contacted > ctx.case.consultation.date:
            ctx.warning("C2_CONTACT_AFTER_CONSULTATION", "conditions", f"{base}.contacted_at",
                        "The contact with the specialist service is dated after the "
                        "consultation.")


def check_quarantine(ctx: RuleContext) -> None:
    """C3: quarantine or isolation *ordered* under the covid-19 regulation §§ 4 and 7.

    The patient's own caution is not enough (seed 004, 4.4), so the case must say who ordered
    it (or that nobody did) and the provision the order rests on.
    """
    quarantine = ctx.case.conditions.quarantine
    base = "conditions.quarantine"
    if quarantine.kind is None:
        ctx.blocker("C3_KIND_MISSING", "conditions", f"{base}.kind",
                    "Condition 3 is not documented: is the patient in quarantine or isolation?")
    role = quarantine.ordered_by_role
    if role == "not_ordered":
        ctx.blocker("C3_SELF_CHOSEN", "conditions", f"{base}.ordered_by_role",
                    "Staying at home by own choice does not satisfy condition 3: quarantine or "
                    "isolation must be required by the covid-19 regulation.")
    else:
        if role is None:
            ctx.blocker("C3_ORDER_MISSING", "conditions", f"{base}.ordered_by_role",
                        "Record who ordered the quarantine or isolation (the municipal doctor, "
                        "contact tracing or someone else), or that nobody ordered it.")
        elif not quarantine.ordered_by.strip():
            ctx.blocker("C3_ORDERED_BY_NAME_MISSING", "conditions", f"{base}.ordered_by",
                        "Enter the name of the doctor, team or authority that ordered the "
                        "quarantine or isolation.")
        _check_legal_reference(ctx)
    if quarantine.start is None:
        ctx.blocker("C3_START_MISSING", "conditions", f"{base}.start",
                    "Enter when the quarantine or isolation started.")
    if quarantine.expected_end is None:
        ctx.blocker("C3_END_MISSING", "conditions", f"{base}.expected_end",
                    "Enter when the quarantine or isolation is expected to end.")
    if (quarantine.start is not None and quarantine.expected_end is not None
            and quarantine.expected_end < quarantine.start):
        ctx.blocker("C3_END_BEFORE_START", "conditions", f"{base}.expected_end",
                    "The quarantine or isolation ends before it starts.")
    consultation = ctx.case.consultation.date
    if (consultation is not None and quarantine.expected_end is not None
            and quarantine.start is not None and quarantine.expected_end >= quarantine.start
            and not quarantine.start <= consultation <= quarantine.expected_end):
        ctx.warning("C3_CONSULTATION_OUTSIDE_PERIOD", "conditions", f"{base}.start",
                    "The consultation date is outside the quarantine or isolation period.")


def _check_legal_reference(ctx: RuleContext) -> None:
    """The provision is required; the pathway says which paragraph each kind rests on."""
    quarantine = ctx.case.conditions.quarantine
    path = "conditions.quarantine.legal_reference"
    order = ctx.pathway.quarantine_order(quarantine.kind)
    reference = quarantine.legal_reference.strip()
    if not reference:
        orders = [order] if order is not None else list(ctx.pathway.quarantine_orders)
        ctx.blocker("C3_LEGAL_REFERENCE_MISSING", "conditions", path,
                    "Enter the provision the order rests on ({references}).",
                    references=", ".join(ctx.text(o.reference) for o in orders))
    elif order is not None and order.section not in named_sections(reference):
        ctx.warning("C3_LEGAL_REFERENCE_MISMATCH", "conditions", path,
                    "The provision recorded does not name the one for {kind}: {reference}.",
                    kind=ctx.t.gettext("isolation") if quarantine.kind == "isolation"
                    else ctx.t.gettext("quarantine"),
                    reference=ctx.text(order.reference))


def check_patient_need(ctx: RuleContext) -> None:
    if not ctx.case.conditions.patient_need_only:
        ctx.blocker("PATIENT_NEED_NOT_CONFIRMED", "conditions", "conditions.patient_need_only",
                    "Confirm that the assessment weighs only the patient's own need for health "
                    "care, not infection control or third parties.")
