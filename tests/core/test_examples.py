"""Every shipped example case: parses, round-trips, and gives the findings it illustrates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from core import casefile

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"

EXPECTED = {
    "opioid-komplett.json": (0, set()),
    "benzodiazepin-lav-metning.json": (0, {"SATURATION_LOW", "CONSIDER_ADMISSION", "LUNG_RISK"}),
    "blandet-opioid-benzo-stimulant.json": (0, {"OPIOID_BENZODIAZEPINE", "DEPRESSANT_CO_USE",
                                                "CAPACITY_REDUCED"}),
    "vilkar-ikke-oppfylt.json": (1, {"C2_NO_PLAN", "C3_SELF_CHOSEN"}),
    "metadon-unntak.json": (0, {"EXCEPTION_DRUG"}),
}


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_check(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, expected = EXPECTED[name]
    path = EXAMPLES / name
    case = casefile.read(path)
    assert casefile.loads(casefile.dumps(case)) == case
    assert main.main(["check", str(path), "--json"]) == exit_code
    findings = json.loads(capsys.readouterr().out)
    codes = {f["code"] for f in findings}
    assert expected <= codes
    blockers = {f["code"] for f in findings if f["severity"] == "blocker"}
    assert bool(blockers) == bool(exit_code)
    assert "IDENTITY_SYNTHETIC" in codes  # examples only ever use synthetic people


@pytest.mark.parametrize(
    "content",
    ["", "{", "null", '{"format": "rekvirent-case", "format_version": 1, "case": {"x": 1}}',
     '{"format": "rekvirent-case", "format_version": 1, "case": {"patient": {"name": 7}}}',
     json.dumps({"format": "rekvirent-case", "format_version": 1,
                 "case": {"patient": {"name": "x" * 3000}}})],
)
def test_check_of_hostile_files_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        content: str) -> None:
    path = tmp_path / "sak.json"
    path.write_text(content, encoding="utf-8")
    assert main.main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "sak.json" in captured.err


def test_check_of_unknown_pathway(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = casefile.read(EXAMPLES / "opioid-komplett.json")
    case.pathway_version = 99
    path = tmp_path / "sak.json"
    casefile.write(path, case)
    assert main.main(["check", str(path)]) == 2
    assert "ikke installert" in capsys.readouterr().err


def test_check_of_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["check", str(tmp_path)]) == 2
