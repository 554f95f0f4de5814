"""The draft store on every backend: round trips, conflicts, search, exports."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core import casefile
from core.case import Case, Consultation, Medication, Patient
from core.storage import (
    SCHEMA_HEAD,
    CaseNotFound,
    ConflictError,
    ExportedDocument,
    NewerSchemaError,
    Store,
    head_revision,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"


def _case(name: str = "Kari Syntetisk Testesen", number: str = "15888510025",
          day: date | None = date(2021, 11, 15)) -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number=number),
                consultation=Consultation(date=day),
                medications=[Medication(drug="buprenorphine", daily_dose="16")])


def test_full_case_round_trips(store: Store) -> None:
    examples = sorted(EXAMPLES.glob("*.json"))
    cases = [casefile.read(p) for p in examples] or [_case()]
    for case in cases:
        store.save(case, step="risk")
        loaded = store.load(case.id)
        assert loaded.case == case
        assert loaded.version == 1
        assert loaded.step == "risk"


def test_invalid_input_is_stored_as_typed(store: Store) -> None:
    case = _case(number="12345abc")
    case.medications[0].daily_dose = "mye"
    store.save(case)
    loaded = store.load(case.id).case
    assert loaded.patient.identity_number == "12345abc"
    assert loaded.medications[0].daily_dose == "mye"


def test_versions_count_up_and_stale_writers_are_refused(store: Store) -> None:
    case = _case()
    assert store.save(case) == 1
    assert store.save(case, expected_version=1) == 2
    other = store.load(case.id)
    case.notes = "first editor"
    assert store.save(case, expected_version=2) == 3
    other.case.notes = "second editor"
    with pytest.raises(ConflictError):
        store.save(other.case, expected_version=other.version)
    assert store.load(case.id).case.notes == "first editor"
    assert store.load(case.id).version == 3


def test_step_is_kept_when_not_given(store: Store) -> None:
    case = _case()
    store.save(case, step="medication")
    store.save(case)
    assert store.load(case.id).step == "medication"


def test_list_is_newest_first_with_masked_numbers(store: Store) -> None:
    old, new = _case("Ola Prøve Nordmann"), _case("Åse Syntetisk")
    old.updated_at = new.updated_at - timedelta(hours=1)
    store.save(new)
    store.save(old)
    drafts = store.list()
    assert [d.patient_name for d in drafts] == ["Åse Syntetisk", "Ola Prøve Nordmann"]
    assert drafts[0].masked_identity == "158885 *****"
    assert "10025" not in drafts[0].masked_identity
    assert drafts[0].consultation_date == date(2021, 11, 15)
    assert drafts[0].updated_at.tzinfo is not None
    assert len(store.list(limit=1)) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("øystein", {"Øystein Ærlig Åsen"}),
        ("ØYSTEIN", {"Øystein Ærlig Åsen"}),
        ("ærlig", {"Øystein Ærlig Åsen"}),
        ("ÅSEN", {"Øystein Ærlig Åsen"}),
        ("nordmann", {"Ola Prøve Nordmann"}),
        ("038292", {"Ola Prøve Nordmann"}),
        ("038 292 10001", {"Ola Prøve Nordmann"}),
        ("2021-11-15", {"Øystein Ærlig Åsen"}),
        ("15.11.2021", {"Øystein Ærlig Åsen"}),
        ("15.11", {"Øystein Ærlig Åsen"}),
        ("%", set()),
        ("_", set()),
        ("'); DROP TABLE cases;--", set()),
        ("", {"Øystein Ærlig Åsen", "Ola Prøve Nordmann"}),
    ],
)
def test_search_is_case_insensitive_for_norwegian_letters(store: Store, query: str,
                                                          expected: set[str]) -> None:
    store.save(_case("Øystein Ærlig Åsen", "15888510025", date(2021, 11, 15)))
    store.save(_case("Ola Prøve Nordmann", "03829210001", date(2021, 12, 1)))
    assert {d.patient_name for d in store.list(query)} == expected


def test_duplicate_makes_a_new_draft(store: Store) -> None:
    case = _case()
    case.status = "exported"
    case.consent.status = "obtained"
    store.save(case)
    copy_id = store.duplicate(case.id)
    copy = store.load(copy_id).case
    assert copy_id != case.id
    assert copy.patient == case.patient
    assert copy.status == "draft"
    assert copy.consent.status == "not_obtained"
    assert len(store.list()) == 2


def test_delete_removes_case_and_exports(store: Store) -> None:
    case = _case()
    store.save(case)
    store.record_export(case.id, [ExportedDocument("journal", "nb", "j.pdf", "0" * 64, b"x")])
    store.delete(case.id)
    with pytest.raises(CaseNotFound):
        store.load(case.id)
    assert store.list() == []
    with pytest.raises(CaseNotFound):
        store.delete(case.id)


def test_exported_versions_stay_retrievable_after_edits(store: Store) -> None:
    case = _case()
    store.save(case)
    pdf = b"%PDF-1.4 synthetic"
    doc = ExportedDocument("consent", "nb", "2021-11-15_samtykke_x.pdf",
                           hashlib.sha256(pdf).hexdigest(), pdf)
    assert store.record_export(case.id, [doc]) == 1
    stored = store.load(case.id)
    assert stored.case.status == "exported"
    edited = stored.case
    edited.medications[0].daily_dose = "12"
    store.save(edited, expected_version=stored.version)
    assert store.record_export(case.id, []) == 2
    first = store.load_export(case.id, 1)
    assert first.case.medications[0].daily_dose == "16"
    assert first.documents == (doc,)
    assert isinstance(first.exported_at, datetime)
    assert (first.pathway_id, first.pathway_version) == ("karantene-substitusjon", 1)
    assert [r.revision for r in store.list_exports(case.id)] == [1, 2]
    assert store.load_export(case.id, 2).case.medications[0].daily_dose == "12"
    with pytest.raises(CaseNotFound):
        store.load_export(case.id, 3)


def test_load_unknown_case(store: Store) -> None:
    with pytest.raises(CaseNotFound):
        store.load("0" * 32)


def test_reopen_sees_everything(store_url: str, tmp_path: Path) -> None:
    first = Store.open(store_url, data_dir=tmp_path)
    case = _case()
    first.save(case)
    first.close()
    again = Store.open(store_url, data_dir=tmp_path)
    assert again.load(case.id).case == case
    assert again.schema_revision() == head_revision()
    again.close()


def test_schema_head_matches_alembic() -> None:
    """``SCHEMA_HEAD`` lets a current database open without Alembic; a new migration must
    move it too, or every start would take the slow path (and a test here would not notice)."""
    assert head_revision() == SCHEMA_HEAD


def test_a_current_database_opens_without_alembic(store_url: str, tmp_path: Path) -> None:
    """Only a new or older database loads Alembic (and Mako) to migrate; a current one is
    recognised by its ``alembic_version`` row alone."""
    Store.open(store_url, data_dir=tmp_path).close()  # created and migrated here
    code = ("import sys; from pathlib import Path; from core.storage import Store; "
            f"Store.open({store_url!r}, data_dir=Path({str(tmp_path)!r})); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_a_database_at_another_revision_still_goes_through_alembic(tmp_path: Path) -> None:
    """The fast path is taken only at exactly ``SCHEMA_HEAD``: any other revision is Alembic's
    to judge (older ones are migrated: ``test_sqlite_file``'s 0001 fixture)."""
    store = Store.open(data_dir=tmp_path)
    case = _case()
    store.save(case)
    store.close()
    import sqlite3

    db = next(tmp_path.glob("*.sqlite3"))
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_HEAD,)]
        raw.execute("UPDATE alembic_version SET version_num = 'ffff'")
    with pytest.raises(NewerSchemaError):  # unknown revision: Alembic is asked, and refuses
        Store.open(data_dir=tmp_path)


def test_tables_match_the_migrated_schema(store_url: str, tmp_path: Path) -> None:
    """The store's Core tables (``core.storage.tables``) describe exactly the schema the
    migrations build: Alembic's autogenerate finds nothing to add, drop or change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from core.storage.tables import metadata

    store = Store.open(store_url, data_dir=tmp_path)
    try:
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
            dialect = connection.dialect.name
    finally:
        store.close()
    if dialect == "sqlite":  # 0005 leaves this VARCHAR(255) on SQLite, which ignores lengths
        differences = [d for d in differences
                       if not (isinstance(d, list) and len(d) == 1 and d[0][0] == "modify_type"
                               and d[0][2:4] == ("export_documents", "file_name"))]
    assert differences == []
