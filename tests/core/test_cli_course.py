"""``followup add`` / ``followup list`` / ``course`` through main.main, against a temporary data
folder: the bad input of issue 16 is stored as typed and reported at its field in
``course --json``; hostile entry files stop with exit 2 and a message naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core import casefile
from core.course.model import TaperStep
from tests.cli_support import EXAMPLES, Cli

EXAMPLE = EXAMPLES / "forlop-opioid-nedtrapping.json"
CASE_ID = "1a" * 16
DRUG = "buprenorphine_naloxone"


def _imported(cli: Cli, tmp_path: Path, change: Any = None) -> str:
    case = casefile.read(EXAMPLE)
    if change is not None:
        change(case)
    path = tmp_path / "sak.json"
    casefile.write(path, case)
    result = cli.run("import", path, *cli.data())
    assert result.code == 0, result.err
    return case.id


def _entry(at: str = "2021-11-20T10:00:00+01:00", **fields: Any) -> dict[str, Any]:
    return {"at": at, "observer": {"name": "Siri Prøve", "role": "nurse"}, "form": "home_visit",
            "doses": [{"drug": DRUG, "dose": "6", "status": "given", "supervised": True}],
            "intoxication": "none", "overdose": "none", "adherence": "kept",
            "observation_minutes": 30,
            "withdrawal": [{"scale": "cows", "version": 1, "not_scored": True}], **fields}


def _add(cli: Cli, tmp_path: Path, entry: dict[str, Any] | str) -> tuple[int, str, str]:
    path = tmp_path / "oppfolging.json"
    path.write_text(entry if isinstance(entry, str) else json.dumps(entry), encoding="utf-8")
    result = cli.run("followup", "add", CASE_ID, "--file", path, *cli.data())
    return result.code, result.out.strip(), result.err


def _course(cli: Cli) -> tuple[int, dict[str, Any]]:
    result = cli.run("course", CASE_ID, "--json", *cli.data())
    assert result.code in (0, 1), result.err
    return result.code, json.loads(result.out)


def _findings_of(report: dict[str, Any], item_id: str) -> dict[str, str]:
    return {f["code"]: f["field"] for f in report["findings"] if f.get("item_id") == item_id}


def _stored(cli: Cli) -> dict[str, dict[str, Any]]:
    result = cli.run("followup", "list", CASE_ID, "--json", *cli.data())
    assert result.code == 0, result.err
    return {item["id"]: item for item in json.loads(result.out)}


def test_a_routine_entry_is_added_and_listed(tmp_path: Path, cli: Cli) -> None:
    _imported(cli, tmp_path)
    before = _stored(cli)
    code, out, err = _add(cli, tmp_path, _entry())
    assert code == 0, err
    assert len(out) == 32 and set(out) <= set("0123456789abcdef")
    stored = _stored(cli)
    assert set(stored) - set(before) == {out}
    assert stored[out]["version"] == 1 and stored[out]["at"] == "2021-11-20T09:00:00+00:00"
    code, report = _course(cli)
    assert code == 0  # a routine day: no blocker
    assert _findings_of(report, out) == {}
    day = next(d for d in report["days"] if d["day"] == "2021-11-20")
    assert out in [e["id"] for e in day["entries"]]
    assert day["planned"] == {DRUG: "6"}
    assert report["status"] == "completed" and report["line"] == "avsluttet 25.11.2021"
    text = cli.run("course", CASE_ID, *cli.data())
    assert text.code == 0 and "20.11.2021" in text.out and "avsluttet 25.11.2021" in text.out


@pytest.mark.parametrize(("label", "fields", "code", "field_suffix"), [
    ("in the future", {"at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
     "COURSE_ENTRY_IN_FUTURE", "at"),
    ("before the start", {"at": "2021-11-10T09:00:00+01:00"}, "COURSE_ENTRY_BEFORE_START", "at"),
    ("after the end", {"at": "2021-11-28T09:00:00+01:00"}, "COURSE_ENTRY_AFTER_END", "at"),
    ("dose abc", {"doses": [{"drug": DRUG, "dose": "abc", "status": "given",
                             "supervised": True}]}, "COURSE_DOSE_UNREADABLE", "doses.0.dose"),
    ("negative dose", {"doses": [{"drug": DRUG, "dose": "-4", "status": "given",
                                  "supervised": True}]}, "COURSE_DOSE_NEGATIVE", "doses.0.dose"),
    ("absurd dose", {"doses": [{"drug": DRUG, "dose": "4000", "status": "given",
                                "supervised": True}]}, "COURSE_DOSE_IMPLAUSIBLE",
     "doses.0.dose"),
    ("score outside the scale", {"withdrawal": [{"scale": "cows", "version": 1,
                                                 "items": {"pulse": 55}}]},
     "COURSE_SCORE_OUT_OF_SCALE", "withdrawal.0.items.pulse"),
])
def test_bad_entries_are_stored_as_typed_and_reported_at_their_field(
        tmp_path: Path, cli: Cli, label: str, fields: dict[str, Any], code: str,
        field_suffix: str) -> None:
    _imported(cli, tmp_path)
    entry = _entry(**fields)
    added, item_id, err = _add(cli, tmp_path, entry)
    assert added == 0, (label, err)
    _exit, report = _course(cli)
    found = _findings_of(report, item_id)
    assert code in found, (label, found)
    assert found[code].startswith("course.followups.") and found[code].endswith(field_suffix)
    finding = next(f for f in report["findings"] if f["code"] == code
                   and f.get("item_id") == item_id)
    assert finding["message"] and finding["severity"] in ("blocker", "warning", "info")
    assert set(finding) >= {"code", "severity", "field", "message", "first", "last"}
    # What was typed is still there.
    stored = _stored(cli)[item_id]
    assert datetime.fromisoformat(stored["at"]) == datetime.fromisoformat(entry["at"])
    if "doses" in fields:
        typed = fields["doses"][0]["dose"]
        days = [e for d in report["days"] for e in d["entries"] if e["id"] == item_id]
        assert days and days[0]["doses"][0]["dose"] == typed


def test_a_blocker_in_the_course_gives_exit_1(tmp_path: Path, cli: Cli) -> None:
    _imported(cli, tmp_path)
    _add(cli, tmp_path, _entry(doses=[{"drug": DRUG, "dose": "abc", "status": "given"}]))
    result = cli.run("course", CASE_ID, *cli.data())
    assert result.code == 1
    assert "BLOKKERENDE" in result.out and "COURSE_DOSE_UNREADABLE" in result.out


def _isolation_end_before_start(case: Any) -> None:
    case.course.isolation.ended_on = case.conditions.quarantine.start - timedelta(days=2)


def _taper_never_zero(case: Any) -> None:
    case.course.end.kind = None
    case.course.end.ended_on = None
    case.course.taper.steps[-1] = TaperStep(from_date=case.course.taper.steps[-1].from_date,
                                            doses={DRUG: "2"})


@pytest.mark.parametrize(("change", "code", "field"), [
    (_isolation_end_before_start, "COURSE_ISOLATION_END_BEFORE_START",
     "course.isolation.ended_on"),
    (_taper_never_zero, "COURSE_TAPER_NEVER_ZERO", "course.taper.steps"),
])
def test_bad_course_facts_of_a_case_file_are_reported_and_kept(tmp_path: Path, cli: Cli,
                                                               change: Any, code: str,
                                                               field: str) -> None:
    _imported(cli, tmp_path, change)
    _exit, report = _course(cli)
    fields = {f["code"]: f["field"] for f in report["findings"]}
    assert code in fields and fields[code].startswith(field)
    out = tmp_path / "tilbake.json"
    assert cli.run("export-case", CASE_ID, "--out", out, *cli.data()).code == 0
    expected = casefile.read(EXAMPLE)
    change(expected)
    back = casefile.read(out)
    assert back.course.isolation == expected.course.isolation
    assert back.course.taper == expected.course.taper


HOSTILE: list[tuple[str, str, str]] = [
    ("a number for the time", json.dumps({"at": 5}), "at"),
    ("no time", json.dumps({"note": "x"}), "at"),
    ("a time without zone", json.dumps(_entry(at="2021-11-20T10:00:00")), "at"),
    ("wrong type", json.dumps(_entry(doses="mange")), "doses"),
    ("wrong nested type", json.dumps(_entry(respiratory_rate="fast")), "respiratory_rate"),
    ("unknown key", json.dumps(_entry(hemmelig="x")), "hemmelig"),
    ("huge string", json.dumps(_entry(note="x" * 200_000)), "note"),
    ("truncated", json.dumps(_entry())[:60], ""),
    ("not an object", "[1, 2, 3]", ""),
    ("deep nesting", "[" * 100_000 + "]" * 100_000, ""),
    ("not UTF-8", "\udcff", ""),
]


@pytest.mark.parametrize(("label", "content", "field"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_entry_files_stop_with_exit_2_naming_the_field(
        tmp_path: Path, cli: Cli, label: str, content: str, field: str) -> None:
    _imported(cli, tmp_path)
    before = _stored(cli)
    path = tmp_path / "fiendtlig.json"
    if content == "\udcff":
        path.write_bytes(b'{"at": "\xff"}')
    else:
        path.write_text(content, encoding="utf-8")
    result = cli.run("followup", "add", CASE_ID, "--file", path, *cli.data())
    assert result.code == 2, label
    assert "Traceback" not in result.err and result.out == ""
    assert result.err.startswith("rekvirent: ") and str(path) in result.err
    if field:
        assert f": {field}" in result.err or f"{field}:" in result.err, result.err
    assert _stored(cli) == before  # nothing stored


def test_unknown_case_and_locked_data_give_exit_2(tmp_path: Path, cli: Cli) -> None:
    _imported(cli, tmp_path)
    path = tmp_path / "e.json"
    path.write_text(json.dumps(_entry()), encoding="utf-8")
    result = cli.run("followup", "add", "f" * 32, "--file", path, *cli.data())
    assert result.code == 2 and "Traceback" not in result.err
    assert cli.run("course", "f" * 32, "--json", *cli.data()).code == 2
    assert cli.run("followup", "list", "f" * 32, *cli.data()).code == 2
    no_key = cli.run("course", CASE_ID, "--data-dir", str(tmp_path / "tom"))
    assert no_key.code == 2 and not (tmp_path / "tom" / "key.json").exists()


def test_help_is_norwegian(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    import main

    for verb, words in ((["followup", "add"], "oppfølging"), (["followup", "list"], "dosevedtak"),
                        (["course"], "blokkerende")):
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main.main([*verb, "--help"])
        assert done.value.code == 0
        assert words in capsys.readouterr().out


@pytest.mark.parametrize("name", ["nedtrapping-benzodiazepin-8-uker", "nedtrapping-opioid-til-lar",
                                  "nedtrapping-uten-spesialist"])
def test_the_course_verbs_work_on_the_tapering_pathway(cli: Cli, name: str) -> None:
    """Issue 17: a case on the second pathway takes follow-ups and shows its timeline."""
    case = casefile.read(EXAMPLES / f"{name}.json")
    assert cli.run("import", EXAMPLES / f"{name}.json", *cli.data()).code == 0
    result = cli.run("course", case.id, "--json", *cli.data())
    assert result.code in (0, 1), result.err
    report = json.loads(result.out)
    assert report["days"]
    codes = {f["code"] for f in report["findings"]}
    assert "COURSE_DAY_WITHOUT_FOLLOWUP" not in codes  # the plan sets its own frequency
    drug = case.medications[0].drug
    entry = {"at": f"{report['days'][0]['day']}T09:00:00+01:00",
             "observer": {"name": "Siri Prøve", "role": "nurse"}, "form": "office",
             "doses": [{"drug": drug, "dose": "5", "status": "given", "supervised": False}],
             "intoxication": "none", "overdose": "none", "adherence": "kept"}
    path = cli.root / "oppfolging.json"
    path.write_text(json.dumps(entry), encoding="utf-8")
    added = cli.run("followup", "add", case.id, "--file", path, *cli.data())
    assert added.code == 0, added.err
    listed = cli.run("followup", "list", case.id, "--json", *cli.data())
    assert [item["id"] for item in json.loads(listed.out)] == [added.out.strip()]
