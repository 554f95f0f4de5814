"""The daily follow-up sheet for the municipal staff who visit the patient.

One landscape A4 sheet (more pages for a long course): who the patient is, the medicines and
the doses planned, what to check before the dose and after it, when to call whom, and one row
per day of the planned course with empty fields to fill in by hand and room for initials.
The signs to look for and the breathing thresholds are the pathway's content; the days and
doses come from the course helpers.
"""

from __future__ import annotations

from datetime import date

from core.case import Case
from core.content.pathway import Pathway
from core.course.entries import withdrawal_scales
from core.course.periods import isolation_day
from core.documents import course_common as cc
from core.documents import fmt
from core.documents.common import DocContext, context
from core.documents.model import Document, Grid, Paragraph, Section, bullets, kv, section

#: Body text size: the table needs ten columns across the sheet.
SHEET_BODY_SIZE = 8.5


def followup_sheet(case: Case, pathway: Pathway, language: str = "nb", *,
                   today: date | None = None) -> Document:
    ctx = context(case, pathway, language, today)
    _ = ctx._
    notice = ctx.exercise_notice()
    sections = tuple(s for s in (
        _when_to_call(ctx),
        _medicines(ctx),
        _before(ctx),
        _after(ctx),
        _days(ctx),
    ) if s is not None)
    name = case.patient.name.strip() or _("(name missing)")
    born = cc.birth_date(ctx)
    header = _("{name}, born {date}").format(name=name, date=born) if born else name
    return Document(
        kind="followup_sheet",
        language=ctx.language,
        title=_("Daily follow-up sheet: substitution treatment during quarantine or isolation"),
        document_id=ctx.document_id("followup_sheet"),
        # Name and birth date only: the sheet lies in the patient's room, so no identity number.
        running_header=" · ".join((header, _("Daily follow-up sheet"))),
        page_label=ctx.page_label(),
        author=case.prescriber.name.strip(),
        subject=_("Daily follow-up sheet"),
        header_fields=kv(
            (_("Patient"), name),
            (_("Born"), born),
            (_("Staying at"), case.patient.stay_location.strip()),
            (_("Responsible doctor"), cc.doctor_contact(ctx)),
        ).rows,
        sections=sections,
        notices=(notice,) if notice else (),
        body_size=SHEET_BODY_SIZE,
        footer_note=ctx.footer(),
        page_size="a4_landscape",
    )


def _medicines(ctx: DocContext) -> Section | None:
    _, plan = ctx._, ctx.case.plan
    lines = []
    for medication in ctx.case.medications:
        line = ctx.medication_line(medication)
        if line:
            schedule = medication.schedule.strip()
            lines.append(f"{line}: {schedule}" if schedule else line)
    supervision = "; ".join(f"{label}: {value}" for label, value in (
        (_("Supervised intake"), plan.supervision_frequency.strip()),
        (_("Supervised by"), plan.supervised_by.strip()),
        (_("Collected and delivered by"), plan.delivered_by.strip())) if value)
    return section(
        _("Medicines"),
        bullets(*lines),
        Paragraph(" ".join(p for p in (
            supervision + "." if supervision else "",
            _("The dose for each day is in the table. Give only that dose.")) if p)),
    )


def _before(ctx: DocContext) -> Section:
    _ = ctx._
    substances = [ctx.substance_name(s, running=True) for s in ctx.pathway.depressants]
    scales = [choice.scale.abbreviation for choice in withdrawal_scales(ctx.case, ctx.pathway)
              if choice.scale is not None]
    withdrawal = _("Ask about withdrawal and note how strong it is.")
    if scales:
        withdrawal += " " + _("Use the score the doctor asked for: {scales}.").format(
            scales=", ".join(dict.fromkeys(scales)))
    return Section(_("Before the dose"), (
        Paragraph(_("Ask what the patient has taken since the last dose, above all {names}.")
                  .format(names=fmt.join_names(substances, _("and"))) + " " + withdrawal),
        Paragraph(_("Signs of intoxication: {signs}.").format(
            signs=" · ".join(cc.sign_texts(ctx, "intoxication"))), emphasis=True),
        Paragraph(_("If you see signs of intoxication, do not give the dose. Call the doctor "
                    "the same day.")),
    ))


def _after(ctx: DocContext) -> Section:
    _ = ctx._
    minutes = ctx.case.plan.post_dose_observation_minutes
    thresholds = ctx.pathway.thresholds
    stay = ctx.t.ngettext(
        "Stay with the patient for {count} minute after the dose.",
        "Stay with the patient for {count} minutes after the dose.", minutes).format(
            count=minutes) if minutes else _("Stay with the patient after the dose as the "
                                             "doctor has said.")
    return Section(_("After the dose"), (
        Paragraph(_("Signs of overdose: {signs}.").format(
            signs=" · ".join(cc.sign_texts(ctx, "overdose"))), emphasis=True),
        Paragraph(stay + " " + _("When you measure: breathing under {rate} per minute or oxygen "
                                 "saturation under {saturation} is too low. Call the doctor "
                                 "at once.").format(
                                     rate=thresholds.respiratory_rate_low,
                                     saturation=f"{thresholds.oxygen_saturation_low} %")),
    ))


def _when_to_call(ctx: DocContext) -> Section:
    _ = ctx._
    rows = [
        (_("113 at once"), _("Signs of overdose, slow or no breathing, cannot be woken. Give "
                             "naloxone if you have it, put the patient in the recovery "
                             "position, start CPR if the breathing is not normal.")),
        (_("The doctor"), _("{contact}: signs of intoxication, a dose not given, strong "
                            "withdrawal, use of drugs or alcohol, breathing or saturation "
                            "too low.").format(contact=cc.doctor_contact(ctx) or _("the "
                                                                                     "doctor"))),
        (_("Legevakt 116 117"), _("When the doctor cannot be reached (evenings, nights and "
                                  "weekends).")),
    ]
    tsb = cc.tsb_contact(ctx)
    if tsb:
        rows.append((_("Specialist health service (TSB)"), tsb))
    admission = ctx.case.plan.admission_criteria.strip()
    if admission:
        rows.append((_("Consider admission"), admission))
    return Section(_("When to call"), (kv(*rows),))


def _days(ctx: DocContext) -> Section | None:
    _ = ctx._
    days = cc.planned_days(ctx)
    if not days:
        return section(_("Day by day"), Paragraph(_("The day of the first dose is not set yet; "
                                                    "the table follows when it is.")))
    header = (_("Date"), _("Isolation day"), _("Planned dose per day"), _("Given at (time)"),
              _("Intoxication before? (no/yes)"), _("Withdrawal (score)"),
              _("Used since last dose"), _("Observed (minutes)"), _("Signs of overdose? (no/yes)"),
              _("Initials"))
    rows = []
    for day, doses in days:
        number = isolation_day(ctx.case, day)
        rows.append((cc.short_day(ctx, day), str(number) if number else "–",
                     cc.doses_text(ctx, doses, separator="\n"), "", "", "", "", "", "", ""))
    return section(
        _("Day by day"),
        Paragraph(_("One row per day. Write what you saw and did, and your initials. Write more "
                    "in the notes or call the doctor when something is wrong.")),
        Grid(header, tuple(rows), widths=(1.0, 0.8, 2.2, 1.0, 1.2, 1.0, 1.4, 1.0, 1.2, 0.9),
             write_lines=1.8),
        new_page=True,
    )
