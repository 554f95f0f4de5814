"""Dotted paths into the case: how widgets and findings address fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.case import Case, Medication, RiskAnswer
from core.casepath import CasePathError, get_value, set_value


def test_set_and_get_nested_fields() -> None:
    case = Case()
    set_value(case, "patient.name", "Kari Syntetisk Testesen")
    set_value(case, "conditions.quarantine.kind", "isolation")
    assert get_value(case, "patient.name") == "Kari Syntetisk Testesen"
    assert case.conditions.quarantine.kind == "isolation"


def test_dictionary_entries_are_created_on_write_only() -> None:
    case = Case()
    assert get_value(case, "risk.R5.assessment") is None
    assert case.risk == {}
    set_value(case, "risk.R5.assessment", "high")
    assert case.risk == {"R5": RiskAnswer(assessment="high")}
    set_value(case, "consent.items_explained.K3", True)
    assert case.consent.items_explained == {"K3": True}


def test_list_entries_by_index() -> None:
    case = Case(medications=[Medication(drug="oxazepam")])
    set_value(case, "medications.0.daily_dose", "7,5")
    assert get_value(case, "medications.0.daily_dose") == "7,5"
    with pytest.raises(CasePathError):
        set_value(case, "medications.3.daily_dose", "1")


def test_unknown_fields_and_wrong_types_are_refused() -> None:
    case = Case()
    with pytest.raises(CasePathError):
        set_value(case, "patient.favourite_colour", "blå")
    with pytest.raises(CasePathError):
        get_value(case, "")
    with pytest.raises(ValidationError):
        set_value(case, "findings.oxygen_saturation", 140)
    assert case.findings.oxygen_saturation is None
