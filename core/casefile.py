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

from core.case import Case

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


def from_document(data: Any) -> Case:
    if not isinstance(data, dict):
        raise CaseFileError("", "filen er ikke et JSON-objekt")
    if data.get("format") != FORMAT:
        raise CaseFileError("format", f"forventet {FORMAT!r}")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CaseFileError("format_version", "mangler eller er ikke et heltall")
    if version > FORMAT_VERSION:
        raise CaseFileError(
            "format_version",
            f"filen er laget av en nyere versjon av Rekvirent (format {version}); "
            "oppdater programmet",
        )
    if version < 1:
        raise CaseFileError("format_version", f"ukjent formatversjon {version}")
    unknown = set(data) - {"format", "format_version", "case", "$schema"}
    if unknown:
        raise CaseFileError(sorted(unknown)[0], "ukjent felt")
    case_data = upgrade(data.get("case"), version)
    try:
        return Case.model_validate(_without_lone_surrogates(case_data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_path(("case", *first["loc"]))
        raise CaseFileError(field, first["msg"]) from None


def upgrade(case: Any, version: int) -> Any:
    """The ``case`` object of a file in format ``version``, as the current format has it.

    1 → 2: nothing to convert (the course is new and starts empty), but a version 1 file
    cannot hold a course or a course status, so either is refused as it would have been then.
    """
    if version == 1 and isinstance(case, dict):
        if "course" in case:
            raise CaseFileError("case.course", "ukjent felt i formatversjon 1")
        status = case.get("status", "draft")
        if isinstance(status, str) and status not in _V1_STATUSES:
            raise CaseFileError("case.status", f"statusen {status!r} finnes ikke i "
                                               "formatversjon 1")
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
        raise CaseFileError("", "filen er for stor til å være en sak")
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError("", f"ugyldig JSON på linje {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise CaseFileError("", "JSON-strukturen er for dypt nestet") from None
    except ValueError:  # e.g. an integer with more than 4,300 digits
        raise CaseFileError("", "filen inneholder et tall som er for stort") from None
    return from_document(data)


def read(path: Path) -> Case:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CaseFileError("", "filen er for stor til å være en sak")
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseFileError("", f"kan ikke lese filen: {exc.strerror}") from None
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
