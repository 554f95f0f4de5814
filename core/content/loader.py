"""Load and schema-check pathway files; keep every version so old cases render as made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.content.checking import CHECKED_MANIFEST as CHECKED_MANIFEST
from core.content.checking import ContentError as ContentError
from core.content.checking import (
    checked_digests_for,
    digest,
    read_json,
    schema_check,
    write_manifest,
)
from core.content.pathway import Pathway, pathway_from_json
from core.content.scales import Scale, load_scales, write_scale_manifest
from core.paths import resources_dir


def schema_path() -> Path:
    return resources_dir() / "schema" / "pathway.schema.json"


def load_pathway_file(path: Path, *, checked: frozenset[str] = frozenset()) -> Pathway:
    """Read, validate and type one pathway file; :class:`ContentError` names file and field.

    ``checked``: SHA-256 digests of files already known to pass the schema (see
    :func:`checked_digests`); such a file skips the JSON Schema check, nothing else.  The
    withdrawal scales a ``course`` section names are the shipped ones (``resources/scales``).
    """
    name = path.as_posix()
    raw_bytes, data = read_json(path)
    schema_check(name, raw_bytes, data, schema_path(), checked)
    _check_references(name, data)
    scales = load_scales() if "course" in data else {}
    if "course" in data:
        _check_course(name, data, scales)
    try:
        return pathway_from_json(data, source_file=name, scales=scales)
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:  # pragma: no cover
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
    keys = [c["key"] for c in data["conditions"]]
    if len(keys) != len(set(keys)):
        raise ContentError(name, "conditions", "samme key er brukt to ganger")
    if "dependence" not in keys:
        raise ContentError(name, "conditions", "må ha vilkåret dependence")
    if "quarantine" in keys:
        kinds = [o["kind"] for o in data.get("quarantine_orders", ())]
        if sorted(kinds) != ["isolation", "quarantine"]:
            raise ContentError(name, "quarantine_orders",
                               "må ha nøyaktig én quarantine og én isolation")
    if "tapering" in data:
        _check_tapering(name, data)
    _check_periods(name, data["legal_basis"])
    criteria = sorted(c["key"] for c in data["forsvarlighet"]["criteria"])
    if len(criteria) != len(set(criteria)):
        raise ContentError(name, "forsvarlighet/criteria", "samme key er brukt to ganger")
    ages = data["childbearing_age"]
    if ages["min_years"] > ages["max_years"]:
        raise ContentError(name, "childbearing_age/min_years", "er større enn max_years")


def _check_tapering(name: str, data: dict[str, Any]) -> None:
    """A tapering pathway needs the specialist-service plan and the consent to tapering."""
    tapering = data["tapering"]
    if tapering["warn_months"] >= tapering["max_months"]:
        raise ContentError(name, "tapering/warn_months", "må være mindre enn max_months")
    keys = {c["key"] for c in data["conditions"]}
    for key in ("plan", "tapering_consent"):
        if key not in keys:
            raise ContentError(name, "conditions", f"et nedtrappingsforløp må ha vilkåret {key}")


def _check_periods(name: str, basis: dict[str, Any]) -> None:
    """Legal-basis periods follow each other day by day inside the rule's validity."""
    periods = basis.get("periods", [])
    for index, period in enumerate(periods):
        start, end = period["valid_from"], period["valid_until"]
        if end is not None and end < start:
            raise ContentError(name, f"legal_basis/periods/{index}/valid_until",
                               "er før valid_from")
        if index and periods[index - 1]["valid_until"] is None:
            raise ContentError(name, f"legal_basis/periods/{index - 1}/valid_until",
                               "bare den siste perioden kan være uten slutt")
        if index and (date.fromisoformat(periods[index - 1]["valid_until"])
                      + timedelta(days=1)) != date.fromisoformat(start):
            raise ContentError(name, f"legal_basis/periods/{index}/valid_from",
                               "må være dagen etter forrige periodes valid_until")
    if periods:
        if periods[0]["valid_from"] != basis["valid_from"]:
            raise ContentError(name, "legal_basis/periods/0/valid_from",
                               "må være lik legal_basis/valid_from")
        if periods[-1]["valid_until"] != basis["valid_until"]:
            raise ContentError(name, f"legal_basis/periods/{len(periods) - 1}/valid_until",
                               "må være lik legal_basis/valid_until")


def _check_course(name: str, data: dict[str, Any],
                  scales: dict[tuple[str, int], Scale]) -> None:
    """The ``course`` section's references: substances, scales, measures, drugs, numbers."""
    course = data["course"]
    substances = {s["id"] for s in data["substances"]}
    drugs = {d["id"] for d in data["drugs"]}
    measures = {m["id"] for m in data["measures"]}
    duration = course["expected_duration_days"]
    if duration["min"] > duration["max"]:
        raise ContentError(name, "course/expected_duration_days/min", "er større enn max")
    seen: set[str] = set()
    for index, choice in enumerate(course["scales"]):
        where = f"course/scales/{index}"
        if choice["substance"] not in substances:
            raise ContentError(name, f"{where}/substance",
                               f"ukjent stoffgruppe {choice['substance']!r}")
        if choice["substance"] in seen:
            raise ContentError(name, f"{where}/substance", "stoffgruppen er nevnt før")
        seen.add(choice["substance"])
        ref = choice["scale"]
        if ref is not None and (ref["id"], ref["version"]) not in scales:
            raise ContentError(name, f"{where}/scale",
                               f"skalaen {ref['id']!r} versjon {ref['version']} finnes ikke i "
                               "resources/scales")
    for key in ("intoxication_signs", "overdose_signs"):
        ids: set[str] = set()
        for index, sign in enumerate(course[key]):
            if sign["id"] in ids:
                raise ContentError(name, f"course/{key}/{index}/id",
                                   f"id {sign['id']!r} er brukt før")
            ids.add(sign["id"])
    if course["supervised_intake_measure"] not in measures:
        raise ContentError(name, "course/supervised_intake_measure",
                           f"ukjent tiltak {course['supervised_intake_measure']!r}")
    ruled: set[str] = set()
    for index, rule in enumerate(course["taper"]["rules"]):
        where = f"course/taper/rules/{index}"
        if rule["drug"] not in drugs:
            raise ContentError(name, f"{where}/drug", f"ukjent legemiddel {rule['drug']!r}")
        if rule["drug"] in ruled:
            raise ContentError(name, f"{where}/drug", "legemidlet har en regel fra før")
        ruled.add(rule["drug"])
        if Decimal(str(rule["round_to_mg"])) <= 0:
            raise ContentError(name, f"{where}/round_to_mg", "må være større enn null")
        for j, reduction in enumerate(rule["reductions"]):
            if Decimal(str(reduction["reduce_mg"])) <= 0:
                raise ContentError(name, f"{where}/reductions/{j}/reduce_mg",
                                   "må være større enn null")
        if Decimal(str(rule["reductions"][-1]["above_mg"])) != 0:
            raise ContentError(name, f"{where}/reductions",
                               "den siste reduksjonen må gjelde over 0 mg, så planen når null")


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


def checked_digests(root: Path) -> frozenset[str]:
    """Digests of the pathway files under ``root`` known to pass the current schema.

    Empty when the manifest (:data:`CHECKED_MANIFEST`) is missing or unreadable, or was made
    for another schema: then every file is checked against the schema as it loads.  A file
    edited after the manifest was written has another digest and is checked too; the
    manifest only spares the shipped files the schema check (jsonschema costs ~50 ms and
    ~3 MiB to import, the check ~25 ms).
    """
    return checked_digests_for(root, schema_path())


def write_checked_manifest(root: Path | None = None) -> Path:
    """Check every pathway file under ``root`` against the schema, then record its digest.

    For the shipped content (``root`` None) the withdrawal scales are checked and recorded
    first (``resources/scales/checked.json``), since a pathway's course section names them.
    """
    if root is None:
        write_scale_manifest()
    root = root or resources_dir() / "pathways"
    files = {}
    for path in sorted(root.glob("*/*.json")):
        load_pathway_file(path)  # the full check; raises on the first broken file
        files[path.relative_to(root).as_posix()] = digest(path.read_bytes())
    return write_manifest(root, schema_path(), files)


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
