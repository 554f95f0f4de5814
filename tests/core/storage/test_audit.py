"""The audit log on every backend: automatic entries, the hash chain, tamper evidence,
append-only guards, no patient data, and concurrent writers."""

from __future__ import annotations

import hashlib
import itertools
import threading
import types
import typing
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import text

from core import casefile
from core.audit import (
    GENESIS_HASH,
    Actor,
    ChainRow,
    encode_details,
    entry_hash,
    verify_chain,
)
from core.case import Case, Consultation, Medication, Patient
from core.storage import ExportedDocument, StorageError, Store, head_revision

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "db" / "rekvirent-0001.sqlite3"
DOCTOR = Actor("Lege Syntetisk Legesen", "9144889")


def _case(name: str = "Kari Syntetisk Testesen") -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number="15888510025"),
                consultation=Consultation(date=datetime(2021, 11, 15).date()),
                medications=[Medication(drug="buprenorphine", daily_dose="16")])


def _doc(kind: str = "journal", content: bytes = b"%PDF-1.4 synthetic",
         file_name: str = "journal.pdf") -> ExportedDocument:
    return ExportedDocument(kind, "nb", file_name, hashlib.sha256(content).hexdigest(), content)


def _raw(store: Store, sql: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(sql))


def _drop_guards(store: Store) -> None:
    """What someone with the database file (or the table owner) can do: remove the triggers.
    The hash chain must still give them away."""
    if store.engine.dialect.name == "sqlite":
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete",
                     "audit_head_forward_only"):
            _raw(store, f"DROP TRIGGER {name}")
    else:
        _raw(store, "ALTER TABLE audit_log DISABLE TRIGGER USER")
        _raw(store, "ALTER TABLE audit_head DISABLE TRIGGER USER")


def _five_entries(store: Store) -> Case:
    store.set_actor(DOCTOR.name, DOCTOR.hpr)
    case = _case()
    store.save(case)                                               # 1 create
    store.open_case(case.id)                                       # 2 open
    store.record_export(case.id, [_doc()])                         # 3 export
    store.audit("print", case.id, details={"kind": "journal", "copies": 1})   # 4
    store.audit("copy", case.id, details={"kind": "prescription_text"})      # 5
    return case


# ---- what gets recorded ----------------------------------------------------------------


def test_actions_are_recorded_once_each_and_the_chain_verifies(store: Store) -> None:
    store.set_actor(DOCTOR.name, DOCTOR.hpr)
    case = _case()
    store.save(case)
    store.save(case)  # a plain save is not audited (autosave would drown the log)
    store.open_case(case.id)
    pdf = b"%PDF-1.4 journal"
    assert store.record_export(case.id, [_doc(content=pdf)]) == 1
    copy_id = store.duplicate(case.id)
    imported = _case("Ola Prøve Nordmann")
    store.import_case(imported)
    store.import_case(imported)
    store.audit("print", case.id, details={"kind": "consent"})
    store.audit("copy", case.id, details={"kind": "journal_note"})
    store.delete(copy_id)
    store.purge(imported.id)
    store.audit("restore", None, details={"backup": "rekvirent-20240101T000000Z-manual.sqlite3"})

    log = store.audit_log()
    assert [(e.seq, e.action) for e in log] == list(enumerate(
        ["create", "open", "export", "duplicate", "import", "import", "print", "copy",
         "delete", "purge", "restore"], start=1))
    assert all(e.actor == DOCTOR.name and e.actor_hpr == DOCTOR.hpr for e in log)
    assert all(e.workstation and e.at.tzinfo is not None for e in log)
    assert log[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(log))
    export = log[2]
    assert export.details == {"revision": 1, "documents": [
        {"kind": "journal", "language": "nb", "sha256": hashlib.sha256(pdf).hexdigest(),
         "bytes": len(pdf)}]}
    assert log[3].case_id == copy_id and log[3].details == {"source_case_id": case.id}
    assert (log[4].details, log[5].details) == ({"replaced": False, "items": 0},
                                               {"replaced": True, "items": 0})
    assert log[8].details["exports"] == 0
    assert log[9].details == {"reason": "retention", "exports": 0, "items": 0}
    assert log[10].case_id is None

    result = store.verify_audit()
    assert result.ok and result.entries == 11 and result.first_broken_seq is None
    assert "11" in result.message


def test_entries_outlive_the_case_and_can_be_filtered(store: Store) -> None:
    case = _five_entries(store)
    other = _case("Åse Syntetisk")
    store.save(other)
    store.delete(case.id)
    entries = store.audit_log(case.id)
    assert [e.action for e in entries] == ["create", "open", "export", "print", "copy", "delete"]
    assert [e.action for e in store.audit_log(other.id)] == ["create"]
    assert store.verify_audit().ok


def test_actor_argument_overrides_the_store_actor(store: Store) -> None:
    store.set_actor("Lege A", "1111111")
    case = _case()
    store.save(case, actor=Actor("Lege B", "2222222"))
    store.open_case(case.id)
    first, second = store.audit_log()
    assert (first.actor, first.actor_hpr) == ("Lege B", "2222222")
    assert (second.actor, second.actor_hpr) == ("Lege A", "1111111")


def test_an_action_and_its_entry_commit_together(store: Store) -> None:
    with pytest.raises(StorageError):
        store.delete("0" * 32)  # not found: nothing deleted, nothing audited
    assert store.audit_log() == []
    case = _case()
    store.save(case)
    with pytest.raises(ValueError, match="details"):  # a bad entry undoes the export too
        store.record_export(case.id, [ExportedDocument("journal", "nb", "j.pdf", "nope", b"")])
    assert store.list_exports(case.id) == []
    assert [e.action for e in store.audit_log()] == ["create"]


@pytest.mark.parametrize(
    "details",
    [
        {"note": "anything"},                       # key not on the list
        {"patient": "Kari"},
        {"kind": "Kari Nordmann"},                  # words with spaces are not code words
        {"kind": "15888510025"},                    # looks like a fødselsnummer
        {"reason": "x" * 65},
        {"sha256": "0" * 63},
        {"source_case_id": "15888510025"},
        {"count": "3"},
        {"replaced": "yes"},
        {"documents": [{"kind": "journal", "file_name": "kari.pdf"}]},
        {"kinds": ["journal", "Kari Nordmann"]},
        {"backup": "../../etc/passwd"},
    ],
)
def test_details_refuse_anything_but_ids_kinds_hashes_and_counts(
        store: Store, details: dict[str, Any]) -> None:
    case = _case()
    store.save(case)
    with pytest.raises(ValueError, match="audit details"):
        store.audit("copy", case.id, details=details)
    assert len(store.audit_log()) == 1


def test_unknown_actions_and_malformed_case_ids_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="action"):
        store.audit("save", None)
    with pytest.raises(ValueError, match="case"):
        store.audit("open", "Kari Nordmann")
    assert store.audit_log() == []


# ---- no patient data -------------------------------------------------------------------


def _fill(model: type[BaseModel], marker: str) -> BaseModel:
    """The model with the marker in every free-text field (lists get one filled item)."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = _value_for(info.annotation, f"{marker} {name}", marker)
        if value is not None:
            data[name] = value
    while True:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            bad = {str(error["loc"][0]) for error in exc.errors()} & set(data)
            if not bad:
                raise
            for key in bad:
                data.pop(key, None)


def _value_for(annotation: Any, text_value: str, marker: str) -> Any:
    origin = typing.get_origin(annotation)
    if annotation is str:
        return text_value
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                value = _value_for(arg, text_value, marker)
                if value is not None:
                    return value
        return None
    if origin is typing.Annotated:
        return _value_for(typing.get_args(annotation)[0], text_value, marker)
    if origin is list:
        item = _value_for(typing.get_args(annotation)[0], text_value, marker)
        return None if item is None else [item]
    if origin is dict:
        item = _value_for(typing.get_args(annotation)[1], text_value, marker)
        return None if item is None else {"point": item}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _fill(annotation, marker).model_dump()
    return None


def test_no_patient_data_or_clinical_text_reaches_the_audit_log(store: Store) -> None:
    marker = f"ZZKANARI{uuid.uuid4().hex[:12]}"
    case = typing.cast(Case, _fill(Case, marker))
    case.patient.identity_number = "15888510025"
    text_fields = casefile.dumps(case).count(marker)
    assert text_fields > 40, "the canary should be in every free-text field"
    store.set_actor(DOCTOR.name, DOCTOR.hpr)
    store.save(case)
    store.open_case(case.id)
    content = f"%PDF-1.4 {marker} 15888510025".encode()
    store.record_export(case.id, [_doc(content=content, file_name=f"{marker} 15888510025.pdf")])
    store.audit("copy", case.id, details={"kind": "journal_note"})
    copy_id = store.duplicate(case.id)
    store.delete(case.id)
    store.purge(copy_id)

    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM audit_log")).all()
        head = connection.execute(text("SELECT * FROM audit_head")).all()
    assert len(rows) == 7
    dumped = repr(rows) + repr(head)
    for needle in (marker, "15888510025", "158885", "ZZKANARI"):
        assert needle not in dumped
    assert store.verify_audit().ok


# ---- tamper evidence -------------------------------------------------------------------


def test_the_database_refuses_to_change_or_remove_entries(store: Store) -> None:
    _five_entries(store)
    for sql in ("UPDATE audit_log SET details = '{}' WHERE seq = 3",
                "DELETE FROM audit_log WHERE seq = 3",
                "DELETE FROM audit_head",
                "UPDATE audit_head SET seq = 2"):
        with pytest.raises(Exception, match="audit"):
            _raw(store, sql)
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(Exception, match="append-only"):
            _raw(store, "TRUNCATE audit_log")
    assert store.verify_audit().ok
    assert len(store.audit_log()) == 5


def test_an_edited_entry_is_reported_with_its_seq(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    _raw(store, """UPDATE audit_log SET details = '{"kind":"consent"}' WHERE seq = 3""")
    result = store.verify_audit()
    assert (result.ok, result.first_broken_seq, result.problem) == (False, 3, "changed")
    assert result.entries == 2
    assert "3" in result.message


def test_an_edited_actor_or_time_is_reported(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    _raw(store, "UPDATE audit_log SET actor = 'Someone Else' WHERE seq = 2")
    assert store.verify_audit().first_broken_seq == 2


def test_an_edited_and_rehashed_entry_breaks_the_next_link(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    entry = store.audit_log()[2]
    forged = entry_hash(seq=3, at=entry.at, actor=entry.actor, actor_hpr=entry.actor_hpr,
                        workstation=entry.workstation, action="print", case_id=entry.case_id,
                        details=encode_details(entry.details), prev_hash=entry.prev_hash)
    _raw(store, f"UPDATE audit_log SET action = 'print', hash = '{forged}' WHERE seq = 3")
    result = store.verify_audit()
    assert (result.first_broken_seq, result.problem) == (4, "chain")


def test_a_removed_middle_entry_is_reported(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    _raw(store, "DELETE FROM audit_log WHERE seq = 3")
    result = store.verify_audit()
    assert (result.ok, result.first_broken_seq, result.problem) == (False, 3, "missing")


def test_a_removed_middle_entry_with_renumbering_is_reported(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    _raw(store, "DELETE FROM audit_log WHERE seq = 3")
    _raw(store, "UPDATE audit_log SET seq = 3 WHERE seq = 4")
    _raw(store, "UPDATE audit_log SET seq = 4 WHERE seq = 5")
    result = store.verify_audit()
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_reordered_entries_are_reported(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    _raw(store, "UPDATE audit_log SET seq = -1 WHERE seq = 2")
    _raw(store, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    _raw(store, "UPDATE audit_log SET seq = 3 WHERE seq = -1")
    result = store.verify_audit()
    assert (result.ok, result.first_broken_seq, result.problem) == (False, 2, "chain")


def test_removed_newest_entries_are_reported(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    _raw(store, "DELETE FROM audit_log WHERE seq >= 4")
    result = store.verify_audit()
    assert (result.ok, result.first_broken_seq, result.problem) == (False, 4, "missing")
    assert result.expected_last_seq == 5


def test_entries_added_behind_the_stores_back_are_reported(store: Store) -> None:
    _five_entries(store)
    _drop_guards(store)
    last = store.audit_log()[-1]
    at = datetime.now(UTC)
    forged = entry_hash(seq=6, at=at, actor="X", actor_hpr="", workstation="w",
                        action="open", case_id=None, details="{}", prev_hash=last.hash)
    with store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_log (seq, at, actor, actor_hpr, workstation, action, case_id,"
            " details, prev_hash, hash) VALUES (6, :at, 'X', '', 'w', 'open', NULL, '{}',"
            " :prev, :hash)"), {"at": at, "prev": last.hash, "hash": forged})
    result = store.verify_audit()
    assert (result.ok, result.first_broken_seq, result.problem) == (False, 6, "head")


def test_a_missing_head_is_reported_and_stops_writers(store: Store) -> None:
    case = _five_entries(store)
    _drop_guards(store)
    _raw(store, "DELETE FROM audit_head")
    result = store.verify_audit()
    assert (result.ok, result.problem) == (False, "head")
    with pytest.raises(StorageError):
        store.audit("open", case.id)


# ---- concurrency -----------------------------------------------------------------------


def test_concurrent_writers_in_two_stores_keep_one_chain(store_url: str, tmp_path: Path) -> None:
    stores = [Store.open(store_url, data_dir=tmp_path) for _ in range(2)]
    per_writer = 20
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def work(index: int, writer: Store) -> None:
        try:
            writer.set_actor(f"Lege {index}", str(1000000 + index))
            barrier.wait()
            for n in range(per_writer):
                if n % 4 == 0:
                    writer.save(_case(f"Syntetisk {index}-{n}"))  # create, in a save transaction
                else:
                    writer.audit("print", None, details={"count": n})
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not errors, errors
        log = stores[0].audit_log()
        assert [e.seq for e in log] == list(range(1, 2 * per_writer + 1))
        assert {e.actor for e in log} == {"Lege 0", "Lege 1"}
        result = stores[1].verify_audit()
        assert result.ok, result.message
        assert result.entries == 2 * per_writer
    finally:
        for opened in stores:
            opened.close()


def test_verifying_while_another_store_writes_gives_no_false_alarm(store_url: str,
                                                                   tmp_path: Path) -> None:
    writer = Store.open(store_url, data_dir=tmp_path)
    reader = Store.open(store_url, data_dir=tmp_path)
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            while not stop.is_set():
                writer.audit("print", None, details={"count": 1})
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        for _ in range(15):
            result = reader.verify_audit()
            assert result.ok, result.message
    finally:
        stop.set()
        thread.join(timeout=60)
        writer.close()
        reader.close()
    assert not errors, errors


# ---- schema ----------------------------------------------------------------------------


def test_an_old_database_gains_an_empty_valid_log(tmp_path: Path) -> None:
    import shutil

    shutil.copy(FIXTURE, tmp_path / "rekvirent.sqlite3")
    store = Store.open(data_dir=tmp_path)
    assert store.schema_revision() == head_revision()
    assert store.audit_log() == []
    result = store.verify_audit()
    assert result.ok and result.entries == 0
    store.audit("open", "a" * 32)
    assert store.verify_audit().ok
    store.close()


# ---- the pure verifier -----------------------------------------------------------------


def _chain(n: int) -> list[ChainRow]:
    rows: list[ChainRow] = []
    prev = GENESIS_HASH
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    for seq in range(1, n + 1):
        at = start + timedelta(hours=seq)
        fields: dict[str, Any] = {"seq": seq, "at": at, "actor": "Lege", "actor_hpr": "1",
                                  "workstation": "u@h", "action": "open", "case_id": None,
                                  "details": "{}", "prev_hash": prev}
        digest = entry_hash(**fields)
        rows.append(ChainRow(**fields, hash=digest))
        prev = digest
    return rows


def test_pure_verifier() -> None:
    rows = _chain(4)
    head = (4, rows[-1].hash)
    assert verify_chain(rows, head).ok
    assert verify_chain([], (0, GENESIS_HASH)).ok
    assert verify_chain(rows[:2] + rows[3:], head).first_broken_seq == 3
    assert verify_chain(rows[:3], head).problem == "missing"
    assert verify_chain(rows, None).problem == "head"
    naive = ChainRow(**{**rows[0].__dict__, "at": rows[0].at.replace(tzinfo=None)})
    assert verify_chain([naive, *rows[1:]], head).ok  # SQLite gives naive UTC back


# ---- PostgreSQL grants (docs/security.md) ----------------------------------------------

APP_ROLE = "rekvirent_audit_app_test"
GRANTS = f"""
REVOKE ALL ON audit_log, audit_head FROM {APP_ROLE};
GRANT SELECT, INSERT ON audit_log TO {APP_ROLE};
GRANT SELECT, UPDATE ON audit_head TO {APP_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON cases, export_revisions, export_documents, course_items
    TO {APP_ROLE};
GRANT USAGE ON SEQUENCE export_revisions_id_seq, export_documents_id_seq TO {APP_ROLE};
GRANT SELECT ON alembic_version TO {APP_ROLE};
"""


def test_postgres_app_role_with_the_documented_grants(store_url: str, tmp_path: Path) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL grants")
    from sqlalchemy import create_engine, event

    owner = Store.open(store_url, data_dir=tmp_path)  # migrates as the owner
    admin = create_engine(store_url)
    try:
        with admin.begin() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}).first()
            if not exists:
                connection.execute(text(f"CREATE ROLE {APP_ROLE} NOLOGIN"))
            connection.execute(text(GRANTS))
    except Exception as exc:  # a shared server may not let the test user create roles
        owner.close()
        admin.dispose()
        pytest.skip(f"cannot create a role here ({type(exc).__name__})")

    app = Store.open(store_url, data_dir=tmp_path)
    app.engine.dispose()

    def as_app_role(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
        dbapi_connection.commit()

    event.listen(app.engine, "connect", as_app_role)
    try:
        with app.engine.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == APP_ROLE
        case = _five_entries(app)
        app.duplicate(case.id)
        app.delete(case.id)
        assert app.verify_audit().ok
        for sql in ("UPDATE audit_log SET details = '{}' WHERE seq = 1",
                    "DELETE FROM audit_log WHERE seq = 1",
                    "TRUNCATE audit_log",
                    "ALTER TABLE audit_log DISABLE TRIGGER USER",
                    "UPDATE audit_head SET seq = 1"):
            with pytest.raises(Exception, match=r"permission denied|must be owner|audit_head"):
                _raw(app, sql)
        assert app.verify_audit().ok and len(app.audit_log()) == 7
    finally:
        app.close()
        owner.close()
        with admin.begin() as connection:
            connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}"))
            connection.execute(text(
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}"))
        admin.dispose()
