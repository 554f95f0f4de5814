"""The journal note (helsepersonelloven § 40, pasientjournalforskriften § 8) and prescription text.

Structure follows what a colleague needs to take over: reason for contact, history, findings,
assessment (diagnoses, the three legal conditions, risks found), treatment with every deviation
and who agreed, cooperation with the specialist service, information and consent, follow-up.
Only what the GP filled in is written; a section with nothing in it is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from core.case import Case, Medication
from core.content.pathway import ConsentItem, ForsvarlighetKey, Pathway
from core.course.doses import taper_zero_day
from core.documents.common import DocContext, context, yes_no_unknown
from core.documents.model import (
    Block,
    Document,
    KeyValueTable,
    Notice,
    Paragraph,
    Section,
    bullets,
    kv,
    section,
)
from core.rules import relevance
from core.rules.context import sentence_case
from core.rules.relevance import relevant_items


def journal_note(case: Case, pathway: Pathway, language: str = "nb", *,
                 today: date | None = None) -> Document:
    ctx = context(case, pathway, language, today)
    _ = ctx._
    notices = tuple(n for n in (ctx.exercise_notice(), _open_points(ctx)) if n is not None)
    sections = tuple(s for s in (
        _background(ctx),
        _history(ctx),
        _findings(ctx),
        _assessment(ctx),
        _risk(ctx),
        _treatment(ctx),
        _cooperation(ctx),
        _information(ctx),
        _follow_up(ctx),
        forsvarlighet_section(ctx),
        section(_("Addition by the doctor"), Paragraph(case.journal_addition.strip())),
    ) if s is not None)
    title = (_("Journal note: {title}").format(title=ctx.text(pathway.title))
             if pathway.tapering is not None else
             _("Journal note: temporary substitution treatment during quarantine or isolation"))
    return Document(
        kind="journal",
        language=ctx.language,
        title=title,
        document_id=ctx.document_id("journal"),
        running_header=ctx.running_header(_("Journal note")),
        page_label=ctx.page_label(),
        author=case.prescriber.name.strip(),
        subject=_("Journal note"),
        header_fields=_header(ctx),
        sections=sections,
        notices=notices,
        footer_note=ctx.footer(),
    )


def _header(ctx: DocContext) -> tuple[tuple[str, str], ...]:
    _, case = ctx._, ctx.case
    consultation = case.consultation
    form = {"physical": _("in person"), "video": _("video"), "phone": _("telephone")}.get(
        consultation.form or "", "")
    when = ctx.date(consultation.date)
    if form:
        when = _("{date} ({form})").format(date=when, form=form) if when else form
    return kv(
        (_("Patient"), case.patient.name.strip()),
        (ctx.identity_label(), ctx.identity_number()),
        (_("Consultation"), when),
        (_("Place"), consultation.place.strip()),
        (_("Doctor"), ctx.prescriber_line()),
        (_("Workplace"), case.prescriber.workplace.strip()),
        (_("Document id"), ctx.document_id("journal")),
    ).rows


def _open_points(ctx: DocContext) -> Notice | None:
    blockers = ctx.blockers
    if not blockers:
        return None
    return Notice(ctx.t.ngettext(
        "Not settled when this note was made ({count} point): {items}",
        "Not settled when this note was made ({count} points): {items}",
        len(blockers)).format(count=len(blockers), items=" ".join(f.message for f in blockers)))


def _background(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    quarantine = case.conditions.quarantine
    sentences: list[str] = []
    if quarantine.kind:
        sentences.append(_quarantine_sentence(ctx))
    if ctx.pathway.tapering is not None:
        sentences.append(_("Assessed for substitution treatment with addictive drugs as part of "
                           "a short tapering plan under {reference}.").format(
                               reference=ctx.legal_reference()))
    else:
        sentences.append(_("Assessed for temporary substitution treatment with addictive drugs "
                           "under {reference}.").format(reference=ctx.legal_reference()))
    patient = case.patient
    rows = kv(
        (_("Staying at"), patient.stay_location.strip()),
        (_("Address"), _("No fixed abode") if patient.no_fixed_abode
         else patient.address.strip()),
        (_("Phone"), patient.phone.strip()),
        (_("Next of kin"), patient.next_of_kin.strip()),
        (_("Interpreter"), _("needed ({language})").format(
            language=patient.interpreter_language.strip() or "?")
         if patient.interpreter_needed else ""),
    )
    return section(_("Background and reason for contact"), Paragraph(" ".join(sentences)), rows,
                   Paragraph(case.notes.strip()))


def _quarantine_sentence(ctx: DocContext, *, short: bool = False) -> str:
    """The quarantine or isolation, who ordered it (the municipal doctor, contact tracing,
    with the name) and on what basis; ``short`` leaves out the kind of orderer and the basis
    (for the condition line, beside the full sentence in the background)."""
    _, q = ctx._, ctx.case.conditions.quarantine
    kind = _("isolation") if q.kind == "isolation" else _("quarantine")
    parts = [_("The patient is in {kind} under the covid-19 regulation").format(kind=kind)]
    if q.legal_reference.strip():
        parts.append(f"({q.legal_reference.strip()})")
    sentence = " ".join(parts)
    if q.start and q.expected_end:
        sentence += " " + _("from {start}, expected to end {end}").format(
            start=ctx.date(q.start), end=ctx.date(q.expected_end))
    elif q.start:
        sentence += " " + _("from {start}").format(start=ctx.date(q.start))
    orderer = {"municipal_doctor": _("the municipal doctor"),
               "contact_tracing": _("contact tracing")}.get(q.ordered_by_role or "", "")
    who = q.ordered_by.strip()
    if q.ordered_by_role != "not_ordered" and (orderer or who):
        if orderer and not short:
            who = f"{orderer} ({who})" if who else orderer
        sentence += ", " + _("ordered by {who}").format(who=who)
    sentence += "."
    if q.basis.strip() and not short:
        sentence += " " + _("Basis: {basis}.").format(basis=q.basis.strip().rstrip("."))
    return sentence


def _history(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    uses: list[str] = []
    for use in case.substance_use:
        details = ", ".join(p for p in (use.amount.strip(), use.route.strip(),
                                        use.frequency.strip()) if p)
        line = ctx.substance_name(use.substance) if use.substance else _("Substance not stated")
        if details:
            line += f": {details}"
        if use.last_use.strip():
            line += ". " + _("Last use: {when}").format(when=use.last_use.strip())
        uses.append(line)
    return section(_("History and substance use"),
                   Paragraph(case.conditions.dependence.note.strip()),
                   bullets(*uses))


def _findings(ctx: DocContext) -> Section | None:
    _, f = ctx._, ctx.case.findings
    vitals: list[str] = []
    if f.respiratory_rate is not None:
        vitals.append(_("respiratory rate {value}/min").format(value=f.respiratory_rate))
    if f.oxygen_saturation is not None:
        vitals.append(_("SpO₂ {value} %").format(value=f.oxygen_saturation))
    if f.pulse is not None:
        vitals.append(_("pulse {value}/min").format(value=f.pulse))
    if f.qtc_ms is not None:
        vitals.append(_("QTc {value} ms").format(value=f.qtc_ms))
    vitals_text = ", ".join(vitals)
    if vitals_text:
        vitals_text = vitals_text[0].upper() + vitals_text[1:] + "."
    pregnancy = {
        "not_relevant": _("not relevant"), "not_pregnant": _("not pregnant"),
        "possible": _("possibly pregnant"), "pregnant": _("pregnant"), "unknown": _("unknown"),
    }.get(f.pregnancy or "", "")
    fertile = ""
    if f.childbearing_age:
        fertile = _("yes")
    elif relevance.derived_childbearing_age(ctx.case, ctx.pathway, ctx.consultation_day):
        fertile = _("yes (from sex and age)")
    rows = kv(
        (_("Signs of intoxication"), f.intoxication_signs.strip()),
        (_("Signs of withdrawal"), f.withdrawal_signs.strip()),
        (_("Respiratory symptoms of covid-19"),
         yes_no_unknown(ctx, f.covid_respiratory_symptoms)
         if ctx.pathway.has_condition("quarantine") else ""),
        (_("Lung disease"), yes_no_unknown(ctx, f.lung_disease)),
        (_("Heart disease"), yes_no_unknown(ctx, f.heart_disease)),
        (_("Reduced general condition"), yes_no_unknown(ctx, f.reduced_general_condition)),
        (_("Breathing difficulty"), yes_no_unknown(ctx, f.breathing_difficulty)),
        (_("Serious physical illness that complicates the treatment"),
         yes_no_unknown(ctx, f.serious_somatic_illness)),
        (_("Serious mental illness that complicates the treatment"),
         yes_no_unknown(ctx, f.serious_psychiatric_illness)),
        (_("Illness and its effect on the treatment"), f.comorbidity_note.strip()),
        (_("Pregnancy"), pregnancy),
        (_("Woman of childbearing age"), fertile),
    )
    return section(_("Findings"), Paragraph(vitals_text), rows, Paragraph(f.other.strip()))


def _assessment(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    conditions = case.conditions
    diagnoses: list[str] = []
    for d in conditions.dependence.diagnoses:
        line = " ".join(p for p in (d.icd10.strip(), ctx.substance_name(d.substance)
                                     if d.substance else "") if p)
        if d.diagnosed_by == "specialist" and d.diagnosed_by_name.strip():
            line += ", " + _("diagnosed by {name}").format(name=d.diagnosed_by_name.strip())
        elif d.diagnosed_by == "gp_supervised":
            who = d.diagnosed_by_name.strip() or _("the GP")
            line += ", " + _("diagnosed by {name} under supervision of {supervisor}").format(
                name=who, supervisor=d.supervisor_name.strip() or "?")
        if d.diagnosis_date:
            line += f" ({ctx.date(d.diagnosis_date)})"
        diagnoses.append(line)
    blocks: list[Block] = []
    if diagnoses:
        blocks.append(Paragraph(_("Diagnoses (ICD-10):"), emphasis=True))
        blocks.append(bullets(*diagnoses))
    condition_lines = _condition_lines(ctx)
    if condition_lines:
        blocks.append(Paragraph(_("The three conditions for the treatment:"), emphasis=True))
        blocks.append(KeyValueTable(tuple(condition_lines)))
    if conditions.patient_need_only:
        blocks.append(Paragraph(ctx.text(ctx.pathway.patient_need_statement)))
    return section(_("Assessment"), *blocks)


def _condition_lines(ctx: DocContext) -> list[tuple[str, str]]:
    _, conditions = ctx._, ctx.case.conditions
    lines: list[tuple[str, str]] = []
    for condition in ctx.pathway.conditions:
        open_points = [f for f in ctx.blockers if f.step == "conditions"
                       and f.field.startswith(f"conditions.{condition.key}")]
        if condition.key == "dependence":
            codes = [d.icd10.strip() for d in conditions.dependence.diagnoses if d.icd10.strip()]
            met = _("Dependence syndrome diagnosed: {codes}.").format(codes=", ".join(codes)) \
                if codes else ""
        elif condition.key == "plan":
            plan = conditions.plan
            met = ""
            if plan.unit.strip():
                met = _("Plan made with {unit}").format(unit=plan.unit.strip())
                if plan.person.strip():
                    met += f", {plan.person.strip()}"
                if plan.contacted_at:
                    met += ", " + ctx.date_time(plan.contacted_at)
                met += "."
        elif condition.key == "tapering_consent":
            met = _("The patient consents to tapering, also beyond any quarantine or "
                    "isolation.") if conditions.tapering_consent else ""
        else:
            # The background has the whole sentence; the condition line stays short, as a
            # key–value cell the PDF can split only once across pages.
            met = _quarantine_sentence(ctx, short=True) if conditions.quarantine.kind else ""
            if conditions.quarantine.self_chosen:
                met += " " + _("The patient stays home by own choice only: this does not meet "
                               "the condition.")
        if open_points:
            met = (met + " " if met else "") + _("Not documented as met: {points}").format(
                points=" ".join(f.message for f in open_points))
        if met.strip():
            lines.append((ctx.text(condition.title), met.strip()))
    return lines


def _risk(ctx: DocContext) -> Section | None:
    """State the risks found; the points judged low are named together in one sentence."""
    _, case, pathway = ctx._, ctx.case, ctx.pathway
    found: list[str] = []
    low: list[str] = []
    unanswered = 0
    for point in pathway.risk_points:
        answer = case.risk.get(point.id)
        option = pathway.assessment(answer.assessment) if answer and answer.assessment else None
        title = ctx.text(point.title)
        if option is None:
            unanswered += 1
            continue
        if option.level == 0:
            low.append(title)
            continue
        line = f"{title}: {ctx.text(option.label).lower()}"
        if answer is not None and answer.note.strip():
            line += f". {answer.note.strip()}"
        found.append(line)
    for extra in case.extra_risk_points:
        if not extra.title.strip():
            continue
        option = pathway.assessment(extra.assessment) if extra.assessment else None
        line = extra.title.strip()
        if option is not None:
            line += f": {ctx.text(option.label).lower()}"
        if extra.note.strip():
            line += f". {extra.note.strip()}"
        found.append(line)
    blocks: list[Block] = []
    if found:
        blocks.append(Paragraph(_("Risks found:"), emphasis=True))
        blocks.append(bullets(*found))
    if low:
        blocks.append(Paragraph(_("No or low risk: {points}.").format(
            points=", ".join(t[0].lower() + t[1:] for t in low))))
    if unanswered and (found or low):
        blocks.append(Paragraph(ctx.t.ngettext(
            "{count} point of the risk mapping is not assessed.",
            "{count} points of the risk mapping are not assessed.", unanswered).format(
                count=unanswered)))
    combinations = ctx.combinations()
    if combinations:
        blocks.append(Paragraph(_("Combined risk of overdose (drugs prescribed and substances "
                                  "used):"), emphasis=True))
        blocks.append(bullets(*(f"{sentence_case(names)}: {ctx.text(combination.text)}"
                                for combination, names in combinations)))
    return section(_("Risk mapping"), *blocks)


def _treatment(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    blocks: list[Block] = []
    for index, medication in enumerate(case.medications):
        blocks.append(Paragraph(ctx.medication_line(medication) or _("Drug not chosen"),
                                emphasis=True))
        blocks.append(_medication_details(ctx, index, medication))
    chosen: list[str] = []
    for measure in ctx.pathway.measures:
        choice = case.measures.get(measure.id)
        if choice is None or not choice.chosen:
            continue
        line = ctx.text(measure.title)
        if choice.details.strip():
            line += f": {choice.details.strip()}"
        chosen.append(line)
    for extra in case.extra_measures:
        if extra.title.strip():
            chosen.append(extra.title.strip() + (f": {extra.details.strip()}"
                                                 if extra.details.strip() else ""))
    if chosen:
        blocks.append(Paragraph(_("Risk-reducing measures:"), emphasis=True))
        blocks.append(bullets(*chosen))
    return section(_("Treatment"), *blocks)


def _medication_details(ctx: DocContext, index: int, medication: Medication) -> KeyValueTable:
    _ = ctx._
    rows: list[tuple[str, str]] = [
        (_("Schedule"), medication.schedule.strip()),
        (_("Period"), ctx.medication_period(medication)),
        (_("Taper"), medication.taper_plan.strip()),
        (_("Tolerance"), medication.tolerance_note.strip()),
    ]
    for deviation in ctx.deviations:
        if deviation.medication_index != index:
            continue
        text = deviation.text
        if medication.deviation_justification.strip():
            text += " " + _("Justification: {text}").format(
                text=medication.deviation_justification.strip())
        if medication.deviation_agreed_by.strip():
            text += " " + _("Agreed with {specialist}.").format(
                specialist=medication.deviation_agreed_by.strip())
        rows.append((_("Deviation from the guidance"), text))
    return kv(*rows)


def _cooperation(ctx: DocContext) -> Section | None:
    _, plan = ctx._, ctx.case.conditions.plan
    channel = {"phone": _("telephone"), "video": _("video"), "meeting": _("meeting"),
               "written": _("in writing")}.get(plan.channel or "", "")
    contact = ctx.date_time(plan.contacted_at)
    if channel:
        contact = f"{contact}, {channel}" if contact else channel
    starts = {"primary": _("the primary health service"),
              "specialist": _("the specialist health service")}.get(
        plan.starts_treatment or "", "")
    person = plan.person.strip()
    if person and plan.person_phone.strip():
        person = _("{name}, phone {phone}").format(name=person, phone=plan.person_phone.strip())
    return section(
        _("Cooperation with the specialist health service"),
        kv(
            (_("Unit"), plan.unit.strip()),
            (_("Contact person"), person),
            (_("Contacted"), contact),
            (_("Agreed"), plan.agreed.strip()),
            (_("Treatment is started by"), starts),
            (_("Carried out by"), plan.carries_out.strip()),
            (_("Followed up by"), plan.follows_up.strip()),
        ),
    )


def _information(ctx: DocContext) -> Section | None:
    _, consent = ctx._, ctx.case.consent
    items = relevant_items(ctx.case, ctx.pathway, ctx.consultation_day)
    explained = [ctx.text(item.title) for item in items if consent.items_explained.get(item.id)]
    not_explained = [ctx.text(item.title) for item in items
                     if not consent.items_explained.get(item.id)]
    blocks: list[Block] = []
    if explained:
        blocks.append(Paragraph(_("The patient has been informed orally and in writing about:"),
                                emphasis=True))
        blocks.append(bullets(*explained))
    if explained and not_explained:
        blocks.append(Paragraph(_("Not yet explained: {items}.").format(
            items=", ".join(not_explained))))
    combination = _combination_told(ctx, items)
    if combination:
        blocks.append(Paragraph(combination))
    capacity = {"full": _("The patient has capacity to consent."),
                "reduced": _("The patient's capacity to consent is reduced."),
                "lacking": _("The patient lacks capacity to consent.")}.get(
        consent.capacity or "", "")
    if capacity:
        blocks.append(Paragraph(" ".join(p for p in (capacity, consent.capacity_note.strip())
                                         if p)))
    if consent.interpreter_used:
        blocks.append(Paragraph(_("Interpreter used: {name}.").format(
            name=consent.interpreter_name.strip() or "?")))
    status = {
        "obtained": _("Written consent obtained (document {id}).").format(
            id=ctx.document_id("consent")),
        "declined": _("The patient declined the treatment."),
        "withdrawn": _("The patient has withdrawn the consent."),
    }.get(consent.status, "")
    if status:
        blocks.append(Paragraph(status))
    if consent.patient_questions.strip():
        blocks.append(Paragraph(_("Questions from the patient: {text}").format(
            text=consent.patient_questions.strip())))
    return section(_("Information and consent"), *blocks)


def _combination_told(ctx: DocContext, items: list[ConsentItem]) -> str:
    """Whether the patient was told, in the consent's plain words, of the combinations they
    have (seed 004 ch. 5: the greatest danger of overdose)."""
    combinations = ctx.combinations()
    item = next((i for i in items if i.when == "combination"), None)
    if not combinations or item is None:
        return ""
    names = "; ".join(names for _combination, names in combinations)
    if ctx.case.consent.items_explained.get(item.id):
        return ctx._("The patient was told, orally and in the consent, about the raised risk "
                     "of overdose from these combinations: {combinations}.").format(
            combinations=names)
    return ctx._("The patient has not yet been told about the raised risk of overdose from "
                 "these combinations: {combinations}.").format(combinations=names)


def _follow_up(ctx: DocContext) -> Section | None:
    _, plan = ctx._, ctx.case.plan
    observation = ""
    if plan.post_dose_observation_minutes:
        observation = ctx.t.ngettext("{count} minute after intake",
                                     "{count} minutes after intake",
                                     plan.post_dose_observation_minutes).format(
            count=plan.post_dose_observation_minutes)
    lar = {"wanted": _("Referral to LAR is wanted and will be sent."),
           "not_wanted": _("The patient does not want a referral to LAR."),
           "not_relevant": _("Referral to LAR is not relevant."),
           "already_in_lar": _("The patient is already in LAR.")}.get(plan.lar_referral or "", "")
    contact = ctx.contact_text()
    return section(
        _("Further follow-up"),
        kv(
            (_("Supervised intake"), plan.supervision_frequency.strip()),
            (_("Supervised by"), plan.supervised_by.strip()),
            (_("Delivery"), plan.delivered_by.strip()),
            (_("Daily routine"), plan.daily_follow_up.strip()),
            (_("Observation"), observation),
            (_("Evaluation"), plan.evaluation.strip()),
            (_("Criteria for admission"), plan.admission_criteria.strip()),
            (_("End of isolation"), plan.end_of_isolation.strip()),
            (_("Taper"), plan.taper.strip()),
            (_("Psychosocial follow-up"), plan.psychosocial_follow_up.strip()),
            (_("Practical needs"), plan.practical_needs.strip()),
            (_("Patient's contact"), contact),
            (_("LAR"), lar),
        ),
    )


def forsvarlighet_section(
        ctx: DocContext,
        answers: Mapping[ForsvarlighetKey, Callable[[DocContext], str]] | None = None,
) -> Section | None:
    """The forsvarlighet criteria of Statens helsepersonellnemnd (seed 004, 2.3), one labelled
    line each: how this case meets it, "not documented", or "not yet" for what comes later in
    the course (the evaluation of effect, a tapering plan not yet set).  ``answers`` replaces
    the line of some criteria (the end-of-treatment note answers the evaluation and the
    taper); the rest are the first note's (:func:`criterion_line`)."""
    forsvarlighet = ctx.pathway.forsvarlighet
    if not forsvarlighet.criteria:
        return None
    own = answers or {}
    # Labelled lines in a list rather than a key–value table: a line may carry the doctor's
    # long texts (a tapering plan, a justification), and list items split across pages.
    lines = [f"{ctx.text(criterion.title)}: "
             f"{own.get(criterion.key, _CRITERIA[criterion.key])(ctx)}"
             for criterion in forsvarlighet.criteria]
    return section(
        ctx._("Criteria for sound prescribing"),
        Paragraph(ctx._("The criteria of {source} for prescribing addictive drugs, and how "
                        "each is met:").format(source=ctx.text(forsvarlighet.source)),
                  emphasis=True),
        bullets(*lines))


def _clauses(*parts: str) -> str:
    """Clauses joined with semicolons into one sentence."""
    text = "; ".join(p for p in parts if p)
    return sentence_case(text) + "." if text else ""


def _not_documented(ctx: DocContext, what: str) -> str:
    return ctx._("Not documented: {what}.").format(what=what)


def _indication(ctx: DocContext) -> str:
    case = ctx.case
    diagnoses = [f"{d.icd10.strip()} {ctx.substance_name(d.substance, running=True)}".strip()
                 for d in case.conditions.dependence.diagnoses if d.icd10.strip()]
    if not diagnoses:
        return _not_documented(ctx, ctx._("no dependence diagnosis (F1x.2) is recorded"))
    quarantine = case.conditions.quarantine
    return _clauses(
        ctx._("dependence syndrome {diagnoses}").format(diagnoses=", ".join(diagnoses)),
        ctx._("signs of withdrawal: {signs}").format(
            signs=case.findings.withdrawal_signs.strip().rstrip("."))
        if case.findings.withdrawal_signs.strip() else "",
        ctx._("in {kind} ordered under the covid-19 regulation").format(
            kind=ctx.quarantine_word())
        if quarantine.kind and quarantine.ordered_by_role not in (None, "not_ordered") else "",
    )


def _prior_assessment(ctx: DocContext) -> str:
    case, pathway = ctx.case, ctx.pathway
    used = [ctx.substance_name(u.substance, running=True)
            for u in case.substance_use if u.substance]
    assessed = sum(1 for point in pathway.risk_points
                   if (answer := case.risk.get(point.id)) is not None
                   and pathway.assessment(answer.assessment) is not None)
    f = case.findings
    examined = any(v is not None for v in (f.respiratory_rate, f.oxygen_saturation, f.pulse,
                                           f.qtc_ms)) or bool(f.intoxication_signs.strip()
                                                              or f.withdrawal_signs.strip())
    by = sorted({d.diagnosed_by_name.strip() for d in case.conditions.dependence.diagnoses
                 if d.diagnosed_by_name.strip()})
    text = _clauses(
        ctx._("current substance use mapped ({substances})").format(
            substances=", ".join(dict.fromkeys(used))) if used else "",
        ctx._("clinical examination at the consultation on {date}").format(
            date=ctx.date(case.consultation.date)) if examined and case.consultation.date
        else "",
        ctx._("risk mapping: {assessed} of {total} points assessed").format(
            assessed=assessed, total=len(pathway.risk_points)) if assessed else "",
        ctx._("diagnosis set by {names}").format(names=", ".join(by)) if by else "",
    )
    return text or _not_documented(ctx, ctx._("no substance use, findings or risk mapping "
                                               "are recorded"))


def _drug_choice(ctx: DocContext) -> str:
    reasons: list[str] = []
    for index, medication in enumerate(ctx.case.medications):
        name = ctx.drug_name(medication)
        if not name:
            continue
        drug = ctx.pathway.drug(medication.drug)
        deviations = [d for d in ctx.deviations if d.medication_index == index]
        justification = medication.deviation_justification.strip()
        if deviations and justification:
            reason = ctx._("deviation from the guidance, justified: {text}").format(
                text=justification.rstrip("."))
        elif deviations:
            reason = ctx._("deviation from the guidance without a written justification")
        elif drug is not None and drug.preferred:
            reason = ctx._("the preferred drug for {substance} in the guidance").format(
                substance=ctx.substance_name(drug.substance, running=True))
        elif drug is not None:
            reason = ctx._("suggested for {substance} in the guidance").format(
                substance=ctx.substance_name(drug.substance, running=True))
        else:
            reason = ""
        reasons.append(f"{name}: {reason}." if reason else f"{name}.")
    return " ".join(reasons) or _not_documented(ctx, ctx._("no drug is chosen"))


def _effect_evaluation(ctx: DocContext) -> str:
    planned = ctx.case.plan.evaluation.strip()
    if planned:
        return ctx._("Not yet: comes later in the course. Planned: {plan}").format(
            plan=planned if planned.endswith(".") else planned + ".")
    return ctx._("Not yet: comes later in the course; no time for it is planned yet.")


def _treatment_plan(ctx: DocContext) -> str:
    case = ctx.case
    specialist, plan = case.conditions.plan, case.plan
    if not specialist.unit.strip():
        return _not_documented(ctx, ctx._("no plan made with the specialist service is "
                                          "recorded"))
    made = ctx._("plan made with {unit}").format(unit=specialist.unit.strip())
    if specialist.contacted_at:
        made += " " + ctx._("on {date}").format(date=ctx.date(specialist.contacted_at.date()))
    return _clauses(
        made,
        ctx._("supervised intake: {frequency}").format(
            frequency=plan.supervision_frequency.strip().rstrip("."))
        if plan.supervision_frequency.strip() else "",
        ctx._("followed up by {who}").format(who=plan.followed_up_by.strip().rstrip("."))
        if plan.followed_up_by.strip() else "",
    )


def taper_summary(ctx: DocContext) -> str:
    """The course's taper in one sentence: first day, number of steps, the zero day."""
    steps = [s for s in ctx.case.course.taper.steps if s.from_date is not None]
    if not steps:
        return ""
    zero = taper_zero_day(ctx.case)
    first = min(s.from_date for s in steps if s.from_date is not None)
    text = ctx.t.ngettext("Tapering plan from {start} in {count} step",
                          "Tapering plan from {start} in {count} steps",
                          len(steps)).format(start=ctx.date(first), count=len(steps))
    if zero is not None:
        text += ", " + ctx._("no dose from {date}").format(date=ctx.date(zero))
    return text + "."


def _taper_plan(ctx: DocContext) -> str:
    case = ctx.case
    if ctx.pathway.tapering is not None:
        summary = taper_summary(ctx)
        relapse = case.plan.relapse_plan.strip()
        parts = [summary,
                 ctx._("At relapse: {plan}").format(plan=relapse if relapse.endswith(".")
                                                    else relapse + ".") if relapse else ""]
        joined = " ".join(p for p in parts if p)
        return joined or _not_documented(ctx, ctx._("no tapering steps are recorded"))
    plans = [case.plan.taper.strip(),
             *(m.taper_plan.strip() for m in case.medications),
             case.plan.end_of_isolation.strip()]
    written = [p if p.endswith(".") else p + "." for p in dict.fromkeys(plans) if p]
    if written:
        return " ".join(written)
    end = case.conditions.quarantine.expected_end
    if end is not None:
        return ctx._("Not yet: to be set before the {kind} ends ({date}).").format(
            kind=ctx.quarantine_word(), date=ctx.date(end))
    return ctx._("Not yet: to be set before the {kind} ends.").format(kind=ctx.quarantine_word())


def criterion_line(ctx: DocContext, key: ForsvarlighetKey) -> str:
    """How the case meets one forsvarlighet criterion, as the first journal note says it."""
    return _CRITERIA[key](ctx)


_CRITERIA: dict[ForsvarlighetKey, Callable[[DocContext], str]] = {
    "indication": _indication,
    "prior_assessment": _prior_assessment,
    "drug_choice": _drug_choice,
    "effect_evaluation": _effect_evaluation,
    "treatment_plan": _treatment_plan,
    "taper_plan": _taper_plan,
}


def prescription_text(case: Case, pathway: Pathway, language: str = "nb", *,
                      today: date | None = None) -> str:
    """What the e-prescription should say so the pharmacy can see the conditions are met."""
    ctx = context(case, pathway, language, today)
    _ = ctx._
    conditions = case.conditions
    if pathway.tapering is not None:
        return _tapering_prescription_text(ctx)
    sentences = [_("Prescribed as temporary substitution treatment under {reference}.").format(
        reference=ctx.legal_reference())]
    q = conditions.quarantine
    if q.kind:
        kind = _("isolation") if q.kind == "isolation" else _("quarantine")
        sentence = _("The patient is in {kind} under the covid-19 regulation").format(kind=kind)
        if q.start:
            sentence += " " + _("from {start}").format(start=ctx.date(q.start))
        if q.expected_end:
            sentence += " " + _("until {end} (expected)").format(end=ctx.date(q.expected_end))
        sentences.append(sentence + ".")
    codes = [d.icd10.strip() for d in conditions.dependence.diagnoses if d.icd10.strip()]
    if codes:
        sentences.append(_("Drug dependence: {codes}.").format(codes=", ".join(codes)))
    plan = conditions.plan
    if plan.unit.strip():
        who = plan.unit.strip() + (f", {plan.person.strip()}," if plan.person.strip() else "")
        sentence = _("Plan made together with {who}").format(who=who)
        if plan.contacted_at:
            sentence += " " + _("on {date}").format(date=ctx.date(plan.contacted_at.date()))
        sentences.append(sentence + ".")
    for medication in case.medications:
        line = ctx.medication_line(medication)
        if line:
            detail = medication.schedule.strip()
            sentences.append(f"{line}{': ' + detail if detail else ''}.")
    if case.consultation.exercise_mode:
        sentences.insert(0, _("EXERCISE – not a real prescription."))
    return " ".join(sentences)


def _tapering_prescription_text(ctx: DocContext) -> str:
    """A tapering-plan pathway: the pathway's own sentence (the pharmacy must see that a plan
    made with the specialist service is in place), the provision, diagnoses, drugs, steps."""
    _, case = ctx._, ctx.case
    tapering = ctx.pathway.tapering
    assert tapering is not None
    plan = case.conditions.plan
    unit = ", ".join(p for p in (plan.unit.strip(), plan.person.strip()) if p) or "?"
    made = ctx.date(plan.contacted_at.date()) if plan.contacted_at else "?"
    sentences = [ctx.text(tapering.prescription_text).format_map(
        {"unit": unit, "date": made}),
        _("Legal basis: {reference}.").format(reference=ctx.legal_reference())]
    codes = [d.icd10.strip() for d in case.conditions.dependence.diagnoses if d.icd10.strip()]
    if codes:
        sentences.append(_("Drug dependence: {codes}.").format(codes=", ".join(codes)))
    for medication in case.medications:
        line = ctx.medication_line(medication)
        if line:
            detail = medication.schedule.strip()
            sentences.append(f"{line}{': ' + detail if detail else ''}.")
    summary = taper_summary(ctx)
    if summary:
        sentences.append(summary)
    if case.consultation.exercise_mode:
        sentences.insert(0, _("EXERCISE – not a real prescription."))
    return " ".join(sentences)
