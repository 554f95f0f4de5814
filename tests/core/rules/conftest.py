from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from core import casefile
from core.case import Case
from core.content import load_library
from core.content.pathway import Pathway
from core.findings import Finding
from core.rules import evaluate

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"
TODAY = date(2026, 11, 22)


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    found = load_library().get("karantene-substitusjon", 1)
    assert found is not None
    return found


@pytest.fixture
def complete() -> Case:
    """A complete opioid case with no blockers (the example file)."""
    return casefile.read(EXAMPLES / "opioid-komplett.json")


@pytest.fixture
def codes(pathway: Pathway) -> Callable[[Case], set[str]]:
    def run(case: Case) -> set[str]:
        return {f.code for f in evaluate(case, pathway, today=TODAY)}
    return run


@pytest.fixture
def findings(pathway: Pathway) -> Callable[[Case], list[Finding]]:
    def run(case: Case) -> list[Finding]:
        return evaluate(case, pathway, today=TODAY)
    return run
