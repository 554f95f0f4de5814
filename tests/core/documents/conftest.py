from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core import casefile
from core.case import Case
from core.content import Pathway, load_library

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))
#: The consultation day of the examples: inside the legal basis's validity.
TODAY = date(2021, 11, 15)


def load_example(name: str) -> Case:
    return casefile.read(EXAMPLES / f"{name}.json")


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    found = load_library().get("karantene-substitusjon", 1)
    assert found is not None
    return found


@pytest.fixture(params=EXAMPLE_NAMES)
def example(request: pytest.FixtureRequest) -> Case:
    return load_example(request.param)
