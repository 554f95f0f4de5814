"""Rules for the course of treatment: follow-up entries, dose decisions, isolation, taper, end.

They run once the course has begun (the case was exported or is in a course status, or a
follow-up entry exists — :func:`core.course.lifecycle.course_begun`), or as soon as anything
of the course has been recorded.  Every finding has the step id ``course`` and a dotted field
path into the course (``course.followups.3.overdose_action``) as :mod:`core.casepath`
resolves it.  What the GP typed is never changed; bad input becomes a finding at its field.

"Today" is ``ctx.today``.  The numbers (tolerance window, rising scores, expected duration,
respiratory thresholds) and the lists (signs, scales, depressants, the supervised-intake
measure) come from the pathway, never from code.  :func:`course_findings` also says which
days each finding concerns, for the timeline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.case import Case
from core.content.course import CourseContent
from core.content.pathway import Pathway
from core.content.scales import Scale
from core.course.doses import (
    DoseProblem,
    active,
    course_end_day,
    daily_plan,
    decision_changes,
    dose_problem,
    doses_in_force,
    taper_problems,
    treatment_start,
)
from core.course.entries import plan_supervised
from core.course.lifecycle import course_begun
from core.course.model import Evaluation, FollowUpEntry, WithdrawalScore
from core.course.periods import (
    is_quarantine,
    isolation_day,
    isolation_last_day,
    isolation_start,
    local_day,
    short_date,
    treatment_day,
)
from core.dose import format_dose, parse_dose
from core.findings import Finding, Severity
from core.rules.context import RuleContext
from core.rules.relevance import consultation_day
from i18n import Language, translator


@dataclass
class CourseContext(RuleContext):
    """A rule context that also records which days each finding concerns."""

    #: The days the next findings concern (first, last), or None for the course as a whole.
    span: tuple[date, date] | None = None
    spans: list[tuple[date, date] | None] = field(default_factory=list)

    def add(self, code: str, severity: Severity, step: str, path: str, message: str,
            **values: Any) -> None:
        super().add(code, severity, step, path, message, **values)
        self.spans.append(self.span)

    def on(self, day: date | None, last: date | None = None) -> CourseContext:
        self.span = None if day is None else (day, last or day)
        return self

    def day_text(self, day: date) -> str:
        return short_date(day, self.t.locale)

    def dose_text(self, value: Decimal) -> str:
        return format_dose(value, self.t.locale)

    def drug_text(self, drug_id: str) -> str:
        drug = self.pathway.drug(drug_id)
        return self.text(drug.name) if drug is not None else drug_id

    def substance_text(self, substance_id: str) -> str:
        substance = self.pathway.substance(substance_id)
        return self.text(substance.name) if substance is not None else substance_id


@dataclass(frozen=True)
class DatedFinding:
    """A finding with the days it concerns (``first``–``last``), or none (the whole course)."""

    finding: Finding
    first: date | None
    last: date | None

    def concerns(self, day: date) -> bool:
        return self.first is not None and self.last is not None and self.first <= day <= self.last


def applies(ctx: RuleContext) -> bool:
    return course_begun(ctx.case) or not ctx.case.course.is_empty()


def check_course(ctx: RuleContext) -> None:
    """The course rules, appended to the engine's findings (see :mod:`core.rules`)."""
    if not applies(ctx):
        return
    course_ctx = CourseContext(case=ctx.case, pathway=ctx.pathway, today=ctx.today, t=ctx.t,
                               consultation_day=ctx.consultation_day)
    _run(course_ctx)
    ctx.findings.extend(course_ctx.findings)


def course_findings(case: Case, pathway: Pathway, *, today: date,
                    language: str = "nb") -> list[DatedFinding]:
    """The course findings only, each with the days it concerns (for the timeline)."""
    lang: Language = language if language in ("nb", "nn", "en") else "nb"  # type: ignore[assignment]
    ctx = CourseContext(case=case, pathway=pathway, today=today, t=translator(lang),
                        consultation_day=consultation_day(case, today))
    if applies(ctx):
        _run(ctx)
    return [DatedFinding(f, *(span if span is not None else (None, None)))
            for f, span in zip(ctx.findings, ctx.spans, strict=True)]


def _run(ctx: CourseContext) -> None:
    content = ctx.pathway.course
    _check_start_and_end(ctx)
    _check_isolation(ctx)
    for index, entry in enumerate(ctx.case.course.followups):
        _check_entry(ctx, index, entry, content)
    if content is None or content.daily_followup:
        _check_missing_days(ctx)
    if content is not None:
        _check_withdrawal_trend(ctx, content)
    _check_decisions(ctx, content)
    _check_taper(ctx)
    _check_continuation(ctx)
    if content is not None:
        _check_duration(ctx, content)
    _check_evaluation(ctx)
    _info(ctx)
    ctx.on(None)


# --------------------------------------------------------------------------------------
# Start, end, isolation
# --------------------------------------------------------------------------------------


def _check_start_and_end(ctx: CourseContext) -> None:
    course = ctx.case.course
    start = treatment_start(ctx.case)
    ctx.on(None)
    if start is None:
        ctx.warning("COURSE_START_UNKNOWN", "course", "course.started_on",
                    "Enter the day of the first dose (or the medication's start date).")
    end = course.end
    base = "course.end"
    if end.kind is None:
        if end.stop_reason is not None or end.ended_on is not None:
            ctx.warning("COURSE_END_KIND_MISSING", "course", f"{base}.kind",
                        "Say whether the course was completed or stopped.")
        return
    if end.ended_on is None:
        ctx.blocker("COURSE_END_DATE_MISSING", "course", f"{base}.ended_on",
                    "Enter the day the course ended.")
    else:
        ctx.on(end.ended_on)
        if end.ended_on > ctx.today:
            ctx.blocker("COURSE_END_IN_FUTURE", "course", f"{base}.ended_on",
                        "The course cannot have ended after today ({date}).",
                        date=ctx.day_text(ctx.today))
        if start is not None and end.ended_on < start:
            ctx.blocker("COURSE_END_BEFORE_START", "course", f"{base}.ended_on",
                        "The course ends before the first dose ({date}).",
                        date=ctx.day_text(start))
    ctx.on(end.ended_on)
    if end.kind == "stopped" and end.stop_reason is None:
        ctx.blocker("COURSE_STOP_REASON_MISSING", "course", f"{base}.stop_reason",
                    "Say why the course was stopped.")
    if end.stop_reason == "other" and not end.note.strip():
        ctx.warning("COURSE_STOP_NOTE_MISSING", "course", f"{base}.note",
                    "Describe the other reason for stopping.")


def _check_isolation(ctx: CourseContext) -> None:
    isolation = ctx.case.course.isolation
    start = isolation_start(ctx.case)
    ctx.on(isolation.ended_on)
    if isolation.ended_on is not None:
        if start is not None and isolation.ended_on < start:
            ctx.blocker("COURSE_ISOLATION_END_BEFORE_START", "course", "course.isolation.ended_on",
                        "The isolation or quarantine ends before it started ({date}).",
                        date=ctx.day_text(start))
        if isolation.ended_on > ctx.today:
            ctx.blocker("COURSE_ISOLATION_END_IN_FUTURE", "course", "course.isolation.ended_on",
                        "The isolation or quarantine cannot have ended after today; record an "
                        "extension or the expected end instead.")
    for index, extension in enumerate(isolation.extensions):
        path = f"course.isolation.extensions.{index}"
        ctx.on(extension.new_expected_end)
        if extension.new_expected_end is None:
            ctx.blocker("COURSE_EXTENSION_END_MISSING", "course", f"{path}.new_expected_end",
                        "Enter the new expected end of the isolation or quarantine.")
        elif start is not None and extension.new_expected_end < start:
            ctx.blocker("COURSE_EXTENSION_END_BEFORE_START", "course", f"{path}.new_expected_end",
                        "The new expected end is before the isolation or quarantine started "
                        "({date}).", date=ctx.day_text(start))
    last = isolation_last_day(ctx.case)
    continuation = ctx.case.course.continuation
    planned = continuation.kind is not None and not (
        continuation.kind == "taper" and not ctx.case.course.taper.steps)
    ended = ctx.case.course.end.kind is not None
    if last is not None and last < ctx.today and not planned and not ended:
        ctx.on(last + timedelta(days=1), ctx.today)
        ctx.warning("COURSE_ISOLATION_ENDED_NO_PLAN", "course", "course.continuation.kind",
                    "The isolation or quarantine ended on {date}, and neither a taper nor "
                    "another plan is set.", date=ctx.day_text(last))


# --------------------------------------------------------------------------------------
# One follow-up entry
# --------------------------------------------------------------------------------------


def _dose_finding(ctx: CourseContext, problem: DoseProblem, path: str) -> None:
    """A typed dose that is missing, unreadable, negative or absurd (what was typed stays)."""
    match problem:
        case "missing":
            ctx.warning("COURSE_DOSE_MISSING", "course", path,
                        "Enter the dose in milligrams (0 to stop the drug).")
        case "unreadable":
            ctx.blocker("COURSE_DOSE_UNREADABLE", "course", path,
                        "The dose must be a number of milligrams, for example 8 or 7,5.")
        case "negative":
            ctx.blocker("COURSE_DOSE_NEGATIVE", "course", path, "A dose cannot be negative.")
        case "implausible":
            ctx.blocker("COURSE_DOSE_IMPLAUSIBLE", "course", path,
                        "This dose is not plausible for the drug. Check for a typing error.")


def _dose_given(entry: FollowUpEntry) -> bool:
    return any(d.status == "given" for d in entry.doses)


def _depressants(pathway: Pathway) -> set[str]:
    return set(pathway.depressants) | {s.id for s in pathway.substances if s.depressant}


def _check_entry(ctx: CourseContext, index: int, entry: FollowUpEntry,
                 content: CourseContent | None) -> None:
    path = f"course.followups.{index}"
    day = local_day(entry.at)
    ctx.on(day)
    start = treatment_start(ctx.case)
    end = ctx.case.course.end
    if day > ctx.today:
        ctx.blocker("COURSE_ENTRY_IN_FUTURE", "course", f"{path}.at",
                    "The follow-up is dated {date}, after today.", date=ctx.day_text(day))
    if start is not None and day < start:
        ctx.warning("COURSE_ENTRY_BEFORE_START", "course", f"{path}.at",
                    "The follow-up on {date} is before the first dose ({start}).",
                    date=ctx.day_text(day), start=ctx.day_text(start))
    if end.kind is not None and end.ended_on is not None and day > end.ended_on:
        ctx.warning("COURSE_ENTRY_AFTER_END", "course", f"{path}.at",
                    "The follow-up on {date} is after the course ended ({end}).",
                    date=ctx.day_text(day), end=ctx.day_text(end.ended_on))
    if not entry.observer.name.strip():
        ctx.warning("COURSE_OBSERVER_MISSING", "course", f"{path}.observer.name",
                    "Record who made the follow-up.")
    supervised_plan = plan_supervised(ctx.case, ctx.pathway)
    for j, dose in enumerate(entry.doses):
        dose_path = f"{path}.doses.{j}"
        problem = dose_problem(dose.dose, ctx.pathway.drug(dose.drug),
                               required=dose.status == "given")
        if problem is not None:
            _dose_finding(ctx, problem, f"{dose_path}.dose")
        if dose.status is None and dose.dose.strip():
            ctx.warning("COURSE_DOSE_STATUS_MISSING", "course", f"{dose_path}.status",
                        "Record whether the dose of {drug} was given.",
                        drug=ctx.drug_text(dose.drug))
        if dose.status == "given" and dose.supervised is False and supervised_plan:
            ctx.warning("COURSE_UNSUPERVISED", "course", f"{dose_path}.supervised",
                        "{drug} was taken without supervision, but the plan says intake is "
                        "supervised.", drug=ctx.drug_text(dose.drug))
    given = _dose_given(entry)
    _check_intoxication(ctx, path, entry, content, given)
    _check_overdose(ctx, path, entry, content, given)
    _check_scores(ctx, path, entry, content, given)
    _check_use(ctx, path, entry, given)
    planned = ctx.case.plan.post_dose_observation_minutes
    if (given and entry.observation_minutes is not None and planned is not None
            and entry.observation_minutes < planned):
        ctx.warning("COURSE_OBSERVATION_SHORT", "course", f"{path}.observation_minutes",
                    "Observed for {minutes} minutes after intake; the plan says {planned}.",
                    minutes=entry.observation_minutes, planned=planned)
    limits = ctx.pathway.thresholds
    low_rr = (entry.respiratory_rate is not None
              and entry.respiratory_rate < limits.respiratory_rate_low)
    low_spo2 = (entry.oxygen_saturation is not None
                and entry.oxygen_saturation < limits.oxygen_saturation_low)
    if low_rr or low_spo2:
        ctx.warning("COURSE_CONSIDER_ADMISSION", "course",
                    f"{path}.respiratory_rate" if low_rr else f"{path}.oxygen_saturation",
                    "Respiratory rate below {rate} per minute or oxygen saturation below "
                    "{saturation} %: consider admission to an institution.",
                    rate=limits.respiratory_rate_low, saturation=limits.oxygen_saturation_low)


def _check_intoxication(ctx: CourseContext, path: str, entry: FollowUpEntry,
                        content: CourseContent | None, given: bool) -> None:
    if entry.intoxication is None and given:
        ctx.warning("COURSE_INTOXICATION_NOT_RECORDED", "course", f"{path}.intoxication",
                    "Record whether there were signs of intoxication before the dose.")
    if entry.intoxication == "signs":
        if not entry.intoxication_signs and not entry.intoxication_note.strip():
            ctx.warning("COURSE_INTOXICATION_SIGNS_MISSING", "course", f"{path}.intoxication_signs",
                        "Say which signs of intoxication were seen.")
        if given:
            ctx.warning("COURSE_DOSE_DESPITE_INTOXICATION", "course", f"{path}.intoxication_note",
                        "A dose was given despite signs of intoxication: write why in the "
                        "note.")
    for k, sign in enumerate(entry.intoxication_signs):
        if content is not None and content.intoxication_sign(sign) is None:
            ctx.blocker("COURSE_SIGN_UNKNOWN", "course", f"{path}.intoxication_signs.{k}",
                        "{sign} is not a sign in this pathway's list.", sign=sign)


def _check_overdose(ctx: CourseContext, path: str, entry: FollowUpEntry,
                    content: CourseContent | None, given: bool) -> None:
    if entry.overdose is None and given:
        ctx.warning("COURSE_OVERDOSE_NOT_RECORDED", "course", f"{path}.overdose",
                    "Record whether there were signs of overdose after the dose.")
    if entry.overdose == "signs" and not entry.overdose_action.strip():
        ctx.blocker("COURSE_OVERDOSE_NO_ACTION", "course", f"{path}.overdose_action",
                    "Signs of overdose are recorded: write what was done (for example "
                    "naloxone, 113, admission).")
    for k, sign in enumerate(entry.overdose_signs):
        if content is not None and content.overdose_sign(sign) is None:
            ctx.blocker("COURSE_SIGN_UNKNOWN", "course", f"{path}.overdose_signs.{k}",
                        "{sign} is not a sign in this pathway's list.", sign=sign)


def score_total(score: WithdrawalScore, scale: Scale | None) -> int | None:
    """The total of a score: the typed total, else the sum when every item is scored."""
    if score.not_scored:
        return None
    if score.total is not None:
        return score.total
    if scale is not None and all(i.id in score.items for i in scale.items):
        return sum(score.items[i.id] for i in scale.items)
    return None


def _check_scores(ctx: CourseContext, path: str, entry: FollowUpEntry,
                  content: CourseContent | None, given: bool) -> None:
    if not entry.withdrawal and given:
        ctx.warning("COURSE_WITHDRAWAL_NOT_RECORDED", "course", f"{path}.withdrawal",
                    "Record the withdrawal before the dose, or mark it as not scored.")
    for k, score in enumerate(entry.withdrawal):
        score_path = f"{path}.withdrawal.{k}"
        if score.not_scored:
            continue
        scale = content.scale(score.scale, score.version or None) if content is not None else None
        if scale is None:
            if content is not None:
                ctx.blocker("COURSE_SCALE_UNKNOWN", "course", f"{score_path}.scale",
                            "{scale} is not a withdrawal scale of this pathway.",
                            scale=f"{score.scale} {score.version}".strip())
            continue
        if not score.items and score.total is None:
            ctx.warning("COURSE_SCORE_EMPTY", "course", f"{score_path}.not_scored",
                        "Score {scale}, or mark it as not scored.", scale=scale.abbreviation)
            continue
        for item_id, value in score.items.items():
            item = scale.item(item_id)
            if item is None:
                ctx.blocker("COURSE_SCORE_ITEM_UNKNOWN", "course", f"{score_path}.items.{item_id}",
                            "{item} is not an item of {scale}.", item=item_id,
                            scale=scale.abbreviation)
            elif value not in item.scores:
                ctx.blocker("COURSE_SCORE_OUT_OF_SCALE", "course", f"{score_path}.items.{item_id}",
                            "{value} is not a score of «{item}» on {scale} (possible: "
                            "{scores}).", value=value, item=ctx.text(item.title),
                            scale=scale.abbreviation,
                            scores=", ".join(str(s) for s in sorted(item.scores)))
        complete = all(i.id in score.items for i in scale.items)
        if score.total is not None:
            if not scale.min_total <= score.total <= scale.max_total:
                ctx.blocker("COURSE_SCORE_TOTAL_OUT_OF_SCALE", "course", f"{score_path}.total",
                            "A total of {total} is outside {scale} ({low}–{high}).",
                            total=score.total, scale=scale.abbreviation, low=scale.min_total,
                            high=scale.max_total)
            elif complete and sum(score.items.values()) != score.total:
                ctx.warning("COURSE_SCORE_TOTAL_MISMATCH", "course", f"{score_path}.total",
                            "The total {total} differs from the sum of the items ({sum}).",
                            total=score.total, sum=sum(score.items.values()))
        elif not complete:
            ctx.warning("COURSE_SCORE_INCOMPLETE", "course", f"{score_path}.items",
                        "{scale} is not fully scored ({done} of {count} items): no total.",
                        scale=scale.abbreviation, done=len(score.items), count=len(scale.items))


def _check_use(ctx: CourseContext, path: str, entry: FollowUpEntry, given: bool) -> None:
    if not given:
        return
    depressants = _depressants(ctx.pathway)
    for j, use in enumerate(entry.use_since_last):
        if use.used == "yes" and use.substance in depressants:
            ctx.warning("COURSE_DEPRESSANT_USE_BEFORE_DOSE", "course",
                        f"{path}.use_since_last.{j}.used",
                        "{substance} used since the last intake, and a dose was given: the "
                        "risk of overdose is higher. Consider holding or lowering the dose and "
                        "observing longer.", substance=ctx.substance_text(use.substance))


# --------------------------------------------------------------------------------------
# Across entries: missing days, rising withdrawal
# --------------------------------------------------------------------------------------


def _check_missing_days(ctx: CourseContext) -> None:
    """Each run of days of active treatment before today without a follow-up entry."""
    start = treatment_start(ctx.case)
    if start is None:
        return
    last = ctx.today - timedelta(days=1)
    end = course_end_day(ctx.case)
    if end is not None:
        last = min(last, end)
    if last < start:
        return
    with_entry = {local_day(e.at) for e in ctx.case.course.followups}
    runs: list[tuple[date, date]] = []
    for day, doses in daily_plan(ctx.case, start, last):
        if day in with_entry or not active(doses):
            continue
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    for first, final in runs:
        ctx.on(first, final)
        if first == final:
            ctx.warning("COURSE_DAY_WITHOUT_FOLLOWUP", "course", "course.followups",
                        "No follow-up is recorded for {date}, a day of treatment.",
                        date=ctx.day_text(first))
        else:
            ctx.warning("COURSE_DAY_WITHOUT_FOLLOWUP", "course", "course.followups",
                        "No follow-up is recorded from {first} to {last} ({days} days of "
                        "treatment).", first=ctx.day_text(first), last=ctx.day_text(final),
                        days=(final - first).days + 1)


def _check_withdrawal_trend(ctx: CourseContext, content: CourseContent) -> None:
    """Totals of one scale rising over N consecutive scored entries (N from the pathway)."""
    needed = content.rising_score_entries
    series: dict[str, list[tuple[datetime, int, int, int]]] = defaultdict(list)
    for index, entry in enumerate(ctx.case.course.followups):
        for k, score in enumerate(entry.withdrawal):
            scale = content.scale(score.scale, score.version or None)
            total = score_total(score, scale)
            if scale is not None and total is not None:
                series[scale.id].append((entry.at, index, k, total))
    for scale_id, points in series.items():
        points.sort(key=lambda p: (p[0], p[1]))
        run = 1
        for position in range(1, len(points)):
            run = run + 1 if points[position][3] > points[position - 1][3] else 1
            if run == needed:
                at, index, k, total = points[position]
                first = points[position - needed + 1]
                scale = content.scale(scale_id)
                ctx.on(local_day(first[0]), local_day(at))
                ctx.warning("COURSE_WITHDRAWAL_RISING", "course",
                            f"course.followups.{index}.withdrawal.{k}",
                            "The {scale} score has risen over {count} follow-ups in a row "
                            "(from {first} to {last}): reassess the dose.",
                            scale=scale.abbreviation if scale else scale_id, count=needed,
                            first=first[3], last=total)


# --------------------------------------------------------------------------------------
# Dose decisions
# --------------------------------------------------------------------------------------


def _tolerated_before(ctx: CourseContext, decision_at: datetime, hours: int) -> bool:
    """A follow-up in the ``hours`` before the decision, free of intoxication and overdose."""
    window_start = decision_at - timedelta(hours=hours)
    return any(window_start <= e.at <= decision_at and e.intoxication == "none"
               and e.overdose == "none" for e in ctx.case.course.followups)


def _check_decisions(ctx: CourseContext, content: CourseContent | None) -> None:
    decisions = ctx.case.course.dose_decisions
    changes = {c.index: c for c in decision_changes(ctx.case)}
    hours = content.tolerance_window_hours if content is not None else 24
    for index, decision in enumerate(decisions):
        path = f"course.dose_decisions.{index}"
        ctx.on(decision.effective_from)
        if local_day(decision.decided_at) > ctx.today:
            ctx.blocker("COURSE_DECISION_IN_FUTURE", "course", f"{path}.decided_at",
                        "The decision is dated after today.")
        if decision.effective_from is None:
            ctx.blocker("COURSE_DECISION_DATE_MISSING", "course", f"{path}.effective_from",
                        "Enter the day the new dose applies from.")
        if not decision.drug:
            ctx.blocker("COURSE_DECISION_DRUG_MISSING", "course", f"{path}.drug",
                        "Choose the drug whose dose changes.")
            continue
        drug_changed = bool(decision.new_drug) and decision.new_drug != decision.drug
        target = decision.new_drug if drug_changed else decision.drug
        problem = dose_problem(decision.new_daily_dose, ctx.pathway.drug(target))
        if problem is not None:
            _dose_finding(ctx, problem, f"{path}.new_daily_dose")
        if decision.effective_from is not None:
            in_force = doses_in_force(ctx.case, decision.effective_from - timedelta(days=1))
            change = changes.get(index)
            if decision.drug not in in_force and (change is None or change.before is None):
                ctx.blocker("COURSE_DECISION_DRUG_UNKNOWN", "course", f"{path}.drug",
                            "{drug} is not among the drugs in force before {date}.",
                            drug=ctx.drug_text(decision.drug),
                            date=ctx.day_text(decision.effective_from))
        if drug_changed:
            if not decision.reason.strip():
                ctx.blocker("COURSE_DRUG_CHANGE_NO_REASON", "course", f"{path}.reason",
                            "A change of drug needs a reason.")
            if not decision.tsb_specialist.strip():
                ctx.blocker("COURSE_DRUG_CHANGE_NO_TSB", "course", f"{path}.tsb_specialist",
                            "A change of drug is made together with an addiction-medicine "
                            "specialist in TSB: name the specialist.")
        elif not decision.reason.strip():
            ctx.warning("COURSE_DECISION_REASON_MISSING", "course", f"{path}.reason",
                        "Write the reason for the dose change.")
        change = changes.get(index)
        if change is None or not change.increase or change.after is None:
            continue
        if not _tolerated_before(ctx, decision.decided_at, hours):
            ctx.blocker("COURSE_INCREASE_WITHOUT_TOLERANCE", "course", f"{path}.new_daily_dose",
                        "The dose of {drug} is raised without documented tolerance: no "
                        "follow-up in the {hours} hours before the decision is free of signs of "
                        "intoxication and overdose.", drug=ctx.drug_text(target), hours=hours)
        drug = ctx.pathway.drug(target)
        if (drug is not None and drug.dose_max_mg is not None and change.after > drug.dose_max_mg
                and not decision.tsb_specialist.strip()):
            ctx.blocker("COURSE_INCREASE_ABOVE_RANGE_NO_TSB", "course", f"{path}.tsb_specialist",
                        "{dose} of {drug} is above the suggested range (up to {max}): name the "
                        "TSB specialist who agreed.", dose=ctx.dose_text(change.after),
                        drug=ctx.drug_text(target), max=ctx.dose_text(drug.dose_max_mg))


# --------------------------------------------------------------------------------------
# Taper and continuation
# --------------------------------------------------------------------------------------


def _check_taper(ctx: CourseContext) -> None:
    steps = ctx.case.course.taper.steps
    for problem in taper_problems(ctx.case, ctx.pathway):
        step = steps[problem.step]
        path = f"course.taper.steps.{problem.step}"
        ctx.on(step.from_date)
        drug_path = f"{path}.doses.{problem.drug}"
        match problem.kind:
            case "date_missing":
                ctx.blocker("COURSE_TAPER_DATE_MISSING", "course", f"{path}.from_date",
                            "Enter the day this taper step begins.")
            case "dates_out_of_order":
                ctx.blocker("COURSE_TAPER_DATES_OUT_OF_ORDER", "course", f"{path}.from_date",
                            "Each taper step must begin after the one before.")
            case "missing" | "unreadable" | "negative" | "implausible":
                _dose_finding(ctx, problem.kind, drug_path)
            case "increase":
                ctx.blocker("COURSE_TAPER_STEP_INCREASES", "course", drug_path,
                            "This taper step raises the dose of {drug}.",
                            drug=ctx.drug_text(problem.drug))
            case "never_zero":
                ctx.blocker("COURSE_TAPER_NEVER_ZERO", "course", drug_path,
                            "The taper never reaches zero for {drug}: end with a step of 0 mg.",
                            drug=ctx.drug_text(problem.drug))
            case "drug_missing":
                ctx.warning("COURSE_TAPER_DRUG_MISSING", "course", "course.taper.steps",
                            "The taper plan does not say how {drug} ends.",
                            drug=ctx.drug_text(problem.drug))
    if steps and ctx.case.course.continuation.kind not in (None, "taper"):
        ctx.on(None)
        ctx.warning("COURSE_TAPER_NOT_CHOSEN", "course", "course.continuation.kind",
                    "There is a taper plan, but the plan after the isolation is not a taper.")


def _check_continuation(ctx: CourseContext) -> None:
    continuation = ctx.case.course.continuation
    ctx.on(None)
    if continuation.kind == "lar_referral" and continuation.referral_date is None:
        ctx.warning("COURSE_LAR_REFERRAL_DATE_MISSING", "course",
                    "course.continuation.referral_date",
                    "Enter when the referral to LAR was sent.")
    if continuation.kind in ("lar_referral", "other_plan") and not continuation.agreed.strip():
        ctx.warning("COURSE_CONTINUATION_NOT_DESCRIBED", "course", "course.continuation.agreed",
                    "Describe what was agreed for the time after the isolation.")


def _check_duration(ctx: CourseContext, content: CourseContent) -> None:
    """The stabilisation (first dose to the taper, the end or today) against 1–3 weeks."""
    start = treatment_start(ctx.case)
    if start is None:
        return
    taper_days = [s.from_date for s in ctx.case.course.taper.steps if s.from_date is not None]
    candidates = [ctx.today]
    if taper_days:
        candidates.append(min(taper_days) - timedelta(days=1))
    end = ctx.case.course.end
    if end.kind is not None and end.ended_on is not None:
        candidates.append(end.ended_on)
    last = min(candidates)
    days = (last - start).days + 1
    if days > content.expected_max_days:
        ctx.on(start + timedelta(days=content.expected_max_days), last)
        ctx.warning("COURSE_LONGER_THAN_EXPECTED", "course", "course.started_on",
                    "The treatment has lasted {days} days before any taper; the pathway "
                    "expects {low}–{high} days.", days=days, low=content.expected_min_days,
                    high=content.expected_max_days)


def _check_evaluation(ctx: CourseContext) -> None:
    end = ctx.case.course.end
    if end.kind is None:
        return
    evaluation = ctx.case.course.evaluation
    ctx.on(end.ended_on)
    if evaluation == Evaluation():
        ctx.warning("COURSE_EVALUATION_MISSING", "course", "course.evaluation.evaluated_on",
                    "Evaluate the effect and safety of the treatment for this patient.")
    elif evaluation.evaluated_on is None or not evaluation.evaluated_by.name.strip():
        ctx.warning("COURSE_EVALUATION_INCOMPLETE", "course", "course.evaluation.evaluated_on",
                    "Record when and by whom the evaluation was made.")


# --------------------------------------------------------------------------------------
# Info: where the course stands today
# --------------------------------------------------------------------------------------


def _doses_line(ctx: CourseContext, doses: dict[str, str]) -> str:
    parts = []
    for drug, text in doses.items():
        value = parse_dose(text)
        parts.append(f"{ctx.drug_text(drug)} {ctx.dose_text(value) if value is not None else text}")
    return ", ".join(parts)


def _info(ctx: CourseContext) -> None:
    today = ctx.today
    ctx.on(today)
    if ctx.case.course.end.kind is None:
        treatment = treatment_day(ctx.case, today)
        isolation = isolation_day(ctx.case, today)
        if treatment is not None and isolation is not None:
            if is_quarantine(ctx.case):
                ctx.info("COURSE_DAY", "course", "course",
                         "Day {day} of the quarantine, day {treatment} of the treatment.",
                         day=isolation, treatment=treatment)
            else:
                ctx.info("COURSE_DAY", "course", "course",
                         "Day {day} of the isolation, day {treatment} of the treatment.",
                         day=isolation, treatment=treatment)
        elif treatment is not None:
            ctx.info("COURSE_DAY", "course", "course", "Day {treatment} of the treatment.",
                     treatment=treatment)
    steps = ctx.case.course.taper.steps
    upcoming = sorted(((s.from_date, i) for i, s in enumerate(steps)
                       if s.from_date is not None and s.from_date > today))
    if upcoming and ctx.case.course.end.kind is None:
        day, index = upcoming[0]
        ctx.on(day)
        ctx.info("COURSE_NEXT_TAPER_STEP", "course", f"course.taper.steps.{index}",
                 "Next taper step on {date}: {doses}.", date=ctx.day_text(day),
                 doses=_doses_line(ctx, steps[index].doses))


__all__ = ["CourseContext", "DatedFinding", "check_course", "course_findings", "score_total"]
