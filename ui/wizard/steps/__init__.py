"""One page class per wizard step (ids from :mod:`core.steps`)."""

from __future__ import annotations

from ui.wizard.page import StepPage
from ui.wizard.steps.conditions import ConditionsPage
from ui.wizard.steps.consent import ConsentPage
from ui.wizard.steps.findings import FindingsPage
from ui.wizard.steps.measures import MeasuresPage
from ui.wizard.steps.medication import MedicationPage
from ui.wizard.steps.patient import PatientPage
from ui.wizard.steps.plan import PlanPage
from ui.wizard.steps.risk import RiskPage
from ui.wizard.steps.summary import SummaryPage

PAGES: dict[str, type[StepPage]] = {
    "patient": PatientPage,
    "conditions": ConditionsPage,
    "findings": FindingsPage,
    "risk": RiskPage,
    "measures": MeasuresPage,
    "medication": MedicationPage,
    "plan": PlanPage,
    "consent": ConsentPage,
    "summary": SummaryPage,
}


def page_class(step_id: str) -> type[StepPage]:
    return PAGES.get(step_id, StepPage)
