"""Parsing and formatting of daily doses (always milligrams, always :class:`~decimal.Decimal`)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

_DOSE = re.compile(r"^\s*(?P<number>[0-9]+(?:[.,][0-9]+)?)\s*(?:mg)?\s*$", re.IGNORECASE)


def parse_dose(text: str) -> Decimal | None:
    """The dose in mg typed as ``"16"``, ``"7,5"``, ``"7.5"`` or ``"16 mg"``; None if unreadable.

    Negative numbers, other units and free text are unreadable on purpose: a daily dose is a
    plain positive amount of milligrams, and anything else must be looked at by the doctor.
    """
    match = _DOSE.match(text.replace("\u00a0", " "))
    if match is None:
        return None
    try:
        value = Decimal(match.group("number").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return None
    return value


def format_dose(value: Decimal, locale: str | Locale = "nb_NO") -> str:
    """``Decimal("7.5")`` → ``"7,5 mg"`` in Norwegian (babel, with a no-break space);
    ``locale`` is a locale name or an already parsed babel ``Locale``."""
    from babel.numbers import format_decimal

    return f"{format_decimal(value.normalize(), locale=locale)}\u00a0mg"
