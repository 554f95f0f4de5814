"""The case file format: exact round trips, schema agreement, and hostile files."""

from __future__ import annotations

import json
import types
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from annotated_types import Ge, Le, MaxLen
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from core import casefile
from core.case import Case, Medication, Patient
from core.casefile import CaseFileError
from core.course.model import (
    Course,
    DoseGiven,
    FollowUpEntry,
    TaperPlan,
    TaperStep,
    WithdrawalScore,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "resources" / "schema" / "case.schema.json"

# Any Unicode a GP or a hostile file could bring, except lone surrogates (not valid UTF-8 JSON).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _strategy_for(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _strategy_for(args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_strategy_for(a, metadata) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if annotation is type(None):
        return st.none()
    if origin is list:
        return st.lists(_strategy_for(args[0], []), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text("RTK0123456789", min_size=1, max_size=4),
                               _strategy_for(args[1], []), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_strategy(annotation)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        lo = next((m.ge for m in metadata if isinstance(m, Ge)), -(10**6))
        hi = next((m.le for m in metadata if isinstance(m, Le)), 10**6)
        return st.integers(min_value=lo, max_value=hi)
    if annotation is str:
        return TEXT
    if annotation is date:
        return st.dates()
    if annotation is datetime:
        return st.datetimes(timezones=st.just(UTC))
    raise NotImplementedError(annotation)


def model_strategy(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    fields = {}
    for name, info in model.model_fields.items():
        if name == "id":
            fields[name] = st.text("0123456789abcdef", min_size=32, max_size=32)
            continue
        annotation = info.annotation
        metadata = [m for m in info.metadata if not isinstance(m, MaxLen)]
        fields[name] = _strategy_for(annotation, metadata)
    return st.fixed_dictionaries(fields).map(lambda kw: model(**kw))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_strategy(Case))
def test_export_import_round_trips_exactly(case: Case) -> None:
    text = casefile.dumps(case)
    again = casefile.loads(text)
    assert again == case
    assert casefile.dumps(again) == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_strategy(Course))
def test_a_course_round_trips_exactly(course: Course) -> None:
    # The whole-case strategy reaches the course too; this one puts every example into it.
    case = Case(course=course)
    text = casefile.dumps(case)
    again = casefile.loads(text)
    assert again == case
    assert casefile.dumps(again) == text


def test_the_strategies_reach_into_the_course() -> None:
    quick = settings(max_examples=500, database=None, phases=[Phase.generate])  # no shrinking
    entry = find(model_strategy(FollowUpEntry),
                 lambda e: bool(e.doses and e.withdrawal and e.withdrawal[0].items),
                 settings=quick)
    assert entry.at.tzinfo is not None
    find(model_strategy(Course),
         lambda c: bool(c.followups and c.dose_decisions and c.taper.steps), settings=quick)
    find(model_strategy(Case), lambda c: bool(c.course.followups), settings=quick)


def _v1(**case: Any) -> str:
    return json.dumps({"format": "rekvirent-case", "format_version": 1, "case": case})


def test_a_version_1_file_reads_with_an_empty_course() -> None:
    # The consultation examples are kept in format 1 on purpose: they are read as such.
    example = json.loads((ROOT / "resources" / "examples" / "opioid-komplett.json").read_text(
        encoding="utf-8"))
    assert example["format_version"] == 1 and "course" not in example["case"]
    case = casefile.loads(json.dumps(example))
    assert case.course.is_empty()
    assert json.loads(casefile.dumps(case))["format_version"] == casefile.FORMAT_VERSION == 2


@pytest.mark.parametrize(("text", "field"), [
    (_v1(course={}), "case.course"),
    (_v1(status="in_treatment"), "case.status"),
    ('{"format": "rekvirent-case", "format_version": 0, "case": {}}', "format_version"),
    ('{"format": "rekvirent-case", "format_version": 3, "case": {}}', "format_version"),
])
def test_what_format_1_could_not_hold_is_refused(text: str, field: str) -> None:
    with pytest.raises(CaseFileError) as info:
        casefile.loads(text)
    assert info.value.field == field


def test_course_input_is_kept_verbatim() -> None:
    case = Case(course=Course(
        followups=[FollowUpEntry(at=datetime(2031, 1, 1, tzinfo=UTC),
                                 doses=[DoseGiven(drug="buprenorphine", dose="abc")],
                                 withdrawal=[WithdrawalScore(scale="cows", items={"pupils": 55},
                                                             total=-3)])],
        taper=TaperPlan(steps=[TaperStep(doses={"oxazepam": "mye"})])))
    again = casefile.loads(casefile.dumps(case))
    assert again.course.followups[0].doses[0].dose == "abc"
    assert again.course.followups[0].withdrawal[0].items == {"pupils": 55}
    assert again.course.taper.steps[0].doses == {"oxazepam": "mye"}


def test_committed_schema_matches_the_model() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == casefile.json_schema(), (
        "resources/schema/case.schema.json is stale: regenerate it with "
        "python -c \"import json; from core.casefile import json_schema; "
        "print(json.dumps(json_schema(), ensure_ascii=False, indent=2))\""
    )


def test_dumped_cases_validate_against_the_schema() -> None:
    case = Case(patient=Patient(name="Kari Syntetisk Testesen", identity_number="15888510025"),
                medications=[Medication(drug="buprenorphine", daily_dose="16")])
    jsonschema.validate(json.loads(casefile.dumps(case)), json.loads(SCHEMA_FILE.read_text()))


def test_invalid_input_is_kept_verbatim() -> None:
    # The GP's typing is never lost because it is wrong: it is the rule engine's job to object.
    case = Case(patient=Patient(identity_number="12345abc"),
                medications=[Medication(daily_dose="mye"), Medication(daily_dose="-4")])
    again = casefile.loads(casefile.dumps(case))
    assert again.patient.identity_number == "12345abc"
    assert [m.daily_dose for m in again.medications] == ["mye", "-4"]


def _doc(**case: Any) -> str:
    return json.dumps({"format": "rekvirent-case", "format_version": 2, "case": case})


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", ""),
        ("{", ""),
        ("[1, 2]", ""),
        ('{"format": "something-else"}', "format"),
        ('{"format": "rekvirent-case", "format_version": "1", "case": {}}', "format_version"),
        ('{"format": "rekvirent-case", "format_version": 99, "case": {}}', "format_version"),
        ('{"format": "rekvirent-case", "format_version": 1, "case": {}, "x": 1}', "x"),
        (_doc(patient={"name": 5}), "case.patient.name"),
        (_doc(patient={"name": "x" * 5000}), "case.patient.name"),
        (_doc(unknown_key=1), "case.unknown_key"),
        (_doc(findings={"oxygen_saturation": 140}), "case.findings.oxygen_saturation"),
        (_doc(consultation={"date": "2021-02-30"}), "case.consultation.date"),
        (_doc(id="../../etc/passwd"), "case.id"),
        (_doc(course={"followups": [{"at": "2021-11-15T09:00:00"}]}), "case.course.followups.0.at"),
        (_doc(course={"followups": [{"withdrawal": [{"items": {"pulse": 10**7}}]}]}),
         "case.course.followups.0.withdrawal.0.items.pulse"),
        (_doc(course={"taper": {"steps": [{"doses": {"x": 5}}]}}),
         "case.course.taper.steps.0.doses.x"),
        (_doc(course={"end": {"kind": "paused"}}), "case.course.end.kind"),
        (_doc(status="archived"), "case.status"),
        ("[" * 100_000 + "]" * 100_000, ""),
    ],
)
def test_hostile_files_give_a_field_and_a_message(text: str, field: str) -> None:
    with pytest.raises(CaseFileError) as info:
        casefile.loads(text)
    assert info.value.field == field
    assert info.value.message


def test_read_refuses_huge_files_and_non_utf8(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (casefile.MAX_FILE_BYTES + 1))
    with pytest.raises(CaseFileError, match="for stor"):
        casefile.read(big)
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"a": "Ærlig"}'.encode("latin-1"))
    with pytest.raises(CaseFileError, match="UTF-8"):
        casefile.read(latin)
    with pytest.raises(CaseFileError, match="kan ikke lese"):
        casefile.read(tmp_path / "missing.json")
    with pytest.raises(CaseFileError, match="kan ikke lese"):
        casefile.read(tmp_path)


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sak.json"
    case = Case(patient=Patient(name="Ola Prøve Nordmann"))
    casefile.write(target, case)
    casefile.write(target, case)
    assert casefile.read(target) == case
    assert [p.name for p in tmp_path.iterdir()] == ["sak.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sak.json"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(casefile.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        casefile.write(target, Case())
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["sak.json"]


# ---- messages a doctor can read (issue 18) ---------------------------------------------------

@pytest.fixture
def ui_language() -> Any:
    """Set the UI language for one test and put bokmål back afterwards."""
    import i18n

    yield i18n.set_language
    i18n.set_language("nb")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nb", "ukjent felt; fjern det eller sjekk skrivemåten"),
     ("nn", "ukjent felt; ta det bort eller sjekk stavinga"),
     ("en", "unknown field; remove it or check the spelling")],
)
def test_a_nested_unknown_key_is_named_in_the_interface_language(
        ui_language: Any, language: str, expected: str) -> None:
    ui_language(language)
    with pytest.raises(CaseFileError) as info:
        casefile.loads(_doc(findings={"pustevansker": "ja"}))
    assert info.value.field == "case.findings.pustevansker"
    assert info.value.message == expected
    assert str(info.value) == f"case.findings.pustevansker: {expected}"
    assert "Extra inputs" not in str(info.value)


@pytest.mark.parametrize(
    ("case", "field", "nb"),
    [({"patient": {"name": 5}}, "case.patient.name", "må være tekst"),
     ({"patient": {"name": "x" * 5000}}, "case.patient.name", "er for lang: høyst 2000 tegn"),
     ({"notes": "x" * 100_001}, "case.notes", "er for lang: høyst 100000 tegn"),
     ({"medications": [{}] * 201}, "case.medications",
      "har for mange oppføringer: høyst 200"),
     ({"consultation": {"date": "2021-02-30"}}, "case.consultation.date",
      "må være en gyldig dato (ÅÅÅÅ-MM-DD)"),
     ({"conditions": {"plan": {"contacted_at": "igår"}}}, "case.conditions.plan.contacted_at",
      "må være gyldig dato og klokkeslett (for eksempel 2021-11-15T09:30:00Z)"),
     ({"findings": {"oxygen_saturation": 140}}, "case.findings.oxygen_saturation",
      "må være høyst 100"),
     ({"findings": {"pulse": "rask"}}, "case.findings.pulse", "må være et heltall"),
     ({"consultation": {"exercise_mode": "kanskje"}}, "case.consultation.exercise_mode",
      "må være true eller false"),
     ({"findings": {"pregnancy": "kanskje"}}, "case.findings.pregnancy",
      "er ikke blant de tillatte verdiene: 'not_relevant', 'not_pregnant', 'possible', "
      "'pregnant', 'unknown'"),
     ({"findings": []}, "case.findings", "må være et JSON-objekt"),
     ({"medications": {}}, "case.medications", "må være en liste"),
     ({"id": "../../etc/passwd"}, "case.id", "har ikke forventet form")],
)
def test_pydantic_messages_become_norwegian(case: dict[str, Any], field: str, nb: str) -> None:
    with pytest.raises(CaseFileError) as info:
        casefile.loads(_doc(**case))
    assert (info.value.field, info.value.message) == (field, nb)


def test_file_level_errors_are_translated(ui_language: Any) -> None:
    ui_language("nn")
    with pytest.raises(CaseFileError, match="fila er ikkje eit JSON-objekt"):
        casefile.loads("[1]")
    with pytest.raises(CaseFileError, match="ugyldig JSON i linje 1, kolonne 2"):
        casefile.loads("{")
    with pytest.raises(CaseFileError, match="nyare versjon av Rekvirent"):
        casefile.loads('{"format": "rekvirent-case", "format_version": 99, "case": {}}')


# ---- format 1 before issue 18 reads as it did ------------------------------------------------

FORMAT_1 = ROOT / "tests" / "fixtures" / "case-format-1"


def test_a_format_1_self_chosen_tick_means_not_ordered() -> None:
    case = casefile.read(FORMAT_1 / "self-chosen.json")
    assert case.conditions.quarantine.ordered_by_role == "not_ordered"
    assert case.conditions.quarantine.self_chosen
    assert "self_chosen" not in casefile.dumps(case)
    assert casefile.loads(casefile.dumps(case)) == case


def test_a_format_1_orderer_is_kept_as_someone_named() -> None:
    case = casefile.read(FORMAT_1 / "ordered.json")
    quarantine = case.conditions.quarantine
    assert (quarantine.ordered_by_role, quarantine.ordered_by) == (
        "other", "Kommuneoverlegen i Prøvestad")
    assert not quarantine.self_chosen


def test_format_1_files_still_validate_against_the_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    for path in sorted(FORMAT_1.glob("*.json")):
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)


def test_a_format_1_tick_that_is_not_a_boolean_is_refused() -> None:
    with pytest.raises(CaseFileError) as info:
        casefile.loads(_doc(conditions={"quarantine": {"self_chosen": "kanskje"}}))
    assert info.value.field.startswith("case.conditions.quarantine")
