"""The shared base of the case and course models: strict models, bounded and cleaned text.

Both :mod:`core.case` and :mod:`core.course` build on these, so neither imports the other to
get them (``core.case`` holds ``Case.course``; the course model must not need the case module).
``core.case`` re-exports every name it exported before they moved here.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

#: Upper bounds that keep hostile or accidental input from exhausting memory or the PDF
#: renderer, while leaving far more room than any real entry needs.
SHORT_TEXT_MAX = 2_000
LONG_TEXT_MAX = 100_000
LIST_MAX = 200

#: Removed from free text: C0/C1 controls except tab and newline, bidi embeddings/overrides/
#: isolates, zero-width space, word joiner and BOM (see docs/hostile-input.md for why).
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                   "\u200b\u2060\ufeff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: object) -> object:
    """The documented normalisation of free text (docs/hostile-input.md): one kind of line
    break, no invisible controls or direction overrides, lone surrogates as U+FFFD, NFC.
    Idempotent, so a case file written and read again is unchanged."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", _DROP.sub("", text))


def _aware_utc(value: datetime) -> datetime:
    """A moment must say which time zone it was in; it is kept in UTC (shown in Europe/Oslo)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the time must carry a time zone (for example 2021-11-15T09:00:00Z)")
    return value.astimezone(UTC)


_Clean = BeforeValidator(clean_text)
ShortText = Annotated[str, _Clean, StringConstraints(max_length=SHORT_TEXT_MAX)]
LongText = Annotated[str, _Clean, StringConstraints(max_length=LONG_TEXT_MAX)]
Id = Annotated[str, _Clean, StringConstraints(max_length=100)]
#: A 32-digit lower-case hex id (uuid4), as case ids and follow-up entry ids are.
HexId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
#: An aware moment, normalised to UTC; a naive time is refused (its zone would be a guess).
UtcDateTime = Annotated[datetime, AfterValidator(_aware_utc)]

Language = Literal["nb", "nn", "en"]
DocumentLanguage = Literal["nb", "nn"]
YesNoUnknown = Literal["yes", "no", "unknown"]


def new_case_id() -> str:
    return uuid.uuid4().hex


def new_id() -> str:
    """A new random id (32 hex digits) for a case, a follow-up entry or a dose decision."""
    return uuid.uuid4().hex


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    """Strict base: unknown keys are refused, types are checked, assignment is validated."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        str_max_length=LONG_TEXT_MAX,
        frozen=False,
    )


#: The public name of the strict base for modules outside ``core.case``.
Model = _Model

__all__ = [
    "LIST_MAX",
    "LONG_TEXT_MAX",
    "SHORT_TEXT_MAX",
    "DocumentLanguage",
    "HexId",
    "Id",
    "Language",
    "LongText",
    "Model",
    "ShortText",
    "UtcDateTime",
    "YesNoUnknown",
    "clean_text",
    "new_case_id",
    "new_id",
    "utc_now",
]
