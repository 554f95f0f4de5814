"""Journal texts of the course: one per follow-up entry, one per dose decision, and the note
that ends the treatment.

Shaped by pasientjournalforskriften § 8 as the first journal note is: who observed and how,
what was observed and found, what was done, and the further follow-up.  The entry and
decision notes are for the clipboard (``to_text``); the end note is also a PDF.  Facts come
from the course model, the pathway's course content (signs, scales) and the course rules
(``scope="course"``).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from core.case import Case
from core.content.pathway import Pathway
from core.course.doses import decision_changes, treatment_start
from core.course.model import FollowUpEntry
from core.course.periods import isolation_day, local_day, treatment_day
from core.documents import course_common as cc
from core.documents.common import DocContext, context
from core.documents.journal import criterion_line, forsvarlighet_section
from core.documents.model import (
    Document,
    DocumentKind,
    Notice,
    Paragraph,
    Section,
    bullets,
    kv,
    section,
)
from core.findings import Severity
from core.rules.course import score_total


def _entry_id(ctx: DocContext, kind: DocumentKind, letter: str, payload: str) -> str:
    digest = hashlib.sha256((payload + kind + ctx.language).encode()).hexdigest()[:6].upper()
    return f"{ctx.case.id[:8].upper()}-{letter}-{digest}"


def _document(ctx: DocContext, kind: DocumentKind, title: str, document_id: str,
              header: tuple[tuple[str, str], ...], sections: tuple[Section | None, ...],
              notices: tuple[Notice | None, ...] = ()) -> Document:
    _ = ctx._
    return Document(
        kind=kind, language=ctx.language, title=title, document_id=document_id,
        running_header=ctx.running_header(_("Journal note")), page_label=ctx.page_label(),
        author=ctx.case.prescriber.name.strip(), subject=_("Journal note"),
        header_fields=header, sections=tuple(s for s in sections if s is not None),
        notices=tuple(n for n in (ctx.exercise_notice(), *notices) if n is not None),
        footer_note=ctx.footer(),
    )


def _patient_rows(ctx: DocContext) -> tuple[tuple[str, str], ...]:
    _ = ctx._
    return kv((_("Patient"), ctx.case.patient.name.strip()),
              (ctx.identity_label(), ctx.identity_number())).rows


def _day_numbers(ctx: DocContext, day: date) -> str:
    _ = ctx._
    parts = []
    treatment = treatment_day(ctx.case, day)
    if treatment:
        parts.append(_("treatment day {n}").format(n=treatment))
    isolation = isolation_day(ctx.case, day)
    if isolation:
        parts.append(_("day {n} of the {kind}").format(n=isolation, kind=ctx.quarantine_word()))
    return ", ".join(parts)


# --- one follow-up entry ---------------------------------------------------------------------


def followup_note(case: Case, pathway: Pathway, index: int, language: str = "nb", *,
                  today: date | None = None) -> Document:
    """The journal text for ``case.course.followups[index]``."""
    ctx = context(case, pathway, language, today)
    _ = ctx._
    entry = case.course.followups[index]
    day = local_day(entry.at)
    form = {"home_visit": _("home visit"), "video": _("video"), "phone": _("telephone"),
            "office": _("at the office")}.get(entry.form or "", "")
    header = (*_patient_rows(ctx), *kv(
        (_("Follow-up"), ", ".join(p for p in (ctx.date_time(entry.at), form) if p)),
        (_("Day"), _day_numbers(ctx, day)),
        (_("Observed by"), cc.observer_line(ctx, entry.observer)),
    ).rows)
    findings = [f for f in cc.course_findings(ctx)
                if f.field.startswith(f"course.followups.{index}.")
                and f.severity is not Severity.INFO]
    return _document(
        ctx, "followup_note",
        _("Journal note: follow-up {date}").format(date=ctx.date(day)),
        _entry_id(ctx, "followup_note", "F", entry.model_dump_json()),
        header,
        (
            section(_("Before the dose"), bullets(*_before(ctx, entry))),
            section(_("What was done"), bullets(*_doses(ctx, entry))),
            section(_("After the dose"), bullets(*_after(ctx, entry))),
            section(_("Other"), kv((_("Safety routines"), _adherence(ctx, entry)),
                                   (_("Adverse events"), entry.adverse_events.strip()),
                                   (_("Note"), entry.note.strip()))),
            section(_("Further follow-up"), bullets(*_next(ctx, day),
                                                    *(f.message for f in findings))),
        ),
    )


def _signs(ctx: DocContext, kind: str, ids: list[str]) -> str:
    content = ctx.pathway.course
    texts = []
    for sign_id in ids:
        sign = None
        if content is not None:
            sign = (content.intoxication_sign(sign_id) if kind == "intoxication"
                    else content.overdose_sign(sign_id))
        texts.append(ctx.text(sign.text).lower() if sign is not None else sign_id)
    return ", ".join(texts)


def _before(ctx: DocContext, entry: FollowUpEntry) -> list[str]:
    _ = ctx._
    lines = []
    if entry.intoxication == "none":
        lines.append(_("No signs of intoxication before the dose."))
    elif entry.intoxication == "signs":
        lines.append(_("Signs of intoxication before the dose: {signs}.").format(
            signs=_signs(ctx, "intoxication", list(entry.intoxication_signs)) or "–"))
    elif entry.intoxication == "not_assessed":
        lines.append(_("Intoxication was not assessed."))
    if entry.intoxication_note.strip():
        lines.append(entry.intoxication_note.strip())
    content = ctx.pathway.course
    for score in entry.withdrawal:
        scale = content.scale(score.scale, score.version) if content is not None else None
        label = scale.abbreviation if scale is not None else score.scale or _("withdrawal")
        if score.not_scored:
            lines.append(_("Withdrawal: not scored.") + (f" {score.note.strip()}"
                                                         if score.note.strip() else ""))
            continue
        total = score_total(score, scale)
        band = scale.band(total) if scale is not None and total is not None else None
        text = _("Withdrawal ({scale}): {total}").format(
            scale=label, total=total if total is not None else _("partly scored"))
        if band is not None:
            text += f" ({ctx.text(band.label).lower()})"
        lines.append(text + "." + (f" {score.note.strip()}" if score.note.strip() else ""))
    used = {"yes": _("used"), "no": _("not used"), "unknown": _("not known")}
    uses = [f"{ctx.substance_name(u.substance, running=True)}: {used.get(u.used or '', '–')}"
            + (f" ({u.amount.strip()})" if u.amount.strip() else "")
            for u in entry.use_since_last if u.substance]
    if uses:
        lines.append(_("Use since the last dose: {uses}.").format(uses="; ".join(uses)))
    return lines


def _doses(ctx: DocContext, entry: FollowUpEntry) -> list[str]:
    _ = ctx._
    status = {"given": _("given"), "withheld": _("withheld"), "refused": _("refused by the "
                                                                          "patient"),
              "missed": _("missed")}
    lines = []
    for given in entry.doses:
        parts = [f"{cc.drug_label(ctx, given.drug)} {given.dose.strip()} mg".strip()]
        if given.status:
            parts.append(status[given.status])
        if given.supervised is True:
            parts.append(_("intake supervised"))
        elif given.supervised is False:
            parts.append(_("intake not supervised"))
        lines.append(", ".join(parts) + ".")
    return lines


def _after(ctx: DocContext, entry: FollowUpEntry) -> list[str]:
    _ = ctx._
    lines = []
    if entry.observation_minutes is not None:
        lines.append(ctx.t.ngettext("Observed for {count} minute after intake.",
                                    "Observed for {count} minutes after intake.",
                                    entry.observation_minutes).format(
                                        count=entry.observation_minutes))
    if entry.overdose == "none":
        lines.append(_("No signs of overdose."))
    elif entry.overdose == "signs":
        lines.append(_("Signs of overdose: {signs}.").format(
            signs=_signs(ctx, "overdose", list(entry.overdose_signs)) or "–"))
        lines.append(_("Action: {action}").format(action=entry.overdose_action.strip())
                     if entry.overdose_action.strip() else _("No action recorded."))
    elif entry.overdose == "not_observed":
        lines.append(_("Not observed for signs of overdose."))
    vitals = ", ".join(p for p in (
        _("respiratory rate {n}/min").format(n=entry.respiratory_rate)
        if entry.respiratory_rate is not None else "",
        _("SpO₂ {n} %").format(n=entry.oxygen_saturation)
        if entry.oxygen_saturation is not None else "") if p)
    if vitals:
        lines.append(_("Measured: {values}.").format(values=vitals))
    return lines


def _adherence(ctx: DocContext, entry: FollowUpEntry) -> str:
    _ = ctx._
    text = {"kept": _("kept"), "partly": _("partly kept"), "not_kept": _("not kept")}.get(
        entry.adherence or "", "")
    note = entry.adherence_note.strip()
    return f"{text} ({note})" if text and note else text or note


def _next(ctx: DocContext, day: date) -> list[str]:
    _ = ctx._
    tomorrow = day + timedelta(days=1)
    for plan_day, doses in cc.planned_days(ctx):
        if plan_day == tomorrow:
            return [_("Planned for {date}: {doses}.").format(date=ctx.date(tomorrow),
                                                             doses=cc.doses_text(ctx, doses))]
    return []


# --- one dose decision -----------------------------------------------------------------------


def decision_note(case: Case, pathway: Pathway, index: int, language: str = "nb", *,
                  today: date | None = None) -> Document:
    """The journal text for ``case.course.dose_decisions[index]``."""
    ctx = context(case, pathway, language, today)
    _ = ctx._
    decision = case.course.dose_decisions[index]
    change = next((c for c in decision_changes(case) if c.index == index), None)
    drug = cc.drug_label(ctx, decision.drug) if decision.drug else ""
    new_drug = cc.drug_label(ctx, decision.new_drug) if decision.new_drug else ""
    what = ""
    if change is not None:
        before = cc.dose_amount(ctx, change.before) if change.before is not None else "–"
        after = cc.dose_amount(ctx, change.after) if change.after is not None else "–"
        what = _("{drug}: from {before} to {after} per day").format(
            drug=f"{drug} → {new_drug}" if new_drug else drug, before=before, after=after)
    findings = [f.message for f in cc.course_findings(ctx)
                if f.field.startswith(f"course.dose_decisions.{index}.")
                and f.severity is not Severity.INFO]
    agreed = cc.observer_line(ctx, decision.agreed_by) if decision.agreed_by.name.strip() else ""
    return _document(
        ctx, "decision_note",
        _("Journal note: dose decision {date}").format(
            date=ctx.date(decision.effective_from) if decision.effective_from else ""),
        _entry_id(ctx, "decision_note", "D", decision.model_dump_json()),
        (*_patient_rows(ctx), *kv((_("Decided"), ctx.date_time(decision.decided_at))).rows),
        (
            section(_("Decision"), kv(
                (_("Change"), what),
                (_("From"), ctx.date(decision.effective_from)),
                (_("Reason"), decision.reason.strip()),
                (_("Agreed by"), agreed),
                (_("Specialist (TSB) who agreed"), decision.tsb_specialist.strip()),
            )),
            section(_("Not settled"), bullets(*findings)),
            section(_("Further follow-up"), Paragraph(_(
                "Daily follow-up before and after the dose continues; tolerance is checked "
                "before any further increase."))),
        ),
    )


# --- the end of the treatment ----------------------------------------------------------------


def end_note(case: Case, pathway: Pathway, language: str = "nb", *,
             today: date | None = None) -> Document:
    """The journal note that ends the course: summary, evaluation and the forsvarlighet
    criteria with the evaluation of effect filled in."""
    ctx = context(case, pathway, language, today)
    _ = ctx._
    blockers = cc.course_blockers(ctx)
    notice = Notice(ctx.t.ngettext(
        "Not settled when this note was made ({count} point): {items}",
        "Not settled when this note was made ({count} points): {items}",
        len(blockers)).format(count=len(blockers), items=" ".join(f.message for f in blockers))
    ) if blockers else None
    return _document(
        ctx, "end_note",
        _("Journal note: end of the substitution treatment"),
        ctx.document_id("end_note"),
        (*ctx.header_rows(_("Patient"), _("Doctor"))[:-1],
         *kv((_("Ended"), ctx.date(case.course.end.ended_on))).rows),
        (_summary(ctx), _evaluation(ctx), _forsvarlighet(ctx)),
        (notice,),
    )


def _ending(ctx: DocContext) -> str:
    _, end = ctx._, ctx.case.course.end
    if end.kind == "completed":
        text = _("Completed as planned")
    elif end.kind == "stopped":
        reason = {"consent_withdrawn": _("the patient withdrew consent"),
                  "admitted": _("admitted to an institution"),
                  "moved": _("the patient moved"), "died": _("the patient died"),
                  "other": _("other reason")}.get(end.stop_reason or "", "")
        text = _("Stopped: {reason}").format(reason=reason) if reason else _("Stopped")
    else:
        return ""
    return f"{text}. {end.note.strip()}" if end.note.strip() else text + "."


def _summary(ctx: DocContext) -> Section | None:
    _, case = ctx._, ctx.case
    course = case.course
    start = treatment_start(case)
    isolation = case.conditions.quarantine
    ended = course.isolation.ended_on or isolation.expected_end
    isolation_text = ""
    if isolation.start:
        isolation_text = _("{start} to {end}").format(start=ctx.date(isolation.start),
                                                      end=ctx.date(ended)) if ended else \
            _("from {start}").format(start=ctx.date(isolation.start))
    start_doses = [ctx.medication_line(m) for m in case.medications if ctx.medication_line(m)]
    decisions = []
    for change in decision_changes(case):
        decision = course.dose_decisions[change.index]
        who = ", ".join(p for p in (decision.agreed_by.name.strip(),
                                    decision.tsb_specialist.strip()) if p)
        before = cc.dose_amount(ctx, change.before) if change.before is not None else "–"
        after = cc.dose_amount(ctx, change.after) if change.after is not None else "–"
        decisions.append(_("{date}: {drug} from {before} to {after}; {reason} (agreed by "
                           "{who})").format(date=ctx.date(decision.effective_from),
                                            drug=cc.drug_label(ctx, change.drug),
                                            before=before, after=after,
                                            reason=decision.reason.strip().rstrip(".") or "–",
                                            who=who or "–"))
    steps = []
    for step in sorted(course.taper.steps, key=lambda s: s.from_date or date.max):
        doses = "; ".join(f"{cc.drug_label(ctx, d)} {v.strip()} mg"
                          for d, v in step.doses.items())
        steps.append(f"{ctx.date(step.from_date)}: {doses}")
    followed = len({local_day(e.at) for e in course.followups})
    continuation = {"taper": _("taper"), "lar_referral": _("referral to LAR"),
                    "other_plan": _("another plan")}.get(course.continuation.kind or "", "")
    if continuation and course.continuation.agreed.strip():
        continuation += f": {course.continuation.agreed.strip()}"
    return section(
        _("Course of treatment"),
        kv((_("First dose"), ctx.date(start)),
           (_("Quarantine or isolation"), isolation_text),
           (_("Starting dose"), "; ".join(start_doses)),
           (_("Follow-ups"), ctx.t.ngettext("{count} follow-up on {days} day",
                                            "{count} follow-ups on {days} days", followed)
            .format(count=len(course.followups), days=followed) if course.followups else ""),
           (_("After the isolation"), continuation),
           (_("How it ended"), _ending(ctx))),
        Paragraph(_("Dose decisions:"), emphasis=True) if decisions else None,
        bullets(*decisions),
        Paragraph(_("Taper steps:"), emphasis=True) if steps else None,
        bullets(*steps),
    )


def _answer(ctx: DocContext, value: str | None) -> str:
    _ = ctx._
    return {"yes": _("yes"), "no": _("no"), "partly": _("partly"),
            "unknown": _("not known")}.get(value or "", "")


def _evaluation(ctx: DocContext) -> Section | None:
    _, e = ctx._, ctx.case.course.evaluation
    adherence = {"kept": _("kept"), "partly": _("partly kept"), "not_kept": _("not kept")}.get(
        e.adherence or "", "")
    by = cc.observer_line(ctx, e.evaluated_by) if e.evaluated_by.name.strip() else ""
    return section(
        _("Evaluation of effect and safety"),
        Paragraph(_("Effect"), emphasis=True),
        kv((_("Withdrawal controlled"), _answer(ctx, e.withdrawal_controlled)),
           (_("Craving controlled"), _answer(ctx, e.craving_controlled)),
           (_("Isolation kept"), _answer(ctx, e.isolation_kept)),
           (_("Note"), e.effect_note.strip())),
        Paragraph(_("Safety"), emphasis=True),
        kv((_("Overdose"), _answer(ctx, e.overdose)),
           (_("Intoxication"), _answer(ctx, e.intoxication)),
           (_("Leakage or diversion"), _answer(ctx, e.leakage)),
           (_("Adverse events"), e.adverse_events.strip()),
           (_("Note"), e.safety_note.strip())),
        kv((_("Adherence"), ", ".join(p for p in (adherence, e.adherence_note.strip()) if p)),
           (_("The patient's view"), e.patient_view.strip()),
           (_("Next"), e.next_steps.strip()),
           (_("Evaluated"), ", ".join(p for p in (ctx.date(e.evaluated_on), by) if p))),
    )


def effect_evaluation(ctx: DocContext) -> str:
    """The forsvarlighet line "evaluation of effect", now from the recorded evaluation."""
    _, e = ctx._, ctx.case.course.evaluation
    if e.evaluated_on is None and not any((e.withdrawal_controlled, e.craving_controlled,
                                           e.overdose, e.intoxication)):
        return _("Not documented: {what}.").format(what=_("no evaluation is recorded"))
    parts = [p for p in (
        _("withdrawal controlled: {answer}").format(answer=_answer(ctx, e.withdrawal_controlled))
        if e.withdrawal_controlled else "",
        _("craving controlled: {answer}").format(answer=_answer(ctx, e.craving_controlled))
        if e.craving_controlled else "",
        _("overdose: {answer}").format(answer=_answer(ctx, e.overdose)) if e.overdose else "",
        _("intoxication: {answer}").format(answer=_answer(ctx, e.intoxication))
        if e.intoxication else "",
        _("evaluated on {date}").format(date=ctx.date(e.evaluated_on)) if e.evaluated_on
        else "",
    ) if p]
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def _taper_line(ctx: DocContext) -> str:
    _, course = ctx._, ctx.case.course
    if course.taper.steps:
        first = min((s.from_date for s in course.taper.steps if s.from_date), default=None)
        return _("Taper in {count} steps from {date}.").format(
            count=len(course.taper.steps), date=ctx.date(first))
    if course.continuation.kind in ("lar_referral", "other_plan"):
        return course.continuation.agreed.strip() or _("Another plan was agreed.")
    return criterion_line(ctx, "taper_plan")


def _forsvarlighet(ctx: DocContext) -> Section | None:
    """The first note's criteria, with the evaluation and the taper answered from the course."""
    return forsvarlighet_section(ctx, {"effect_evaluation": effect_evaluation,
                                       "taper_plan": _taper_line})
