"""Identity numbers of every kind, both check-digit rules, and the ways they go wrong."""

from __future__ import annotations

from datetime import date

import pytest

from core.identity import IdentityError, IdentityKind, check, mask, with_check_digits

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("number", "kind", "birth"),
    [
        ("15108695088", IdentityKind.FODSELSNUMMER, date(1986, 10, 15)),  # stdnum's example
        ("151086 95088", IdentityKind.FODSELSNUMMER, date(1986, 10, 15)),  # typed with a space
        ("30108299920", IdentityKind.FODSELSNUMMER, date(1982, 10, 30)),  # Skatteetaten vector
        ("55507608360", IdentityKind.D_NUMMER, date(1976, 10, 15)),
    ],
)
def test_valid_numbers_give_kind_and_birth_date(number: str, kind: IdentityKind,
                                                birth: date) -> None:
    result = check(number, today=TODAY)
    assert result.valid, result.errors
    assert result.kind is kind
    assert result.birth_date == birth


def test_the_2032_rule_accepts_a_number_the_classic_rule_rejects() -> None:
    # Skatteetaten's vector: valid only with the check-digit rule for numbers issued from 2032.
    result = check("30108299939", today=TODAY)
    assert result.valid
    assert result.rule_2032
    # ... and a classic number is not flagged as 2032.
    assert not check("30108299920", today=TODAY).rule_2032


def test_a_2032_number_is_not_valid_before_its_birth_date() -> None:
    assert check("02013299997", today=TODAY).errors == (IdentityError.FUTURE,)
    assert check("02013299997", today=date(2032, 2, 1)).valid


def test_synthetic_tenor_numbers_are_valid_and_flagged() -> None:
    result = check("15888510025", today=TODAY)
    assert result.valid
    assert result.synthetic
    assert result.birth_date == date(1985, 8, 15)
    d_number = check("55888510019", today=TODAY)
    assert d_number.valid and d_number.synthetic
    assert d_number.kind is IdentityKind.D_NUMMER


def test_h_number_and_fh_number() -> None:
    h_number = with_check_digits("154885" + "120")  # month 08 + 40
    assert h_number is not None
    result = check(h_number, today=TODAY)
    assert result.valid
    assert result.kind is IdentityKind.H_NUMMER
    assert not result.synthetic
    fh = next(n for n in (with_check_digits(f"8{i:08d}") for i in range(1, 200)) if n)
    fh_result = check(fh, today=TODAY)
    assert fh_result.valid
    assert fh_result.kind is IdentityKind.FH_NUMMER
    assert fh_result.birth_date is None


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("", IdentityError.EMPTY),
        ("   ", IdentityError.EMPTY),
        ("1508851002", IdentityError.LENGTH),
        ("158885100255", IdentityError.LENGTH),
        ("15888510026", IdentityError.CHECKSUM),
        ("15108695077", IdentityError.CHECKSUM),
        ("15o8851oo25", IdentityError.NOT_DIGITS),
        ("١٥٨٨٨٥١٠٠٢٥", IdentityError.NOT_DIGITS),  # Arabic-Indic digits are not accepted
        ("１５８８８５１００２５", IdentityError.NOT_DIGITS),  # full-width digits
    ],
)
def test_invalid_numbers_name_what_is_wrong(number: str, error: IdentityError) -> None:
    result = check(number, today=TODAY)
    assert not result.valid
    assert result.errors == (error,)


def test_impossible_date_with_valid_check_digits() -> None:
    number = with_check_digits("310285" + "123")  # 31 February
    assert number is not None
    assert check(number, today=TODAY).errors == (IdentityError.DATE,)


def test_mask_shows_only_the_birth_date_part() -> None:
    assert mask("15888510025") == "158885 *****"
    assert mask("158885 10025") == "158885 *****"
    assert mask("1234") == "****"
