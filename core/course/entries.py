"""Quick entry: a new follow-up pre-filled from the plan, and "no problems today" in one step.

A routine day must take under 30 seconds (issue 16).  :func:`prefill_entry` starts a new
entry from the most recent one (observer, form) and the day's plan (planned doses, with the
supervision the plan asks for, one "use since last intake" row per substance of the case),
leaving every observation unset.  :func:`mark_routine_day` then fills the answers of a day
without problems — no intoxication, no overdose signs, routines kept, doses given, withdrawal
"not scored" unless a score is given — so the UI can offer it as one keystroke.  Both return
new entries and change nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from core.course.doses import planned_doses, typed
from core.course.model import (
    DoseGiven,
    FollowUpEntry,
    Observer,
    UseSinceLastIntake,
    WithdrawalScore,
)
from core.course.periods import local_day

if TYPE_CHECKING:
    from core.case import Case
    from core.content.course import ScaleChoice
    from core.content.pathway import Pathway
    from core.content.scales import Scale


def latest_entry(case: Case) -> FollowUpEntry | None:
    entries = case.course.followups
    return max(entries, key=lambda e: e.at) if entries else None


def plan_supervised(case: Case, pathway: Pathway) -> bool:
    """The plan has intake under supervision: the pathway's supervised-intake measure (T3)
    is chosen for the case."""
    content = pathway.course
    if content is None:
        return False
    choice = case.measures.get(content.supervised_intake_measure)
    return choice is not None and choice.chosen


def case_substances(case: Case, pathway: Pathway) -> list[str]:
    """The substances of the case, in order: those substituted, diagnosed, then in use."""
    found: list[str] = []
    for medication in case.medications:
        drug = pathway.drug(medication.drug)
        if drug is not None:
            found.append(drug.substance)
    found += case.substances_diagnosed()
    found += [u.substance for u in case.substance_use if u.substance]
    return list(dict.fromkeys(found))


def withdrawal_scales(case: Case, pathway: Pathway) -> list[ScaleChoice]:
    """The pathway's scale choice for each substance of the case that has one (a choice may
    carry no scale, e.g. stimulants, with the reason)."""
    content = pathway.course
    if content is None:
        return []
    choices = (content.scale_choice(s) for s in case_substances(case, pathway))
    return [c for c in choices if c is not None]


def prefill_entry(case: Case, pathway: Pathway, at: datetime,
                  observer: Observer | None = None) -> FollowUpEntry:
    """A new entry at ``at``: observer (unless given) and form from the latest entry, the
    planned doses of that day (``status`` unset; ``supervised`` True when the plan says so),
    and one "use since last intake" row per substance of the case (``unknown``)."""
    previous = latest_entry(case)
    who = observer or (previous.observer.model_copy() if previous is not None else Observer())
    supervised = True if plan_supervised(case, pathway) else None
    doses = [
        DoseGiven(drug=drug, dose=typed(value) if value is not None else "",
                  supervised=supervised)
        for drug, value in planned_doses(case, pathway, local_day(at)).items()
        if value is None or value > 0
    ]
    return FollowUpEntry(
        at=at,
        observer=who,
        form=previous.form if previous is not None else None,
        doses=doses,
        use_since_last=[UseSinceLastIntake(substance=s)
                        for s in case_substances(case, pathway)],
    )


def mark_routine_day(entry: FollowUpEntry, *, scales: Iterable[Scale] = (),
                     observation_minutes: int | None = None) -> FollowUpEntry:
    """The entry with the answers of a day without problems filled where still unset.

    Intoxication and overdose become ``none``, adherence ``kept``, each dose with a typed
    amount and no status ``given``; every scale of ``scales`` without a score, and a score
    with nothing entered, become "not scored" (with no scales at all, one general "not
    scored"); ``observation_minutes`` (the plan's) fills an empty observation time.  Answers
    already given — signs, scores, a withheld dose — are kept.
    """
    routine = entry.model_copy(deep=True)
    if routine.intoxication is None:
        routine.intoxication = "none"
    if routine.overdose is None:
        routine.overdose = "none"
    if routine.adherence is None:
        routine.adherence = "kept"
    if routine.observation_minutes is None and observation_minutes is not None:
        routine.observation_minutes = observation_minutes
    for dose in routine.doses:
        if dose.status is None and dose.dose.strip():
            dose.status = "given"
    for score in routine.withdrawal:
        if not score.items and score.total is None:
            score.not_scored = True
    present = {(s.scale, s.version) for s in routine.withdrawal}
    for scale in scales:
        if (scale.id, scale.version) not in present:
            routine.withdrawal.append(WithdrawalScore(scale=scale.id, version=scale.version,
                                                      not_scored=True))
    if not routine.withdrawal:
        routine.withdrawal.append(WithdrawalScore(not_scored=True))
    return routine


__all__ = [
    "case_substances",
    "latest_entry",
    "mark_routine_day",
    "plan_supervised",
    "prefill_entry",
    "withdrawal_scales",
]
