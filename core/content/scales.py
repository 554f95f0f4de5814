"""Withdrawal-severity scales (COWS, CIWA-B) as versioned content.

One file per scale version, ``resources/scales/<id>/<version>.json``, checked against
``resources/schema/scale.schema.json`` and typed here.  A pathway's ``course`` section says
which scale (id and version) fits which substance; a follow-up entry records the scale and
version it was scored on, and the rule engine checks each score against it.  The items'
wording, scoring, bands and source — and what of it could be verified — are in the files; see
``docs/course.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

from core.content.checking import (
    ContentError,
    checked_digests_for,
    digest,
    read_json,
    schema_check,
    write_manifest,
)
from core.content.text import Text
from core.paths import resources_dir

RatedBy = Literal["clinician", "patient", "patient_and_clinician"]


@dataclass(frozen=True)
class ScaleOption:
    score: int
    label: Text


@dataclass(frozen=True)
class ScaleItem:
    id: str
    title: Text
    help: Text
    options: tuple[ScaleOption, ...]

    @cached_property
    def scores(self) -> frozenset[int]:
        return frozenset(o.score for o in self.options)

    @property
    def max_score(self) -> int:
        return max(self.scores)

    def option(self, score: int) -> ScaleOption | None:
        return next((o for o in self.options if o.score == score), None)


@dataclass(frozen=True)
class ScaleBand:
    id: str
    min: int
    max: int
    label: Text


@dataclass(frozen=True)
class ScaleSource:
    citation: str
    #: What was checked against a stored source, and from where.
    verified: tuple[str, ...]
    #: What could not be checked (said plainly).
    not_verified: tuple[str, ...]


@dataclass(frozen=True)
class Scale:
    id: str
    version: int
    abbreviation: str
    name: Text
    rated_by: RatedBy
    instructions: Text
    #: Whose wording the Norwegian is (Rekvirent's own, not a validated translation).
    translation_note: Text
    source: ScaleSource
    items: tuple[ScaleItem, ...]
    bands: tuple[ScaleBand, ...]
    source_file: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @cached_property
    def _items_by_id(self) -> dict[str, ScaleItem]:
        return {i.id: i for i in self.items}

    def item(self, item_id: str) -> ScaleItem | None:
        return self._items_by_id.get(item_id)

    @property
    def min_total(self) -> int:
        return sum(min(i.scores) for i in self.items)

    @property
    def max_total(self) -> int:
        return sum(i.max_score for i in self.items)

    def band(self, total: int) -> ScaleBand | None:
        return next((b for b in self.bands if b.min <= total <= b.max), None)


def _text(data: Mapping[str, Any], key: str) -> Text:
    return Text.from_json(data.get(key))


def scale_from_json(data: Mapping[str, Any], source_file: str = "") -> Scale:
    """Build the typed scale from already schema-validated JSON data."""
    source = data["source"]
    return Scale(
        id=data["id"],
        version=data["version"],
        abbreviation=data["abbreviation"],
        name=_text(data, "name"),
        rated_by=data["rated_by"],
        instructions=_text(data, "instructions"),
        translation_note=_text(data, "translation_note"),
        source=ScaleSource(citation=source["citation"], verified=tuple(source["verified"]),
                           not_verified=tuple(source["not_verified"])),
        items=tuple(
            ScaleItem(
                id=i["id"], title=_text(i, "title"), help=_text(i, "help"),
                options=tuple(ScaleOption(score=o["score"], label=_text(o, "label"))
                              for o in i["options"]),
            )
            for i in data["items"]
        ),
        bands=tuple(ScaleBand(id=b["id"], min=b["min"], max=b["max"], label=_text(b, "label"))
                    for b in data["bands"]),
        source_file=source_file,
    )


def scales_dir() -> Path:
    return resources_dir() / "scales"


def scale_schema_path() -> Path:
    return resources_dir() / "schema" / "scale.schema.json"


def _check_consistency(name: str, data: dict[str, Any]) -> None:
    """What the schema cannot say: unique ids and scores, bands that tile 0 … max total."""
    seen: set[str] = set()
    for index, item in enumerate(data["items"]):
        if item["id"] in seen:
            raise ContentError(name, f"items/{index}/id", f"id {item['id']!r} er brukt før")
        seen.add(item["id"])
        scores = [o["score"] for o in item["options"]]
        if scores != sorted(set(scores)):
            raise ContentError(name, f"items/{index}/options",
                               "poengene må være ulike og stå i stigende rekkefølge")
    lowest = sum(min(o["score"] for o in i["options"]) for i in data["items"])
    highest = sum(max(o["score"] for o in i["options"]) for i in data["items"])
    expected = lowest
    for index, band in enumerate(data["bands"]):
        if band["min"] != expected or band["max"] < band["min"]:
            raise ContentError(name, f"bands/{index}/min",
                               f"båndene må dekke summen {lowest}–{highest} uten hull eller "
                               "overlapp")
        expected = band["max"] + 1
    if expected != highest + 1:
        raise ContentError(name, "bands", f"båndene må slutte på høyeste sum ({highest})")


def load_scale_file(path: Path, *, checked: frozenset[str] = frozenset()) -> Scale:
    """Read, validate and type one scale file; :class:`ContentError` names file and field."""
    name = path.as_posix()
    raw_bytes, data = read_json(path)
    schema_check(name, raw_bytes, data, scale_schema_path(), checked)
    _check_consistency(name, data)
    scale = scale_from_json(data, source_file=name)
    if (scale.id, str(scale.version)) != (path.parent.name, path.stem):
        raise ContentError(name, "id/version", f"stemmer ikke med filplasseringen "
                                               f"{path.parent.name}/{path.stem}.json")
    return scale


def checked_scale_digests(root: Path | None = None) -> frozenset[str]:
    return checked_digests_for(root or scales_dir(), scale_schema_path())


def load_scales(root: Path | None = None) -> dict[tuple[str, int], Scale]:
    """Every ``<root>/<scale-id>/<version>.json`` by (id, version); the first broken file
    raises.  The shipped scales are read once per process."""
    return dict(_load_scales(root or scales_dir()))


@cache
def _load_scales(root: Path) -> tuple[tuple[tuple[str, int], Scale], ...]:
    checked = checked_scale_digests(root)
    return tuple((scale.key, scale) for scale in
                 (load_scale_file(path, checked=checked) for path in sorted(root.glob("*/*.json"))))


def write_scale_manifest(root: Path | None = None) -> Path:
    """Check every scale file under ``root`` in full, then record its digest."""
    root = root or scales_dir()
    files = {}
    for path in sorted(root.glob("*/*.json")):
        load_scale_file(path)
        files[path.relative_to(root).as_posix()] = digest(path.read_bytes())
    _load_scales.cache_clear()
    return write_manifest(root, scale_schema_path(), files)


__all__ = [
    "Scale",
    "ScaleBand",
    "ScaleItem",
    "ScaleOption",
    "ScaleSource",
    "checked_scale_digests",
    "load_scale_file",
    "load_scales",
    "write_scale_manifest",
]
