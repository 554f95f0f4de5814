"""What pathway and scale files share: the error type, JSON Schema checks and the manifest of
files already known to pass their schema (so the app need not import jsonschema at start)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

#: Beside the content folders: the SHA-256 of each file that passed the JSON Schema, and of
#: that schema.  Written by ``python -m core.content`` (which checks every file first).
CHECKED_MANIFEST = "checked.json"


class ContentError(Exception):
    """A content file is missing, unreadable or does not match the schema."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {message}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pointer(path: Any) -> str:
    parts = [str(p) for p in path]
    return "/".join(parts) if parts else "(rot)"


@cache
def validator(schema_file: Path) -> Any:
    import jsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def read_json(path: Path) -> tuple[bytes, Any]:
    """The raw bytes and the parsed JSON of a content file; :class:`ContentError` otherwise."""
    name = path.as_posix()
    try:
        raw_bytes = path.read_bytes()
        raw = raw_bytes.decode("utf-8")
    except OSError as exc:
        raise ContentError(name, "", f"kan ikke leses ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ContentError(name, "", "er ikke gyldig UTF-8") from None
    try:
        return raw_bytes, json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ContentError(name, f"linje {exc.lineno}", f"ugyldig JSON: {exc.msg}") from None


def schema_check(name: str, raw_bytes: bytes, data: Any, schema_file: Path,
                 checked: frozenset[str]) -> None:
    """The JSON Schema check, skipped for a file whose digest is in ``checked``."""
    if digest(raw_bytes) in checked:
        return
    errors = sorted(validator(schema_file).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ContentError(name, pointer(first.absolute_path), first.message)


def checked_digests_for(root: Path, schema_file: Path) -> frozenset[str]:
    """Digests of the files under ``root`` known to pass ``schema_file`` (empty when the
    manifest is missing, unreadable, or was made for another schema)."""
    try:
        manifest = json.loads((root / CHECKED_MANIFEST).read_text(encoding="utf-8"))
        if manifest["schema"] != digest(schema_file.read_bytes()):
            return frozenset()
        return frozenset(str(d) for d in manifest["files"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return frozenset()


def write_manifest(root: Path, schema_file: Path, files: dict[str, str]) -> Path:
    manifest = {"schema": digest(schema_file.read_bytes()), "files": files}
    target = root / CHECKED_MANIFEST
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target
