"""Dates, times and dose ranges as the GP reads and types them (Norwegian first).

Dates are typed ``dd.mm.åååå``; times are stored as aware UTC and shown in Europe/Oslo.  Long
dates and clock times follow the UI language through Babel ("15. november 2021", "14:32").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import i18n

OSLO = ZoneInfo("Europe/Oslo")
NBSP_MG = "\u00a0mg"

_DATE = re.compile(r"^\s*(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_COMPACT = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")
_DATETIME = re.compile(
    r"^\s*(?P<date>[0-9./ -]+?)\s*(?:,|kl\.?|klokka|at)?\s*"
    r"(?P<hour>\d{1,2})\s*[:.]\s*(?P<minute>\d{2})\s*$",
    re.IGNORECASE,
)


def ui_language() -> str:
    return i18n.current().language


def babel_locale() -> str:
    return i18n.BABEL_LOCALE[i18n.current().language]


def parse_date(text: str) -> date | None:
    """``"15.11.2021"``, ``"15112021"`` or ``"2021-11-15"`` → date; ``""`` → None.

    Raises ValueError for anything else, so the field can say how to write the date.
    """
    if not text.strip():
        return None
    for pattern, order in ((_DATE, (3, 2, 1)), (_ISO, (1, 2, 3)), (_COMPACT, (3, 2, 1))):
        match = pattern.match(text)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            return date(year, month, day)  # ValueError for 31.02.2021
    raise ValueError(text)


def format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else ""


def parse_datetime(text: str) -> datetime | None:
    """``"15.11.2021 08:30"`` (Oslo time) → aware UTC datetime; ``""`` → None; else ValueError.

    A date without a time is read as 12:00 so the day never shifts across midnight in UTC.
    """
    if not text.strip():
        return None
    match = _DATETIME.match(text)
    if match:
        day = parse_date(match.group("date"))
        if day is None:
            raise ValueError(text)
        clock = time(int(match.group("hour")), int(match.group("minute")))
    else:
        day = parse_date(text)
        if day is None:  # pragma: no cover - empty text returned above
            raise ValueError(text)
        clock = time(12, 0)
    return datetime.combine(day, clock, tzinfo=OSLO).astimezone(UTC)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def long_date(value: date) -> str:
    """``15. november 2021`` in the UI language."""
    from babel.dates import format_date as babel_format_date

    return str(babel_format_date(value, "long", locale=babel_locale()))


def clock_time(moment: datetime) -> str:
    """The wall-clock time in Oslo, ``14:32``, in the UI language's format."""
    from babel.dates import format_time

    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return str(format_time(aware, "short", tzinfo=OSLO, locale=babel_locale()))


def dose_range(low: Decimal, high: Decimal) -> str:
    """``8–16 mg`` with the UI language's decimal separator (``7,5–15 mg``)."""
    from core.dose import format_dose

    locale = babel_locale()
    return f"{format_dose(low, locale).removesuffix(NBSP_MG)}–{format_dose(high, locale)}"
