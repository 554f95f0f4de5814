"""Start-up check and recovery: every kind of damage is detected, moved aside unchanged, and a
verified backup is restored with its date — or nothing happens without the GP's say-so."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.case import Case
from core.storage import NewerSchemaError, StorageError, Store, recovery
from core.storage.recovery import DB_NAME, RecoveryError
from tests.faults import corruption


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.is_file() and not p.name.endswith("-shm")}


def _case_ids(data_dir: Path) -> set[str]:
    store = Store.open(data_dir=data_dir)
    try:
        return {draft.id for draft in store.list()}
    finally:
        store.close()


# ---- healthy and new -------------------------------------------------------------------------


def test_a_healthy_database_is_ok_and_left_byte_for_byte(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    before = _digests(tmp_path)
    health = recovery.check(tmp_path)
    assert health.status == "ok"
    assert not health.needs_recovery
    assert _digests(tmp_path) == before


def test_a_database_with_unsaved_wal_is_ok_and_the_wal_is_kept(tmp_path: Path) -> None:
    ids = corruption.populated_with_wal(tmp_path)
    before = _digests(tmp_path)
    assert recovery.check(tmp_path).status == "ok"
    assert _digests(tmp_path) == before  # the read-only check never checkpoints
    assert _case_ids(tmp_path) == set(ids)


def test_no_database_and_no_history_is_a_new_start(tmp_path: Path) -> None:
    assert recovery.check(tmp_path).status == "new"
    (tmp_path / DB_NAME).touch()  # what an interrupted very first start leaves
    assert recovery.check(tmp_path).status == "new"
    Store.open(data_dir=tmp_path).close()
    assert recovery.check(tmp_path).status == "ok"


def test_a_newer_schema_is_not_damage(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    assert recovery.check(tmp_path).status == "ok"
    with pytest.raises(NewerSchemaError):
        Store.open(data_dir=tmp_path)


def test_a_locked_database_is_unavailable_not_damaged(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    holder = sqlite3.connect(tmp_path / DB_NAME)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE cases SET step = step")
    try:
        health = recovery.check(tmp_path)
    finally:
        holder.rollback()
        holder.close()
    assert (health.status, health.problem) == ("unavailable", "locked")
    assert not health.needs_recovery
    assert (tmp_path / DB_NAME).exists()


def test_an_unreadable_database_is_unavailable_not_damaged(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).mkdir()  # something that cannot be read as a file
    health = recovery.check(tmp_path)
    assert (health.status, health.problem) == ("unavailable", "cannot_read")
    assert not health.needs_recovery


# ---- every kind of damage --------------------------------------------------------------------


@pytest.mark.parametrize("kind", corruption.KINDS, ids=lambda kind: kind.name)
def test_damage_is_detected_set_aside_unchanged_and_a_backup_restored(
        kind: corruption.Kind, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ids = corruption.prepare(kind, data_dir, seed=7)
    pieces = {p.name: p.read_bytes() for p in data_dir.iterdir()
              if p.is_file() and p.name.startswith(DB_NAME) and not p.name.endswith("-shm")}
    health = recovery.check(data_dir)
    assert health.status == kind.status
    if kind.problem != "*":
        assert health.problem == kind.problem
    assert health.needs_recovery
    assert health.message  # a sentence for the GP
    # The check changed nothing.
    assert {n: b for n, b in pieces.items() if (data_dir / n).exists()} == {
        n: (data_dir / n).read_bytes() for n in pieces if (data_dir / n).exists()}

    backup = recovery.newest_verified_backup(data_dir)
    assert backup is not None
    assert backup.taken_at.tzinfo is not None
    if health.status == "damaged":
        moved = recovery.set_aside(data_dir / DB_NAME)
        assert moved.parent == data_dir / "damaged"
        kept = {p.name.replace(moved.stem, "rekvirent"): p.read_bytes()
                for p in moved.parent.iterdir() if not p.name.endswith("-shm")}
        assert kept == pieces  # moved, byte for byte, nothing lost
    recovery.restore(backup, data_dir)
    assert recovery.check(data_dir).status == "ok"
    store = Store.open(data_dir=data_dir)
    try:
        assert recovery.record_pending_restore(store, data_dir)
        assert {draft.id for draft in store.list()} <= set(ids)
        assert ids[0] in {draft.id for draft in store.list()}
        entry = store.audit_log()[-1]
        assert entry.action == "restore"
        assert entry.details["backup"] == backup.path.name
        assert store.verify_audit().ok
        assert not recovery.record_pending_restore(store, data_dir)  # only once
    finally:
        store.close()


@pytest.mark.parametrize("flips", [1, 10, 100])
@pytest.mark.parametrize("seed", range(4))
def test_random_byte_flips_never_crash_the_check(flips: int, seed: int, tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    corruption.flip_bytes(tmp_path / DB_NAME, flips, random.Random(seed * 1000 + flips))
    health = recovery.check(tmp_path)
    assert health.status in ("ok", "damaged")
    if health.status == "ok":
        # SQLite sees nothing wrong (e.g. the flip hit free space or the inside of a text):
        # then the store must open, and a damaged value may only surface as a clear error.
        with sqlite3.connect(tmp_path / DB_NAME) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        store = Store.open(data_dir=tmp_path)
        failures: list[type[BaseException]] = []
        try:
            for draft in store.list():
                try:
                    store.load(draft.id)
                except Exception as exc:
                    failures.append(type(exc))
        finally:
            store.close()
        # A damaged value may only surface as the store's own, clear error.
        assert all(issubclass(kind, StorageError) for kind in failures), failures


def test_a_damaged_payload_in_an_intact_database_is_a_storage_error(tmp_path: Path) -> None:
    ids = corruption.populated(tmp_path)
    db = tmp_path / DB_NAME
    data = db.read_bytes()
    marker = b'"format": "rekvirent-case"'
    assert marker in data
    db.write_bytes(data.replace(marker, b'"format": "rekvirent-casX"', 1))
    assert recovery.check(tmp_path).status == "ok"  # SQLite cannot see inside a value
    store = Store.open(data_dir=tmp_path)
    unreadable = 0
    try:
        for case_id in ids:
            try:
                store.load(case_id)
            except StorageError:
                unreadable += 1
    finally:
        store.close()
    assert unreadable == 1  # the damaged one, as a clear storage error; the others load


# ---- backups ---------------------------------------------------------------------------------


def _backup_named(data_dir: Path, when: str, reason: str = "manual") -> Path:
    store = Store.open(data_dir=data_dir)
    path = store.backup()
    store.close()
    assert path is not None
    target = path.with_name(f"rekvirent-{when}-{reason}.sqlite3")
    path.rename(target)
    return target


def test_the_newest_backup_that_verifies_is_chosen_with_its_date(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    for old in (tmp_path / "backups").iterdir():
        old.unlink()
    older = _backup_named(tmp_path, "20261120T101500000000Z")
    newer = _backup_named(tmp_path, "20261122T133200000000Z")
    corruption.page_garbage(newer, random.Random(1))
    half = _backup_named(tmp_path, "20261122T140000000000Z")
    Path(f"{half}-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(500))
    newest = _backup_named(tmp_path, "20261122T150000000000Z")
    with sqlite3.connect(newest) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    assert recovery.backups(tmp_path)[0] == newest
    found = recovery.newest_verified_backup(tmp_path)
    assert found is not None
    assert found.path == older
    assert found.taken_at == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


def test_no_backup_that_verifies(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    for backup in recovery.backups(tmp_path):
        corruption.truncated_half(backup, random.Random(0))
    assert recovery.newest_verified_backup(tmp_path) is None
    assert recovery.newest_verified_backup(tmp_path / "nowhere") is None


def test_verifying_a_backup_leaves_no_files_behind(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    before = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert recovery.newest_verified_backup(tmp_path) is not None
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == before


# ---- moving aside, restoring, starting empty -------------------------------------------------


def test_set_aside_never_overwrites_and_never_deletes(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    first = b"first damaged file"
    db.write_bytes(first)
    Path(f"{db}-wal").write_bytes(b"its wal")
    one = recovery.set_aside(db)
    db.write_bytes(b"second damaged file")
    two = recovery.set_aside(db)
    assert one != two
    assert one.read_bytes() == first
    assert Path(f"{one}-wal").read_bytes() == b"its wal"
    assert two.read_bytes() == b"second damaged file"
    assert not db.exists()
    assert len(list((tmp_path / "damaged").iterdir())) == 3
    assert one.name.startswith("rekvirent-") and one.name.endswith("Z.sqlite3")
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "damaged").stat().st_mode) == 0o700
    with pytest.raises(RecoveryError):
        recovery.set_aside(db)


def test_restore_refuses_to_overwrite_and_to_use_a_bad_copy(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    backup = recovery.newest_verified_backup(tmp_path)
    assert backup is not None
    before = (tmp_path / DB_NAME).read_bytes()
    with pytest.raises(RecoveryError):
        recovery.restore(backup, tmp_path)
    assert (tmp_path / DB_NAME).read_bytes() == before
    recovery.set_aside(tmp_path / DB_NAME)
    bad = tmp_path / "backups" / "rekvirent-20200101T000000000000Z-manual.sqlite3"
    bad.write_bytes(b"not a database")
    with pytest.raises(RecoveryError):
        recovery.restore(bad, tmp_path)
    assert not (tmp_path / DB_NAME).exists()
    restored = recovery.restore(backup, tmp_path)
    assert restored.read_bytes() == backup.path.read_bytes()
    assert not list(tmp_path.glob(".*restoring*"))
    if os.name == "posix":
        assert stat.S_IMODE(restored.stat().st_mode) == 0o600


def test_start_empty_when_no_backup_verifies_is_audited(tmp_path: Path) -> None:
    corruption.populated(tmp_path)
    for backup in recovery.backups(tmp_path):
        backup.write_bytes(b"broken")
    corruption.random_bytes(tmp_path / DB_NAME, random.Random(3))
    health = recovery.check(tmp_path)
    assert health.needs_recovery
    assert recovery.newest_verified_backup(tmp_path) is None
    moved = recovery.start_empty(tmp_path / DB_NAME)
    assert moved is not None and moved.exists()
    store = Store.open(data_dir=tmp_path)
    try:
        assert store.list() == []
        assert recovery.record_pending_restore(store, tmp_path)
        entry = store.audit_log()[-1]
        assert (entry.action, entry.details["reason"]) == ("restore", "empty-database")
    finally:
        store.close()
    assert recovery.check(tmp_path).status == "ok"


def test_recovery_works_on_an_encrypted_database(tmp_path: Path) -> None:
    from core.crypto import FieldCipher

    cipher = FieldCipher.generate()
    store = Store.open(data_dir=tmp_path, cipher=cipher)
    case = Case(notes="Kryptert notat")
    store.save(case)
    store.backup()
    store.close()
    corruption.page_garbage(tmp_path / DB_NAME, random.Random(5))
    corruption.header_zeroed(tmp_path / DB_NAME, random.Random(5))
    assert recovery.check(tmp_path).needs_recovery
    backup = recovery.newest_verified_backup(tmp_path)
    assert backup is not None
    recovery.set_aside(tmp_path / DB_NAME)
    recovery.restore(backup, tmp_path)
    store = Store.open(data_dir=tmp_path, cipher=cipher)
    try:
        assert store.load(case.id).case.notes == "Kryptert notat"
    finally:
        store.close()


def test_database_path_follows_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert recovery.database_path(tmp_path) == tmp_path / DB_NAME
    assert recovery.database_path(tmp_path, f"sqlite:///{tmp_path}/x.db") == tmp_path / "x.db"
    assert recovery.database_path(tmp_path, "sqlite+pysqlite:///rel.db") == Path("rel.db")
    assert recovery.database_path(tmp_path, "sqlite://") is None
    assert recovery.database_path(tmp_path, "postgresql+psycopg://u@h/db") is None
    monkeypatch.setenv("REKVIRENT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert recovery.database_path(tmp_path) is None


def test_known_revisions_include_the_store_head() -> None:
    from core.storage import head_revision

    assert head_revision() in recovery.known_revisions()
