"""The search key: what a search-as-you-type query is matched against (pure, no database)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date


def fold(text: str) -> str:
    """Case- and width-insensitive form that keeps æ, ø and å distinct letters."""
    return unicodedata.normalize("NFC", text).casefold()


def search_key_for(name: str, identity_number: str, consultation_date: date | str | None) -> str:
    """name | identity digits | ISO date and Norwegian dd.mm.yyyy, all case-folded."""
    digits = re.sub(r"\D", "", identity_number)
    parts = [fold(name), digits]
    if consultation_date:
        day = (consultation_date if isinstance(consultation_date, date)
               else date.fromisoformat(consultation_date))
        parts += [day.isoformat(), day.strftime("%d.%m.%Y")]
    return " | ".join(parts)


def normalise_query(query: str) -> str:
    """A query as it is matched: folded; a number typed with spaces matches its digits."""
    folded = fold(query.strip())
    if re.fullmatch(r"[\d\s]+", folded):
        return re.sub(r"\s", "", folded)
    return folded
