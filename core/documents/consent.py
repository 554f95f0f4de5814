"""The consent form the patient reads and signs on paper.

Written to the patient ("du"), in short sentences, in the patient's written standard (bokmål or
nynorsk), or in English as a reading aid marked as a translation.  The information items and
the patient's own safety promises come from the pathway, so they are versioned with it; this
module only chooses what applies to this case and fills in the facts (drugs, doses, the end
date, whom to call).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.case import Case
from core.content.pathway import ConsentItem, Pathway
from core.documents.common import DocContext, context
from core.documents.fmt import dose, formulation_name, join_names
from core.documents.model import (
    Block,
    Document,
    Notice,
    Paragraph,
    Section,
    SignatureBlock,
    SignatureParty,
    bullets,
    section,
)
from core.dose import parse_dose
from core.rules.context import sentence_case
from core.rules.relevance import relevant_items

#: Body text in large print: the issue asks for at least 11 pt.
CONSENT_BODY_SIZE = 12.0

#: Deviations with no consent item of their own get a plain sentence for the patient.
_EXTRA_RISK_CODES = ("DOSE_ABOVE_RANGE", "DRUG_NOT_IN_TABLE")


def consent_form(case: Case, pathway: Pathway, language: str | None = None, *,
                 today: date | None = None) -> Document:
    """The consent in ``language`` (default: the language the case chose for the form)."""
    ctx = context(case, pathway, language or case.consent.form_language, today)
    _ = ctx._
    notices: list[Notice] = []
    exercise = ctx.exercise_notice()
    if exercise is not None:
        notices.append(exercise)
    if ctx.language == "en":
        notices.append(Notice(_("This English text is a translation to help you read. You sign "
                                "the Norwegian form.")))
    sections = [s for s in (
        section(_("Your medicine"), *_medicine_blocks(ctx)),
        *_information_sections(ctx),
        _extra_risk(ctx),
        section(_("You agree to this"), _promises(ctx)),
        _signature(ctx),
    ) if s is not None]
    return Document(
        kind="consent",
        language=ctx.language,
        title=(_("Consent to a tapering plan with medicines") if pathway.tapering is not None
               else _("Consent to temporary treatment with medicines")),
        document_id=ctx.document_id("consent"),
        running_header=ctx.running_header(_("Consent")),
        page_label=ctx.page_label(),
        author=case.prescriber.name.strip(),
        subject=(_("Consent: {title}").format(title=ctx.text(pathway.title))
                 if pathway.tapering is not None else
                 _("Consent to temporary substitution treatment during quarantine or isolation")),
        header_fields=ctx.header_rows(_("Name"), _("Doctor")),
        sections=tuple(sections),
        notices=tuple(notices),
        body_size=CONSENT_BODY_SIZE,
        qr_payload=ctx.qr_payload("consent"),
        footer_note=ctx.footer(),
    )


def drugs_phrase(ctx: DocContext) -> str:
    """``buprenorfin/nalokson 12 mg per døgn og oksazepam 50 mg per døgn`` for running text."""
    lines = []
    for medication in ctx.case.medications:
        name = ctx.drug_running_name(medication)
        if not name:
            continue
        amount = parse_dose(medication.daily_dose)
        dose = ctx._("{dose} per day").format(dose=_dose(ctx, amount)) if amount else ""
        lines.append(" ".join(p for p in (name, dose) if p))
    return join_names(lines, ctx._("and")) or ctx._("the medicine the doctor has chosen")


def _dose(ctx: DocContext, amount: Decimal | None) -> str:
    return dose(amount, ctx.language)


def _medicine_blocks(ctx: DocContext) -> list[Block]:
    """Each drug as a short bold line, then dose, schedule and start in plain words."""
    blocks: list[Block] = []
    for medication in ctx.case.medications:
        name = ctx.drug_name(medication)
        if not name:
            continue
        form = formulation_name(medication, ctx.pathway, ctx.language)
        amount = parse_dose(medication.daily_dose)
        parts = []
        if amount is not None:
            parts.append(ctx._("{dose} per day.").format(dose=_dose(ctx, amount)))
        if medication.schedule.strip():
            parts.append(medication.schedule.strip().rstrip(".") + ".")
        if medication.start_date:
            parts.append(ctx._("From {date}.").format(date=ctx.date(medication.start_date)))
        blocks.append(Paragraph(f"{name}, {form.lower()}" if form else name, emphasis=True))
        blocks.append(Paragraph(" ".join(parts)))
    return blocks


def item_texts(case: Case, pathway: Pathway, language: str = "nb", *,
               today: date | None = None) -> dict[str, str]:
    """Each relevant consent item's text as the form prints it (drugs, date, contact filled)."""
    ctx = context(case, pathway, language, today)
    return {item_id: text for item_id, _title, text in _item_texts(ctx)}


def _relevant(ctx: DocContext) -> list[ConsentItem]:
    return relevant_items(ctx.case, ctx.pathway, ctx.consultation_day)


def _item_texts(ctx: DocContext) -> list[tuple[str, str, str]]:
    return [(item.id, ctx.text(item.title), " ".join(
                [*(_combination_list(ctx) if item.when == "combination" else ()),
                 _item_text(ctx, item)]))
            for item in _relevant(ctx)]


def _item_text(ctx: DocContext, item: ConsentItem) -> str:
    end = ctx.plan_end_date()
    values = {
        "drugs": drugs_phrase(ctx),
        "end_date": ctx.date(end) if end else ctx._("on a date the doctor will tell you"),
        "contact": ctx.contact_text() or ctx._("the doctor"),
    }
    return ctx.text(item.patient_text).format_map(_Fill(values))


def _combination_list(ctx: DocContext) -> list[str]:
    """This patient's dangerous combinations in plain words, one short text each
    (``Buprenorfin og oksazepam sammen er den farligste blandingen. …``)."""
    return [sentence_case(ctx.text(combination.patient_text).format_map(_Fill({"names": names})))
            for combination, names in ctx.combinations()]


def _information_sections(ctx: DocContext) -> list[Section | None]:
    sections: list[Section | None] = []
    for item in _relevant(ctx):
        blocks: list[Block] = []
        if item.when == "combination":
            # A list the patient can take in one line at a time, then what to do about it.
            blocks.append(bullets(*_combination_list(ctx)))
        blocks.append(Paragraph(_item_text(ctx, item)))
        sections.append(section(ctx.text(item.title), *blocks))
    return sections


class _Fill(dict[str, str]):
    """Unknown placeholders in future content stay visible instead of failing the form."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _extra_risk(ctx: DocContext) -> Section | None:
    _ = ctx._
    sentences: list[str] = []
    codes = {d.code for d in ctx.deviations}
    if "DOSE_ABOVE_RANGE" in codes:
        sentences.append(_("You get a higher dose than usual. That makes an overdose more "
                           "likely. The doctor has told you why you get this dose."))
    if "DRUG_NOT_IN_TABLE" in codes:
        sentences.append(_("You get a medicine that is not usually used for this treatment. "
                           "The doctor has told you why, and what the risk is."))
    return section(_("Extra risk for you"), Paragraph(" ".join(sentences)))


def _promises(ctx: DocContext) -> Block:
    lines: list[str] = []
    for measure in ctx.pathway.measures:
        choice = ctx.case.measures.get(measure.id)
        text = ctx.text(measure.patient_text)
        if choice is not None and choice.chosen and text:
            lines.append(text)
    for extra in ctx.case.extra_measures:
        if extra.title.strip():
            lines.append(extra.title.strip())
    return bullets(*lines)


def _signature(ctx: DocContext) -> Section:
    _, case = ctx._, ctx.case
    blocks: list[Block] = [Paragraph(_(
        "I have read this form, or had it read to me. I have been able to ask questions. I "
        "say yes to the treatment and to the routines in this form."))]
    if case.consent.interpreter_used:
        blocks.append(Paragraph(_("Interpreter: {name}").format(
            name=case.consent.interpreter_name.strip() or "____________________")))
    patient_lines = tuple(line for line in (
        f"{ctx.identity_label()}: {ctx.identity_number()}" if ctx.identity_number() else "",
    ) if line)
    doctor_lines = tuple(line for line in (
        _("HPR number: {hpr}").format(hpr=case.prescriber.hpr_number.strip())
        if case.prescriber.hpr_number.strip() else "",
        case.prescriber.workplace.strip(),
    ) if line)
    blocks.append(SignatureBlock(
        parties=(
            SignatureParty(_("Patient"), case.patient.name.strip(), patient_lines),
            SignatureParty(_("Doctor"), case.prescriber.name.strip(), doctor_lines),
        ),
        date_place_label=_("Date and place"),
        signature_label=_("Signature"),
    ))
    return Section(_("Signature"), tuple(blocks))
