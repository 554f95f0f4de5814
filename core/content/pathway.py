"""Typed, read-only view of one pathway version (legal basis, checklist, drugs, consent items).

A *pathway* is the versioned clinical and legal content a case is made under, kept as data in
``resources/pathways/<id>/<version>.json`` and validated against
``resources/schema/pathway.schema.json``.  Code interprets it; it never contains it.  Every
user-visible text exists in bokmål, nynorsk and English (:class:`Text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from core.content.text import Text as Text
from core.content.text import running_text as running_text

if TYPE_CHECKING:
    from core.content.course import CourseContent
    from core.content.scales import Scale

Lang = Literal["nb", "nn", "en"]


@dataclass(frozen=True)
class LegalPeriod:
    """The provision a rule rests on during one period (a regulation replaced by another)."""

    reference: Text
    valid_from: date | None
    #: Last day this provision applies (inclusive); None = open-ended.
    valid_until: date | None
    #: Whether the reference was checked against a stored source.
    verified: bool = True
    #: What was checked and where, or what could not be verified.
    verification: Text = Text("")  # noqa: RUF009 - Text is frozen

    def covers(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_until is not None and day > self.valid_until)


@dataclass(frozen=True)
class LegalBasis:
    reference: Text
    title: Text
    summary: Text
    status: str
    #: First day the rule applies; None when it applied "at once" from an unknown date.
    valid_from: date | None
    #: Last day the rule applies (the seed rule "opphører 1. januar 2022" → 2021-12-31).
    valid_until: date | None
    sources: tuple[str, ...]
    #: The provision in force in each period, oldest first; a file without ``periods`` has
    #: one period: ``reference`` from ``valid_from`` to ``valid_until``.
    periods: tuple[LegalPeriod, ...] = ()

    def in_force_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_until is not None and day > self.valid_until)

    def period_on(self, day: date | None) -> LegalPeriod:
        """The period whose provision applies on ``day``: the one covering it; before the
        first, the first; after the last (or with no day), the last."""
        periods = self.periods or (LegalPeriod(self.reference, self.valid_from,
                                               self.valid_until),)
        if day is None:
            return periods[-1]
        for period in periods:
            if period.covers(day):
                return period
        first = periods[0]
        return first if first.valid_from is not None and day < first.valid_from else periods[-1]

    def reference_on(self, day: date | None) -> Text:
        """The provision to cite for a consultation on ``day``."""
        return self.period_on(day).reference


ConditionKey = Literal["dependence", "plan", "quarantine", "tapering_consent"]


@dataclass(frozen=True)
class Condition:
    id: str
    #: Which part of :class:`core.case.LegalConditions` holds the evidence (and which rules
    #: check it): ``tapering_consent`` is the patient's consent to tapering.
    key: ConditionKey
    title: Text
    explanation: Text
    evidence: Text


@dataclass(frozen=True)
class Substance:
    id: str
    name: Text
    #: ICD-10 dependence-syndrome codes accepted for this substance (e.g. ``F11.2``).
    icd10: tuple[str, ...]
    #: True for substances defined as narcotics (narkotikaforskriften); alcohol is not.
    narcotic: bool
    #: Central-nervous-system depressant (raises overdose risk together with opioids).
    depressant: bool


@dataclass(frozen=True)
class AssessmentOption:
    id: str
    label: Text
    #: 0 = no or low risk, 1 = some risk, 2 = high risk; None = not clear yet.
    level: int | None


@dataclass(frozen=True)
class RiskPoint:
    id: str
    title: Text
    help: Text
    required: bool


@dataclass(frozen=True)
class Measure:
    id: str
    title: Text
    help: Text
    default_chosen: bool
    #: What the patient agrees to when this measure is chosen (consent wording); may be empty.
    patient_text: Text


@dataclass(frozen=True)
class Formulation:
    id: str
    name: Text


@dataclass(frozen=True)
class Drug:
    id: str
    name: Text
    atc: str
    substance: str
    prescription_group: str
    formulations: tuple[Formulation, ...]
    #: Suggested daily dose range in mg; None when the pathway suggests none (exceptions).
    dose_min_mg: Decimal | None
    dose_max_mg: Decimal | None
    #: A daily dose above this is treated as a typing error rather than a deviation.
    implausible_above_mg: Decimal
    preferred: bool
    #: Allowed only as a justified exception (e.g. methadone).
    exception_only: bool
    #: Drug to prefer instead of this one when respiration is reduced (diazepam → oxazepam).
    avoid_with_reduced_respiration: bool
    note: Text
    #: The extra risk of choosing it as an exception, in words for the patient.
    exception_risk_for_patient: Text

    def formulation(self, formulation_id: str) -> Formulation | None:
        return next((f for f in self.formulations if f.id == formulation_id), None)


@dataclass(frozen=True)
class Combination:
    id: str
    substances: tuple[str, ...]
    #: For the doctor (journal note).
    text: Text
    #: For the patient (consent); ``{names}`` is filled with this patient's drugs and substances.
    patient_text: Text


@dataclass(frozen=True)
class Thresholds:
    #: A respiratory rate below this counts as reduced (breaths per minute).
    respiratory_rate_low: int
    #: An oxygen saturation below this counts as low (percent).
    oxygen_saturation_low: int
    #: A QTc at or above this (ms) counts as prolonged.
    qtc_high_ms: int


@dataclass(frozen=True)
class ChildbearingAge:
    """Whole years, both ends included, at which a woman counts as of childbearing age."""

    min_years: int
    max_years: int

    def includes(self, age: int) -> bool:
        return self.min_years <= age <= self.max_years


AdmissionFact = Literal[
    "breathing_difficulty", "reduced_general_condition", "respiratory_rate_low",
    "oxygen_saturation_low", "serious_somatic_illness", "serious_psychiatric_illness",
    "lung_disease", "covid_respiratory_symptoms", "heart_disease", "risk_point_high",
]


@dataclass(frozen=True)
class AdmissionSign:
    """A recorded fact that on its own makes the rules suggest considering admission."""

    id: str
    fact: AdmissionFact
    #: For ``risk_point_high``: the risk point whose high assessment counts.
    risk_point: str
    #: Lower-case words for running text ("pustevansker").
    label: Text


@dataclass(frozen=True)
class QuarantineOrder:
    """The provision a quarantine or an isolation is ordered under."""

    kind: Literal["quarantine", "isolation"]
    #: The paragraph number the recorded legal reference must name ("4", "7").
    section: str
    reference: Text


ForsvarlighetKey = Literal[
    "indication", "prior_assessment", "drug_choice", "effect_evaluation", "treatment_plan",
    "taper_plan",
]


@dataclass(frozen=True)
class ForsvarlighetCriterion:
    id: str
    #: Which evidence the journal note gives for it.
    key: ForsvarlighetKey
    title: Text


@dataclass(frozen=True)
class Forsvarlighet:
    """Statens helsepersonellnemnd's criteria for prescribing addictive drugs (seed 004, 2.3)."""

    source: Text
    criteria: tuple[ForsvarlighetCriterion, ...]


@dataclass(frozen=True)
class Tapering:
    """A pathway whose treatment is a short tapering plan made with the specialist service:
    the plan is the course's taper (``case.course.taper``), checked against these limits."""

    #: Longest plan, first step to the zero step, in calendar months (blocker above).
    max_months: int
    #: A plan longer than this is warned about.
    warn_months: int
    #: Where the maximum comes from, and whether it was verified.
    max_source: Text
    #: What the prescriber writes on the prescription; ``{unit}`` and ``{date}`` are filled.
    prescription_text: Text
    #: Help for the doctor: what the plan says about relapse.
    relapse_hint: Text


ConsentCondition = Literal[
    "always", "methadone", "diazepam_exception", "non_opioid", "pregnancy", "lar", "interpreter",
    "combination",
]


@dataclass(frozen=True)
class ConsentItem:
    id: str
    title: Text
    patient_text: Text
    when: ConsentCondition


@dataclass(frozen=True)
class Pathway:
    id: str
    version: int
    title: Text
    published: date
    legal_basis: LegalBasis
    conditions: tuple[Condition, ...]
    patient_need_statement: Text
    substances: tuple[Substance, ...]
    assessment_options: tuple[AssessmentOption, ...]
    risk_points: tuple[RiskPoint, ...]
    measures: tuple[Measure, ...]
    drugs: tuple[Drug, ...]
    depressants: tuple[str, ...]
    combinations: tuple[Combination, ...]
    thresholds: Thresholds
    consent_items: tuple[ConsentItem, ...]
    #: The criteria's titles only (kept for files of the first layout); see ``forsvarlighet``.
    forsvarlighet_criteria: tuple[Text, ...]
    childbearing_age: ChildbearingAge
    admission_signs: tuple[AdmissionSign, ...]
    quarantine_orders: tuple[QuarantineOrder, ...]
    forsvarlighet: Forsvarlighet
    source_file: str = ""
    #: The course of treatment's content (signs, scales, taper rules); None in a pathway file
    #: without a ``course`` section (see core/content/course.py).
    course: CourseContent | None = None
    #: One plain line for the pathway chooser (empty in files without it).
    description: Text = Text("")  # noqa: RUF009 - Text is frozen
    #: The tapering-plan section; None for a pathway that is not a tapering plan.
    tapering: Tapering | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @cached_property
    def _drugs_by_id(self) -> dict[str, Drug]:
        return {d.id: d for d in self.drugs}

    def drug(self, drug_id: str) -> Drug | None:
        return self._drugs_by_id.get(drug_id)

    def substance(self, substance_id: str) -> Substance | None:
        return next((s for s in self.substances if s.id == substance_id), None)

    def risk_point(self, point_id: str) -> RiskPoint | None:
        return next((p for p in self.risk_points if p.id == point_id), None)

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)

    def assessment(self, option_id: str) -> AssessmentOption | None:
        return next((o for o in self.assessment_options if o.id == option_id), None)

    def condition(self, key: str) -> Condition | None:
        return next((c for c in self.conditions if c.key == key), None)

    def has_condition(self, key: str) -> bool:
        """Whether this pathway declares the condition ``key`` (its rules run only then)."""
        return self.condition(key) is not None

    def quarantine_order(self, kind: str | None) -> QuarantineOrder | None:
        return next((o for o in self.quarantine_orders if o.kind == kind), None)


def _text(data: Mapping[str, Any], key: str) -> Text:
    return Text.from_json(data.get(key))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def pathway_from_json(data: Mapping[str, Any], source_file: str = "",
                      scales: Mapping[tuple[str, int], Scale] | None = None) -> Pathway:
    """Build the typed pathway from already schema-validated JSON data; ``scales`` are the
    loaded withdrawal scales its ``course`` section refers to."""
    from core.content.course import course_from_json

    lb = data["legal_basis"]
    return Pathway(
        id=data["id"],
        version=data["version"],
        title=_text(data, "title"),
        published=date.fromisoformat(data["published"]),
        legal_basis=LegalBasis(
            reference=_text(lb, "reference"),
            title=_text(lb, "title"),
            summary=_text(lb, "summary"),
            status=lb["status"],
            valid_from=_date(lb.get("valid_from")),
            valid_until=_date(lb.get("valid_until")),
            sources=tuple(lb.get("sources", ())),
            periods=tuple(
                LegalPeriod(reference=_text(p, "reference"), valid_from=_date(p["valid_from"]),
                            valid_until=_date(p["valid_until"]), verified=p["verified"],
                            verification=_text(p, "verification"))
                for p in lb.get("periods", ())
            ),
        ),
        conditions=tuple(
            Condition(
                id=c["id"], key=c["key"], title=_text(c, "title"),
                explanation=_text(c, "explanation"), evidence=_text(c, "evidence"),
            )
            for c in data["conditions"]
        ),
        patient_need_statement=_text(data, "patient_need_statement"),
        substances=tuple(
            Substance(
                id=s["id"], name=_text(s, "name"), icd10=tuple(s["icd10"]),
                narcotic=s["narcotic"], depressant=s["depressant"],
            )
            for s in data["substances"]
        ),
        assessment_options=tuple(
            AssessmentOption(id=o["id"], label=_text(o, "label"), level=o["level"])
            for o in data["assessment_options"]
        ),
        risk_points=tuple(
            RiskPoint(
                id=p["id"], title=_text(p, "title"), help=_text(p, "help"),
                required=p.get("required", True),
            )
            for p in data["risk_points"]
        ),
        measures=tuple(
            Measure(
                id=m["id"], title=_text(m, "title"), help=_text(m, "help"),
                default_chosen=m.get("default_chosen", False),
                patient_text=_text(m, "patient_text"),
            )
            for m in data["measures"]
        ),
        drugs=tuple(
            Drug(
                id=d["id"], name=_text(d, "name"), atc=d["atc"], substance=d["substance"],
                prescription_group=d["prescription_group"],
                formulations=tuple(
                    Formulation(id=f["id"], name=_text(f, "name")) for f in d["formulations"]
                ),
                dose_min_mg=_decimal(d.get("dose_min_mg")),
                dose_max_mg=_decimal(d.get("dose_max_mg")),
                implausible_above_mg=Decimal(str(d["implausible_above_mg"])),
                preferred=d.get("preferred", False),
                exception_only=d.get("exception_only", False),
                avoid_with_reduced_respiration=d.get("avoid_with_reduced_respiration", False),
                note=_text(d, "note"),
                exception_risk_for_patient=_text(d, "exception_risk_for_patient"),
            )
            for d in data["drugs"]
        ),
        depressants=tuple(data["depressants"]),
        combinations=tuple(
            Combination(id=c["id"], substances=tuple(c["substances"]), text=_text(c, "text"),
                        patient_text=_text(c, "patient_text"))
            for c in data["combinations"]
        ),
        thresholds=Thresholds(**data["thresholds"]),
        consent_items=tuple(
            ConsentItem(
                id=k["id"], title=_text(k, "title"), patient_text=_text(k, "patient_text"),
                when=k["when"],
            )
            for k in data["consent_items"]
        ),
        forsvarlighet_criteria=tuple(Text.from_json(t) for t in data["forsvarlighet_criteria"]),
        childbearing_age=ChildbearingAge(**data["childbearing_age"]),
        admission_signs=tuple(
            AdmissionSign(id=a["id"], fact=a["fact"], risk_point=a.get("risk_point", ""),
                          label=_text(a, "label"))
            for a in data["admission_signs"]
        ),
        quarantine_orders=tuple(
            QuarantineOrder(kind=o["kind"], section=o["section"], reference=_text(o, "reference"))
            for o in data.get("quarantine_orders", ())
        ),
        forsvarlighet=Forsvarlighet(
            source=_text(data["forsvarlighet"], "source"),
            criteria=tuple(
                ForsvarlighetCriterion(id=c["id"], key=c["key"], title=_text(c, "title"))
                for c in data["forsvarlighet"]["criteria"]
            ),
        ),
        source_file=source_file,
        course=(course_from_json(data["course"], scales or {}) if "course" in data else None),
        description=_text(data, "description"),
        tapering=_tapering(data.get("tapering")),
    )


def _tapering(data: Mapping[str, Any] | None) -> Tapering | None:
    if data is None:
        return None
    return Tapering(max_months=data["max_months"], warn_months=data["warn_months"],
                    max_source=_text(data, "max_source"),
                    prescription_text=_text(data, "prescription_text"),
                    relapse_hint=_text(data, "relapse_hint"))
