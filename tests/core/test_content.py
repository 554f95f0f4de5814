"""Pathway content: loading, validation errors that name file and field, versions side by side."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.content import ContentError, ContentLibrary, load_library, load_pathway_file
from core.content.loader import CHECKED_MANIFEST, checked_digests, write_checked_manifest
from core.paths import resources_dir

SHIPPED = resources_dir() / "pathways" / "karantene-substitusjon" / "1.json"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


def _write(root: Path, data: dict[str, Any], name: str | None = None) -> Path:
    folder = root / data["id"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{data['version']}.json")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_shipped_pathway_loads_with_the_seed_facts() -> None:
    pathway = load_pathway_file(SHIPPED)
    assert pathway.key == ("karantene-substitusjon", 1)
    assert [c.key for c in pathway.conditions] == ["dependence", "plan", "quarantine"]
    assert len(pathway.risk_points) == 13
    assert len(pathway.measures) == 12
    bup = pathway.drug("buprenorphine")
    assert bup is not None
    assert (bup.dose_min_mg, bup.dose_max_mg) == (Decimal(8), Decimal(16))
    assert bup.atc == "N07BC01"
    assert pathway.drug("oxazepam") is not None
    diazepam = pathway.drug("diazepam")
    assert diazepam is not None and diazepam.avoid_with_reduced_respiration
    methadone = pathway.drug("methadone")
    assert methadone is not None and methadone.exception_only
    # The rule was to lapse on 1 January 2022: 31 December 2021 is the last day in force.
    assert pathway.legal_basis.in_force_on(date(2021, 12, 31))
    assert not pathway.legal_basis.in_force_on(date(2022, 1, 1))
    alcohol = pathway.substance("alcohol")
    assert alcohol is not None and not alcohol.narcotic


def test_texts_fall_back_to_bokmal() -> None:
    pathway = load_pathway_file(SHIPPED)
    assert pathway.title.get("nn")
    assert pathway.title.get("xx") == pathway.title.nb


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("drugs"), "(rot)"),
        (lambda d: d["drugs"][0].update(atc="N07"), "drugs/0/atc"),
        (lambda d: d["drugs"][2].update(dose_min_mg="-3"), "drugs/2/dose_min_mg"),
        (lambda d: d["risk_points"][4]["title"].pop("nn"), "risk_points/4/title"),
        (lambda d: d["thresholds"].update(oxygen_saturation_low="94"),
         "thresholds/oxygen_saturation_low"),
        (lambda d: d["legal_basis"].update(valid_until="31.12.2021"), "legal_basis/valid_until"),
        (lambda d: d["consent_items"][0].update(when="sometimes"), "consent_items/0/when"),
        (lambda d: d.update(unexpected=True), "(rot)"),
        (lambda d: d["drugs"][1].update(id=d["drugs"][0]["id"]), "drugs/1/id"),
        (lambda d: d["drugs"][0].update(substance="tobacco"), "drugs/0/substance"),
        (lambda d: d["drugs"][0].update(dose_min_mg="20"), "drugs/0/dose_min_mg"),
        (lambda d: d["depressants"].append("caffeine"), "depressants/5"),
        (lambda d: d["conditions"][2].update(key="plan"), "conditions"),
    ],
)
def test_broken_content_names_file_and_field(tmp_path: Path, mutate: Any, field: str) -> None:
    data = _data()
    mutate(data)
    path = _write(tmp_path, data, "1.json")
    with pytest.raises(ContentError) as info:
        load_pathway_file(path)
    assert info.value.file == path.as_posix()
    assert info.value.field == field
    assert str(path) in str(info.value)


def test_unreadable_and_invalid_json_files(tmp_path: Path) -> None:
    broken = tmp_path / "x" / "1.json"
    broken.parent.mkdir()
    broken.write_text('{"id": "x",', encoding="utf-8")
    with pytest.raises(ContentError, match="ugyldig JSON"):
        load_pathway_file(broken)
    broken.write_bytes(b"\xff\xfe")
    with pytest.raises(ContentError, match="UTF-8"):
        load_pathway_file(broken)
    with pytest.raises(ContentError, match="kan ikke leses"):
        load_pathway_file(tmp_path / "missing.json")


def test_file_location_must_match_id_and_version(tmp_path: Path) -> None:
    data = _data()
    _write(tmp_path, data, "2.json")
    with pytest.raises(ContentError, match="filplasseringen"):
        load_library(tmp_path)


def test_library_keeps_every_version_and_prefers_one_in_force(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED.parent, tmp_path / "karantene-substitusjon")
    v2 = _data()
    v2.update(version=2, published="2026-11-01")
    v2["legal_basis"].update(valid_from="2026-10-01", valid_until=None, status="in_force")
    v2["drugs"][0]["dose_max_mg"] = "24"
    _write(tmp_path, v2)
    library = load_library(tmp_path)
    assert [p.version for p in library.versions("karantene-substitusjon")] == [1, 2]
    old = library.get("karantene-substitusjon", 1)
    assert old is not None
    old_bup = old.drug("buprenorphine")
    assert old_bup is not None and old_bup.dose_max_mg == Decimal(16)
    assert library.default(date(2026, 11, 22)).version == 2
    # With nothing in force, the newest version is still offered (shown as expired).
    assert library.default(date(2026, 1, 1)).version == 2


def test_expired_only_library_still_offers_the_pathway() -> None:
    shipped = load_library()
    quarantine = shipped.latest("karantene-substitusjon")
    assert quarantine is not None
    library = ContentLibrary(pathways={quarantine.key: quarantine})
    pathway = library.default(date(2026, 11, 22))
    assert pathway.id == "karantene-substitusjon"
    assert not pathway.legal_basis.in_force_on(date(2026, 11, 22))


def test_the_tapering_pathway_in_force_today_is_preselected() -> None:
    library = load_library()
    assert library.default(date(2026, 12, 6)).id == "nedtrappingsplan"
    tapering = library.latest("nedtrappingsplan")
    assert tapering is not None
    basis = tapering.legal_basis
    assert basis.in_force_on(date(2026, 12, 6)) and basis.in_force_on(date(2010, 1, 1))
    assert not basis.in_force_on(date(2009, 12, 31))


# ---- the manifest of schema-checked files (no jsonschema at start-up) ---------------------


def test_checked_manifest_is_current() -> None:
    """Every shipped pathway file is in ``checked.json`` under its present digest and the
    present schema; if not, run ``python -m core.content`` (it checks the files first)."""
    root = SHIPPED.parent.parent
    digests = checked_digests(root)
    shipped = sorted(root.glob("*/*.json"))
    assert shipped
    for path in shipped:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in digests, (
            f"{path} changed since it was schema-checked: run python -m core.content")


def _with_manifest(tmp_path: Path) -> Path:
    shutil.copytree(SHIPPED.parent, tmp_path / "karantene-substitusjon")
    write_checked_manifest(tmp_path)
    return tmp_path / "karantene-substitusjon" / "1.json"


def test_a_file_edited_after_the_manifest_is_schema_checked(tmp_path: Path) -> None:
    path = _with_manifest(tmp_path)
    assert load_library(tmp_path).get("karantene-substitusjon", 1) is not None
    data = _data()
    data["drugs"][0]["dose_max_mg"] = "mange"  # not a decimal: the schema says so
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_library(tmp_path)
    assert caught.value.field == "drugs/0/dose_max_mg"


def test_a_manifest_for_another_schema_or_unreadable_counts_for_nothing(tmp_path: Path) -> None:
    _with_manifest(tmp_path)
    manifest = tmp_path / CHECKED_MANIFEST
    good = json.loads(manifest.read_text(encoding="utf-8"))
    assert checked_digests(tmp_path) == frozenset(good["files"].values())
    manifest.write_text(json.dumps({**good, "schema": "0" * 64}), encoding="utf-8")
    assert checked_digests(tmp_path) == frozenset()
    for broken in ("", "[]", '{"schema": 1}', "\xff"):
        manifest.write_text(broken, encoding="latin-1")
        assert checked_digests(tmp_path) == frozenset()
    manifest.unlink()
    assert checked_digests(tmp_path) == frozenset()


def test_writing_the_manifest_refuses_a_broken_file(tmp_path: Path) -> None:
    data = _data()
    del data["drugs"]
    _write(tmp_path, data)
    with pytest.raises(ContentError):
        write_checked_manifest(tmp_path)
    assert not (tmp_path / CHECKED_MANIFEST).exists()


def test_loading_the_shipped_library_does_not_import_jsonschema() -> None:
    code = ("import sys; from core.content import load_library; load_library(); "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
