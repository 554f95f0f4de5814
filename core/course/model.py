"""The course of treatment: what happens after the consultation, day by day, until the end.

The seed (004, ch. 5 and 5.2, ch. 7 "Steg 4") asks for daily observation before the day's
dose, a check for intoxication and withdrawal, observation for overdose after intake, dose
increases only with documented tolerance, a gradual taper once the isolation is over, and an
evaluation of effect and safety for each patient.  These models hold that record.

Like the case model they accept *incomplete and even invalid* input: a dose typed as "abc",
a withdrawal score outside its scale, an entry dated in the future.  What was typed is always
kept; the rule engine (:mod:`core.rules.course`) reports what is wrong, at the field.  Only
types, sizes and unknown keys are refused here.

Ids of drugs, substances, signs and scales refer to the pathway version the case was made
under (``Case.pathway_id`` / ``Case.pathway_version``; the signs and scales are in its
``course`` section).  Doses are milligrams per day as typed (see :func:`core.dose.parse_dose`);
moments are aware and kept in UTC, shown in Europe/Oslo.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import Field

from core.fields import (
    LIST_MAX,
    HexId,
    Id,
    LongText,
    ShortText,
    UtcDateTime,
    YesNoUnknown,
    _Model,
    new_id,
    utc_now,
)

#: Follow-up entries per course: three a day for three weeks of treatment and three of taper
#: is 126; the bound leaves room and still keeps a hostile file small.
FOLLOWUPS_MAX = 1_000
#: A withdrawal-scale item score as typed.  Real scores are 0–5; the wide bound keeps a typo
#: (55 for 5) so the rule engine can point at it, and refuses only absurd numbers.
Score = Annotated[int, Ge(-1_000), Le(1_000)]


# --------------------------------------------------------------------------------------
# Who observed
# --------------------------------------------------------------------------------------

ObserverRole = Literal["gp", "nurse", "municipal_staff", "tsb", "other"]


class Observer(_Model):
    """Who made the observation or agreed to a decision (helsepersonell as a rule)."""

    name: ShortText = ""
    #: ``gp`` (fastlege/kommunelege), ``nurse``, ``municipal_staff`` (e.g. rustjenesten),
    #: ``tsb`` (the specialist service), ``other``.
    role: ObserverRole | None = None
    #: HPR-nummer, where the person has one (helsepersonell).
    hpr_number: ShortText = ""


# --------------------------------------------------------------------------------------
# One follow-up entry
# --------------------------------------------------------------------------------------

FollowUpForm = Literal["home_visit", "video", "phone", "office"]
DoseStatus = Literal["given", "withheld", "refused", "missed"]
IntoxicationStatus = Literal["none", "signs", "not_assessed"]
OverdoseStatus = Literal["none", "signs", "not_observed"]
Adherence = Literal["kept", "partly", "not_kept"]


class DoseGiven(_Model):
    """One drug at one follow-up: the dose and whether it was taken under supervision."""

    drug: Id = ""
    #: Milligrams as typed ("12", "7,5"); may differ from the planned dose.
    dose: ShortText = ""
    #: ``given``; ``withheld`` (by the observer, e.g. because of intoxication); ``refused``
    #: (by the patient); ``missed`` (the patient was not reached).  None = not recorded yet.
    status: DoseStatus | None = None
    #: Intake under supervision (påsyn); None = not recorded.
    supervised: bool | None = None


class WithdrawalScore(_Model):
    """Withdrawal severity before intake on one scale (COWS, CIWA-B), or "not scored".

    ``items`` maps the scale's item ids to the score chosen; ``total`` is for a score taken on
    paper where only the sum is known.  The scale and its version come from the pathway's
    ``course`` section; the rule engine checks every score against that scale.
    """

    scale: Id = ""
    version: int = Field(default=0, ge=0, le=10_000)
    #: The observer chose not to score (no scale fits, e.g. stimulants, or no time).
    not_scored: bool = False
    items: dict[Id, Score] = Field(default_factory=dict, max_length=LIST_MAX)
    total: Score | None = None
    note: LongText = ""


class UseSinceLastIntake(_Model):
    """Self-reported use of one substance since the last intake (T4: daily mapping)."""

    substance: Id = ""
    used: YesNoUnknown = "unknown"
    amount: ShortText = ""
    note: ShortText = ""


class FollowUpEntry(_Model):
    """One observation of the patient: before the dose, the intake, and after it.

    A routine day with no problems is quick to record: :func:`core.course.entries.
    prefill_entry` copies the observer, form and the day's planned doses, and
    :func:`core.course.entries.mark_routine_day` fills the "nothing found" answers.
    """

    id: HexId = Field(default_factory=new_id)
    at: UtcDateTime = Field(default_factory=utc_now)
    observer: Observer = Field(default_factory=Observer)
    form: FollowUpForm | None = None
    doses: Annotated[list[DoseGiven], Field(max_length=LIST_MAX)] = Field(default_factory=list)
    #: Before intake (T5): signs of intoxication?  ``signs`` lists ids from the pathway's
    #: ``course.intoxication_signs``.
    intoxication: IntoxicationStatus | None = None
    intoxication_signs: Annotated[list[Id], Field(max_length=LIST_MAX)] = Field(
        default_factory=list)
    intoxication_note: LongText = ""
    #: Before intake: withdrawal severity, one score per scale that fits (or "not scored").
    withdrawal: Annotated[list[WithdrawalScore], Field(max_length=LIST_MAX)] = Field(
        default_factory=list)
    #: Since the last intake (T4), per substance as the patient reports it.
    use_since_last: Annotated[list[UseSinceLastIntake], Field(max_length=LIST_MAX)] = Field(
        default_factory=list)
    #: After intake (T6): minutes of observation, then signs of overdose and what was done.
    observation_minutes: int | None = Field(default=None, ge=0, le=1440)
    overdose: OverdoseStatus | None = None
    overdose_signs: Annotated[list[Id], Field(max_length=LIST_MAX)] = Field(
        default_factory=list)
    #: What was done about signs of overdose (naloxone, 113, admission …).
    overdose_action: LongText = ""
    #: Breaths per minute and SpO₂ in percent, when measured.
    respiratory_rate: int | None = Field(default=None, ge=0, le=200)
    oxygen_saturation: int | None = Field(default=None, ge=0, le=100)
    #: Adherence to the agreed safety routines (T1: consent to the routines).
    adherence: Adherence | None = None
    adherence_note: LongText = ""
    adverse_events: LongText = ""
    note: LongText = ""


# --------------------------------------------------------------------------------------
# Dose decisions
# --------------------------------------------------------------------------------------


class DoseDecision(_Model):
    """A change of daily dose, or of drug, from a given day (seed 5.1 and T7–T8).

    ``drug`` is the drug whose dose changes (as in force before the decision); ``new_drug``
    is set only for a change of drug.  A dose above the pathway's range or a change of drug
    needs the TSB specialist named (``tsb_specialist``): the seed lets the responsible service
    deviate "i samråd med legespesialist med rusmedisinsk kompetanse i TSB".
    """

    id: HexId = Field(default_factory=new_id)
    decided_at: UtcDateTime = Field(default_factory=utc_now)
    effective_from: date | None = None
    drug: Id = ""
    new_drug: Id = ""
    new_formulation: Id = ""
    #: The new daily dose in mg as typed ("0" stops the drug).
    new_daily_dose: ShortText = ""
    reason: LongText = ""
    #: Who agreed to the decision with the prescriber (name, role, HPR).
    agreed_by: Observer = Field(default_factory=Observer)
    #: The addiction-medicine specialist in TSB who agreed, when one had to.
    tsb_specialist: ShortText = ""


# --------------------------------------------------------------------------------------
# End of isolation, continuation and taper
# --------------------------------------------------------------------------------------


class IsolationExtension(_Model):
    """The quarantine or isolation was extended: when that was decided and the new end."""

    decided_on: date | None = None
    new_expected_end: date | None = None
    note: LongText = ""


class Isolation(_Model):
    """How the quarantine or isolation went (its start is vilkår 3 in the case)."""

    #: The day it actually ended; None while it lasts.
    ended_on: date | None = None
    extensions: Annotated[list[IsolationExtension], Field(max_length=LIST_MAX)] = Field(
        default_factory=list)


ContinuationKind = Literal["taper", "lar_referral", "other_plan"]


class Continuation(_Model):
    """What follows the isolation: a taper (seed 1.3), LAR (5.1) or another plan."""

    kind: ContinuationKind | None = None
    #: What was agreed, with whom.
    agreed: LongText = ""
    #: Who is responsible for it (service and person).
    responsible: ShortText = ""
    #: For ``lar_referral``: when the referral was sent.
    referral_date: date | None = None


class TaperStep(_Model):
    """From ``from_date`` on, these daily doses (drug id → mg as typed; "0" = stopped)."""

    from_date: date | None = None
    doses: dict[Id, ShortText] = Field(default_factory=dict, max_length=LIST_MAX)


class TaperPlan(_Model):
    """The taper schedule: steps that end at zero.

    Generated by :func:`core.course.taper.suggest_taper` from the pathway's per-drug default
    rules (content, marked as editable suggestions: the seed gives no numbers); the GP may
    edit every step, which sets ``edited``.
    """

    steps: Annotated[list[TaperStep], Field(max_length=LIST_MAX)] = Field(default_factory=list)
    #: Drug id → the id of the pathway taper rule that generated its doses.
    rules: dict[Id, Id] = Field(default_factory=dict, max_length=LIST_MAX)
    #: The pathway version those rules came from; 0 = written by hand.
    pathway_version: int = Field(default=0, ge=0)
    #: The GP changed a generated step (or wrote the plan by hand).
    edited: bool = False
    #: What the patient should do about withdrawal during the taper.
    withdrawal_advice: LongText = ""
    #: The patient signs the taper plan (signature lines on the PDF).
    patient_signs: bool = False
    note: LongText = ""


# --------------------------------------------------------------------------------------
# Evaluation and end
# --------------------------------------------------------------------------------------

Controlled = Literal["yes", "partly", "no"]


class Evaluation(_Model):
    """The evaluation of effect and safety for this patient (seed 5.2: "evaluering av effekt
    og sikkerhet hos den enkelte pasient"), written at the end of the course."""

    #: Effect: were withdrawal and craving kept under control, was the isolation kept?
    withdrawal_controlled: Controlled | None = None
    craving_controlled: Controlled | None = None
    isolation_kept: Controlled | None = None
    effect_note: LongText = ""
    #: Safety: did these happen during the course?
    overdose: YesNoUnknown | None = None
    intoxication: YesNoUnknown | None = None
    leakage: YesNoUnknown | None = None
    adverse_events: LongText = ""
    safety_note: LongText = ""
    adherence: Adherence | None = None
    adherence_note: LongText = ""
    patient_view: LongText = ""
    #: What happens next (LAR, other treatment, follow-up by the GP …).
    next_steps: LongText = ""
    evaluated_on: date | None = None
    evaluated_by: Observer = Field(default_factory=Observer)


EndKind = Literal["completed", "stopped"]
StopReason = Literal["consent_withdrawn", "admitted", "moved", "died", "other"]


class CourseEnd(_Model):
    """The course ended: completed as planned, or stopped early and why."""

    kind: EndKind | None = None
    ended_on: date | None = None
    stop_reason: StopReason | None = None
    note: LongText = ""


class Course(_Model):
    """The whole course of treatment of one case, from the first dose to the end."""

    #: The day of the first dose; None = the earliest start date of the medications.
    started_on: date | None = None
    followups: Annotated[list[FollowUpEntry], Field(max_length=FOLLOWUPS_MAX)] = Field(
        default_factory=list)
    dose_decisions: Annotated[list[DoseDecision], Field(max_length=LIST_MAX)] = Field(
        default_factory=list)
    isolation: Isolation = Field(default_factory=Isolation)
    continuation: Continuation = Field(default_factory=Continuation)
    taper: TaperPlan = Field(default_factory=TaperPlan)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    end: CourseEnd = Field(default_factory=CourseEnd)

    def is_empty(self) -> bool:
        """True when nothing of the course has been recorded yet."""
        return self == Course()


__all__ = [
    "FOLLOWUPS_MAX",
    "Adherence",
    "Continuation",
    "ContinuationKind",
    "Controlled",
    "Course",
    "CourseEnd",
    "DoseDecision",
    "DoseGiven",
    "DoseStatus",
    "EndKind",
    "Evaluation",
    "FollowUpEntry",
    "FollowUpForm",
    "IntoxicationStatus",
    "Isolation",
    "IsolationExtension",
    "Observer",
    "ObserverRole",
    "OverdoseStatus",
    "Score",
    "StopReason",
    "TaperPlan",
    "TaperStep",
    "UseSinceLastIntake",
    "WithdrawalScore",
]
