"""A follow-up entry as a JSON file (``main.py followup add CASE_ID --file ENTRY.json``).

The file holds one :class:`~core.course.model.FollowUpEntry` as JSON, the same shape as in a
case file (schema: ``resources/schema/followup-entry.schema.json``), except that ``at`` must be
given (an entry without a time cannot be placed in the course) and ``id`` may be left out (a
new one is made).  Reading is defensive like the case file's: a truncated file, wrong types,
unknown keys, huge strings or numbers, deep nesting, a byte-order mark or non-UTF-8 bytes give
an :class:`EntryFileError` that names the field, in the chosen language through the catalogs —
never a traceback.  Clinically odd values (a dose "abc", a score outside its scale, a date in
the future) are *not* errors here: they are kept and the rule engine reports them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.course.model import FollowUpEntry
from i18n import Language, Translator, translator

#: Larger files are refused before parsing (an entry is a few kilobytes).
MAX_ENTRY_BYTES = 1024 * 1024
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class EntryFileError(Exception):
    """The entry file cannot be read: ``field`` (dotted path, "" for the file) and why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


def _translator(language: str) -> Translator:
    lang: Language = language if language in ("nb", "nn", "en") else "nb"  # type: ignore[assignment]
    return translator(lang)


def _message(t: Translator, error: Any) -> str:
    """A pydantic error in words, in the chosen language."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return t.gettext("This field is required.")
    if kind == "extra_forbidden":
        return t.gettext("Unknown field.")
    if kind == "string_too_long":
        return t.gettext("The text is too long (at most {max} characters).").format(
            max=ctx.get("max_length", "?"))
    if kind == "too_long":
        return t.gettext("Too many entries (at most {max}).").format(
            max=ctx.get("max_length", "?"))
    if kind == "string_type":
        return t.gettext("Must be text.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return t.gettext("Must be a whole number.")
    if kind in ("bool_type", "bool_parsing"):
        return t.gettext("Must be true or false.")
    if kind == "literal_error":
        return t.gettext("Must be one of: {choices}.").format(choices=ctx.get("expected", ""))
    if kind == "greater_than_equal":
        return t.gettext("Must be at least {limit}.").format(limit=ctx.get("ge", "?"))
    if kind == "less_than_equal":
        return t.gettext("Must be at most {limit}.").format(limit=ctx.get("le", "?"))
    if kind.startswith("date_") and not kind.startswith("datetime"):
        return t.gettext("Must be a date (YYYY-MM-DD).")
    if kind.startswith("datetime") or (kind == "value_error" and "time zone" in error["msg"]):
        return t.gettext("Must be a time with a time zone, for example "
                         "2021-11-15T09:00:00+01:00.")
    if kind == "string_pattern_mismatch":
        return t.gettext("Must be 32 hexadecimal digits (or be left out).")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return t.gettext("Must be a JSON object.")
    if kind == "list_type":
        return t.gettext("Must be a list.")
    return t.gettext("Invalid value.")


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _repair(value: Any) -> Any:
    """Lone UTF-16 surrogates (valid JSON escapes, invalid text) become U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_repair(item) for item in value]
    if isinstance(value, dict):
        return {key: _repair(item) for key, item in value.items()}
    return value


def entry_from_data(data: Any, *, language: str = "nb") -> FollowUpEntry:
    """The entry from already parsed JSON data (an object); :class:`EntryFileError` otherwise."""
    t = _translator(language)
    if not isinstance(data, dict):
        raise EntryFileError("", t.gettext("The file must hold one JSON object: the follow-up "
                                           "entry."))
    data = {key: value for key, value in data.items() if key != "$schema"}
    if "at" not in data:
        raise EntryFileError("at", t.gettext("This field is required."))
    if not isinstance(data["at"], str):  # pydantic would take a number as Unix seconds
        raise EntryFileError("at", t.gettext("Must be a time with a time zone, for example "
                                             "2021-11-15T09:00:00+01:00."))
    try:
        return FollowUpEntry.model_validate(_repair(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EntryFileError(_field(first["loc"]), _message(t, first)) from None


def parse_entry(text: str | bytes, *, language: str = "nb") -> FollowUpEntry:
    """The entry in ``text`` (JSON, as str or UTF-8 bytes)."""
    t = _translator(language)
    if len(text) > MAX_ENTRY_BYTES:
        raise EntryFileError("", t.gettext("The file is too large to be a follow-up entry."))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise EntryFileError("", t.gettext("The file is not UTF-8 text.")) from None
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EntryFileError("", t.gettext("Invalid JSON on line {line}: {reason}").format(
            line=exc.lineno, reason=exc.msg)) from None
    except RecursionError:
        raise EntryFileError("", t.gettext("The JSON is nested too deeply.")) from None
    except ValueError:  # e.g. an integer with more than 4,300 digits
        raise EntryFileError("", t.gettext("The file holds a number that is too large.")) from None
    return entry_from_data(data, language=language)


def read_entry(path: Path, *, language: str = "nb") -> FollowUpEntry:
    """The entry in the file at ``path``."""
    t = _translator(language)
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            raise EntryFileError("", t.gettext("The file is too large to be a follow-up entry."))
        with path.open("rb") as handle:
            raw = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError as exc:
        raise EntryFileError("", t.gettext("The file cannot be read: {reason}").format(
            reason=exc.strerror or exc.__class__.__name__)) from None
    return parse_entry(raw, language=language)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an entry file (``resources/schema/followup-entry.schema.json``)."""
    schema = FollowUpEntry.model_json_schema(mode="validation")
    schema["required"] = sorted({*schema.get("required", []), "at"})
    schema["properties"] = {"$schema": {"type": "string"}, **schema["properties"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://rekvirent.invalid/schema/followup-entry.schema.json",
        **{key: value for key, value in schema.items() if key != "title"},
        "title": "Rekvirent follow-up entry",
        "description": "One follow-up entry of a course of treatment (main.py followup add). "
                       "See docs/course.md.",
    }


__all__ = ["MAX_ENTRY_BYTES", "EntryFileError", "entry_from_data", "json_schema", "parse_entry",
           "read_entry"]
