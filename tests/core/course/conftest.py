from __future__ import annotations

from pathlib import Path

import pytest

from core import casefile
from core.case import Case
from core.content import load_library
from core.content.pathway import Pathway

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    found = load_library().get("karantene-substitusjon", 1)
    assert found is not None
    return found


def example(name: str) -> Case:
    return casefile.read(EXAMPLES / f"{name}.json")


@pytest.fixture
def opioid_course() -> Case:
    """The ten-day opioid course with its taper (completed 25.11.2021)."""
    return example("forlop-opioid-nedtrapping")


@pytest.fixture
def benzo_course() -> Case:
    return example("forlop-benzodiazepin-doseokning")
