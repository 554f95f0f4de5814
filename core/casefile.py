"""The case file: one case as schema-versioned JSON, for moving cases between machines.

Format (documented in ``docs/case-format.md``, schema in ``resources/schema/case.schema.json``)::

    {"format": "rekvirent-case", "format_version": 2, "case": {...}}

Version 2 added the course of treatment (``case.course``) and the course statuses.  A
version 1 file is upgraded as it is read (:func:`upgrade`): it has no course, so it reads
into the same model with an empty one; it is written back as version 2.

Reading is defensive: a truncated file, wrong types, unknown keys or oversized values give a
:class:`CaseFileError` that names the field, never a traceback.  Two things are repaired on
reading instead (see ``docs/hostile-input.md``): a UTF-8 byte-order mark at the start of the
file (Windows editors write one), and lone UTF-16 surrogates in strings (``"\\ud800"`` escapes,
which JSON allows but no text can hold), which become U+FFFD REPLACEMENT CHARACTER.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from core.case import Case
from i18n import N_, _

FORMAT = "rekvirent-case"
FORMAT_VERSION = 2
#: The statuses a version 1 file could hold (the course statuses came with version 2).
_V1_STATUSES = frozenset({"draft", "ready", "exported"})
#: Larger files are refused before parsing (a real case is a few tens of kilobytes).
MAX_FILE_BYTES = 20 * 1024 * 1024


class CaseFileError(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a case file (committed as ``resources/schema/case.schema.json``)."""
    case_schema = Case.model_json_schema(mode="serialization")
    defs = case_schema.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://rekvirent.invalid/schema/case.schema.json",
        "title": "Rekvirent case file",
        "description": ("One case exported from Rekvirent: the consultation and the course "
                        "of treatment. See docs/case-format.md."),
        "type": "object",
        "required": ["format", "format_version", "case"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": FORMAT},
            "format_version": {"type": "integer", "minimum": 1, "maximum": FORMAT_VERSION},
            "case": case_schema,
        },
        "$defs": defs,
    }


def to_document(case: Case) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "case": case.model_dump(mode="json"),
    }


def dumps(case: Case) -> str:
    return json.dumps(to_document(case), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


#: Pydantic's error types (English, for developers) → what the doctor reads, per field.
_ERRORS: dict[str, str] = {
    "extra_forbidden": N_("unknown field; remove it or check the spelling"),
    "missing": N_("this field is missing"),
    "string_type": N_("must be text"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "date_type": N_("must be a valid date (YYYY-MM-DD)"),
    "date_parsing": N_("must be a valid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("must be a valid date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": N_("must be a valid date (YYYY-MM-DD)"),
    "datetime_type": N_("must be a valid date and time (such as 2021-11-15T09:30:00Z)"),
    "datetime_parsing": N_("must be a valid date and time (such as 2021-11-15T09:30:00Z)"),
    "datetime_from_date_parsing": N_(
        "must be a valid date and time (such as 2021-11-15T09:30:00Z)"),
    "literal_error": N_("is not one of the allowed values: {expected}"),
    "enum": N_("is not one of the allowed values: {expected}"),
    "string_pattern_mismatch": N_("does not have the expected form"),
    "greater_than_equal": N_("must be at least {ge}"),
    "greater_than": N_("must be greater than {gt}"),
    "less_than_equal": N_("must be at most {le}"),
    "less_than": N_("must be less than {lt}"),
    "model_type": N_("must be a JSON object"),
    "model_attributes_type": N_("must be a JSON object"),
    "dict_type": N_("must be a JSON object"),
    "list_type": N_("must be a list"),
}


def _message(error: ErrorDetails) -> str:
    """The translated message for one pydantic error (the field path goes in front of it)."""
    values = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if "expected" in values:  # "'a', 'b' or 'c'": the values are codes, the "or" is English
        values["expected"] = values["expected"].replace(" or ", ", ")
    if error["type"] == "string_too_long":
        return _("is too long: at most {max_length} characters").format(**values)
    if error["type"] == "too_long":
        if isinstance(error.get("input"), str):
            return _("is too long: at most {max_length} characters").format(**values)
        return _("has too many entries: at most {max_length}").format(**values)
    if error["type"] == "too_short":
        return _("has too few entries: at least {min_length}").format(**values)
    msgid = _ERRORS.get(error["type"])
    if msgid is None:
        return _("is not valid")
    try:
        return _(msgid).format(**values)
    except (KeyError, IndexError, ValueError):  # a context pydantic did not give
        return _("is not valid")


def from_document(data: Any) -> Case:
    if not isinstance(data, dict):
        raise CaseFileError("", _("the file is not a JSON object"))
    if data.get("format") != FORMAT:
        raise CaseFileError("format", _("expected {format!r}").format(format=FORMAT))
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CaseFileError("format_version", _("missing, or not a whole number"))
    if version > FORMAT_VERSION:
        raise CaseFileError(
            "format_version",
            _("the file was made by a newer version of Rekvirent (format {version}); update "
              "the program").format(version=version),
        )
    if version < 1:
        raise CaseFileError("format_version", _("unknown format version {version}").format(
            version=version))
    unknown = set(data) - {"format", "format_version", "case", "$schema"}
    if unknown:
        raise CaseFileError(sorted(unknown)[0], _(_ERRORS["extra_forbidden"]))
    case_data = upgrade(data.get("case"), version)
    try:
        return Case.model_validate(_without_lone_surrogates(case_data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_path(("case", *first["loc"]))
        raise CaseFileError(field, _message(first)) from None


def upgrade(case: Any, version: int) -> Any:
    """The ``case`` object of a file in format ``version``, as the current format has it.

    1 → 2: nothing to convert (the course is new and starts empty), but a version 1 file
    cannot hold a course or a course status, so either is refused as it would have been then.
    """
    if version == 1 and isinstance(case, dict):
        if "course" in case:
            raise CaseFileError("case.course", _("unknown field in format version 1"))
        status = case.get("status", "draft")
        if isinstance(status, str) and status not in _V1_STATUSES:
            raise CaseFileError("case.status", _(
                "the status {status} does not exist in format version 1").format(
                    status=repr(status[:40])))
    return case


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> Any:
    """Strings with lone surrogates (valid JSON escapes, invalid text) get U+FFFD instead."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_lone_surrogates(item) for key, item in value.items()}
    return value


def loads(text: str) -> Case:
    if len(text) > MAX_FILE_BYTES:
        raise CaseFileError("", _("the file is too large to be a case"))
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg is the json module's English words; the line number is what helps.
        raise CaseFileError("", _("invalid JSON on line {line}, column {column}").format(
            line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise CaseFileError("", _("the JSON structure is nested too deeply")) from None
    except ValueError:  # e.g. an integer with more than 4,300 digits
        raise CaseFileError("", _("the file contains a number that is too large")) from None
    return from_document(data)


def read(path: Path) -> Case:
    """The case in the file at ``path``.  At most :data:`MAX_FILE_BYTES` + 1 bytes are read,
    whatever the file claims to be: ``st_size`` says nothing about a pipe, ``/dev/zero`` or a
    file that grows while it is read."""
    too_large = CaseFileError("", "filen er for stor til å være en sak")
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                raise too_large  # a regular file that is too large: do not read it at all
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CaseFileError("", f"kan ikke lese filen: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise too_large
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CaseFileError("", "filen er ikke UTF-8-tekst") from None
    return loads(text)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write via a temporary file in the same folder and an atomic replace (0600 on POSIX)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rekvirent-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write(path: Path, case: Case) -> None:
    write_atomic(path, dumps(case))
