"""Qt tests run offscreen (set in tests/conftest.py) in bokmål unless a test says otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import i18n


@pytest.fixture(autouse=True)
def _bokmal_ui() -> Iterator[None]:
    i18n.set_language("nb")
    yield
    i18n.set_language("nb")
