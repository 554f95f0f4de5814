"""Norwegian personal identity numbers: fødselsnummer, D-, H- and FH-nummer, synthetic numbers.

python-stdnum validates the classic fødselsnummer, but it rejects the numbers issued from
1 January 2032 (whose first check digit may take several values) and does not know synthetic
test numbers.  This module keeps stdnum's check-digit weights and adds:

* the **2032 rule** (Skatteetaten, "Nytt fødselsnummer 2032"): the remainder of the first
  weighted sum may be 0, 1, 2 or 3, the second check digit is unchanged, and the individual
  number no longer encodes the century or sex;
* **D-nummer** (day + 40), **H-nummer** (month + 40), **FH-nummer** (first digit 8 or 9,
  no birth date);
* **synthetic** numbers used in test environments: month + 80 (Skatteetaten's Tenor) and
  month + 65 (synthetic population data sets).  They are flagged so a real prescription is
  never made for one by mistake, and they are what tests and examples must use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ELEVEN_ASCII_DIGITS = re.compile(r"[0-9]{11}")


class IdentityKind(StrEnum):
    FODSELSNUMMER = "fnr"
    D_NUMMER = "dnr"
    H_NUMMER = "hnr"
    FH_NUMMER = "fhnr"


class IdentityError(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    NOT_DIGITS = "not_digits"
    CHECKSUM = "checksum"
    DATE = "date"
    FUTURE = "future"


@dataclass(frozen=True)
class IdentityCheck:
    """The outcome of checking one number; ``errors`` is empty when it is valid."""

    number: str
    kind: IdentityKind | None = None
    synthetic: bool = False
    #: True when only the check-digit rule for numbers issued from 2032 accepts it.
    rule_2032: bool = False
    birth_date: date | None = None
    #: From the ninth digit (odd = male, even = female) of numbers issued before 2032; None
    #: for FH-numbers and numbers under the 2032 rule, which carry no sex.
    sex: Literal["female", "male"] | None = None
    errors: tuple[IdentityError, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return not self.errors


def compact(number: str) -> str:
    """Strip the separators people type (spaces, no-break spaces, hyphens, dots)."""
    return re.sub(r"[\s\u00a0.\-]", "", number)


def _first_check_remainder(digits: str) -> int:
    total = sum(w * int(d) for w, d in zip(_WEIGHTS_1, digits[:9], strict=True))
    return (total + int(digits[9])) % 11


def _second_check_ok(digits: str) -> bool:
    total = sum(w * int(d) for w, d in zip(_WEIGHTS_2, digits[:10], strict=True))
    return (total + int(digits[10])) % 11 == 0


def _classic_century(individual: int, yy: int) -> int | None:
    if individual < 500:
        return 1900
    if individual < 750 and yy >= 54:
        return 1800
    if yy < 40:
        return 2000
    if individual >= 900:
        return 1900
    return None


def _date_or_none(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check(number: str, today: date | None = None) -> IdentityCheck:
    """Check a fødselsnummer, D-, H- or FH-nummer (synthetic ones included)."""
    today = today or date.today()
    digits = compact(number)
    if not digits:
        return IdentityCheck(number=digits, errors=(IdentityError.EMPTY,))
    if not (digits.isascii() and digits.isdigit()):
        # Letters, and also non-ASCII digits such as "٠١٢", which str.isdigit() accepts.
        return IdentityCheck(number=digits, errors=(IdentityError.NOT_DIGITS,))
    if not _ELEVEN_ASCII_DIGITS.fullmatch(digits):
        return IdentityCheck(number=digits, errors=(IdentityError.LENGTH,))

    remainder = _first_check_remainder(digits)
    classic_ok = remainder == 0
    rule_2032 = not classic_ok and remainder in (1, 2, 3)
    if not (classic_ok or rule_2032) or not _second_check_ok(digits):
        return IdentityCheck(number=digits, errors=(IdentityError.CHECKSUM,))

    first = int(digits[0])
    if first >= 8:
        return IdentityCheck(number=digits, kind=IdentityKind.FH_NUMMER, rule_2032=rule_2032)

    day = int(digits[0:2])
    month = int(digits[2:4])
    yy = int(digits[4:6])
    individual = int(digits[6:9])

    kind = IdentityKind.FODSELSNUMMER
    if day > 40:
        kind = IdentityKind.D_NUMMER
        day -= 40
    synthetic = False
    if month > 80:
        synthetic, month = True, month - 80
    elif month > 65:
        synthetic, month = True, month - 65
    elif month > 40:
        # Month + 40 is an H-nummer on a fødselsnummer, but a synthetic (NAV test) number on a
        # D-nummer, which is never issued with a modified month.
        if kind is IdentityKind.FODSELSNUMMER:
            kind = IdentityKind.H_NUMMER
        else:
            synthetic = True
        month -= 40

    if rule_2032:
        # Individual numbers no longer tell the century: accept the date if it exists in the
        # most recent century that keeps it in the past.
        birth: date | None = None
        for century in (2000, 1900, 1800):
            try:
                candidate = date(century + yy, month, day)
            except ValueError:
                continue
            if candidate <= today:
                birth = candidate
                break
        if birth is None:
            return IdentityCheck(
                number=digits, kind=kind, synthetic=synthetic, rule_2032=True,
                errors=(IdentityError.DATE,),
            )
        return IdentityCheck(
            number=digits, kind=kind, synthetic=synthetic, rule_2032=True, birth_date=birth
        )

    classic_century = _classic_century(individual, yy)
    birth = _date_or_none(None if classic_century is None else classic_century + yy, month, day)
    if birth is None:
        return IdentityCheck(
            number=digits, kind=kind, synthetic=synthetic, errors=(IdentityError.DATE,)
        )
    if birth > today:
        return IdentityCheck(
            number=digits, kind=kind, synthetic=synthetic, birth_date=birth,
            errors=(IdentityError.FUTURE,),
        )
    sex: Literal["female", "male"] = "male" if int(digits[8]) % 2 else "female"
    return IdentityCheck(number=digits, kind=kind, synthetic=synthetic, birth_date=birth,
                         sex=sex)


#: Longest masked number: the draft list keeps it in a 32-character column, and whatever was
#: pasted into the field (a whole note, say) must never make the case impossible to save.
MASK_MAX = 32


def mask(number: str) -> str:
    """Show only the birth-date part: ``"010181 *****"``, for lists and headers.

    At most :data:`MASK_MAX` characters; characters that cannot be shown (controls, NUL, lone
    surrogates) appear as ``?``.
    """
    digits = compact(number)
    if len(digits) <= 6:
        return "*" * len(digits)
    shown = "".join(ch if ch.isprintable() else "?" for ch in digits[:6])
    return f"{shown} {'*' * (len(digits) - 6)}"[:MASK_MAX]


def with_check_digits(first_nine: str) -> str | None:
    """Append the classic check digits to nine digits (for building synthetic test numbers)."""
    total1 = sum(w * int(d) for w, d in zip(_WEIGHTS_1, first_nine, strict=True))
    k1 = (11 - total1 % 11) % 11
    if k1 == 10:
        return None
    ten = first_nine + str(k1)
    total2 = sum(w * int(d) for w, d in zip(_WEIGHTS_2, ten, strict=True))
    k2 = (11 - total2 % 11) % 11
    if k2 == 10:
        return None
    return ten + str(k2)
