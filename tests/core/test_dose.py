"""Daily doses: what a GP types, parsed to Decimal milligrams; Norwegian formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.dose import format_dose, parse_dose


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("16", Decimal(16)),
        ("7,5", Decimal("7.5")),
        ("7.5", Decimal("7.5")),
        (" 16 mg ", Decimal(16)),
        ("16MG", Decimal(16)),
        ("16\u00a0mg", Decimal(16)),
        ("0", Decimal(0)),
    ],
)
def test_readable_doses(typed: str, expected: Decimal) -> None:
    assert parse_dose(typed) == expected


@pytest.mark.parametrize("typed", ["", "mye", "-4", "16 g", "1e3", "8-16", "7,5,1", "٣"])
def test_unreadable_doses_give_none(typed: str) -> None:
    assert parse_dose(typed) is None


def test_norwegian_formatting_uses_decimal_comma_and_no_break_space() -> None:
    assert format_dose(Decimal("7.5")) == "7,5\u00a0mg"
    assert format_dose(Decimal("16.00")) == "16\u00a0mg"
    assert format_dose(Decimal("7.5"), locale="en_GB") == "7.5\u00a0mg"
