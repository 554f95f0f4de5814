"""The treatment plan for the people who carry it out: municipality, home nursing, TSB.

A working document: what is given, when and under whose eyes, what to watch for, what to do
when something goes wrong, when it ends, and whom to call at each level.
"""

from __future__ import annotations

from datetime import date

from core.case import Case
from core.content.pathway import Pathway
from core.course.doses import taper_zero_day
from core.documents.common import DocContext, context
from core.documents.fmt import dose, formulation_name
from core.documents.model import (
    Block,
    Document,
    KeyValueTable,
    Paragraph,
    Section,
    SignatureBlock,
    SignatureParty,
    bullets,
    kv,
    section,
)
from core.dose import parse_dose


def treatment_plan(case: Case, pathway: Pathway, language: str = "nb", *,
                   today: date | None = None) -> Document:
    ctx = context(case, pathway, language, today)
    _ = ctx._
    if pathway.tapering is not None:
        return _tapering_plan(ctx)
    sections = tuple(s for s in (
        _basis(ctx),
        _medicines(ctx),
        _supervision(ctx),
        _when_things_go_wrong(ctx),
        _ending(ctx),
        _responsibilities(ctx),
    ) if s is not None)
    return _plan_document(ctx, _("Treatment plan: temporary substitution treatment during "
                                 "quarantine or isolation"), _("Treatment plan"), sections)


def _plan_document(ctx: DocContext, title: str, short_title: str,
                   sections: tuple[Section, ...]) -> Document:
    """The plan with its header, the prescriber as author, and the exercise notice."""
    notice = ctx.exercise_notice()
    return Document(
        kind="plan",
        language=ctx.language,
        title=title,
        document_id=ctx.document_id("plan"),
        running_header=ctx.running_header(short_title),
        page_label=ctx.page_label(),
        author=ctx.case.prescriber.name.strip(),
        subject=short_title,
        header_fields=ctx.header_rows(ctx._("Patient"), ctx._("Responsible doctor")),
        sections=sections,
        notices=(notice,) if notice else (),
        footer_note=ctx.footer(),
    )


def _basis(ctx: DocContext) -> Section | None:
    _, conditions = ctx._, ctx.case.conditions
    q = conditions.quarantine
    kind = {"isolation": _("Isolation"), "quarantine": _("Quarantine")}.get(q.kind or "", "")
    period = ""
    if q.start and q.expected_end:
        period = _("{start} to {end} (expected)").format(start=ctx.date(q.start),
                                                        end=ctx.date(q.expected_end))
    elif q.start:
        period = _("from {start}").format(start=ctx.date(q.start))
    quarantine = ", ".join(p for p in (kind, q.legal_reference.strip(), period) if p)
    codes = ", ".join(d.icd10.strip() for d in conditions.dependence.diagnoses if d.icd10.strip())
    plan = conditions.plan
    agreed = ""
    if plan.unit.strip():
        agreed = plan.unit.strip()
        if plan.contacted_at:
            agreed += ", " + ctx.date(plan.contacted_at.date())
    return section(
        _("Basis"),
        kv(
            (_("Legal basis"), ctx.legal_reference()),
            (_("Quarantine or isolation"), quarantine),
            (_("Diagnosis"), codes),
            (_("Plan agreed with"), agreed),
        ),
    )


def _medicines(ctx: DocContext) -> Section | None:
    _ = ctx._
    blocks: list[Block] = []
    for medication in ctx.case.medications:
        name = ctx.drug_name(medication)
        if not name:
            continue
        form = formulation_name(medication, ctx.pathway, ctx.language)
        amount = parse_dose(medication.daily_dose)
        blocks.append(Paragraph(name, emphasis=True))
        blocks.append(kv(
            (_("Formulation"), form),
            (_("Daily dose"), _("{dose} per day").format(dose=dose(amount, ctx.language))
             if amount is not None else medication.daily_dose.strip()),
            (_("Schedule"), medication.schedule.strip()),
            (_("Period"), ctx.medication_period(medication)),
        ))
    return section(_("Medicines and doses"), *blocks)


def _supervision(ctx: DocContext) -> Section | None:
    _, plan = ctx._, ctx.case.plan
    observation = ""
    if plan.post_dose_observation_minutes:
        observation = ctx.t.ngettext(
            "Observe the patient for {count} minute after intake.",
            "Observe the patient for {count} minutes after intake.",
            plan.post_dose_observation_minutes).format(count=plan.post_dose_observation_minutes)
    measures: list[str] = []
    for measure in ctx.pathway.measures:
        choice = ctx.case.measures.get(measure.id)
        if choice is not None and choice.chosen and choice.details.strip():
            measures.append(f"{ctx.text(measure.title)}: {choice.details.strip()}")
    for extra in ctx.case.extra_measures:
        if extra.title.strip():
            measures.append(extra.title.strip() + (f": {extra.details.strip()}"
                                                   if extra.details.strip() else ""))
    return section(
        _("Supervision and daily follow-up"),
        kv(
            (_("Supervised intake"), plan.supervision_frequency.strip()),
            (_("Supervised by"), plan.supervised_by.strip()),
            (_("Collected and delivered by"), plan.delivered_by.strip()),
            (_("Before each dose"), plan.daily_follow_up.strip()),
            (_("After intake"), observation),
            (_("Evaluation"), plan.evaluation.strip()),
            (_("Psychosocial follow-up"), plan.psychosocial_follow_up.strip()),
            (_("Practical needs"), plan.practical_needs.strip()),
        ),
        bullets(*measures),
    )


def _when_things_go_wrong(ctx: DocContext) -> Section:
    """Always printed: the people giving the doses need this on paper whatever the case says."""
    _, plan = ctx._, ctx.case.plan
    blocks: list[Block] = [
        Paragraph(_("Signs of intoxication"), emphasis=True),
        Paragraph(_("Drowsiness, slurred speech, small pupils, unsteady gait. Do not give the "
                    "dose. Call the responsible doctor the same day.")),
        Paragraph(_("Signs of overdose"), emphasis=True),
        Paragraph(_("Slow or no breathing, cannot be woken, blue lips. Call 113 at once. Give "
                    "naloxone nasal spray if opioids may be involved and it is at hand. Place the "
                    "patient in the recovery position and start CPR if the patient does not "
                    "breathe normally.")),
    ]
    if plan.admission_criteria.strip():
        blocks.append(Paragraph(_("Consider admission"), emphasis=True))
        blocks.append(Paragraph(plan.admission_criteria.strip()))
    return Section(_("Signs of intoxication or overdose"), tuple(blocks))


def _ending(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    end = case.conditions.quarantine.expected_end
    tapers = [f"{ctx.drug_name(m)}: {m.taper_plan.strip()}" for m in case.medications
              if m.taper_plan.strip() and ctx.drug_name(m)]
    ends = [_("{drug}: planned end {date}").format(drug=ctx.drug_name(m),
                                                   date=ctx.date(m.planned_end))
            for m in case.medications if m.planned_end and ctx.drug_name(m)]
    lar = {"wanted": _("The patient wants a referral to LAR."),
           "not_wanted": _("The patient does not want a referral to LAR."),
           "already_in_lar": _("The patient is already in LAR.")}.get(
        case.plan.lar_referral or "", "")
    return section(
        _("End of isolation and taper"),
        kv(
            (_("Expected end of quarantine or isolation"), ctx.date(end)),
            (_("After the isolation"), case.plan.end_of_isolation.strip()),
            (_("Taper"), case.plan.taper.strip()),
        ),
        bullets(*ends, *tapers),
        Paragraph(lar),
    )


def _responsibilities(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    plan, specialist = case.plan, case.conditions.plan
    doctor = ctx.prescriber_line()
    if case.prescriber.phone.strip():
        doctor = _("{name}, phone {phone}").format(name=doctor, phone=case.prescriber.phone.strip())
    tsb = ", ".join(p for p in (specialist.unit.strip(), specialist.person.strip()) if p)
    if tsb and specialist.person_phone.strip():
        tsb = _("{name}, phone {phone}").format(name=tsb, phone=specialist.person_phone.strip())
    table: KeyValueTable = kv(
        (_("Prescribing doctor"), doctor),
        (_("Starts the treatment"), plan.starts_by.strip()),
        (_("Carries out the treatment"), plan.carried_out_by.strip()),
        (_("Follows up"), plan.followed_up_by.strip()),
        (_("Specialist health service (TSB)"), tsb),
        (_("The specialist service follows up"), specialist.follows_up.strip()),
        (_("The patient calls"), ctx.contact_text()),
    )
    return section(_("Responsibilities and contacts"), table)


# --------------------------------------------------------------------------------------
# A tapering-plan pathway: the plan made with the specialist service, signed by the patient
# --------------------------------------------------------------------------------------


def _tapering_plan(ctx: DocContext) -> Document:
    """The tapering plan (nedtrappingsplan): the specialist service, the steps with dates and
    doses, who is responsible for what, follow-up, relapse, and both signatures."""
    _ = ctx._
    sections = tuple(s for s in (
        _tapering_basis(ctx),
        _steps(ctx),
        _tapering_follow_up(ctx),
        _tapering_responsibilities(ctx),
        _when_things_go_wrong(ctx),
        _signatures(ctx),
    ) if s is not None)
    return _plan_document(ctx, _("Tapering plan: {title}").format(
        title=ctx.text(ctx.pathway.title)), _("Tapering plan"), sections)


def _tapering_basis(ctx: DocContext) -> Section | None:
    _, conditions = ctx._, ctx.case.conditions
    plan = conditions.plan
    codes = ", ".join(d.icd10.strip() for d in conditions.dependence.diagnoses if d.icd10.strip())
    specialist = ", ".join(p for p in (plan.unit.strip(), plan.person.strip()) if p)
    made = ctx.date(plan.contacted_at.date()) if plan.contacted_at else ""
    return section(
        _("Basis"),
        kv(
            (_("Legal basis"), ctx.legal_reference()),
            (_("Diagnosis"), codes),
            (_("Made with the specialist service"), specialist),
            (_("Date of the plan"), made),
            (_("What was agreed"), plan.agreed.strip()),
            (_("Consent to tapering"), _("Yes, also beyond any quarantine or isolation")
             if conditions.tapering_consent else ""),
        ),
    )


def _steps(ctx: DocContext) -> Section | None:
    """Each step with its first day and the daily dose of every drug ("0 mg" = stopped)."""
    _, case = ctx._, ctx.case
    rows: list[tuple[str, str]] = []
    steps = [s for s in case.course.taper.steps]
    for number, step in enumerate(steps, start=1):
        doses = []
        for drug_id, text in step.doses.items():
            drug = ctx.pathway.drug(drug_id)
            name = ctx.text(drug.name) if drug is not None else drug_id
            amount = parse_dose(text)
            doses.append(_("{drug} {dose} per day").format(
                drug=name, dose=dose(amount, ctx.language) if amount is not None else text))
        day = ctx.date(step.from_date) if step.from_date else "?"
        rows.append((_("Step {number}, from {date}").format(number=number, date=day),
                     "; ".join(doses) or "–"))
    zero = taper_zero_day(case)
    end = _("No dose from {date}. The treatment ends then.").format(date=ctx.date(zero)) \
        if zero is not None else ""
    meds = [f"{ctx.medication_line(m)}: {m.schedule.strip()}" if m.schedule.strip()
            else ctx.medication_line(m) for m in case.medications if ctx.medication_line(m)]
    return section(
        _("The steps of the plan"),
        bullets(*meds),
        KeyValueTable(tuple(rows)),
        Paragraph(end, emphasis=True),
        Paragraph(_("The dose is never raised in this plan.")) if rows else None,
        Paragraph(case.course.taper.withdrawal_advice.strip()),
    )


def _tapering_follow_up(ctx: DocContext) -> Section | None:
    _, plan = ctx._, ctx.case.plan
    return section(
        _("Follow-up and relapse"),
        kv(
            (_("How often"), plan.follow_up_frequency.strip()),
            (_("Supervised intake"), plan.supervision_frequency.strip()),
            (_("Supervised by"), plan.supervised_by.strip()),
            (_("Collected and delivered by"), plan.delivered_by.strip()),
            (_("Evaluation"), plan.evaluation.strip()),
            (_("Psychosocial follow-up"), plan.psychosocial_follow_up.strip()),
            (_("At relapse"), plan.relapse_plan.strip()),
        ),
    )


def _tapering_responsibilities(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    plan, specialist = case.plan, case.conditions.plan
    doctor = ctx.prescriber_line()
    if case.prescriber.phone.strip():
        doctor = _("{name}, phone {phone}").format(name=doctor, phone=case.prescriber.phone.strip())
    tsb = ", ".join(p for p in (specialist.unit.strip(), specialist.person.strip()) if p)
    if tsb and specialist.person_phone.strip():
        tsb = _("{name}, phone {phone}").format(name=tsb, phone=specialist.person_phone.strip())
    return section(
        _("Who is responsible for what"),
        kv(
            (_("GP"), doctor),
            (_("The GP is responsible for"), plan.responsible_gp.strip()),
            (_("Specialist health service (TSB)"), tsb),
            (_("TSB is responsible for"), plan.responsible_tsb.strip()),
            (_("The municipality is responsible for"), plan.responsible_municipality.strip()),
            (_("The patient calls"), ctx.contact_text()),
        ),
    )


def _signatures(ctx: DocContext) -> Section:
    _, case = ctx._, ctx.case
    doctor_lines = tuple(line for line in (
        _("HPR number: {hpr}").format(hpr=case.prescriber.hpr_number.strip())
        if case.prescriber.hpr_number.strip() else "",
        case.prescriber.workplace.strip(),
    ) if line)
    return Section(_("Signature"), (
        Paragraph(_("We have made and read this plan together, and agree to follow it.")),
        SignatureBlock(
            parties=(
                SignatureParty(_("Patient"), case.patient.name.strip()),
                SignatureParty(_("Doctor"), case.prescriber.name.strip(), doctor_lines),
            ),
            date_place_label=_("Date and place"),
            signature_label=_("Signature"),
        ),
    ))
