"""The patient's contact card: whom to call for what, the dose times, and what not to mix.

A5 — half an A4 sheet: it folds once into a pocket or lies by the bed, and leaves room for
large print (A6 would not, with five contacts and the warning).  Written to the patient
("du") in short sentences, in the patient's written standard (the consent's language rule);
its LIX is measured by a test.  The depressants and this patient's dangerous mixes come from
the pathway and :func:`core.rules.relevance.combinations`.
"""

from __future__ import annotations

from datetime import date

from core.case import Case
from core.content.pathway import Pathway
from core.documents import course_common as cc
from core.documents import fmt
from core.documents.common import DocContext, context
from core.documents.model import Block, Document, Paragraph, Section, bullets, section
from core.rules.context import sentence_case

#: Large print.
CARD_BODY_SIZE = 13.0


def contact_card(case: Case, pathway: Pathway, language: str | None = None, *,
                 today: date | None = None) -> Document:
    """The card in ``language`` (default: the written standard of the patient's consent)."""
    ctx = context(case, pathway, language or case.consent.form_language, today)
    _ = ctx._
    notice = ctx.exercise_notice()
    sections = tuple(s for s in (
        _emergency(ctx),
        _calls(ctx),
        _medicine(ctx),
        _mixing(ctx),
    ) if s is not None)
    name = case.patient.name.strip()
    return Document(
        kind="contact_card",
        language=ctx.language,
        title=_("Whom to call"),
        document_id=ctx.document_id("contact_card"),
        running_header=" · ".join(p for p in (name, _("Contact card")) if p),
        page_label=ctx.page_label(),
        author=case.prescriber.name.strip(),
        subject=_("Contact card"),
        sections=sections,
        notices=(notice,) if notice else (),
        body_size=CARD_BODY_SIZE,
        page_size="a5",
    )


def _emergency(ctx: DocContext) -> Section:
    _ = ctx._
    return Section(_("Call 113 at once"), (
        Paragraph(_("Call 113 if you breathe badly. Call 113 if someone cannot wake you. The "
                    "people near you must know this."), emphasis=True),
    ))


def _calls(ctx: DocContext) -> Section | None:
    _ = ctx._
    blocks: list[Block] = []
    doctor = cc.doctor_contact(ctx)
    if doctor:
        blocks += [Paragraph(_("Your doctor: {contact}").format(contact=doctor), emphasis=True),
                   Paragraph(_("Call if you feel ill, have bad withdrawal or have taken "
                               "something else."))]
    municipal = cc.municipal_contact(ctx)
    if municipal:
        blocks += [Paragraph(municipal, emphasis=True),
                   Paragraph(_("Call about your medicine and the visits."))]
    tsb = cc.tsb_contact(ctx)
    if tsb:
        blocks += [Paragraph(_("Specialist service: {contact}").format(contact=tsb),
                             emphasis=True),
                   Paragraph(_("They help your doctor with the plan."))]
    blocks += [Paragraph(_("Legevakt: 116 117"), emphasis=True),
               Paragraph(_("Call at night and at weekends, when you cannot reach your "
                           "doctor."))]
    return section(_("Phone numbers"), *blocks)


def _medicine(ctx: DocContext) -> Section | None:
    _ = ctx._
    lines = []
    for medication in ctx.case.medications:
        name = ctx.drug_name(medication)
        if not name:
            continue
        schedule = medication.schedule.strip()
        line = ctx.medication_line(medication)
        lines.append(f"{line}. {sentence_case(schedule)}" if schedule else line)
    return section(_("Your medicine"), bullets(*lines),
                   Paragraph(_("Take only the dose you get. Do not save doses.")))


def _mixing(ctx: DocContext) -> Section:
    _ = ctx._
    names = cc.depressant_names(ctx)
    own = [sentence_case(ctx.text(combination.patient_text).replace("{names}", names_text))
           for combination, names_text in ctx.combinations()]
    return Section(_("Do not mix"), tuple(b for b in (
        Paragraph(_("Do not take {names} with your medicine.").format(
            names=fmt.join_names(names, _("or"))), emphasis=True),
        Paragraph(_("The mix can stop your breathing. You can die.")),
        bullets(*own) if own else None,
    ) if b is not None))
