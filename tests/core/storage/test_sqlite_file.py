"""What only the local SQLite file does: location, permissions, WAL, migrations, backups."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from core.case import Case, Patient
from core.storage import NewerSchemaError, StorageError, Store, head_revision

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "db" / "rekvirent-0001.sqlite3"


def test_default_location_is_the_data_dir(_isolated_data_dir: Path) -> None:  # noqa: PT019
    store = Store.open()
    store.save(Case())
    store.close()
    assert (_isolated_data_dir / "rekvirent.sqlite3").exists()


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("REKVIRENT_DATABASE_URL", f"sqlite:///{path}")
    Store.open().close()
    assert path.exists()


def test_wal_mode_and_full_sync(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_files_are_user_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = Store.open(data_dir=data_dir)
    store.save(Case())
    db = data_dir / "rekvirent.sqlite3"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    store.close()


def test_empty_database_is_created_at_head(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    assert store.schema_revision() == head_revision()
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())
    store.close()


def test_fixture_database_is_migrated_with_a_backup_first(tmp_path: Path) -> None:
    db = tmp_path / "rekvirent.sqlite3"
    shutil.copy(FIXTURE, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    store = Store.open(data_dir=tmp_path)
    assert store.schema_revision() == head_revision()
    names = {d.patient_name for d in store.list()}
    assert names == {"Åse Syntetisk Testesen", "Ola Prøve Nordmann"}
    assert [d.patient_name for d in store.list("åse")] == ["Åse Syntetisk Testesen"]
    assert store.load("a" * 32).step == "risk"
    # Revision 0006: the migrated case takes follow-up entries as rows of their own.
    from core.course.model import FollowUpEntry

    entry = FollowUpEntry(note="Etter migrering")
    assert store.course.add("a" * 32, entry) == 1
    assert store.load("a" * 32).case.course.followups == [entry]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM course_items").fetchone() == (1,)
    backups = list((tmp_path / "backups").glob("*before-migration-from-0001*.sqlite3"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (2,)
    assert before  # the original was read before migration
    store.close()


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "rekvirent.sqlite3"
    Store.open(data_dir=tmp_path).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(NewerSchemaError, match="nyere versjon"):
        Store.open(data_dir=tmp_path)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_not_a_database_gives_a_clear_error_and_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "rekvirent.sqlite3"
    db.write_bytes(b"this is not a database at all" * 100)
    before = db.read_bytes()
    with pytest.raises(StorageError, match="skadet"):
        Store.open(data_dir=tmp_path)
    assert db.read_bytes() == before


def test_delete_takes_a_backup(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    case = Case()
    store.save(case)
    store.delete(case.id)
    assert list((tmp_path / "backups").glob("*before-delete*.sqlite3"))
    store.close()


def test_failures_never_reveal_patient_data(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    store = Store.open(data_dir=tmp_path)
    marker = "Markør Hemmeligsen 15888510025"
    case = Case(patient=Patient(name=marker))
    store.save(case)
    with sqlite3.connect(tmp_path / "rekvirent.sqlite3") as conn:
        conn.execute("DROP TABLE export_documents")
        conn.execute("CREATE TABLE export_documents (id INTEGER PRIMARY KEY, x TEXT NOT NULL)")
    from core.storage import ExportedDocument

    with pytest.raises(StorageError) as info:
        store.record_export(case.id, [ExportedDocument("journal", "nb", marker, "0", b"x")])
    assert marker not in str(info.value)
    assert "Hemmeligsen" not in caplog.text
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    store.close()


def test_locked_database_gives_a_clear_error_and_keeps_data(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    case = Case(patient=Patient(name="Kari Syntetisk"))
    store.save(case)
    blocker = sqlite3.connect(tmp_path / "rekvirent.sqlite3", timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=50")
    store.engine.dispose()
    from sqlalchemy import event

    def short_timeout(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    event.listen(store.engine, "connect", short_timeout)
    case.notes = "after the lock"
    with pytest.raises(StorageError, match="låst"):
        store.save(case)
    blocker.rollback()
    blocker.close()
    assert store.save(case) == 2
    assert store.load(case.id).case.notes == "after the lock"
    store.close()
