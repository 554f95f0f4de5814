"""Hostile input battery: every text field of the case model and the case-file importer, the
identity-number checker, the store (SQLite and PostgreSQL) and the PDFs.

Each input is either stored (verbatim, or after the normalisation documented in
``docs/hostile-input.md``) or rejected with a message naming the field; nothing crashes; the
PDFs still render and their text keeps the Sami letters.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import casefile
from core.case import SHORT_TEXT_MAX, Case
from core.casefile import CaseFileError
from core.casepath import get_value, set_value
from core.content import load_library
from core.content.pathway import Pathway
from core.export import build_documents, export_documents
from core.identity import MASK_MAX, check, mask
from core.pdf import render
from core.storage import StorageError, Store
from tests.faults import hostile

POSTGRES_URL = os.environ.get("REKVIRENT_TEST_POSTGRES_URL", "")
BASE = hostile.full_example()
DOCUMENT = casefile.to_document(BASE)
PATHS = list(hostile.string_paths(BASE))
FREE_TEXT = hostile.free_text_paths(BASE)


@pytest.fixture(scope="module")
def pathway() -> Pathway:
    found = load_library().get(BASE.pathway_id, BASE.pathway_version)
    assert found is not None
    return found


def test_the_battery_reaches_every_text_field() -> None:
    assert len(PATHS) > 100
    for expected in ("patient.name", "patient.identity_number", "notes", "journal_addition",
                     "risk.R1.note", "extra_risk_points.0.title", "medications.0.daily_dose",
                     "conditions.dependence.diagnoses.0.supervisor_name", "plan.taper",
                     "consent.patient_questions", "substance_use.0.amount"):
        assert expected in PATHS
        assert expected in FREE_TEXT or expected.endswith(("substance", "drug"))


# ---- the model and the importer ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_every_field_stores_or_rejects_clearly(name: str) -> None:
    value = hostile.HOSTILE[name]
    model, importer = hostile.Tally(), hostile.Tally()
    for path in PATHS:
        model.add(*hostile.try_model(BASE.model_copy(deep=True), path, value))
        importer.add(*hostile.try_importer(DOCUMENT, path, value))
    assert model.crashes == 0, model.problems[:5]
    assert importer.crashes == 0, importer.problems[:5]
    assert model.tried == importer.tried == len(PATHS)


@pytest.mark.parametrize(("name", "limit"), [("10,000-character name", SHORT_TEXT_MAX),
                                             ("1 MB note", 100_000)])
def test_too_long_texts_are_refused_with_the_field_and_the_limit(name: str, limit: int) -> None:
    value = hostile.HOSTILE[name]
    path = "patient.name" if limit == SHORT_TEXT_MAX else "notes"
    with pytest.raises(ValueError, match=str(limit)):
        set_value(BASE.model_copy(deep=True), path, value)
    outcome, _detail = hostile.try_importer(DOCUMENT, path, value)
    assert outcome == "rejected"
    with pytest.raises(CaseFileError) as info:
        hostile.casefile.loads(_document_with(path, value))
    assert info.value.field == f"case.{path}"
    assert str(limit) in info.value.message


def _document_with(path: str, value: str) -> str:
    import json

    copy = json.loads(json.dumps(DOCUMENT))
    hostile._set_json(copy["case"], path, value)
    return json.dumps(copy, ensure_ascii=True)


def test_lone_surrogates_in_a_case_file_become_replacement_characters() -> None:
    case = casefile.loads(_document_with("notes", "a\ud800b\udfffc"))
    assert case.notes == "a\ufffdb\ufffdc"
    case.notes.encode("utf-8")  # now it can be stored and written anywhere


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "sak.json"
    path.write_bytes(b"\xef\xbb\xbf" + casefile.dumps(BASE).encode("utf-8"))
    assert casefile.read(path) == BASE


@pytest.mark.parametrize("text", ["{\"a\": " + "9" * 5000 + "}", "[" * 100_000, "\x00",
                                  "{\"format\": \"rekvirent-case\", \"format_version\": 1e999}"])
def test_hostile_json_gives_a_clear_error(text: str) -> None:
    with pytest.raises(CaseFileError):
        casefile.loads(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_as_a_case_file_is_read_or_refused(text: str) -> None:
    with contextlib.suppress(CaseFileError):
        casefile.loads(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), st.text(max_size=60))
def test_any_text_in_any_field_of_a_case_file(path: str, value: str) -> None:
    outcome, detail = hostile.try_importer(DOCUMENT, path, value)
    assert outcome != "crash", detail


# ---- the documented normalisation (model) ----------------------------------------------------

NORMALISED = {
    "NUL": "føretter",
    "bidi overrides": "Ola Nordmann og x \u200fslutt",
    "zero-width characters": "Ol\u200ca\u200d",
    "line breaks of every kind": "linje1\nlinje2\nlinje3\nlinje4\nlinje5",
    "Sami letters decomposed (NFD)": hostile.SAMI,
}


@pytest.mark.parametrize("name", list(NORMALISED))
def test_reference_normalisation(name: str) -> None:
    assert hostile.clean_text(hostile.HOSTILE[name]) == NORMALISED[name]
    assert hostile.clean_text(NORMALISED[name]) == NORMALISED[name]  # idempotent


@pytest.mark.parametrize("name", list(NORMALISED))
def test_the_model_normalises_free_text(name: str) -> None:
    case = BASE.model_copy(deep=True)
    case.patient.name = hostile.HOSTILE[name]
    assert case.patient.name == NORMALISED[name]


# ---- identity numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("row", hostile.identity_table(), ids=lambda row: row.label)
def test_identity_numbers_of_every_kind(row: hostile.IdentityCase) -> None:
    outcome, detail = hostile.judge_identity(row)
    assert outcome != "crash", detail
    assert (outcome == "verbatim") == row.valid


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text("0123456789 -.\u00a0١٢٣", max_size=15))
def test_the_identity_check_never_crashes(number: str) -> None:
    result = check(number, today=hostile.TODAY)
    assert result.valid or result.errors
    masked = mask(number)
    assert len(masked) <= MASK_MAX
    assert all(ch.isprintable() for ch in masked)


# ---- the store --------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'rekvirent.sqlite3'}", data_dir=tmp_path)
    else:
        if not POSTGRES_URL:
            if os.environ.get("REKVIRENT_REQUIRE_POSTGRES") == "1":
                pytest.fail("REKVIRENT_REQUIRE_POSTGRES=1 but no REKVIRENT_TEST_POSTGRES_URL")
            pytest.skip("no PostgreSQL test server (set REKVIRENT_TEST_POSTGRES_URL)")
        _empty_postgres(POSTGRES_URL)
        opened = Store.open(POSTGRES_URL, data_dir=tmp_path)
    yield opened
    opened.close()


def _empty_postgres(url: str) -> None:
    """Start from an empty schema (whatever tables later migrations add)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def hostile_case(value: str) -> Case:
    return hostile.hostile_case(value, BASE)


@pytest.mark.parametrize("name", hostile.STORABLE)
def test_the_store_keeps_every_value(name: str, store: Store) -> None:
    case = hostile_case(hostile.HOSTILE[name])
    if (name == "NUL" and store.engine.dialect.name == "postgresql"):
        # PostgreSQL text cannot hold NUL: today the save fails (with a vague message) until
        # the model removes NUL (docs/hostile-input.md); it must never crash or half-save.
        try:
            store.save(case)
        except StorageError:
            pytest.xfail("NUL reaches PostgreSQL: needs the model normalisation")
    else:
        store.save(case)
    stored = store.load(case.id).case
    for path in FREE_TEXT:
        sent, got = get_value(case, path), get_value(stored, path)
        assert hostile.judge_stored(sent, got) != "crash", path
    assert [d.id for d in store.list()] == [case.id]
    summary = store.list()[0]
    assert summary.masked_identity == mask(case.patient.identity_number)


def test_sql_injection_changes_nothing_but_the_case(store: Store) -> None:
    from sqlalchemy import inspect

    tables = set(inspect(store.engine).get_table_names())
    value = hostile.HOSTILE["SQL injection"]
    case = hostile_case(value)
    store.save(case)
    for query in (value, "%", "_", "\\", "' OR 1=1 --", "%' OR '1'='1"):
        found = store.list(query)
        assert {d.id for d in found} <= {case.id}
    assert [d.id for d in store.list("DROP TABLE")] == [case.id]
    assert set(inspect(store.engine).get_table_names()) == tables
    assert store.count() == 1
    assert store.verify_audit().ok


# ---- documents and PDFs ----------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("name", hostile.PDF_VALUES)
def test_documents_render_with_hostile_text(name: str, pathway: Pathway,
                                            tmp_path: Path) -> None:
    value = hostile.HOSTILE[name]
    case = hostile_case(value)
    result = export_documents(case, pathway, tmp_path)
    assert result.files
    file_name = re.compile(r"^[a-z]+(-engelsk)?-\d{4}-\d{2}-\d{2}-[0-9A-Z-]+\.(pdf|txt)$")
    for written in result.files:
        assert written.path.parent == tmp_path  # never elsewhere, whatever the texts say
        assert file_name.match(written.path.name), written.path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f.path.name for f in result.files)
    texts = [_pdf_text(render(document)) for document in build_documents(case, pathway)]
    assert all(texts)
    if "Sami" in name:
        for letter in "ÁáČčĐđŊŋŠšŦŧŽž":
            assert all(letter in text for text in texts), letter
    if name == "reportlab markup":
        assert any("<font color=red>rød</font> & <b>fet</b>" in " ".join(t.split())
                   for t in texts)


def test_the_longest_note_still_renders(pathway: Pathway) -> None:
    case = BASE.model_copy(deep=True)
    case.journal_addition = hostile.HOSTILE["100,000 characters (long-field limit)"]
    journal = build_documents(case, pathway)[0]
    text = _pdf_text(render(journal))
    assert text.count("ŋ") >= 50_000


# ---- the tapering-plan pathway (its own fields: the taper's steps, the plan's roles) ----------

TAPERING = casefile.read(hostile.ROOT / "resources" / "examples"
                         / "nedtrapping-benzodiazepin-8-uker.json")
TAPERING_DOCUMENT = casefile.to_document(TAPERING)
TAPERING_PATHS = list(hostile.string_paths(TAPERING))


def test_the_tapering_battery_reaches_the_plan_fields() -> None:
    for expected in ("course.taper.withdrawal_advice", "plan.responsible_tsb",
                     "plan.relapse_plan", "plan.follow_up_frequency"):
        assert expected in TAPERING_PATHS


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_every_tapering_field_stores_or_rejects_clearly(name: str) -> None:
    value = hostile.HOSTILE[name]
    model, importer = hostile.Tally(), hostile.Tally()
    for path in TAPERING_PATHS:
        model.add(*hostile.try_model(TAPERING.model_copy(deep=True), path, value))
        importer.add(*hostile.try_importer(TAPERING_DOCUMENT, path, value))
    assert model.crashes == 0, model.problems[:5]
    assert importer.crashes == 0, importer.problems[:5]


@pytest.mark.parametrize("name", hostile.PDF_VALUES)
def test_tapering_documents_render_with_hostile_text(name: str, tmp_path: Path) -> None:
    pathway = load_library().get("nedtrappingsplan", 1)
    assert pathway is not None
    case = hostile.hostile_case(hostile.HOSTILE[name], TAPERING)
    result = export_documents(case, pathway, tmp_path)
    assert result.files
    assert all(_pdf_text(render(document)) for document in build_documents(case, pathway))
