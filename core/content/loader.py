"""Load and schema-check pathway files; keep every version so old cases render as made."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from core.content.pathway import Pathway, pathway_from_json
from core.paths import resources_dir


class ContentError(Exception):
    """A pathway file is missing, unreadable or does not match the schema."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {message}")


def schema_path() -> Path:
    return resources_dir() / "schema" / "pathway.schema.json"


@cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _pointer(path: Any) -> str:
    parts = [str(p) for p in path]
    return "/".join(parts) if parts else "(rot)"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_pathway_file(path: Path, *, checked: frozenset[str] = frozenset()) -> Pathway:
    """Read, validate and type one pathway file; :class:`ContentError` names file and field.

    ``checked``: SHA-256 digests of files already known to pass the schema (see
    :func:`checked_digests`); such a file skips the JSON Schema check, nothing else.
    """
    name = path.as_posix()
    try:
        raw_bytes = path.read_bytes()
        raw = raw_bytes.decode("utf-8")
    except OSError as exc:
        raise ContentError(name, "", f"kan ikke leses ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ContentError(name, "", "er ikke gyldig UTF-8") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ContentError(name, f"linje {exc.lineno}", f"ugyldig JSON: {exc.msg}") from None
    if _digest(raw_bytes) not in checked:
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            raise ContentError(name, _pointer(first.absolute_path), first.message)
    _check_references(name, data)
    try:
        return pathway_from_json(data, source_file=name)
    except (KeyError, ValueError, TypeError) as exc:  # pragma: no cover - schema catches these
        raise ContentError(name, "", f"uventet innhold: {exc}") from None


def _check_references(name: str, data: dict[str, Any]) -> None:
    """Cross-references the JSON Schema cannot express: ids unique, references resolvable."""
    for section in ("conditions", "substances", "assessment_options", "risk_points", "measures",
                    "drugs", "combinations", "consent_items", "admission_signs"):
        seen: set[str] = set()
        for index, item in enumerate(data[section]):
            if item["id"] in seen:
                raise ContentError(name, f"{section}/{index}/id", f"id {item['id']!r} er brukt før")
            seen.add(item["id"])
    substances = {s["id"] for s in data["substances"]}
    for index, drug in enumerate(data["drugs"]):
        if drug["substance"] not in substances:
            raise ContentError(name, f"drugs/{index}/substance",
                               f"ukjent stoffgruppe {drug['substance']!r}")
        lo, hi = drug.get("dose_min_mg"), drug.get("dose_max_mg")
        if lo is not None and hi is not None and float(lo) > float(hi):
            raise ContentError(name, f"drugs/{index}/dose_min_mg", "er større enn dose_max_mg")
    for key in ("depressants",):
        for index, sub in enumerate(data[key]):
            if sub not in substances:
                raise ContentError(name, f"{key}/{index}", f"ukjent stoffgruppe {sub!r}")
    for index, combo in enumerate(data["combinations"]):
        for j, sub in enumerate(combo["substances"]):
            if sub not in substances:
                raise ContentError(name, f"combinations/{index}/substances/{j}",
                                   f"ukjent stoffgruppe {sub!r}")
    risk_points = {p["id"] for p in data["risk_points"]}
    for index, sign in enumerate(data["admission_signs"]):
        if (sign["fact"] == "risk_point_high") != ("risk_point" in sign):
            raise ContentError(name, f"admission_signs/{index}/risk_point",
                               "hører til fact risk_point_high, og bare der")
        if "risk_point" in sign and sign["risk_point"] not in risk_points:
            raise ContentError(name, f"admission_signs/{index}/risk_point",
                               f"ukjent risikopunkt {sign['risk_point']!r}")
    kinds = [o["kind"] for o in data["quarantine_orders"]]
    if sorted(kinds) != ["isolation", "quarantine"]:
        raise ContentError(name, "quarantine_orders",
                           "må ha nøyaktig én quarantine og én isolation")
    criteria = sorted(c["key"] for c in data["forsvarlighet"]["criteria"])
    if len(criteria) != len(set(criteria)):
        raise ContentError(name, "forsvarlighet/criteria", "samme key er brukt to ganger")
    ages = data["childbearing_age"]
    if ages["min_years"] > ages["max_years"]:
        raise ContentError(name, "childbearing_age/min_years", "er større enn max_years")
    keys = sorted(c["key"] for c in data["conditions"])
    if keys != ["dependence", "plan", "quarantine"]:
        raise ContentError(name, "conditions",
                           "må ha nøyaktig vilkårene dependence, plan og quarantine")


@dataclass
class ContentLibrary:
    """Every pathway version found, by (id, version)."""

    pathways: dict[tuple[str, int], Pathway] = field(default_factory=dict)

    def get(self, pathway_id: str, version: int) -> Pathway | None:
        return self.pathways.get((pathway_id, version))

    def versions(self, pathway_id: str) -> list[Pathway]:
        return sorted((p for p in self.pathways.values() if p.id == pathway_id),
                      key=lambda p: p.version)

    def latest(self, pathway_id: str) -> Pathway | None:
        versions = self.versions(pathway_id)
        return versions[-1] if versions else None

    def ids(self) -> list[str]:
        return sorted({p.id for p in self.pathways.values()})

    def default(self, today: date | None = None) -> Pathway:
        """The pathway preselected for a new case: the newest in force, else the newest."""
        today = today or date.today()
        latest = [p for p in (self.latest(i) for i in self.ids()) if p is not None]
        if not latest:
            raise ContentError(str(resources_dir() / "pathways"), "", "ingen forløp funnet")
        in_force = [p for p in latest if p.legal_basis.in_force_on(today)]
        pool = in_force or latest
        return max(pool, key=lambda p: p.published)


#: Beside the pathway folders: the SHA-256 of each pathway file that passed the JSON Schema,
#: and of that schema.  Written by ``python -m core.content`` (which checks every file first);
#: ``test_checked_manifest_is_current`` fails when a file or the schema changed without it.
CHECKED_MANIFEST = "checked.json"


def checked_digests(root: Path) -> frozenset[str]:
    """Digests of the files under ``root`` known to pass the current schema.

    Empty when the manifest is missing or unreadable, or was made for another schema: then
    every file is checked against the schema as it loads.  A file edited after the manifest
    was written has another digest and is checked too; the manifest only spares the shipped
    files the schema check (jsonschema costs ~50 ms and ~3 MiB to import, the check ~25 ms).
    """
    try:
        manifest = json.loads((root / CHECKED_MANIFEST).read_text(encoding="utf-8"))
        if manifest["schema"] != _digest(schema_path().read_bytes()):
            return frozenset()
        return frozenset(str(d) for d in manifest["files"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return frozenset()


def write_checked_manifest(root: Path | None = None) -> Path:
    """Check every pathway file under ``root`` against the schema, then record its digest."""
    root = root or resources_dir() / "pathways"
    files = {}
    for path in sorted(root.glob("*/*.json")):
        load_pathway_file(path)  # the full check; raises on the first broken file
        files[path.relative_to(root).as_posix()] = _digest(path.read_bytes())
    manifest = {"schema": _digest(schema_path().read_bytes()), "files": files}
    target = root / CHECKED_MANIFEST
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def load_library(root: Path | None = None) -> ContentLibrary:
    """Load every ``<root>/<pathway-id>/<version>.json``; the first broken file raises."""
    root = root or resources_dir() / "pathways"
    library = ContentLibrary()
    checked = checked_digests(root)
    for path in sorted(root.glob("*/*.json")):
        pathway = load_pathway_file(path, checked=checked)
        expected = (path.parent.name, path.stem)
        if (pathway.id, str(pathway.version)) != expected:
            raise ContentError(path.as_posix(), "id/version",
                               f"stemmer ikke med filplasseringen {expected[0]}/{expected[1]}.json")
        library.pathways[pathway.key] = pathway
    return library
