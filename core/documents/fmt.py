"""Dates, doses and names in the document language (babel)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.case import Medication
from core.content.pathway import Pathway
from core.dose import format_dose, parse_dose
from i18n import BABEL_LOCALE, Language

if TYPE_CHECKING:
    from babel import Locale

OSLO = ZoneInfo("Europe/Oslo")


@cache
def _locale(language: Language) -> Locale:
    """The babel locale, parsed once (babel parses a locale name again on every call)."""
    from babel import Locale

    return Locale.parse(BABEL_LOCALE[language])


def long_date(day: date | None, language: Language) -> str:
    """``22. november 2026`` (nb/nn) or ``22 November 2026`` (en)."""
    if day is None:
        return ""
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=_locale(language)))


def date_time(moment: datetime | None, language: Language) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(OSLO) if moment.tzinfo else moment
    from babel.dates import format_time

    time_text = format_time(local.time(), format="HH:mm", locale=_locale(language))
    return f"{long_date(local.date(), language)} {time_text}"


def dose(value: Decimal | None, language: Language) -> str:
    return "" if value is None else format_dose(value, _locale(language))


def drug_name(medication: Medication, pathway: Pathway, language: Language, *,
              running: bool = False) -> str:
    """The pathway's name of the drug (``running``: as inside a sentence, ``buprenorfin``),
    or the name the doctor typed for a drug outside the table, exactly as typed."""
    drug = pathway.drug(medication.drug)
    if drug is None:
        return medication.other_name.strip()
    return drug.name.running(language) if running else drug.name.get(language)


def formulation_name(medication: Medication, pathway: Pathway, language: Language) -> str:
    drug = pathway.drug(medication.drug)
    if drug is None:
        return ""
    formulation = drug.formulation(medication.formulation)
    return formulation.name.get(language) if formulation is not None else ""


def medication_line(medication: Medication, pathway: Pathway, language: Language,
                    per_day: str = "{dose}") -> str:
    """``Buprenorfin, resoriblett, 16 mg per døgn`` — only what is filled in.

    ``per_day`` is the translated pattern around the dose (``"{dose} per døgn"``).
    """
    parts = [drug_name(medication, pathway, language)]
    form = formulation_name(medication, pathway, language)
    if form:
        parts.append(form.lower())
    amount = parse_dose(medication.daily_dose)
    if amount is not None:
        parts.append(per_day.format(dose=dose(amount, language)))
    elif medication.daily_dose.strip():
        parts.append(medication.daily_dose.strip())
    return ", ".join(p for p in parts if p)


def join_names(names: list[str], and_word: str) -> str:
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {and_word} {names[-1]}"
