"""The audit log's append-only triggers: inspected, reported, recreated only when asked."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import SQLAlchemyError

from core.case import Case
from core.storage import Store, audit_guards
from core.storage.files import DB_NAME

MIGRATION = (Path(audit_guards.__file__).parent / "migrations" / "versions"
             / "0003_audit_log.py")


def _migration_module() -> object:
    spec = importlib.util.spec_from_file_location("migration_0003", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guards_are_the_statements_the_migration_ran() -> None:
    migration = _migration_module()
    assert list(audit_guards.SQLITE_GUARDS.values()) == migration._SQLITE_GUARDS  # type: ignore[attr-defined]
    assert [*audit_guards.POSTGRES_FUNCTIONS.values(),
            *(sql for _table, sql in audit_guards.POSTGRES_TRIGGERS.values())] == \
        migration._POSTGRES_GUARDS  # type: ignore[attr-defined]


def _store(tmp_path: Path) -> Store:
    store = Store.open(data_dir=tmp_path)
    store.save(Case())
    return store


def _drop(tmp_path: Path, *names: str) -> None:
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        for name in names:
            connection.execute(f"DROP TRIGGER {name}")


def test_a_fresh_database_has_every_guard(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.audit_guards().ok
    assert store.restore_audit_guards() == 0
    store.close()


@pytest.mark.parametrize("name", sorted(audit_guards.SQLITE_GUARDS))
def test_a_dropped_guard_is_named_and_put_back_with_an_entry_in_the_log(
        tmp_path: Path, name: str) -> None:
    store = _store(tmp_path)
    before = len(store.audit_log())
    store.close()
    _drop(tmp_path, name)
    store = Store.open(data_dir=tmp_path)
    assert store.audit_guards().broken == (name,)  # opening changed nothing
    assert store.restore_audit_guards() == 1
    assert store.audit_guards().ok
    entries = store.audit_log()
    assert len(entries) == before + 1
    assert entries[-1].action == "repair"
    assert entries[-1].details == {"reason": "audit-guards", "count": 1}
    assert store.verify_audit().ok
    store.close()


def test_a_guard_replaced_by_a_harmless_one_counts_as_broken(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.close()
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        connection.execute("DROP TRIGGER audit_log_no_delete")
        connection.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                           "BEGIN SELECT 1; END")
    store = Store.open(data_dir=tmp_path)
    assert store.audit_guards().broken == ("audit_log_no_delete",)
    store.restore_audit_guards()
    with store.engine.begin() as connection, pytest.raises(SQLAlchemyError):
        connection.exec_driver_sql("DELETE FROM audit_log")
    store.close()


def test_the_recreated_guards_refuse_again(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.close()
    _drop(tmp_path, *audit_guards.SQLITE_GUARDS)
    store = Store.open(data_dir=tmp_path)
    assert set(store.audit_guards().broken) == set(audit_guards.SQLITE_GUARDS)
    assert store.restore_audit_guards() == 4
    with store.engine.begin() as connection, pytest.raises(SQLAlchemyError):
        connection.exec_driver_sql("UPDATE audit_log SET actor = 'x'")
    with store.engine.begin() as connection, pytest.raises(SQLAlchemyError):
        connection.exec_driver_sql("DELETE FROM audit_head")
    store.close()
