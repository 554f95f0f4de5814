"""Encryption at rest in the store, on every backend: only ciphertext reaches SQL."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from core import casefile
from core.case import Case, Consultation, Medication, Patient
from core.crypto import FieldCipher, new_key
from core.keys import DataKey
from core.storage import ExportedDocument, KeyMismatch, KeyRequired, Store, UnreadableData

MARKER = "zqxmarkør"  # casefold() leaves it as it is, so the search key would show it too


def _case(name: str = f"Testa {MARKER} Testesen", number: str = "15888510025") -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number=number),
                consultation=Consultation(date=date(2021, 11, 15)),
                medications=[Medication(drug="buprenorphine", daily_dose="16")],
                notes=f"notat {MARKER}")


def _doc(content: bytes, name: str = "journalnotat-2021-11-15-ABC.txt") -> ExportedDocument:
    return ExportedDocument("journal", "nb", name, hashlib.sha256(content).hexdigest(), content)


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher.generate()


@pytest.fixture
def sealed(store_url: str, tmp_path: Path, cipher: FieldCipher) -> Iterator[Store]:
    opened = Store.open(store_url, data_dir=tmp_path, cipher=cipher)
    yield opened
    opened.close()


def _raw_values(store: Store) -> list[bytes]:
    """Every stored value of the case and export tables, as bytes (text as UTF-8)."""
    values: list[bytes] = []
    with store.engine.connect() as connection:
        for table in ("cases", "export_revisions", "export_documents"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                values += [bytes(v) if isinstance(v, bytes | memoryview)
                           else str(v).encode("utf-8") for v in row]
    return values


def _leaks(values: list[bytes], *needles: str) -> list[bytes]:
    return [v for v in values for n in needles if n.encode("utf-8") in v]


def test_values_are_sealed_before_they_reach_sql(sealed: Store) -> None:
    case = _case()
    sealed.save(case, step="risk")
    sealed.save(case)
    sealed.record_export(case.id, [_doc(f"Journal for {MARKER}".encode(),
                                        name=f"{MARKER}.txt")])
    assert sealed.encrypted
    raw = _raw_values(sealed)
    assert raw, "nothing stored"
    assert _leaks(raw, MARKER, "Testa", "15888510025") == []
    with sealed.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT payload, summary, patient_name, masked_identity, search_key FROM cases"
        )).one()
        snapshot = connection.execute(text("SELECT case_snapshot FROM export_revisions")).scalar()
        document = connection.execute(text(
            "SELECT file_name, content FROM export_documents")).one()
    assert row.payload.startswith("RK1:") and row.summary.startswith("RK1:")
    assert (row.patient_name, row.masked_identity, row.search_key) == ("", "", "")
    assert str(snapshot).startswith("RK1:")
    assert document.file_name.startswith("RK1:") and bytes(document.content)[:3] == b"RK1"


def test_everything_reads_back(sealed: Store) -> None:
    case = _case()
    assert sealed.save(case, step="risk") == 1
    loaded = sealed.load(case.id)
    assert loaded.case == case and loaded.step == "risk"
    content = f"Journal for {MARKER}".encode()
    revision = sealed.record_export(case.id, [_doc(content, name=f"{MARKER}.txt")])
    export = sealed.load_export(case.id, revision)
    assert export.case.patient.name == case.patient.name
    assert export.documents[0].content == content
    assert export.documents[0].file_name == f"{MARKER}.txt"
    assert sealed.load(case.id).case.status == "exported"
    copy_id = sealed.duplicate(case.id)
    assert sealed.load(copy_id).case.notes == case.notes
    [draft] = [d for d in sealed.list() if d.id == case.id]
    assert draft.patient_name == case.patient.name
    assert draft.masked_identity == "158885 *****"
    sealed.delete(copy_id)
    sealed.purge(case.id)
    assert sealed.list() == []


def test_search_works_on_sealed_summaries(sealed: Store) -> None:
    names = ["Åse Ærlig Østmo", "Ola Nordmann", "åSE Bakken"]
    ids = []
    for name in names:
        case = _case(name=name)
        sealed.save(case)
        ids.append(case.id)
    assert {d.id for d in sealed.list("åse")} == {ids[0], ids[2]}
    assert {d.id for d in sealed.list("ØSTMO")} == {ids[0]}
    assert len(sealed.list("158885 10025")) == 3
    assert len(sealed.list("15.11.2021")) == 3
    assert sealed.list("finnes ikke") == []
    assert len(sealed.list("åse", limit=1)) == 1
    assert len(sealed.list(limit=2)) == 2
    assert sealed.list("%") == [] and sealed.list("_") == []


def test_reopen_with_the_same_key(store_url: str, tmp_path: Path) -> None:
    key = DataKey.generate()
    first = Store.open(store_url, data_dir=tmp_path, cipher=key.cipher())
    case = _case()
    first.save(case)
    first.close()
    again = Store.open(store_url, data_dir=tmp_path,
                       cipher=DataKey(bytes(key.key), bytes(key.key_id)).cipher())
    assert again.load(case.id).case == case
    assert again.key_ids() == (key.key_id_hex,)
    again.close()


def _fingerprint(store_url: str, tmp_path: Path) -> str:
    """The database's content (the SQLite file's bytes, or every row on PostgreSQL)."""
    if store_url.startswith("sqlite"):
        db = tmp_path / "rekvirent.sqlite3"
        return hashlib.sha256(db.read_bytes()).hexdigest()
    from sqlalchemy import create_engine

    engine = create_engine(store_url)
    with engine.connect() as connection:
        rows = [str(connection.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all())
                for t in ("cases", "export_revisions", "export_documents", "key_check",
                          "audit_log")]
    engine.dispose()
    return hashlib.sha256("".join(rows).encode()).hexdigest()


def test_missing_or_wrong_key_is_refused_and_nothing_changes(
        store_url: str, tmp_path: Path, cipher: FieldCipher) -> None:
    first = Store.open(store_url, data_dir=tmp_path, cipher=cipher)
    first.save(_case())
    first.checkpoint()
    first.close()
    before = _fingerprint(store_url, tmp_path)
    with pytest.raises(KeyRequired) as missing:
        Store.open(store_url, data_dir=tmp_path)
    assert missing.value.key_ids == (cipher.key_id_hex,)
    with pytest.raises(KeyMismatch) as wrong:
        Store.open(store_url, data_dir=tmp_path, cipher=FieldCipher.generate())
    assert cipher.key_id_hex in str(wrong.value)
    # Same key id, different key: the key check does not open.
    with pytest.raises(KeyMismatch):
        Store.open(store_url, data_dir=tmp_path, cipher=FieldCipher(new_key(), cipher.key_id))
    assert _fingerprint(store_url, tmp_path) == before


def test_a_value_moved_to_another_row_does_not_open(sealed: Store) -> None:
    a, b = _case(name="Anna A"), _case(name="Bernt B")
    sealed.save(a)
    sealed.save(b)
    with sealed.engine.begin() as connection:
        payload = connection.execute(text("SELECT payload FROM cases WHERE id = :i"),
                                     {"i": a.id}).scalar()
        connection.execute(text("UPDATE cases SET payload = :p WHERE id = :i"),
                           {"p": payload, "i": b.id})
    with pytest.raises(UnreadableData):
        sealed.load(b.id)
    assert sealed.load(a.id).case == a


def test_a_changed_byte_is_detected(sealed: Store) -> None:
    case = _case()
    sealed.save(case)
    with sealed.engine.begin() as connection:
        summary = connection.execute(text("SELECT summary FROM cases")).scalar()
        changed = summary[:-6] + ("A" if summary[-6] != "A" else "B") + summary[-5:]
        connection.execute(text("UPDATE cases SET summary = :s"), {"s": changed})
    with pytest.raises(UnreadableData):
        sealed.list()


def test_plaintext_store_still_works_without_a_key(store: Store) -> None:
    case = _case()
    store.save(case)
    assert not store.encrypted
    assert store.key_ids() == ()
    assert store.list(MARKER)[0].id == case.id
    with store.engine.connect() as connection:
        # Without a key the summary keeps only the course facts (dates, no name).
        summary = connection.execute(text("SELECT summary FROM cases")).scalar()
        assert summary.startswith('["","",""') and MARKER not in summary


def _plaintext_database(store_url: str, tmp_path: Path) -> tuple[Case, Case]:
    plain = Store.open(store_url, data_dir=tmp_path)
    exported, draft = _case(), _case(name=f"Utkast {MARKER}")
    plain.save(exported)
    plain.save(draft)
    plain.record_export(exported.id, [_doc(f"PDF {MARKER}".encode())])
    gone = _case(name=f"Slettet {MARKER}")
    plain.save(gone)
    plain.delete(gone.id)  # leaves a before-delete backup with plaintext on SQLite
    plain.backup()
    plain.close()
    return exported, draft


def test_an_existing_plaintext_database_is_encrypted_on_open(
        store_url: str, tmp_path: Path, cipher: FieldCipher) -> None:
    exported, draft = _plaintext_database(store_url, tmp_path)
    store = Store.open(store_url, data_dir=tmp_path, cipher=cipher)
    assert store.encrypted and store.key_ids() == (cipher.key_id_hex,)
    assert store.load(draft.id).case == draft
    assert store.load_export(exported.id, 1).documents[0].content == f"PDF {MARKER}".encode()
    assert {d.id for d in store.list(MARKER)} == {exported.id, draft.id}
    assert _leaks(_raw_values(store), MARKER) == []
    store.close()
    if store_url.startswith("sqlite"):
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        leaks = [p.name for p in files if MARKER.encode() in p.read_bytes()]
        assert leaks == []
        backups = sorted((tmp_path / "backups").iterdir())
        assert [b.name.endswith("-after-encryption.sqlite3") for b in backups] == [True]


def test_encryption_on_open_is_all_or_nothing(
        store_url: str, tmp_path: Path, cipher: FieldCipher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _plaintext_database(store_url, tmp_path)
    before = _fingerprint(store_url, tmp_path) if not store_url.startswith("sqlite") else None
    calls = {"n": 0}
    real = FieldCipher.encrypt

    def failing(self: FieldCipher, plaintext: bytes | str, aad: bytes) -> bytes:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("power cut")
        return real(self, plaintext, aad)

    monkeypatch.setattr(FieldCipher, "encrypt", failing)
    with pytest.raises(RuntimeError, match="power cut"):
        Store.open(store_url, data_dir=tmp_path, cipher=cipher)
    monkeypatch.setattr(FieldCipher, "encrypt", real)
    plain = Store.open(store_url, data_dir=tmp_path)  # still a plaintext database
    assert plain.key_ids() == ()
    assert len(plain.list(MARKER)) == 2
    plain.close()
    if before is not None:
        assert _fingerprint(store_url, tmp_path) == before


def test_enable_encryption_on_an_open_store(store: Store, cipher: FieldCipher) -> None:
    case = _case()
    store.save(case)
    store.enable_encryption(cipher)
    store.enable_encryption(cipher)  # again: nothing to do
    assert store.encrypted
    assert store.load(case.id).case == case
    with pytest.raises(KeyMismatch):
        store.enable_encryption(FieldCipher.generate())


def test_sqlite_pragmas_keep_temp_data_in_memory_and_zero_deleted_cells(
        tmp_path: Path, cipher: FieldCipher) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'rekvirent.sqlite3'}", data_dir=tmp_path,
                       cipher=cipher)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    store.close()


def test_a_backup_of_an_encrypted_database_is_encrypted(tmp_path: Path,
                                                        cipher: FieldCipher) -> None:
    store = Store.open(data_dir=tmp_path, cipher=cipher)
    store.save(_case())
    backup = store.backup()
    store.close()
    assert backup is not None
    assert MARKER.encode() not in backup.read_bytes()
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT count(*) FROM key_check").fetchone() == (1,)


def test_example_cases_round_trip_encrypted(sealed: Store) -> None:
    examples = Path(__file__).resolve().parents[3] / "resources" / "examples"
    for path in sorted(examples.glob("*.json")):
        case = casefile.read(path)
        sealed.save(case)
        assert sealed.load(case.id).case == case
