"""Parsing and formatting of daily doses (always milligrams, always :class:`~decimal.Decimal`)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

_DOSE = re.compile(r"^\s*(?P<sign>[-\u2212]?)\s*(?P<number>[0-9]+(?:[.,][0-9]+)?)\s*(?:mg)?\s*$",
                   re.IGNORECASE)


def parse_signed_dose(text: str) -> Decimal | None:
    """Like :func:`parse_dose`, but a sign is read too (``"-5 mg"`` → ``Decimal(-5)``), so the
    rule engine can say a dose is not positive rather than unreadable."""
    match = _DOSE.match(text.replace("\u00a0", " "))
    if match is None:
        return None
    try:
        value = Decimal(match.group("number").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return None
    return -value if match.group("sign") and value else value


def parse_dose(text: str) -> Decimal | None:
    """The dose in mg typed as ``"16"``, ``"7,5"``, ``"7.5"`` or ``"16 mg"``; None if unreadable.

    Negative numbers, other units and free text give None: a daily dose is a plain amount of
    milligrams, and documents print only such an amount (the rule engine reads the sign with
    :func:`parse_signed_dose` to report a negative dose as not positive).
    """
    value = parse_signed_dose(text)
    return None if value is None or value < 0 else value


def format_dose(value: Decimal, locale: str | Locale = "nb_NO") -> str:
    """``Decimal("7.5")`` → ``"7,5 mg"`` in Norwegian (babel, with a no-break space);
    ``locale`` is a locale name or an already parsed babel ``Locale``."""
    from babel.numbers import format_decimal

    return f"{format_decimal(value.normalize(), locale=locale)}\u00a0mg"
