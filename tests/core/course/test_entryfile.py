"""A follow-up entry file: clinical oddities kept, hostile files refused with the field named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from core.course import entryfile
from core.course.entryfile import MAX_ENTRY_BYTES, EntryFileError, parse_entry, read_entry

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "resources" / "schema" / "followup-entry.schema.json"
GOOD: dict[str, Any] = {
    "at": "2021-11-16T09:00:00+01:00",
    "observer": {"name": "Sykepleier Siri Testberg", "role": "nurse", "hpr_number": ""},
    "form": "home_visit",
    "doses": [{"drug": "buprenorphine_naloxone", "dose": "8", "status": "given",
               "supervised": True}],
    "intoxication": "none",
    "withdrawal": [{"scale": "cows", "version": 1, "items": {"pulse": 1}, "total": 6}],
    "use_since_last": [{"substance": "opioids", "used": "no"}],
    "observation_minutes": 30,
    "overdose": "none",
    "respiratory_rate": 16,
    "oxygen_saturation": 97,
    "adherence": "kept",
}


def _text(**changes: Any) -> str:
    return json.dumps({**GOOD, **changes}, ensure_ascii=False)


def test_a_good_file_reads_with_the_time_in_utc() -> None:
    entry = parse_entry(_text())
    assert entry.at == datetime(2021, 11, 16, 8, tzinfo=UTC)
    assert len(entry.id) == 32
    assert entry.withdrawal[0].items == {"pulse": 1}


def test_clinical_oddities_are_kept_for_the_rules() -> None:
    entry = parse_entry(_text(
        at="2031-01-01T09:00:00Z",
        doses=[{"drug": "buprenorphine", "dose": "abc"}, {"drug": "x", "dose": "-4"}],
        withdrawal=[{"scale": "cows", "version": 1, "items": {"pupils": 55}}]))
    assert [d.dose for d in entry.doses] == ["abc", "-4"]
    assert entry.withdrawal[0].items["pupils"] == 55


@pytest.mark.parametrize(("text", "field"), [
    ("", ""),
    ('{"at": "2021-11-16T09:00:00Z", "note": ', ""),  # truncated
    ("[1, 2]", ""),
    ("null", ""),
    ("[" * 100_000 + "]" * 100_000, ""),
    ('{"at": "2021-11-16T09:00:00Z", "observation_minutes": 1' + "0" * 5000 + "}", ""),
    (json.dumps({k: v for k, v in GOOD.items() if k != "at"}), "at"),
    (_text(at="2021-11-16T09:00:00"), "at"),  # no time zone
    (_text(at="16.11.2021 kl. 9"), "at"),
    (_text(unknown=1), "unknown"),
    (_text(observer={"name": "x", "shoe_size": 44}), "observer.shoe_size"),
    (_text(observer={"name": 5}), "observer.name"),
    (_text(note="x" * 100_001), "note"),
    (_text(doses=[{"drug": "y" * 101}]), "doses.0.drug"),
    (_text(doses={"drug": "x"}), "doses"),
    (_text(doses=[{"supervised": "kanskje"}]), "doses.0.supervised"),
    (_text(overdose="maybe"), "overdose"),
    (_text(observation_minutes=-5), "observation_minutes"),
    (_text(oxygen_saturation=140), "oxygen_saturation"),
    (_text(withdrawal=[{"items": {"pulse": 1.5}}]), "withdrawal.0.items.pulse"),
    (_text(withdrawal=[{"items": {"pulse": 10**7}}]), "withdrawal.0.items.pulse"),
    (_text(id="../../etc/passwd"), "id"),
    (_text(doses=[{}] * 201), "doses"),
])
def test_hostile_files_name_the_field(text: str, field: str) -> None:
    with pytest.raises(EntryFileError) as info:
        parse_entry(text)
    assert info.value.field == field
    assert info.value.message
    assert "Traceback" not in str(info.value)


def test_messages_are_in_the_chosen_language() -> None:
    with pytest.raises(EntryFileError) as nb:
        parse_entry(_text(unknown=1))
    with pytest.raises(EntryFileError) as nn:
        parse_entry(_text(at="2021-11-16T09:00:00"), language="nn")
    with pytest.raises(EntryFileError) as en:
        parse_entry(_text(unknown=1), language="en")
    assert str(nb.value) == "unknown: Ukjent felt."
    assert nn.value.message.startswith("Må vere eit tidspunkt med tidssone")
    assert str(en.value) == "unknown: Unknown field."


def test_files_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "oppfolging.json"
    path.write_bytes(b"\xef\xbb\xbf" + _text().encode("utf-8"))  # a Windows editor's BOM
    assert read_entry(path).observer.name == "Sykepleier Siri Testberg"
    path.write_bytes(_text(note="Ærlig").encode("latin-1"))
    with pytest.raises(EntryFileError, match="UTF-8"):
        read_entry(path)
    path.write_bytes(b" " * (MAX_ENTRY_BYTES + 1))
    with pytest.raises(EntryFileError, match="stor"):
        read_entry(path)
    with pytest.raises(EntryFileError, match="kan ikke leses"):
        read_entry(tmp_path / "missing.json")
    with pytest.raises(EntryFileError, match="kan ikke leses"):
        read_entry(tmp_path)


def test_lone_surrogates_are_repaired() -> None:
    assert parse_entry(_text().replace('"kept"', '"kept", "note": "a\\ud800b"')).note == (
        "a\ufffdb")


def test_committed_schema_matches_and_accepts_a_good_file() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == entryfile.json_schema(), (
        "resources/schema/followup-entry.schema.json is stale: regenerate it with python -c "
        "\"import json; from core.course.entryfile import json_schema; "
        "print(json.dumps(json_schema(), ensure_ascii=False, indent=2))\"")
    jsonschema.validate(GOOD, committed)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in GOOD.items() if k != "at"}, committed)
