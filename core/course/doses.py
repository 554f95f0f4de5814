"""Daily doses over the course: what is planned on a day, and what each change did.

The plan for a day is built in layers, each overriding the one before for the drugs it names:

1. the consultation's medications (``Case.medications``: drug and daily dose);
2. the dose decisions, from their ``effective_from`` day;
3. the taper steps, from their ``from_date``.

Decisions and taper steps are applied in date order, so a decision made during the taper
(a pause, a step back up) counts from its day on; on the same day a decision wins over a
taper step, because it is the more specific act.  A dose that cannot be read is ``None``: the
plan says "some dose of this drug, unreadable", and the rule engine reports the field.
Arithmetic is :class:`~decimal.Decimal` milligrams throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from core.dose import parse_dose

if TYPE_CHECKING:
    from core.case import Case
    from core.content.pathway import Drug, Pathway
    from core.course.model import DoseDecision, TaperStep

#: The doses of a day by drug id; ``None`` = a dose is planned but cannot be read.
Doses = dict[str, Decimal | None]

DoseProblem = Literal["missing", "unreadable", "negative", "implausible"]


def read_dose(text: str) -> Decimal | None:
    """The dose in mg, or None when the text is not a plain number of milligrams."""
    return parse_dose(text)


def dose_problem(text: str, drug: Drug | None = None, *,
                 required: bool = True) -> DoseProblem | None:
    """What is wrong with a typed dose: ``missing`` (empty, when ``required``), ``negative``,
    ``unreadable`` or ``implausible`` (above the pathway's ``implausible_above_mg`` for the
    drug); None when it reads as a plausible number of milligrams (zero included)."""
    stripped = text.strip()
    if not stripped:
        return "missing" if required else None
    value = parse_dose(stripped)
    if value is None:
        rest = stripped.removeprefix("-").removeprefix("\u2212")
        return "negative" if rest != stripped and parse_dose(rest) is not None else "unreadable"
    if drug is not None and value > drug.implausible_above_mg:
        return "implausible"
    return None


def typed(value: Decimal) -> str:
    """A dose as the GP would type it: ``Decimal("7.50")`` → ``"7,5"``, ``Decimal(12)`` → "12"."""
    normal = value.normalize()
    text = f"{normal:f}"
    return text.replace(".", ",")


def treatment_start(case: Case) -> date | None:
    """The day of the first dose: ``course.started_on``, else the earliest medication start."""
    if case.course.started_on is not None:
        return case.course.started_on
    starts = [m.start_date for m in case.medications if m.start_date is not None]
    return min(starts) if starts else None


def base_doses(case: Case) -> Doses:
    """The consultation's daily dose per drug (two medications of one drug add up)."""
    doses: Doses = {}
    for medication in case.medications:
        if not medication.drug:
            continue
        value = parse_dose(medication.daily_dose)
        if medication.drug in doses:
            before = doses[medication.drug]
            doses[medication.drug] = None if before is None or value is None else before + value
        else:
            doses[medication.drug] = value
    return doses


@dataclass(frozen=True)
class DoseEvent:
    """One change of the plan: a dose decision or a taper step, from ``day`` on."""

    day: date
    kind: Literal["decision", "taper"]
    #: Index in ``course.dose_decisions`` or ``course.taper.steps``.
    index: int

    def sort_key(self, case: Case) -> tuple[date, int, datetime | None, int]:
        if self.kind == "decision":
            decided = case.course.dose_decisions[self.index].decided_at
            return (self.day, 1, decided, self.index)
        return (self.day, 0, None, self.index)


def dose_events(case: Case, *, include_taper: bool = True) -> list[DoseEvent]:
    """Every dated decision and taper step, in the order they take effect."""
    events = [DoseEvent(d.effective_from, "decision", i)
              for i, d in enumerate(case.course.dose_decisions) if d.effective_from is not None]
    if include_taper:
        events += [DoseEvent(s.from_date, "taper", i)
                   for i, s in enumerate(case.course.taper.steps) if s.from_date is not None]

    def key(event: DoseEvent) -> tuple[date, int, str, int]:
        day, kind, decided, index = event.sort_key(case)
        return (day, kind, decided.isoformat() if decided else "", index)

    return sorted(events, key=key)


def apply_decision(doses: Doses, decision: DoseDecision) -> None:
    """Change ``doses`` in place as ``decision`` says (a change of drug replaces the drug)."""
    if not decision.drug and not decision.new_drug:
        return
    value = parse_dose(decision.new_daily_dose)
    target = decision.new_drug or decision.drug
    if decision.new_drug and decision.new_drug != decision.drug:
        doses.pop(decision.drug, None)
    doses[target] = value


def apply_step(doses: Doses, step: TaperStep) -> None:
    for drug, text in step.doses.items():
        doses[drug] = parse_dose(text)


def _replay(case: Case, events: Iterable[DoseEvent]) -> Iterator[tuple[DoseEvent, Doses, Doses]]:
    """Each event with the doses just before and just after it."""
    doses = base_doses(case)
    for event in events:
        before = dict(doses)
        if event.kind == "decision":
            apply_decision(doses, case.course.dose_decisions[event.index])
        else:
            apply_step(doses, case.course.taper.steps[event.index])
        yield event, before, dict(doses)


def doses_in_force(case: Case, day: date, *, include_taper: bool = True) -> Doses:
    """The daily doses in force on ``day`` from medications, decisions (and taper steps)."""
    doses = base_doses(case)
    for event in dose_events(case, include_taper=include_taper):
        if event.day > day:
            break
        if event.kind == "decision":
            apply_decision(doses, case.course.dose_decisions[event.index])
        else:
            apply_step(doses, case.course.taper.steps[event.index])
    return doses


def course_end_day(case: Case) -> date | None:
    """The last day of the course: the recorded end, else the day the taper reaches zero."""
    if case.course.end.kind is not None and case.course.end.ended_on is not None:
        return case.course.end.ended_on
    zero = taper_zero_day(case)
    return zero - timedelta(days=1) if zero is not None else None


def taper_zero_day(case: Case) -> date | None:
    """The first day the taper plans no dose of any drug (its last step, when all zero)."""
    steps = [s for s in case.course.taper.steps if s.from_date is not None]
    if not steps:
        return None
    last = max(steps, key=lambda s: s.from_date or date.min)
    values = [parse_dose(v) for v in last.doses.values()]
    if last.doses and all(v is not None and v == 0 for v in values):
        return last.from_date
    return None


def planned_doses(case: Case, pathway: Pathway, day: date) -> Doses:
    """The daily dose of each drug planned for ``day`` (medication → decisions → taper).

    Empty before the first dose, after the recorded end of the course, and when the start is
    unknown.  A drug the taper has stopped stays in the answer with ``Decimal(0)``.
    ``pathway`` is the case's content version (kept in the signature so plans may depend on
    content; today only the case is read).
    """
    del pathway
    start = treatment_start(case)
    if start is None or day < start:
        return {}
    end = case.course.end
    if end.kind is not None and end.ended_on is not None and day > end.ended_on:
        return {}
    return doses_in_force(case, day)


def active(doses: Doses) -> bool:
    """True when some drug is planned above zero (or at an unreadable dose)."""
    return any(value is None or value > 0 for value in doses.values())


# --------------------------------------------------------------------------------------
# What each decision changed, and what is wrong with a taper
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionChange:
    """What one dose decision changed: the drug's dose before and after, as planned."""

    index: int
    drug: str
    new_drug: str
    before: Decimal | None
    after: Decimal | None

    @property
    def drug_changed(self) -> bool:
        return bool(self.new_drug) and self.new_drug != self.drug

    @property
    def increase(self) -> bool:
        """A higher daily dose of the same drug than was in force just before."""
        return (not self.drug_changed and self.before is not None and self.after is not None
                and self.after > self.before)


def decision_changes(case: Case) -> list[DecisionChange]:
    """Each dated dose decision with the dose in force just before it and the new dose."""
    changes = []
    for event, before, after in _replay(case, dose_events(case)):
        if event.kind != "decision":
            continue
        decision = case.course.dose_decisions[event.index]
        target = decision.new_drug or decision.drug
        changes.append(DecisionChange(event.index, decision.drug, decision.new_drug,
                                      before.get(decision.drug), after.get(target)))
    return sorted(changes, key=lambda c: c.index)


TaperProblemKind = Literal["date_missing", "dates_out_of_order", "missing", "unreadable",
                           "negative", "implausible", "increase", "never_zero", "drug_missing"]


@dataclass(frozen=True)
class TaperProblem:
    """One thing wrong with the taper plan: at ``step`` (index), for ``drug`` ("" = the step)."""

    step: int
    drug: str
    kind: TaperProblemKind


def taper_problems(case: Case, pathway: Pathway) -> list[TaperProblem]:
    """What stops the taper from being a plan that only goes down and ends at zero.

    Each step's dose is compared with the same drug's dose in the step before (for the first
    step: the dose in force the day before it, from medications and decisions).  A drug in
    force before the taper but named in no step is ``drug_missing``: the plan does not say
    how it ends.
    """
    steps = case.course.taper.steps
    problems: list[TaperProblem] = []
    if not steps:
        return problems
    previous_day: date | None = None
    for index, step in enumerate(steps):
        if step.from_date is None:
            problems.append(TaperProblem(index, "", "date_missing"))
        elif previous_day is not None and step.from_date <= previous_day:
            problems.append(TaperProblem(index, "", "dates_out_of_order"))
        if step.from_date is not None:
            previous_day = step.from_date if previous_day is None else max(previous_day,
                                                                           step.from_date)
    first_day = min((s.from_date for s in steps if s.from_date is not None), default=None)
    before = (doses_in_force(case, first_day - timedelta(days=1), include_taper=False)
              if first_day is not None else base_doses(case))
    last: Doses = dict(before)
    for index, step in enumerate(steps):
        for drug, text in step.doses.items():
            problem = dose_problem(text, pathway.drug(drug))
            if problem is not None:
                problems.append(TaperProblem(index, drug, problem))
                last[drug] = None
                continue
            value = parse_dose(text)
            prior = last.get(drug)
            if value is not None and prior is not None and value > prior:
                problems.append(TaperProblem(index, drug, "increase"))
            last[drug] = value
    named = {drug for step in steps for drug in step.doses}
    final = len(steps) - 1
    for drug in sorted(named):
        value = last.get(drug)
        if value is not None and value != 0:
            problems.append(TaperProblem(final, drug, "never_zero"))
    for drug, value in before.items():
        if drug not in named and (value is None or value > 0):
            problems.append(TaperProblem(0, drug, "drug_missing"))
    return problems




def daily_plan(case: Case, first: date, last: date) -> Iterator[tuple[date, Doses]]:
    """``(day, doses in force)`` for each day from ``first`` to ``last``, replaying the dose
    events once (not once per day) — what :func:`planned_doses` gives, without the checks
    for before the start and after the end."""
    events = dose_events(case)
    doses = base_doses(case)
    position = 0
    day = first
    while day <= last:
        while position < len(events) and events[position].day <= day:
            event = events[position]
            if event.kind == "decision":
                apply_decision(doses, case.course.dose_decisions[event.index])
            else:
                apply_step(doses, case.course.taper.steps[event.index])
            position += 1
        yield day, dict(doses)
        day += timedelta(days=1)


__all__ = [
    "DecisionChange",
    "DoseEvent",
    "DoseProblem",
    "Doses",
    "TaperProblem",
    "active",
    "base_doses",
    "course_end_day",
    "daily_plan",
    "decision_changes",
    "dose_events",
    "dose_problem",
    "doses_in_force",
    "planned_doses",
    "read_dose",
    "taper_problems",
    "taper_zero_day",
    "treatment_start",
    "typed",
]
