"""Retention: which exported cases are due, the announcement, and a purge that leaves no trace."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from core import retention
from core.audit import Actor
from core.case import Case, Consultation, Medication, Patient
from core.crypto import FieldCipher
from core.storage import ExportedDocument, Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _case(name: str) -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number="15888510025"),
                consultation=Consultation(date=date(2026, 2, 1)),
                medications=[Medication(drug="buprenorphine", daily_dose="16")])


def _export(store: Store, case: Case, at: datetime, content: bytes = b"journal") -> None:
    """Record an export and set its time (the store stamps the real clock)."""
    revision = store.record_export(case.id, [ExportedDocument(
        "journal", "nb", "journalnotat.txt", hashlib.sha256(content).hexdigest(), content)])
    with store.engine.begin() as connection:
        connection.execute(text(
            "UPDATE export_revisions SET exported_at = :at WHERE case_id = :c AND revision = :r"),
            {"at": at, "c": case.id, "r": revision})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(data_dir=tmp_path)
    yield opened
    opened.close()


def test_only_exported_cases_become_due_counted_from_the_last_export(store: Store) -> None:
    old, recent, draft, twice = (_case(n) for n in ("Gammel", "Ny", "Utkast", "To ganger"))
    for case in (old, recent, draft, twice):
        store.save(case)
    _export(store, old, NOW - timedelta(days=31))
    _export(store, recent, NOW - timedelta(days=25))
    _export(store, twice, NOW - timedelta(days=40))
    _export(store, twice, NOW - timedelta(days=2))
    due = retention.due(store, NOW, 30)
    assert [item.case_id for item in due] == [old.id]
    assert due[0].due_at == NOW - timedelta(days=1)
    assert due[0].last_export == NOW - timedelta(days=31)
    assert [i.case_id for i in retention.upcoming(store, NOW, 30, warn_days=7)] == [recent.id]
    assert retention.upcoming(store, NOW, 30, warn_days=4) == []
    later = NOW + timedelta(days=60)
    assert {i.case_id for i in retention.due(store, later, 30)} == {old.id, recent.id, twice.id}
    assert draft.id not in {i.case_id for i in retention.schedule(store, 1)}


def test_the_period_is_the_setting(store: Store) -> None:
    case = _case("Testa Testesen")
    store.save(case)
    _export(store, case, NOW - timedelta(days=10))
    assert retention.due(store, NOW, 30) == []
    assert [i.case_id for i in retention.due(store, NOW, 10)] == [case.id]
    assert [i.case_id for i in retention.upcoming(store, NOW, 14, warn_days=7)] == [case.id]


def test_bad_arguments_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="aware"):
        retention.due(store, datetime(2026, 1, 1), 30)
    with pytest.raises(ValueError, match="at least 1"):
        retention.due(store, NOW, 0)


def test_purge_due_removes_due_cases_audits_and_thins_backups(store: Store) -> None:
    gone, kept, draft = _case("Borte"), _case("Beholdt"), _case("Utkast")
    for case in (gone, kept, draft):
        store.save(case)
    _export(store, gone, NOW - timedelta(days=31))
    _export(store, kept, NOW - timedelta(days=3))
    first = store.backup()
    assert first is not None
    result = retention.purge_due(store, NOW, 30, actor=Actor("Dr. Test", "9999999"))
    assert result.purged == (gone.id,) and result.failed == ()
    assert {d.id for d in store.list()} == {kept.id, draft.id}
    assert result.backup is not None and result.backup.exists()
    assert result.backup.name.endswith("-after-purge.sqlite3")
    assert store.backups() == [result.backup]
    assert result.removed_backups == 1 and not first.exists()
    [entry] = [e for e in store.audit_log(gone.id) if e.action == "purge"]
    assert entry.details["reason"] == "retention" and entry.actor == "Dr. Test"
    assert store.verify_audit().ok
    assert retention.purge_due(store, NOW, 30).purged == ()  # nothing left to do


def _scan(folder: Path, needles: list[bytes]) -> list[str]:
    """Files under ``folder`` that contain any needle (UTF-8, UTF-16 LE and BE)."""
    patterns = []
    for needle in needles:
        patterns.append(needle)
        if needle.isascii():
            text_form = needle.decode("ascii")
            patterns += [text_form.encode("utf-16-le"), text_form.encode("utf-16-be")]
    return sorted({str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                   for pattern in patterns if pattern in p.read_bytes()})


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plaintext"])
def test_a_purged_case_is_in_no_file_of_the_data_folder(tmp_path: Path, encrypted: bool) -> None:
    """Physical removal, proven without relying on encryption: the plaintext run must pass
    too (WAL checkpoint, secure_delete, old backups removed)."""
    marker = f"purgemarker{uuid.uuid4().hex[:10]}"
    cipher = FieldCipher.generate() if encrypted else None
    store = Store.open(data_dir=tmp_path, cipher=cipher)
    case, other, bystander = _case(f"Testa {marker}"), _case("Annen Pasient"), _case("Tredje")
    case.notes = f"{marker} " * 200  # big enough to spill onto overflow pages
    store.save(case)
    for step in range(20):  # autosaves
        case.plan.evaluation = f"{marker} evaluering {step}"
        store.save(case, step="plan")
    store.save(other)
    store.save(bystander)
    _export(store, case, NOW - timedelta(days=31), content=f"PDF {marker}".encode() * 50)
    _export(store, other, NOW - timedelta(days=2))
    store.backup()
    store.delete(bystander.id)  # a before-delete backup that holds the case too
    with store.engine.connect() as connection:
        stored_payload = connection.execute(
            text("SELECT payload FROM cases WHERE id = :i"), {"i": case.id}).scalar()
    fragment = stored_payload[100:160].encode("ascii") if encrypted else marker.encode()
    store.checkpoint()
    assert _scan(tmp_path, [fragment]), "the scanner must see the case before the purge"
    if not encrypted:
        assert _scan(tmp_path, [marker.encode()])

    result = retention.purge_due(store, NOW, 30)
    assert result.purged == (case.id,)
    with store.engine.connect() as connection:
        for table, column in (("cases", "id"), ("export_revisions", "case_id")):
            assert connection.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :i"),
                                      {"i": case.id}).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM export_documents")).scalar() == 1
    assert store.load(other.id).case.patient == other.patient
    assert _scan(tmp_path, [marker.encode(), fragment]) == []
    store.close()
    assert _scan(tmp_path, [marker.encode(), fragment]) == []
