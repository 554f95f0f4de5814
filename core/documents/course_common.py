"""What the course documents share: planned days, doses in words, contacts, course findings.

The facts come from the case, its pathway's ``course`` content and the course helpers
(:mod:`core.course.doses`, :mod:`core.course.periods`); nothing here computes a day number or
a dose itself.  Course findings are the rule engine's, with ``scope="course"``.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.course.doses import Doses, active, daily_plan, taper_zero_day, treatment_start
from core.course.model import Observer
from core.course.periods import isolation_last_day
from core.documents import fmt
from core.documents.common import DocContext
from core.findings import Finding, Severity
from core.rules import evaluate

#: A sheet never gets more rows than this (a course is 1–3 weeks; a taper adds some).
MAX_SHEET_DAYS = 60


def course_findings(ctx: DocContext) -> list[Finding]:
    """The course rules' findings (never the consultation's: those belong to the first
    documents)."""
    return evaluate(ctx.case, ctx.pathway, today=ctx.today, language=ctx.language,
                    scope="course")


def course_blockers(ctx: DocContext, *prefixes: str) -> list[Finding]:
    """Course blockers, only those whose field path starts with one of ``prefixes`` if any."""
    return [f for f in course_findings(ctx) if f.severity is Severity.BLOCKER
            and (not prefixes or any(f.field.startswith(p) for p in prefixes))]


def planned_last_day(ctx: DocContext) -> date | None:
    """The last day of the planned course: the recorded end, else the day before the taper's
    zero step, else the latest planned end of a drug or of the isolation, else the first day
    plus the pathway's longest expected stabilisation."""
    case = ctx.case
    start = treatment_start(case)
    if start is None:
        return None
    end = case.course.end
    if end.kind is not None and end.ended_on is not None:
        return max(end.ended_on, start)
    zero = taper_zero_day(case)
    if zero is not None:
        return max(zero - timedelta(days=1), start)
    candidates = [m.planned_end for m in case.medications if m.planned_end is not None]
    isolation = isolation_last_day(case)
    if isolation is not None:
        candidates.append(isolation)
    if candidates:
        return max(max(candidates), start)
    content = ctx.pathway.course
    days = content.expected_max_days if content is not None else 7
    return start + timedelta(days=days - 1)


def planned_days(ctx: DocContext) -> list[tuple[date, Doses]]:
    """``(day, planned doses)`` from the first dose to :func:`planned_last_day` (at most
    :data:`MAX_SHEET_DAYS` days)."""
    start, last = treatment_start(ctx.case), planned_last_day(ctx)
    if start is None or last is None:
        return []
    last = min(last, start + timedelta(days=MAX_SHEET_DAYS - 1))
    days = list(daily_plan(ctx.case, start, last))
    while len(days) > 1 and not active(days[-1][1]):  # the day the taper reached zero
        days.pop()
    return days


def drug_label(ctx: DocContext, drug_id: str) -> str:
    """The pathway's name of a drug, or the name the doctor typed for one outside the table."""
    drug = ctx.pathway.drug(drug_id)
    if drug is not None:
        return drug.name.get(ctx.language)
    for medication in ctx.case.medications:
        if medication.drug == drug_id and medication.other_name.strip():
            return medication.other_name.strip()
    return drug_id


def dose_amount(ctx: DocContext, value: object) -> str:
    """``8 mg``; ``0 mg``; a dose that cannot be read says so."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return fmt.dose(value, ctx.language)
    return ctx._("(dose unreadable)")


def doses_text(ctx: DocContext, doses: Doses, *, separator: str = "; ") -> str:
    """``Buprenorfin/nalokson 8 mg; Oksazepam 30 mg`` (a drug stopped shows 0 mg)."""
    return separator.join(f"{drug_label(ctx, drug)} {dose_amount(ctx, value)}"
                          for drug, value in doses.items())


def short_day(ctx: DocContext, day: date) -> str:
    """``ma. 15.11.`` — weekday and date for a table row."""
    from babel.dates import format_date

    return str(format_date(day, format="EEE d.M.", locale=fmt._locale(ctx.language)))


def role_name(ctx: DocContext, role: str | None) -> str:
    _ = ctx._
    return {"gp": _("doctor"), "nurse": _("nurse"), "municipal_staff": _("municipal staff"),
            "tsb": _("specialist service (TSB)"), "other": _("other")}.get(role or "", "")


def observer_line(ctx: DocContext, observer: Observer) -> str:
    """``Sykepleier Siri Testberg (kommunalt personell, HPR-nummer 9144890)``."""
    details = [d for d in (role_name(ctx, observer.role),
                           ctx._("HPR number {hpr}").format(hpr=observer.hpr_number.strip())
                           if observer.hpr_number.strip() else "") if d]
    name = observer.name.strip() or ctx._("(name missing)")
    return f"{name} ({', '.join(details)})" if details else name


def phone_text(ctx: DocContext, name: str, phone: str) -> str:
    name, phone = name.strip(), phone.strip()
    if name and phone:
        return ctx._("{name}, phone {phone}").format(name=name, phone=phone)
    return name or phone


def doctor_contact(ctx: DocContext) -> str:
    return phone_text(ctx, ctx.case.prescriber.name, ctx.case.prescriber.phone)


def tsb_contact(ctx: DocContext) -> str:
    plan = ctx.case.conditions.plan
    return phone_text(ctx, plan.unit, plan.person_phone)


def municipal_contact(ctx: DocContext) -> str:
    plan = ctx.case.plan
    return phone_text(ctx, plan.patient_contact_name or plan.carried_out_by,
                      plan.patient_contact_phone)


def birth_date(ctx: DocContext) -> str:
    from core.rules.relevance import birth_date as born

    return ctx.date(born(ctx.case))


def sign_texts(ctx: DocContext, kind: str) -> list[str]:
    """The pathway's intoxication or overdose signs, in the document language."""
    content = ctx.pathway.course
    if content is None:
        return []
    signs = content.intoxication_signs if kind == "intoxication" else content.overdose_signs
    return [ctx.text(sign.text) for sign in signs]


def depressant_names(ctx: DocContext, *, other_for_own: bool = True) -> list[str]:
    """The pathway's depressants for running text; a group this patient is treated for is
    ``andre opioider`` (other opioids)."""
    from core.rules.relevance import substituted_substances

    own = substituted_substances(ctx.case, ctx.pathway) if other_for_own else set()
    names = []
    for substance_id in ctx.pathway.depressants:
        name = ctx.substance_name(substance_id, running=True)
        names.append(ctx._("other {substances}").format(substances=name)
                     if substance_id in own else name)
    return names
