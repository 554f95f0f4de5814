"""Every shipped example case: parses, round-trips, and gives the findings it illustrates."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import main
from core import casefile
from core.content import load_library
from core.course import lifecycle
from core.course.doses import decision_changes
from core.course.taper import suggest_taper
from core.course.timeline import timeline

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"

EXPECTED = {
    "opioid-komplett.json": (0, set()),
    "benzodiazepin-lav-metning.json": (0, {"SATURATION_LOW", "CONSIDER_ADMISSION", "LUNG_RISK"}),
    "blandet-opioid-benzo-stimulant.json": (0, {"OPIOID_BENZODIAZEPINE", "DEPRESSANT_CO_USE",
                                                "CAPACITY_REDUCED"}),
    "vilkar-ikke-oppfylt.json": (1, {"C2_NO_PLAN", "C3_SELF_CHOSEN"}),
    "metadon-unntak.json": (0, {"EXCEPTION_DRUG"}),
    "forlop-opioid-nedtrapping.json": (0, set()),
    "forlop-benzodiazepin-doseokning.json": (0, {"COURSE_DAY_WITHOUT_FOLLOWUP",
                                                 "SATURATION_LOW"}),
    "forlop-avbrutt-innleggelse.json": (0, {"COURSE_CONSIDER_ADMISSION"}),
    # The tapering-plan pathway (in force today): complete plans, and one the GP made alone.
    "nedtrapping-benzodiazepin-8-uker.json": (0, set()),
    "nedtrapping-opioid-til-lar.json": (0, set()),
    "nedtrapping-uten-spesialist.json": (1, {"C2_NO_PLAN"}),
}
#: The tapering-plan examples: no quarantine rule and no legal-basis blocker may fire.
TAPERING = sorted(n for n in EXPECTED if n.startswith("nedtrapping-"))
#: The course examples: their status and exactly the course findings they illustrate.
COURSES = {
    "forlop-opioid-nedtrapping.json": ("completed", set()),
    "forlop-benzodiazepin-doseokning.json": ("completed", {"COURSE_DAY_WITHOUT_FOLLOWUP"}),
    "forlop-avbrutt-innleggelse.json": ("stopped", {"COURSE_CONSIDER_ADMISSION"}),
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


@pytest.mark.parametrize("name", sorted(COURSES))
def test_course_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, course_codes = COURSES[name]
    path = EXAMPLES / name
    case = casefile.read(path)
    assert case.status == status
    assert lifecycle.status_on(case, date.today()) == status
    assert main.main(["check", str(path), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert {f["code"] for f in findings if f["step"] == "course"} == course_codes
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    assert pathway is not None
    # Every course example has a daily follow-up and a written evaluation.
    assert case.course.followups and case.course.evaluation.evaluated_on is not None
    rows = timeline(case, pathway, date.today())
    assert rows[0].day == case.course.started_on
    assert all(row.day <= case.course.end.ended_on for row in rows if case.course.end.ended_on)


def test_the_opioid_course_is_ten_days_with_a_generated_taper() -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    assert pathway is not None
    rows = timeline(case, pathway, date.today())
    dosed = [r for r in rows if any(v for v in r.planned.values())]
    assert len(dosed) == 10 == max(r.treatment_day or 0 for r in rows)
    assert case.course.taper.rules == {"buprenorphine_naloxone": "TAPER-BUPNAL-1"}
    assert not case.course.taper.edited
    regenerated = suggest_taper(case, pathway, case.course.taper.steps[0].from_date)
    assert regenerated.steps == case.course.taper.steps


def test_the_benzodiazepine_course_raises_the_dose_with_tolerance() -> None:
    case = casefile.read(EXAMPLES / "forlop-benzodiazepin-doseokning.json")
    [change] = decision_changes(case)
    assert change.increase and (change.before, change.after) == (Decimal(30), Decimal(45))


@pytest.mark.parametrize("name", sorted(COURSES))
def test_course_examples_still_export_the_consultation_documents(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["export", str(EXAMPLES / name), "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert any(n.startswith("samtykke") for n in names), names
    capsys.readouterr()


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


@pytest.mark.parametrize("name", TAPERING)
def test_tapering_examples_are_on_the_pathway_in_force(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    case = casefile.read(EXAMPLES / name)
    assert case.pathway_id == "nedtrappingsplan"
    assert not case.consultation.exercise_mode
    main.main(["check", str(EXAMPLES / name), "--json"])
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)}
    assert "LEGAL_BASIS_NOT_IN_FORCE" not in codes
    assert not {c for c in codes if c.startswith("C3_")}
    assert not codes & {"PATIENT_CONTACT_MISSING", "NO_PLAN_AFTER_ISOLATION",
                        "COURSE_TAPER_NOT_CHOSEN"}


def test_the_benzodiazepine_tapering_plan_is_eight_weeks_to_zero() -> None:
    case = casefile.read(EXAMPLES / "nedtrapping-benzodiazepin-8-uker.json")
    steps = case.course.taper.steps
    assert steps[0].from_date is not None and steps[-1].from_date is not None
    assert (steps[-1].from_date - steps[0].from_date).days == 56
    assert steps[-1].doses == {"diazepam": "0"}


def test_the_opioid_tapering_plan_hands_over_to_lar() -> None:
    case = casefile.read(EXAMPLES / "nedtrapping-opioid-til-lar.json")
    assert case.course.continuation.kind == "lar_referral"
    assert case.course.continuation.referral_date is not None
    assert case.plan.lar_referral == "wanted"


@pytest.mark.parametrize("name", TAPERING)
def test_tapering_examples_export(name: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main.main(["export", str(EXAMPLES / name), "--out", str(tmp_path)])
    names = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    assert any(n.startswith("journal") for n in names), names
    if EXPECTED[name][0] == 0:
        assert code == 0
        assert any(n.startswith("samtykke") for n in names), names
    else:
        assert code == 1
        assert not any(n.startswith("samtykke") for n in names), names
