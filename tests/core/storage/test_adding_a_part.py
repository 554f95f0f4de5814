"""A new part of the store needs nothing private: the contract ``docs/storage.md`` ("Adding a
part") promises to the next table (``course_entries``), checked with a small stand-in part.

The stand-in keeps one sealed note per row about a case, in a table of its own that the test
creates (a real part adds its table to ``core/storage/tables.py`` and a migration).  It uses
only what the store hands out in public: ``store.database`` (transactions, error translation),
``store.sealer`` (sealing bound to the row's place), ``store.audit_trail`` (the appender inside
the part's own transaction) and the two hooks ``store.cases.also_remove`` and
``store.encryption.also_encrypt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.engine import Connection

from core import crypto
from core.case import Case, Patient
from core.crypto import FieldCipher
from core.storage import AuditTrail, Database, Sealer, StorageError, Store
from core.storage.tables import cases

_metadata = MetaData()
notes = Table(
    "test_part_notes", _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey(cases.c.id), nullable=False),
    Column("body", Text, nullable=False),
)


def note_aad(case_id: str, note_id: int) -> bytes:
    return crypto.aad("test_part_notes", "body", case_id, note_id)


class Notes:
    """The stand-in part: constructor injection of the public pieces, nothing else."""

    def __init__(self, database: Database, sealer: Sealer, audit_trail: AuditTrail) -> None:
        self._database = database
        self._sealer = sealer
        self._audit_trail = audit_trail

    def add(self, case_id: str, body: str) -> int:
        with self._database.writing() as connection:
            note_id: int = connection.execute(insert(notes).values(
                case_id=case_id, body="").returning(notes.c.id)).scalar_one()
            connection.execute(notes.update().where(notes.c.id == note_id).values(
                body=self._sealer.seal(body, note_aad(case_id, note_id))))
            self._audit_trail.append(connection, "open", case_id)
        return note_id

    def bodies(self, case_id: str) -> list[str]:
        with self._database.reading() as connection:
            rows = connection.execute(select(notes.c.id, notes.c.body)
                                      .where(notes.c.case_id == case_id)
                                      .order_by(notes.c.id)).all()
        return [self._sealer.unseal(row.body, note_aad(case_id, row.id)) for row in rows]

    def remove_case_rows(self, connection: Connection, case_id: str) -> dict[str, Any]:
        connection.execute(notes.delete().where(notes.c.case_id == case_id))
        return {}

    def encrypt_plaintext(self, connection: Connection, cipher: FieldCipher) -> dict[str, int]:
        sealed = 0
        for row in connection.execute(select(notes.c.id, notes.c.case_id, notes.c.body)).all():
            if not crypto.is_text_token(row.body):
                connection.execute(notes.update().where(notes.c.id == row.id).values(
                    body=cipher.encrypt_text(row.body, note_aad(row.case_id, row.id))))
                sealed += 1
        return {"notes": sealed}


def _with_notes(store: Store) -> Notes:
    _metadata.create_all(store.engine)
    part = Notes(store.database, store.sealer, store.audit_trail)
    store.cases.also_remove(part.remove_case_rows)
    store.encryption.also_encrypt(part.encrypt_plaintext)
    return part


def _raw_bodies(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.execute(select(notes.c.body).order_by(notes.c.id)).scalars())


def _saved_case(store: Store) -> str:
    case = Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name="Ola Prøve Nordmann", identity_number="15888510025"))
    store.save(case)
    return case.id


def test_a_part_writes_reads_and_audits_in_its_own_transaction(store: Store) -> None:
    part = _with_notes(store)
    case_id = _saved_case(store)
    before = len(store.audit_log())
    part.add(case_id, "Oppfølging: Ola Prøve Nordmann møtte til avtalt tid.")
    assert part.bodies(case_id) == ["Oppfølging: Ola Prøve Nordmann møtte til avtalt tid."]
    entries = store.audit_log()
    assert len(entries) == before + 1
    assert (entries[-1].action, entries[-1].case_id) == ("open", case_id)
    assert store.verify_audit().ok


def test_a_parts_rows_go_with_their_case(store: Store) -> None:
    part = _with_notes(store)
    case_id = _saved_case(store)
    part.add(case_id, "første")
    part.add(case_id, "andre")
    store.cases.delete(case_id)
    assert _raw_bodies(store) == []


def test_a_part_is_encrypted_with_the_database(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url, data_dir=tmp_path)
    try:
        part = _with_notes(store)
        case_id = _saved_case(store)
        part.add(case_id, "Ola Prøve Nordmann")
        assert _raw_bodies(store) == ["Ola Prøve Nordmann"]
        store.encryption.enable(FieldCipher.generate())
        raw = _raw_bodies(store)
        assert "Nordmann" not in raw[0] and crypto.is_text_token(raw[0])
        assert part.bodies(case_id) == ["Ola Prøve Nordmann"]
        # the next value is sealed as it is written
        part.add(case_id, "Kari Prøve Nordmann")
        assert all(crypto.is_text_token(value) for value in _raw_bodies(store))
    finally:
        store.close()


def test_a_parts_sealed_value_is_bound_to_its_row(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url, data_dir=tmp_path, cipher=FieldCipher.generate())
    try:
        part = _with_notes(store)
        case_id = _saved_case(store)
        first = part.add(case_id, "første")
        second = part.add(case_id, "andre")
        with store.engine.begin() as connection:
            moved = connection.execute(select(notes.c.body).where(notes.c.id == first)).scalar()
            connection.execute(notes.update().where(notes.c.id == second).values(body=moved))
        with pytest.raises(StorageError):
            part.bodies(case_id)
    finally:
        store.close()


def test_database_errors_reach_a_part_as_storage_errors(store: Store) -> None:
    part = _with_notes(store)
    with pytest.raises(StorageError):
        part.add("0" * 32, "a note about a case that does not exist")
