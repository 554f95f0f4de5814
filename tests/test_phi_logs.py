"""PHI hygiene (battery S3): a marker patient goes through the whole workflow — storage, case
file, documents, audit, forced storage errors — with every logger at DEBUG (SQLAlchemy's
engine echo included).  The marker must appear in no log record and no exception text.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import casefile
from core.case import Case
from core.casefile import CaseFileError
from core.casepath import set_value
from core.content import load_library
from core.export import export_documents
from core.storage import ConflictError, ExportedDocument, StorageError, Store
from tests.faults import hostile

POSTGRES_URL = os.environ.get("REKVIRENT_TEST_POSTGRES_URL", "")
MARKER = f"ZZKANARI-{uuid.uuid4().hex[:12]}"
IDENTITY = "15888510025"  # synthetic (Tenor, month + 80)


class Everything(logging.Handler):
    """Keeps the full text of every record: message, arguments, traceback, stack."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record) + repr(record.args))


@pytest.fixture
def logs() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    loggers = [logging.getLogger(n) for n in ("sqlalchemy", "sqlalchemy.engine", "alembic")]
    saved = (root.level, [lg.level for lg in loggers])
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for logger, level in zip(loggers, saved[1], strict=True):
        logger.setLevel(level)


def marker_case() -> Case:
    """The example with the marker in every free-text field and a synthetic number."""
    case = hostile.full_example()
    for path in hostile.free_text_paths(case):
        set_value(case, path, f"{MARKER} {path}")
    case.patient.identity_number = IDENTITY
    return case


def _open(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        return Store.open(data_dir=tmp_path)
    if not POSTGRES_URL:
        if os.environ.get("REKVIRENT_REQUIRE_POSTGRES") == "1":
            pytest.fail("REKVIRENT_REQUIRE_POSTGRES=1 but no REKVIRENT_TEST_POSTGRES_URL")
        pytest.skip("no PostgreSQL test server (set REKVIRENT_TEST_POSTGRES_URL)")
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return Store.open(POSTGRES_URL, data_dir=tmp_path)


def _exception_texts(exc: BaseException) -> str:
    """What a log line, a dialog or a crash file could show of an exception and its chain."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(f"{current}\n{current!r}")
        current = current.__cause__ if current.__cause__ is not None else (
            None if current.__suppress_context__ else current.__context__)
    return "\n".join(texts)


def _assert_clean(text: str, where: str) -> None:
    assert MARKER not in text, f"marker in {where}"
    assert IDENTITY not in text, f"identity number in {where}"


def _workflow(store: Store, tmp_path: Path) -> list[BaseException]:
    """Everything a GP does with a draft, plus the storage errors that can happen."""
    errors: list[BaseException] = []
    library = load_library()
    case = marker_case()
    pathway = library.get(case.pathway_id, case.pathway_version)
    assert pathway is not None
    store.set_actor("Lege Syntetisk", "9144889")
    version = store.save(case, step="patient")
    case.notes = f"{MARKER} endret"
    version = store.save(case, expected_version=version)
    store.open_case(case.id)
    assert [d.id for d in store.list(MARKER[:10])] == [case.id]
    store.list(IDENTITY)
    result = export_documents(case, pathway, tmp_path / "ut")
    store.record_export(case.id, [ExportedDocument(f.kind, f.language, f.path.name, f.sha256,
                                                   f.content) for f in result.files])
    store.audit("copy", case.id, details={"kind": "journal"})
    copy_id = store.duplicate(case.id)
    casefile.write(tmp_path / "sak.json", store.load(case.id).case)
    assert casefile.read(tmp_path / "sak.json").patient.name.startswith(MARKER)
    # A stale version: the conflict must be refused without the data in its message.
    with pytest.raises(ConflictError) as conflict:
        store.save(case, expected_version=version - 1)
    errors.append(conflict.value)
    # A case file with a value too long for its field names the field, never the value.
    too_long = casefile.to_document(case)
    too_long["case"]["patient"]["name"] = MARKER * 300
    with pytest.raises(CaseFileError) as refused:
        casefile.from_document(too_long)
    errors.append(refused.value)
    store.delete(copy_id)
    store.purge(case.id)
    return errors


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_workflow_logs_no_patient_data(kind: str, tmp_path: Path,
                                           logs: Everything) -> None:
    store = _open(kind, tmp_path)
    try:
        assert store.engine.hide_parameters
        errors = _workflow(store, tmp_path)
    finally:
        store.close()
    assert len(logs.texts) > 20  # the log was really switched on
    assert any("INSERT INTO cases" in text for text in logs.texts)
    assert any(text.startswith("sqlalchemy.engine.Engine DEBUG") for text in logs.texts)
    for text in logs.texts:
        _assert_clean(text, f"log record {text[:80]!r}")
    for exc in errors:
        _assert_clean(_exception_texts(exc), type(exc).__name__)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_constraint_error_names_no_patient_data(kind: str, tmp_path: Path,
                                                  logs: Everything) -> None:
    """The database refuses the row: PostgreSQL would quote the whole failing row in its
    DETAIL — the StorageError and the logs must not carry it on."""
    store = _open(kind, tmp_path)
    case = marker_case()
    try:
        with store.engine.begin() as connection:
            if kind == "sqlite":
                connection.exec_driver_sql(
                    "CREATE TRIGGER zz_refuse BEFORE INSERT ON cases "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
            else:
                connection.exec_driver_sql(
                    "ALTER TABLE cases ADD CONSTRAINT zz_refuse CHECK (version < 0)")
        with pytest.raises(StorageError) as info:
            store.save(case)
    finally:
        store.close()
    _assert_clean(_exception_texts(info.value), "StorageError")
    for text in logs.texts:
        _assert_clean(text, f"log record {text[:80]!r}")


def test_a_damaged_database_row_names_no_patient_data(tmp_path: Path,
                                                      logs: Everything) -> None:
    store = Store.open(data_dir=tmp_path)
    case = marker_case()
    store.save(case)
    store.close()
    with sqlite3.connect(tmp_path / "rekvirent.sqlite3") as connection:
        connection.execute("UPDATE cases SET payload = substr(payload, 1, 500)")
    store = Store.open(data_dir=tmp_path)
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 - any error, but a clean one
            store.load(case.id)
    finally:
        store.close()
    _assert_clean(_exception_texts(info.value), type(info.value).__name__)
    for text in logs.texts:
        _assert_clean(text, "log record")


def test_debug_logging_of_the_engine_shows_no_rows(tmp_path: Path, logs: Everything) -> None:
    """hide_parameters hides bound parameters only; SQLAlchemy at DEBUG also logs every
    result row (the payload, the name) unless the store filters those records."""
    store = Store.open(data_dir=tmp_path)
    try:
        case = marker_case()
        store.save(case)
        store.load(case.id)
        store.list()
    finally:
        store.close()
    for text in logs.texts:
        _assert_clean(text, f"log record {text[:80]!r}")
