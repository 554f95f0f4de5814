"""The wizard's steps, in the order they guide the GP (ids are stable; titles are translated)."""

from __future__ import annotations

from dataclasses import dataclass

from i18n import N_


@dataclass(frozen=True)
class Step:
    id: str
    title: str  # English msgid; translate with i18n._ at display time


STEPS: tuple[Step, ...] = (
    Step("patient", N_("Patient and doctor")),
    Step("conditions", N_("Legal basis and conditions")),
    Step("findings", N_("Substance use and findings")),
    Step("risk", N_("Risk mapping")),
    Step("measures", N_("Measures")),
    Step("medication", N_("Medication and dose")),
    Step("plan", N_("Plan")),
    Step("consent", N_("Information and consent")),
    Step("summary", N_("Summary")),
)

STEP_IDS: tuple[str, ...] = tuple(s.id for s in STEPS)

#: The course of treatment ("Forløp"), after the consultation.  Course findings carry this step
#: id; it is not one of the wizard's pages (``STEPS`` stays the wizard's page order), so the
#: course view has it to itself.
COURSE_STEP = Step("course", N_("Course of treatment"))

#: Every step id a finding can carry: the wizard's steps, then the course.
ALL_STEP_IDS: tuple[str, ...] = (*STEP_IDS, COURSE_STEP.id)
