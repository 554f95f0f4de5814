"""The taper plan: the steps with their dates and doses, what to do on withdrawal, whom to call.

For the patient and for the people who give the doses, so in the patient's written standard
(the consent's language rule) and in large print.  The steps are ``case.course.taper`` as the
doctor set them (from :func:`core.course.taper.suggest_taper` or by hand); the plan carries a
signature block when the patient is to sign it (``taper.patient_signs``).
"""

from __future__ import annotations

from datetime import date, timedelta

from core.case import Case
from core.content.pathway import Pathway
from core.course.doses import read_dose
from core.documents import course_common as cc
from core.documents.common import DocContext, context
from core.documents.model import (
    Block,
    Document,
    Grid,
    Paragraph,
    Section,
    SignatureBlock,
    SignatureParty,
    kv,
    section,
)

TAPER_BODY_SIZE = 12.0


def taper_plan(case: Case, pathway: Pathway, language: str | None = None, *,
               today: date | None = None) -> Document:
    ctx = context(case, pathway, language or case.consent.form_language, today)
    _ = ctx._
    notice = ctx.exercise_notice()
    sections = tuple(s for s in (
        _steps(ctx),
        _withdrawal(ctx),
        _calls(ctx),
        _signatures(ctx),
    ) if s is not None)
    return Document(
        kind="taper_plan",
        language=ctx.language,
        title=_("Taper plan"),
        document_id=ctx.document_id("taper_plan"),
        running_header=ctx.running_header(_("Taper plan")),
        page_label=ctx.page_label(),
        author=case.prescriber.name.strip(),
        subject=_("Taper plan"),
        header_fields=ctx.header_rows(_("Patient"), _("Responsible doctor"))[:-1],
        sections=sections,
        notices=(notice,) if notice else (),
        body_size=TAPER_BODY_SIZE,
        footer_note=ctx.footer(),
    )


def step_rows(ctx: DocContext) -> tuple[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], ...]]:
    """(drug columns, rows: step, from, to, dose per drug) in date order."""
    _ = ctx._
    steps = sorted((s for s in ctx.case.course.taper.steps),
                   key=lambda s: s.from_date or date.max)
    drugs = list(dict.fromkeys(d for s in steps for d in s.doses))
    rows = []
    for number, step in enumerate(steps, start=1):
        following = steps[number] if number < len(steps) else None
        until = (following.from_date - timedelta(days=1)
                 if following is not None and following.from_date is not None else None)
        cells = []
        for drug in drugs:
            typed = step.doses.get(drug)
            if typed is None:
                cells.append("")
                continue
            value = read_dose(typed)
            if value is not None and value == 0:
                cells.append(_("0 mg – stop"))
            else:
                cells.append(cc.dose_amount(ctx, value) if value is not None else typed)
        rows.append((str(number), ctx.date(step.from_date) if step.from_date else "",
                     ctx.date(until) if until else "", *cells))
    header = tuple(cc.drug_label(ctx, d) for d in drugs)
    return (_("Step"), header), tuple(rows)


def _steps(ctx: DocContext) -> Section | None:
    _, course = ctx._, ctx.case.course
    (step_label, drugs), rows = step_rows(ctx)
    if not rows:
        return None
    blocks: list[Block] = [
        Paragraph(_("The dose goes down step by step until you stop. Each step starts on the "
                    "day in the table.")),
        Grid((step_label, _("From"), _("To"), *drugs), rows,
             widths=(0.6, 1.6, 1.6, *([2.3] * len(drugs)))),
    ]
    if course.continuation.agreed.strip():
        blocks.append(kv((_("Agreed"), course.continuation.agreed.strip())))
    if course.taper.note.strip():
        blocks.append(Paragraph(course.taper.note.strip()))
    return section(_("The steps"), *blocks)


def _withdrawal(ctx: DocContext) -> Section:
    _ = ctx._
    advice = ctx.case.course.taper.withdrawal_advice.strip()
    return Section(_("If you get withdrawal"), tuple(b for b in (
        Paragraph(advice) if advice else None,
        Paragraph(_("Withdrawal can come when the dose goes down. It is often worst the first "
                    "days after a step. Tell the people who visit you, or call your doctor.")),
        Paragraph(_("Do not take drugs, alcohol or other medicines against the withdrawal. "
                    "Your tolerance gets lower, so a small amount can give an overdose."),
                  emphasis=True),
    ) if b is not None))


def _calls(ctx: DocContext) -> Section:
    _ = ctx._
    return Section(_("Whom to call"), (kv(
        (_("Your doctor"), cc.doctor_contact(ctx)),
        (_("Municipal service"), cc.municipal_contact(ctx)),
        (_("Specialist health service (TSB)"), cc.tsb_contact(ctx)),
        (_("Legevakt"), _("116 117, at night and at weekends")),
        (_("Emergency"), _("113 if you breathe badly or someone cannot wake you")),
    ),))


def _signatures(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    if not case.course.taper.patient_signs:
        return None
    doctor_lines = tuple(line for line in (
        _("HPR number: {hpr}").format(hpr=case.prescriber.hpr_number.strip())
        if case.prescriber.hpr_number.strip() else "",
        case.prescriber.workplace.strip()) if line)
    return Section(_("Signatures"), (
        Paragraph(_("We have gone through the plan together. I know whom to call.")),
        SignatureBlock((SignatureParty(_("Patient"), case.patient.name.strip()),
                        SignatureParty(_("Doctor"), case.prescriber.name.strip(),
                                       doctor_lines)),
                       _("Date and place"), _("Signature")),
    ))
