"""The draft store: cases, export revisions, migrations and backups behind one small API.

Any SQLAlchemy URL works (SQLite by default, PostgreSQL for clinics).  Each operation is one
short connection and one transaction.  SQLAlchemy is created with ``hide_parameters=True`` so no
patient data ever reaches a log line or an exception message.
"""

from __future__ import annotations

import builtins
import contextlib
import getpass
import json
import logging
import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from core import audit as audit_chain
from core import casefile, crypto
from core.audit import Actor, AuditEntry, AuditVerification
from core.case import Case, new_case_id, utc_now
from core.crypto import DecryptionError, FieldCipher
from core.identity import mask
from core.paths import (
    DATABASE_URL_ENV,
    default_database_url,
    ensure_private_dir,
    make_private,
    user_data_dir,
)
from core.storage.search import normalise_query, search_key_for
from core.storage.tables import (
    audit_head,
    audit_log,
    cases,
    clinic_settings,
    export_documents,
    export_revisions,
    key_check,
)
from i18n import _

log = logging.getLogger(__name__)


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG (``hide_parameters`` covers only bound
    parameters): drop those records, so even debug logging never shows stored values."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


_NO_RESULT_ROWS = _NoResultRows()
logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NO_RESULT_ROWS)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StorageError(Exception):
    """Something went wrong with the database; the message is safe to show (no patient data)."""


class NewerSchemaError(StorageError):
    pass


class ConflictError(StorageError):
    """Somebody else saved (or deleted) the case after this copy was loaded; nothing was written.

    ``stored_version`` is the version now in the database (None: the case is gone) and
    ``expected_version`` the one the caller started from.
    """

    def __init__(self, message: str, *, case_id: str = "", stored_version: int | None = None,
                 expected_version: int | None = None) -> None:
        super().__init__(message)
        self.case_id = case_id
        self.stored_version = stored_version
        self.expected_version = expected_version


class ConnectionLost(StorageError):
    """The database server cannot be reached (restart, network, Wi-Fi).  Nothing was written;
    the same call can be repeated once the server answers again."""


class LoginRefused(StorageError):
    """The database server refused the user name or password (ask for it again)."""


class CaseNotFound(StorageError):
    pass


class KeyRequired(StorageError):
    """The database is encrypted and the store was opened without a key; nothing was read
    or written.  ``key_ids`` names the key(s) it needs (hex ids, as in ``key.json``)."""

    def __init__(self, message: str, *, key_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key_ids = key_ids


class KeyMismatch(StorageError):
    """The key given does not belong to this database; nothing was written."""

    def __init__(self, message: str, *, key_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key_ids = key_ids


class UnreadableData(StorageError):
    """A stored value does not decrypt: changed on disk, or moved to another row."""


@dataclass(frozen=True)
class StoredCase:
    case: Case
    version: int
    step: str | None
    #: Clinic mode: who created the case and who saved it last (None: not recorded).
    owner: Actor | None = None
    editor: Actor | None = None


@dataclass(frozen=True)
class DraftSummary:
    id: str
    patient_name: str
    masked_identity: str
    consultation_date: date | None
    status: str
    updated_at: datetime
    owner: Actor | None = None
    editor: Actor | None = None
    #: What a search matches (see :mod:`core.storage.search`); None when the database filters
    #: (plaintext rows).  Lets the start window filter a loaded list without a query per key.
    search_key: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ExportedDocument:
    kind: str
    language: str
    file_name: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class ExportRevision:
    revision: int
    exported_at: datetime
    pathway_id: str
    pathway_version: int
    case: Case
    documents: tuple[ExportedDocument, ...]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


#: Sets every column given (``v_<column>``) of the case with id ``b_id``: the encryption's
#: one-statement-per-chunk update (an executemany).
_UPDATE_CASE_BY_ID = update(cases).where(cases.c.id == bindparam("b_id")).values(
    {name: bindparam(f"v_{name}") for name in
     ("patient_name", "masked_identity", "search_key", "summary", "payload")})


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA secure_delete=ON")
    # Sorts, indexes and VACUUM's copy in memory: no temporary file ever holds a page.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _backup_time(path: Path) -> datetime | None:
    """When a backup was taken, from its name (``rekvirent-<UTC stamp>-<reason>.sqlite3``)."""
    parts = path.name.split("-", 2)
    if len(parts) < 3:
        return None
    try:
        return datetime.strptime(parts[1], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _sqlite_files(path: Path) -> tuple[Path, ...]:
    return tuple(Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal"))


def _person(name: str | None, hpr: str | None) -> Actor | None:
    return Actor(name or "", hpr or "") if (name or hpr) else None


#: Clinic setting (``clinic_settings``): every doctor sees every draft, not only their own.
DRAFTS_VISIBLE_TO_ALL = "drafts_visible_to_all"


#: The newest schema revision, known without Alembic (``test_schema_head_matches_alembic``
#: checks it against the migration scripts).  A database already at this revision opens
#: without importing Alembic and Mako at all: about 12 MiB and 60 ms saved at every start.
SCHEMA_HEAD = "0005"


def _stored_revisions(connection: Any) -> list[str]:
    """The revisions recorded in ``alembic_version`` (none on a new database)."""
    if not inspect(connection).has_table("alembic_version"):
        return []
    return [str(row) for row in connection.execute(
        text("SELECT version_num FROM alembic_version")).scalars()]


def head_revision() -> str:
    """The newest schema revision this program knows (what :meth:`Store.open` migrates to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return str(head)


def _workstation() -> str:
    """``user@host`` of this computer, for the audit log (never patient data)."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some service contexts
        user = ""
    return f"{user}@{socket.gethostname()}"[:audit_chain.WORKSTATION_MAX]


class Store:
    def __init__(self, engine: Engine, *, data_dir: Path | None, sqlite_path: Path | None) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.sqlite_path = sqlite_path
        self._is_sqlite = engine.dialect.name == "sqlite"
        self._actor = Actor()
        self._workstation = _workstation()
        #: The data key's cipher; None: values are stored as plaintext (tests, development).
        self._cipher: FieldCipher | None = None

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | URL | None = None, *, data_dir: Path | None = None,
             cipher: FieldCipher | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``url``.

        With ``cipher`` every sensitive value is encrypted before it reaches SQL (see
        ``docs/security.md``): a database not yet encrypted is encrypted in place (see
        :meth:`enable_encryption`); one encrypted with another key raises :class:`KeyMismatch`.
        Without ``cipher`` an encrypted database raises :class:`KeyRequired`.  Either way
        nothing is written when the key is wrong or missing.

        Without a URL: ``REKVIRENT_DATABASE_URL``, else SQLite in the user data directory.
        A database made by a newer Rekvirent raises :class:`NewerSchemaError` and is left
        untouched; before migrating an existing SQLite database a backup copy is made.
        ``url`` may be a :class:`sqlalchemy.engine.URL` carrying a password from
        :mod:`core.credentials` (a URL object never shows the password when printed).
        """
        url = url or os.environ.get(DATABASE_URL_ENV) or None
        folder: Path | None = None
        if url is None:
            folder = user_data_dir(data_dir)
            url = default_database_url(folder)
        elif data_dir is not None:
            folder = user_data_dir(data_dir)
        parsed = make_url(url)
        sqlite_path: Path | None = None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            sqlite_path = Path(str(parsed.database))
            folder = folder or sqlite_path.parent
            if not sqlite_path.parent.exists():
                ensure_private_dir(sqlite_path.parent)
            if not sqlite_path.exists():
                sqlite_path.touch(mode=0o600)
            # Before the first connection: SQLite gives -wal/-shm/-journal the database's mode.
            for path in _sqlite_files(sqlite_path):
                make_private(path)
        try:
            engine = create_engine(url, hide_parameters=True, future=True,
                                   **_server_options(parsed))
        except Exception as exc:  # bad URL, missing driver
            raise StorageError(_("The database cannot be opened ({kind}).").format(
                kind=type(exc).__name__)) from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _set_sqlite_pragmas)
        store = cls(engine, data_dir=folder, sqlite_path=sqlite_path)
        try:
            store._migrate()
            store._check_key(cipher)
        except StorageError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            if _is_disconnect(exc) or _is_login_refused(exc):
                raise _error_for(exc) from None
            raise StorageError(_condition(exc) or _(
                "The database cannot be opened or is damaged ({kind}).").format(
                    kind=type(exc).__name__)) from None
        except BaseException:  # anything else (a bug, KeyboardInterrupt): no open connections
            engine.dispose()
            raise
        if sqlite_path is not None:
            for path in _sqlite_files(sqlite_path):
                make_private(path)
        return store

    def _migrate(self) -> None:
        with self.engine.connect() as connection:
            if _stored_revisions(connection) == [SCHEMA_HEAD]:
                return  # current: nothing to migrate, no need for Alembic

        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from alembic.util.exc import CommandError

        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            config = _alembic_config(connection)
            script = ScriptDirectory.from_config(config)
            head = script.get_current_head()
            if current is not None:
                try:
                    script.get_revision(current)
                except CommandError:
                    raise NewerSchemaError(_(
                        "The database was made by a newer version of Rekvirent (schema "
                        "{schema}). Update the program; the database has not been changed."
                    ).format(schema=current)) from None
            if current == head:
                return
            if current is not None:
                self._backup(f"before-migration-from-{current}")
            command.upgrade(config, "head")
            connection.commit()

    def backups_dir(self) -> Path | None:
        if self.data_dir is None:
            return None
        return ensure_private_dir(self.data_dir / "backups")

    def _backup(self, reason: str, at: datetime | None = None) -> Path | None:
        """Copy the SQLite database with the online backup API (consistent, WAL included).
        ``at`` is the moment in the name (now unless the caller's clock is given)."""
        folder = self.backups_dir()
        if self.sqlite_path is None or folder is None:
            return None
        stamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"rekvirent-{stamp}-{reason}.sqlite3"
        # Written under a temporary name and renamed when complete, so a crash never leaves
        # a half-written copy that looks finished.  Created user-only *before* any data goes
        # in (a chmod afterwards leaves a window).
        partial = folder / f".{target.name}.partial"
        for stale in folder.glob(".rekvirent-*.partial*"):  # left by a crash (one instance runs)
            with contextlib.suppress(OSError):
                stale.unlink()
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            source = sqlite3.connect(self.sqlite_path)
            try:
                dest = sqlite3.connect(partial)
                try:
                    source.backup(dest)
                finally:
                    dest.close()
            finally:
                source.close()
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except BaseException:
            for path in _sqlite_files(partial):
                path.unlink(missing_ok=True)
            raise
        for path in _sqlite_files(target):
            make_private(path)
        log.info("Backup written: %s", target.name)
        return target

    def backup(self, reason: str = "manual") -> Path | None:
        """A backup copy now (SQLite only); returns its path.  ``reason`` goes into the file
        name: lower-case letters, digits and hyphens only."""
        if not reason or not all(c.isascii() and (c.isalnum() or c == "-") for c in reason) \
                or reason != reason.lower():
            raise ValueError("backup reason must be lower-case ASCII letters, digits, hyphens")
        return self._backup(reason)

    def daily_backup(self, now: datetime | None = None, *, keep_days: int = 7,
                     keep_weeks: int = 4, keep_other: int = 10) -> Path | None:
        """The rotation run at each start: a backup unless one was taken today (UTC), then
        thinning — the newest copy of each of the last ``keep_days`` days, the newest of each
        of the last ``keep_weeks`` ISO weeks, and the ``keep_other`` newest copies taken for
        a reason (before a migration or a delete) are kept; older copies are deleted.
        Returns the new backup's path (None when none was needed or on a server)."""
        moment = now or datetime.now(UTC)
        if self.sqlite_path is None or self.data_dir is None:
            return None
        dated = [(taken, path) for path in self.backups()
                 if (taken := _backup_time(path)) is not None]
        made = None
        if not any(taken.date() == moment.date() for taken, _path in dated):
            made = self._backup("daily", moment)
            if made is not None:
                dated.append((moment, made))
        keep: set[Path] = set()
        newest_first = sorted(dated, key=lambda item: item[0], reverse=True)
        days: set[date] = set()
        weeks: set[tuple[int, int]] = set()
        for taken, path in newest_first:
            day = taken.date()
            week = tuple(day.isocalendar())[:2]
            if (moment.date() - day).days < keep_days and day not in days:
                days.add(day)
                keep.add(path)
            if (moment.date() - day).days < keep_weeks * 7 and week not in weeks:
                weeks.add(week)  # type: ignore[arg-type]
                keep.add(path)
        others = [path for _taken, path in newest_first if not path.name.endswith("-daily.sqlite3")]
        keep.update(others[:keep_other])
        self.remove_backups([path for _taken, path in dated if path not in keep])
        return made

    def close(self) -> None:
        self.engine.dispose()

    def schema_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision

    # ---- encryption ----------------------------------------------------------------------

    @property
    def encrypted(self) -> bool:
        """True when values are sealed with a data key before they reach SQL."""
        return self._cipher is not None

    def key_ids(self) -> tuple[str, ...]:
        """Ids of the data keys this database is encrypted with (empty: not encrypted)."""
        with self._translate_errors(), self.engine.connect() as connection:
            return tuple(connection.execute(
                select(key_check.c.key_id).order_by(key_check.c.key_id)).scalars())

    def _check_key(self, cipher: FieldCipher | None) -> None:
        """On open, before anything is written: refuse a missing or foreign key; encrypt a
        database that has no key yet when a key is given."""
        with self.engine.connect() as connection:
            checks: dict[str, str] = {
                r.key_id: r.check_value for r in connection.execute(
                    select(key_check.c.key_id, key_check.c.check_value))}
        if not checks:
            if cipher is not None:
                self.enable_encryption(cipher)
            return
        if cipher is None:
            raise KeyRequired(_(
                "The database is encrypted, and the key to open it is missing. Nothing has "
                "been read or changed."), key_ids=tuple(sorted(checks)))
        _verify_key(cipher, checks)
        self._cipher = cipher

    def enable_encryption(self, cipher: FieldCipher) -> None:
        """Encrypt a database that is not encrypted yet with ``cipher``'s key.

        Every plaintext value (recognised by the missing ``RK1`` format prefix) is sealed in
        ONE transaction together with the key check, so a crash leaves the database either
        as it was or fully encrypted.  Then, on SQLite, the WAL is checkpointed and truncated,
        the file is rewritten (``VACUUM``; ``secure_delete`` has zeroed the old cells), a fresh
        backup is taken and the backups that still hold plaintext are deleted.
        """
        if self._cipher is not None:
            if self._cipher.key_id != cipher.key_id:
                raise _key_mismatch(self.key_ids())
            return
        converted = self._encrypt_plaintext_rows(cipher)
        self._cipher = cipher
        if converted and self._is_sqlite:
            self._scrub_plaintext_traces()

    def _encrypt_plaintext_rows(self, cipher: FieldCipher) -> bool:
        """Seal every plaintext value and add the key check; False when another process
        encrypted the database first (then the key is verified against its check instead)."""
        with self._translate_errors(), self._writing() as connection:
            if not self._is_sqlite:  # one encrypting workstation at a time (SQLite: IMMEDIATE)
                connection.execute(text("LOCK TABLE key_check IN SHARE ROW EXCLUSIVE MODE"))
            checks = {r.key_id: r.check_value for r in connection.execute(
                select(key_check.c.key_id, key_check.c.check_value))}
            if checks:
                _verify_key(cipher, checks)
                return False
            counts = [0, 0, 0]
            case_updates: builtins.list[dict[str, Any]] = []
            case_ids = connection.execute(select(cases.c.id)).scalars().all()
            for chunk in _chunks(case_ids):
                for r in connection.execute(
                        select(cases.c.id, cases.c.payload, cases.c.summary, cases.c.patient_name,
                               cases.c.masked_identity, cases.c.search_key)
                        .where(cases.c.id.in_(chunk))):
                    summary = r.summary if r.summary is not None else _summary_text(
                        r.patient_name, r.masked_identity, r.search_key)
                    case_updates.append({
                        "id": r.id, "patient_name": "", "masked_identity": "", "search_key": "",
                        "summary": summary if crypto.is_text_token(summary) else
                        cipher.encrypt_text(summary, _case_aad("summary", r.id)),
                        "payload": r.payload if crypto.is_text_token(r.payload) else
                        cipher.encrypt_text(r.payload, _case_aad("payload", r.id)),
                    })
                if case_updates:  # one executemany per chunk, by primary key
                    connection.execute(_UPDATE_CASE_BY_ID, [
                        {"b_id" if k == "id" else f"v_{k}": v for k, v in row.items()}
                        for row in case_updates])
                    counts[0] += len(case_updates)
                    case_updates.clear()
            revision_ids = connection.execute(select(export_revisions.c.id)).scalars().all()
            for chunk in _chunks(revision_ids):
                for rev in connection.execute(
                        select(export_revisions.c.id, export_revisions.c.case_id,
                               export_revisions.c.revision, export_revisions.c.case_snapshot)
                        .where(export_revisions.c.id.in_(chunk))):
                    if not crypto.is_text_token(rev.case_snapshot):
                        connection.execute(update(export_revisions).where(
                            export_revisions.c.id == rev.id).values(
                            case_snapshot=cipher.encrypt_text(
                                rev.case_snapshot, _snapshot_aad(rev.case_id, rev.revision))))
                        counts[1] += 1
            document_ids = connection.execute(select(export_documents.c.id)).scalars().all()
            for chunk in _chunks(document_ids, 20):
                for d in connection.execute(
                        select(export_documents.c.id, export_revisions.c.case_id,
                               export_revisions.c.revision, export_documents.c.kind,
                               export_documents.c.language, export_documents.c.sha256,
                               export_documents.c.file_name, export_documents.c.content)
                        .join(export_revisions,
                              export_revisions.c.id == export_documents.c.revision_id)
                        .where(export_documents.c.id.in_(chunk))):
                    place = (d.case_id, d.revision, d.kind, d.language, d.sha256)
                    doc_values: dict[str, Any] = {}
                    if not crypto.is_text_token(d.file_name):
                        doc_values["file_name"] = cipher.encrypt_text(
                            d.file_name, _document_aad("file_name", *place))
                    if not crypto.is_token(bytes(d.content)):
                        doc_values["content"] = cipher.encrypt(
                            bytes(d.content), _document_aad("content", *place))
                    if doc_values:
                        connection.execute(update(export_documents).where(
                            export_documents.c.id == d.id).values(**doc_values))
                        counts[2] += 1
            connection.execute(insert(key_check).values(
                key_id=cipher.key_id_hex, created_at=datetime.now(UTC),
                check_value=cipher.encrypt_text(KEY_CHECK_TEXT, _key_check_aad(cipher.key_id_hex))))
        log.info("Database encrypted: %d cases, %d export revisions, %d documents", *counts)
        return True

    def _scrub_plaintext_traces(self) -> None:
        """After encrypting in place (SQLite): no plaintext left in the database's files or in
        the backups folder.  Failures are logged, never raised: the data itself is safe."""
        try:
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.exec_driver_sql("VACUUM")
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except SQLAlchemyError as exc:
            log.warning("Could not compact the database after encrypting (%s)",
                        type(exc).__name__)
        try:
            fresh = self._backup("after-encryption")
        except (OSError, sqlite3.Error) as exc:
            log.warning("No backup after encrypting (%s); old backups are kept",
                        type(exc).__name__)
            return
        stale = [p for p in self.backups() if p != fresh and _backup_holds_plaintext(p)]
        self.remove_backups(stale)
        if stale:
            log.info("Removed %d backups that held unencrypted data", len(stale))

    def _seal(self, value: str, aad: bytes) -> str:
        return value if self._cipher is None else self._cipher.encrypt_text(value, aad)

    def _unseal(self, value: str, aad: bytes) -> str:
        if self._cipher is None:
            return value
        try:
            return self._cipher.decrypt_text(value, aad)
        except DecryptionError:
            raise _unreadable() from None

    def _seal_bytes(self, value: bytes, aad: bytes) -> bytes:
        return value if self._cipher is None else self._cipher.encrypt(value, aad)

    def _unseal_bytes(self, value: bytes, aad: bytes) -> bytes:
        if self._cipher is None:
            return value
        try:
            return self._cipher.decrypt(bytes(value), aad)
        except DecryptionError:
            raise _unreadable() from None

    def _summary(self, case_id: str, summary: str | None, name: str,
                 masked: str) -> tuple[str, str, str | None]:
        """Name, masked number and search key of a listed row (None: use the SQL filter)."""
        if summary is None:
            return name, masked, None
        try:
            parts = json.loads(self._unseal(summary, _case_aad("summary", case_id)))
            name, masked, key = (str(p) for p in parts)
        except (ValueError, TypeError):
            raise _unreadable() from None
        return name, masked, key

    # ---- cases ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction.  On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock
        is taken up front (waiting up to the busy timeout), so two writers never both read the
        audit head and then collide — and a save never fails half-way on a lock upgrade."""
        with self.engine.begin() as connection:
            if self._is_sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection

    def save(self, case: Case, *, step: str | None = None,
             expected_version: int | None = None, actor: Actor | None = None) -> int:
        """Store the case in one transaction; returns the new version.

        With ``expected_version`` the save is refused (:class:`ConflictError`, nothing written)
        when somebody else saved the case in the meantime.  The first save of a case writes a
        ``create`` audit entry in the same transaction; later saves are not audited.
        """
        version, _created = self._save(case, step=step, expected_version=expected_version,
                                       actor=actor, created_action="create")
        return version

    def import_case(self, case: Case, *, step: str | None = None,
                    actor: Actor | None = None) -> int:
        """Store a case read from a case file; audited as ``import`` (also when it replaces a
        stored case with the same id — ``details.replaced`` says which)."""
        version, _created = self._save(case, step=step, expected_version=None, actor=actor,
                                       created_action="import", updated_action="import")
        return version

    def _save(self, case: Case, *, step: str | None, expected_version: int | None,
              actor: Actor | None, created_action: str | None,
              updated_action: str | None = None,
              details: Mapping[str, Any] | None = None) -> tuple[int, bool]:
        """Insert or update the case; audit entries go in the same transaction, last (after
        the case row), so the head row is always the last lock a writer takes."""
        payload = casefile.dumps(case)
        who = actor if actor is not None else self._actor
        values: dict[str, Any] = {
            "status": case.status,
            "pathway_id": case.pathway_id,
            "pathway_version": case.pathway_version,
            "patient_name": case.patient.name,
            "masked_identity": mask(case.patient.identity_number),
            "search_key": search_key_for(case.patient.name, case.patient.identity_number,
                                         case.consultation.date),
            "consultation_date": case.consultation.date,
            "updated_at": case.updated_at,
            "payload": payload,
        }
        if step is not None:
            values["step"] = step
        if self._cipher is not None:  # one sealed summary instead of three plaintext columns
            values["summary"] = self._seal(
                _summary_text(values["patient_name"], values["masked_identity"],
                              values["search_key"]), _case_aad("summary", case.id))
            values["payload"] = self._seal(payload, _case_aad("payload", case.id))
            values.update(patient_name="", masked_identity="", search_key="")
        if who.name or who.hpr:  # clinic mode: the last editor
            values["editor_name"], values["editor_hpr"] = who.name or None, who.hpr or None
        with self._translate_errors(), self._writing() as connection:
            current = connection.execute(
                select(cases.c.version).where(cases.c.id == case.id)
            ).scalar_one_or_none()
            if current is None:
                if expected_version not in (None, 0):
                    raise ConflictError(_(
                        "The case has been deleted by another user or process."),
                                        case_id=case.id, expected_version=expected_version)
                connection.execute(insert(cases).values(
                    id=case.id, version=1, created_at=case.created_at,
                    owner_name=who.name or None, owner_hpr=who.hpr or None, **values))
                if created_action is not None:
                    self._append_audit(
                        connection, created_action, case.id, actor,
                        {**(details or {}), "replaced": False} if updated_action else details)
                return 1, True
            if expected_version is not None and current != expected_version:
                raise ConflictError(
                    _("The case has been changed elsewhere since it was opened (stored "
                      "version {stored}, this version {expected}).").format(
                          stored=current, expected=expected_version),
                    case_id=case.id, stored_version=current, expected_version=expected_version,
                )
            result: Any = connection.execute(
                update(cases)
                .where(cases.c.id == case.id, cases.c.version == current)
                .values(version=current + 1, **values)
            )
            if result.rowcount != 1:
                raise ConflictError(_("The case was changed elsewhere at the same time."),
                                    case_id=case.id, expected_version=expected_version)
            if updated_action is not None:
                self._append_audit(connection, updated_action, case.id, actor,
                                   {**(details or {}), "replaced": True})
            return current + 1, False

    @contextlib.contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except SQLAlchemyError as exc:
            raise _error_for(exc) from None

    def load(self, case_id: str) -> StoredCase:
        """The stored case (not audited: the store itself loads for duplicate/export; use
        :meth:`open_case` when a person opens a draft)."""
        try:
            with self.engine.connect() as connection:
                row = connection.execute(
                    select(cases.c.payload, cases.c.version, cases.c.step, cases.c.owner_name,
                           cases.c.owner_hpr, cases.c.editor_name, cases.c.editor_hpr)
                    .where(cases.c.id == case_id)
                ).one_or_none()
        except SQLAlchemyError as exc:
            raise _error_for(exc) from None
        if row is None:
            raise CaseNotFound(_("No case with id {case_id} was found.").format(
                case_id=repr(case_id[:32])))
        payload = self._unseal(row.payload, _case_aad("payload", case_id))
        return StoredCase(case=_parse_case(payload), version=row.version, step=row.step,
                          owner=_person(row.owner_name, row.owner_hpr),
                          editor=_person(row.editor_name, row.editor_hpr))

    def open_case(self, case_id: str, *, actor: Actor | None = None) -> StoredCase:
        """Load a case because a person opens it; writes an ``open`` audit entry."""
        stored = self.load(case_id)
        self.audit("open", case_id, actor, {"version": stored.version})
        return stored

    def list(self, query: str = "", *, limit: int | None = None,
             scope: Literal["own", "all"] | None = None) -> list[DraftSummary]:
        """Drafts, newest edit first; ``query`` matches name, number or date (æøå-safe).

        ``scope="own"``: the actor's drafts (by HPR number) and drafts nobody owns (made before
        clinic mode, or without a profile); ``"all"``: every draft.  By default the clinic
        setting :data:`DRAFTS_VISIBLE_TO_ALL` decides (see :meth:`drafts_visible_to_all`).
        """
        if scope is None:
            scope = "all" if self.drafts_visible_to_all() else "own"
        statement = select(
            cases.c.id, cases.c.patient_name, cases.c.masked_identity, cases.c.summary,
            cases.c.consultation_date, cases.c.status, cases.c.updated_at,
            cases.c.owner_name, cases.c.owner_hpr, cases.c.editor_name, cases.c.editor_hpr,
        ).order_by(cases.c.updated_at.desc())
        if scope == "own":
            unowned = cases.c.owner_hpr.is_(None)
            statement = statement.where(
                or_(unowned, cases.c.owner_hpr == self._actor.hpr) if self._actor.hpr
                else unowned)
        needle = normalise_query(query)
        # Encrypted: the search key is sealed, so rows are decrypted (once each) and filtered
        # here; plaintext: the database filters.
        in_python = bool(needle) and self._cipher is not None
        if needle and not in_python:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(cases.c.search_key.like(f"%{escaped}%", escape="\\"))
        if limit is not None and not in_python:
            statement = statement.limit(limit)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(statement).all()
        except SQLAlchemyError as exc:
            raise _error_for(exc) from None
        drafts: builtins.list[DraftSummary] = []
        for r in rows:
            name, masked, key = self._summary(r.id, r.summary, r.patient_name, r.masked_identity)
            if in_python and (key is None or needle not in key):
                continue
            drafts.append(DraftSummary(
                r.id, name, masked, r.consultation_date, r.status, _aware(r.updated_at),
                owner=_person(r.owner_name, r.owner_hpr),
                editor=_person(r.editor_name, r.editor_hpr), search_key=key))
            if limit is not None and len(drafts) >= limit:
                break
        return drafts

    # ---- clinic settings -----------------------------------------------------------------

    def clinic_setting(self, key: str, default: Any = None) -> Any:
        """A clinic-wide setting (shared by every workstation on this database)."""
        with self._translate_errors(), self.engine.connect() as connection:
            value = connection.execute(
                select(clinic_settings.c.value).where(clinic_settings.c.key == key)
            ).scalar_one_or_none()
        return default if value is None else json.loads(value)

    def set_clinic_setting(self, key: str, value: Any, *, actor: Actor | None = None) -> None:
        who = actor if actor is not None else self._actor
        encoded = json.dumps(value)
        with self._translate_errors(), self._writing() as connection:
            changed: Any = connection.execute(
                update(clinic_settings).where(clinic_settings.c.key == key)
                .values(value=encoded, updated_at=datetime.now(UTC), updated_by=who.name or None))
            if changed.rowcount == 0:
                connection.execute(insert(clinic_settings).values(
                    key=key, value=encoded, updated_at=datetime.now(UTC),
                    updated_by=who.name or None))

    def drafts_visible_to_all(self) -> bool:
        """Whether :meth:`list` shows every doctor's drafts.  Unset, a single-user SQLite file
        shows everything (it is all the one user's) and a clinic server only one's own."""
        return bool(self.clinic_setting(DRAFTS_VISIBLE_TO_ALL, self._is_sqlite))

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(cases)).scalar_one())

    def duplicate(self, case_id: str, *, actor: Actor | None = None) -> str:
        """A new draft with the same content (for a follow-up consultation); returns its id.

        Audited once, as ``duplicate`` on the new case with ``details.source_case_id``."""
        original = self.load(case_id).case
        copy = original.model_copy(deep=True)
        copy.id = new_case_id()
        copy.status = "draft"
        copy.consent.status = "not_obtained"
        copy.created_at = copy.updated_at = utc_now()
        self._save(copy, step=None, expected_version=None, actor=actor,
                   created_action="duplicate", details={"source_case_id": case_id})
        return copy.id

    def delete(self, case_id: str, *, actor: Actor | None = None) -> None:
        """Remove a case and its export revisions (a backup is taken first on SQLite).

        Audited as ``delete`` in the same transaction (with the backup's file name)."""
        backup = self._backup("before-delete")
        details: dict[str, Any] = {"backup": backup.name} if backup is not None else {}
        self._remove(case_id, "delete", actor, details)

    def purge(self, case_id: str, *, actor: Actor | None = None,
              reason: str = "retention") -> None:
        """Remove a case for good (retention): no backup copy is made, and on SQLite the WAL is
        checkpointed and truncated so the freed pages (zeroed by ``secure_delete``) leave no
        copy behind in the database's own files.  Older backups still hold the case — the
        retention job must thin those too.  Audited as ``purge``."""
        self._remove(case_id, "purge", actor, {"reason": reason})
        self.checkpoint()

    def checkpoint(self) -> bool:
        """SQLite: copy the WAL into the database and truncate it to zero bytes, so pages of
        removed rows are not kept in the WAL.  True when it completed (False: a reader was
        busy, or not SQLite)."""
        if not self._is_sqlite:
            return False
        try:
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        except SQLAlchemyError as exc:
            log.warning("WAL checkpoint failed (%s)", type(exc).__name__)
            return False
        return bool(row[0] == 0)

    def last_exports(self) -> dict[str, datetime]:
        """Case id → when it was last exported, for every stored case that has an export
        (what the retention rule counts from; see :mod:`core.retention`)."""
        with self._translate_errors(), self.engine.connect() as connection:
            rows = connection.execute(
                select(export_revisions.c.case_id, func.max(export_revisions.c.exported_at))
                .group_by(export_revisions.c.case_id)).all()
        return {case_id: _aware(at) for case_id, at in rows}

    def backups(self) -> builtins.list[Path]:
        """The backup copies in the backups folder, oldest first (names carry UTC times)."""
        folder = self.data_dir / "backups" if self.data_dir is not None else None
        if folder is None or not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("rekvirent-*.sqlite3") if p.is_file())

    def remove_backups(self, paths: builtins.list[Path]) -> int:
        """Delete backup copies (and any -wal/-shm/-journal beside them); returns how many.
        Only files in this store's backups folder are touched."""
        own = set(self.backups())
        removed = 0
        for path in paths:
            if path not in own:
                raise ValueError("not a backup of this store")
            for part in _sqlite_files(path):
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()
            removed += 1
        return removed

    def _remove(self, case_id: str, action: str, actor: Actor | None,
                details: dict[str, Any]) -> None:
        with self._translate_errors(), self._writing() as connection:
            revision_ids = select(export_revisions.c.id).where(
                export_revisions.c.case_id == case_id)
            exports = connection.execute(
                select(func.count()).select_from(export_revisions)
                .where(export_revisions.c.case_id == case_id)
            ).scalar_one()
            connection.execute(delete(export_documents).where(
                export_documents.c.revision_id.in_(revision_ids)))
            connection.execute(delete(export_revisions).where(
                export_revisions.c.case_id == case_id))
            result: Any = connection.execute(delete(cases).where(cases.c.id == case_id))
            if result.rowcount == 0:
                raise CaseNotFound(_("No case with id {case_id} was found.").format(
                    case_id=repr(case_id[:32])))
            self._append_audit(connection, action, case_id, actor, {**details, "exports": exports})

    # ---- exports -------------------------------------------------------------------------

    def record_export(self, case_id: str, documents: builtins.list[ExportedDocument], *,
                      actor: Actor | None = None) -> int:
        """Keep what was exported: the case as it was, and every document with its hash.

        Audited as ``export`` with each document's kind, language, SHA-256 and size (never
        its file name, which the GP may have typed)."""
        stored = self.load(case_id)
        case = stored.case
        case.status = "exported"
        snapshot = casefile.dumps(case)
        payload = self._seal(snapshot, _case_aad("payload", case_id))
        with self._translate_errors(), self._writing() as connection:
            last = connection.execute(
                select(func.max(export_revisions.c.revision))
                .where(export_revisions.c.case_id == case_id)
            ).scalar_one()
            revision = (last or 0) + 1
            revision_id = connection.execute(insert(export_revisions).values(
                case_id=case_id, revision=revision, exported_at=datetime.now(UTC),
                pathway_id=case.pathway_id, pathway_version=case.pathway_version,
                case_snapshot=self._seal(snapshot, _snapshot_aad(case_id, revision)),
            ).returning(export_revisions.c.id)).scalar_one()
            for doc in documents:
                place = (case_id, revision, doc.kind, doc.language, doc.sha256)
                connection.execute(insert(export_documents).values(
                    revision_id=revision_id, kind=doc.kind, language=doc.language,
                    file_name=self._seal(doc.file_name, _document_aad("file_name", *place)),
                    sha256=doc.sha256,
                    content=self._seal_bytes(doc.content, _document_aad("content", *place)),
                ))
            connection.execute(
                update(cases).where(cases.c.id == case_id)
                .values(status="exported", payload=payload, version=cases.c.version + 1)
            )
            self._append_audit(connection, "export", case_id, actor, {
                "revision": revision,
                "documents": [{"kind": d.kind, "language": d.language, "sha256": d.sha256,
                               "bytes": len(d.content)} for d in documents],
            })
            return revision

    def list_exports(self, case_id: str) -> builtins.list[ExportRevision]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(export_revisions.c.revision).where(export_revisions.c.case_id == case_id)
                .order_by(export_revisions.c.revision)
            ).scalars().all()
        return [self.load_export(case_id, r) for r in rows]

    def load_export(self, case_id: str, revision: int) -> ExportRevision:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(export_revisions).where(export_revisions.c.case_id == case_id,
                                               export_revisions.c.revision == revision)
            ).one_or_none()
            if row is None:
                raise CaseNotFound(_("Export {revision} of the case was not found.").format(
                    revision=revision))
            docs = connection.execute(
                select(export_documents).where(export_documents.c.revision_id == row.id)
                .order_by(export_documents.c.id)
            ).all()
            places = [(case_id, row.revision, d.kind, d.language, d.sha256) for d in docs]
            return ExportRevision(
                revision=row.revision, exported_at=_aware(row.exported_at),
                pathway_id=row.pathway_id, pathway_version=row.pathway_version,
                case=_parse_case(self._unseal(row.case_snapshot,
                                                 _snapshot_aad(case_id, row.revision))),
                documents=tuple(ExportedDocument(
                    d.kind, d.language,
                    self._unseal(d.file_name, _document_aad("file_name", *place)), d.sha256,
                    self._unseal_bytes(d.content, _document_aad("content", *place)))
                    for d, place in zip(docs, places, strict=True)),
            )

    # ---- audit log -----------------------------------------------------------------------

    def set_actor(self, name: str, hpr: str = "") -> None:
        """Who is using this store from now on (the prescriber's name and HPR number); used
        for audit entries whose caller does not name an actor."""
        self._actor = Actor(name, hpr)

    @property
    def actor(self) -> Actor:
        return self._actor

    def audit(self, action: str, case_id: str | None, actor: Actor | None = None,
              details: Mapping[str, Any] | None = None) -> AuditEntry:
        """Append one audit entry in its own transaction (for what the caller does: print,
        copy to the clipboard, restore…).  ``details`` holds only ids, kinds, hashes and
        counts (see :data:`core.audit.DETAIL_KEYS`); anything else raises ``ValueError``."""
        with self._translate_errors(), self._writing() as connection:
            return self._append_audit(connection, action, case_id, actor, details)

    def _append_audit(self, connection: Connection, action: str, case_id: str | None,
                      actor: Actor | None, details: Mapping[str, Any] | None) -> AuditEntry:
        """Add the next entry to the chain inside ``connection``'s transaction.

        The head row is locked first (``FOR UPDATE``; on SQLite the transaction already holds
        the write lock from ``BEGIN IMMEDIATE``), so concurrent writers queue up instead of
        both linking to the same predecessor.
        """
        audit_chain.check_action(action)
        audit_chain.check_case_id(case_id)
        details_text = audit_chain.encode_details(details)
        who = actor if actor is not None else self._actor
        head = connection.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            .with_for_update()
        ).one_or_none()
        if head is None:
            raise StorageError(_(
                "The audit log is damaged (its head record is missing). Nothing was changed; "
                "contact the person responsible for the clinic's IT."))
        seq = head.seq + 1
        at = datetime.now(UTC)
        digest = audit_chain.entry_hash(
            seq=seq, at=at, actor=who.name, actor_hpr=who.hpr, workstation=self._workstation,
            action=action, case_id=case_id, details=details_text, prev_hash=head.hash,
        )
        connection.execute(insert(audit_log).values(
            seq=seq, at=at, actor=who.name, actor_hpr=who.hpr, workstation=self._workstation,
            action=action, case_id=case_id, details=details_text, prev_hash=head.hash,
            hash=digest,
        ))
        moved: Any = connection.execute(
            update(audit_head).where(audit_head.c.id == 1, audit_head.c.seq == head.seq)
            .values(seq=seq, hash=digest)
        )
        if moved.rowcount != 1:  # cannot happen while the lock is held; refuse rather than fork
            raise StorageError(_("The audit log changed during the write. Try again."))
        return AuditEntry(seq=seq, at=at, actor=who.name, actor_hpr=who.hpr,
                          workstation=self._workstation, action=action, case_id=case_id,
                          details=audit_chain.decode_details(details_text),
                          prev_hash=head.hash, hash=digest)

    def audit_log(self, case_id: str | None = None) -> builtins.list[AuditEntry]:
        """Audit entries, oldest first; only those about ``case_id`` when given."""
        statement = select(audit_log).order_by(audit_log.c.seq)
        if case_id is not None:
            statement = statement.where(audit_log.c.case_id == case_id)
        with self._translate_errors(), self.engine.connect() as connection:
            rows = connection.execute(statement).all()
            return [
                AuditEntry(seq=r.seq, at=_aware(r.at).astimezone(UTC), actor=r.actor,
                           actor_hpr=r.actor_hpr, workstation=r.workstation, action=r.action,
                           case_id=r.case_id, details=audit_chain.decode_details(r.details),
                           prev_hash=r.prev_hash, hash=r.hash)
                for r in rows
            ]

    def verify_audit(self) -> AuditVerification:
        """Walk the whole chain: ok, or the first entry that was changed, removed or moved."""
        with self._translate_errors(), self.engine.connect() as connection:
            # One snapshot for the head and the rows, or a concurrent append would look like
            # tampering: a deferred BEGIN on SQLite (WAL keeps the reader's snapshot),
            # REPEATABLE READ on PostgreSQL.
            if self._is_sqlite:
                connection.exec_driver_sql("BEGIN")
            else:
                connection.execution_options(isolation_level="REPEATABLE READ")
            head_row = connection.execute(
                select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            ).one_or_none()
            head = (head_row.seq, head_row.hash) if head_row is not None else None
            result = connection.execution_options(yield_per=1000).execute(
                select(audit_log).order_by(audit_log.c.seq))
            try:  # the verifier may stop early: close the (server-side) cursor either way
                return audit_chain.verify_chain(
                    (audit_chain.ChainRow(
                        seq=r.seq, at=r.at, actor=r.actor, actor_hpr=r.actor_hpr,
                        workstation=r.workstation, action=r.action, case_id=r.case_id,
                        details=r.details, prev_hash=r.prev_hash, hash=r.hash)
                     for r in result),
                    head)
            finally:
                result.close()

    # ---- health --------------------------------------------------------------------------

    def integrity_ok(self) -> bool:
        """SQLite ``quick_check``; other backends answer True (the server checks itself)."""
        if self.sqlite_path is None:
            return True
        with self.engine.connect() as connection:
            result = connection.exec_driver_sql("PRAGMA quick_check").scalar()
            return bool(result == "ok")


#: Seconds to wait for a database server to answer a connection attempt (libpq's default is
#: forever: an unplugged network would freeze the window); override with the URL's
#: ``?connect_timeout=``.
CONNECT_TIMEOUT_S = 5


def _server_options(url: URL) -> dict[str, Any]:
    """Engine options for a database server: test pooled connections before use (a server
    restart is then survived without an error) and do not wait forever to connect."""
    if url.get_backend_name() == "sqlite":
        return {}
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return options


def _is_disconnect(exc: BaseException) -> bool:
    """True when ``exc`` means the server is gone (restart, network) — not a bad statement,
    and never SQLite's own OperationalErrors (locked, disk I/O), which are no disconnects."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if type(exc.orig).__module__.split(".")[0] == "sqlite3":
        return False
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        state = getattr(exc.orig, "sqlstate", None)
        if state is None:  # libpq failed to connect: unreachable — or refused, or misnamed
            return not _is_login_refused(exc) and "does not exist" not in str(exc.orig)
        # 08xxx: connection exception; 57P01-03: the server is shutting down / starting up.
        return str(state).startswith(("08", "57P0"))
    return False


def _is_login_refused(exc: BaseException) -> bool:
    """The server (or libpq) refused the credentials — asking again helps, retrying does not."""
    if not isinstance(exc, DBAPIError) or type(exc.orig).__module__.split(".")[0] == "sqlite3":
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None:
        return str(state).startswith("28")  # invalid authorization / password
    text = str(exc.orig).lower()
    return "password" in text or "authentication" in text


def _connection_lost() -> ConnectionLost:
    return ConnectionLost(_("The database server cannot be reached. Nothing was written; "
                            "try again when the connection is back."))


def _login_refused() -> LoginRefused:
    return LoginRefused(_("The database server refused the user name or password. Nothing "
                          "was written."))


def _error_for(exc: SQLAlchemyError) -> StorageError:
    """The store's error for a SQLAlchemy error: :class:`ConnectionLost` for a disconnect,
    :class:`LoginRefused` for refused credentials."""
    if _is_login_refused(exc):
        return _login_refused()
    return _connection_lost() if _is_disconnect(exc) else StorageError(_describe(exc))


def _condition(exc: BaseException) -> str | None:
    """A message naming a known condition (disk, lock, access), or None."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "disk" in text and "full" in text:
        return _("The disk is full. What you typed is not lost; free some space and try again.")
    if "disk i/o error" in text:
        return _("The data could not be written to the disk (it may be full or failing). What "
                 "you typed is not lost; free some space or check the disk, and try again.")
    if "locked" in text or "busy" in text:
        return _("The database is locked by another process. Try again in a moment.")
    if "readonly" in text or "read-only" in text or "unable to open database file" in text:
        return _("The database cannot be written to (read-only). Check your access to the "
                 "data folder.")
    return None


def _describe(exc: SQLAlchemyError) -> str:
    """A message for the GP that names the kind of failure and never the data involved."""
    return _condition(exc) or _(
        "Database error ({kind}). What you typed is not lost; try again.").format(
        kind=type(exc).__name__)


# ---- encryption helpers ----------------------------------------------------------------------

#: The known value sealed into ``key_check``: opening it proves the key belongs here.
KEY_CHECK_TEXT = "rekvirent-key-check-v1"


_CASE_AAD_PREFIX = {column: crypto.aad("cases", column) for column in ("payload", "summary")}


def _case_aad(column: str, case_id: str) -> bytes:
    return _CASE_AAD_PREFIX[column] + crypto.aad(case_id)


def _snapshot_aad(case_id: str, revision: int) -> bytes:
    return crypto.aad("export_revisions", "case_snapshot", case_id, revision)


def _document_aad(column: str, case_id: str, revision: int, kind: str, language: str,
                  sha256: str) -> bytes:
    """A document is bound to its case, revision, kind, language and SHA-256 (its id is
    only known after the insert)."""
    return crypto.aad("export_documents", column, case_id, revision, kind, language, sha256)


def _key_check_aad(key_id_hex: str) -> bytes:
    return crypto.aad("key_check", "check_value", key_id_hex)


def _summary_text(name: str, masked: str, search_key: str) -> str:
    return json.dumps([name, masked, search_key], ensure_ascii=False, separators=(",", ":"))


def _chunks(items: builtins.list[Any] | Any, size: int = 200) -> Iterator[builtins.list[Any]]:
    items = builtins.list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _key_mismatch(key_ids: tuple[str, ...] | builtins.list[str]) -> KeyMismatch:
    ids = tuple(sorted(key_ids))
    return KeyMismatch(_(
        "This key does not belong to the database (it is encrypted with key {key_ids}). "
        "Nothing has been changed; open it with the key that belongs to it.").format(
            key_ids=", ".join(ids)), key_ids=ids)


def _verify_key(cipher: FieldCipher, checks: Mapping[str, str]) -> None:
    value = checks.get(cipher.key_id_hex)
    try:
        ok = value is not None and cipher.decrypt_text(
            value, _key_check_aad(cipher.key_id_hex)) == KEY_CHECK_TEXT
    except DecryptionError:
        ok = False
    if not ok:
        raise _key_mismatch(builtins.list(checks))


def _parse_case(payload: str) -> Case:
    """A stored case file; a damaged one (changed inside an intact database) is a
    :class:`UnreadableData` like any other unreadable value, never a bare parse error."""
    try:
        return casefile.loads(payload)
    except casefile.CaseFileError:
        raise UnreadableData(_(
            "A stored case is damaged and cannot be read. Nothing has been changed; restore a "
            "backup or contact the person responsible for IT.")) from None


def _unreadable() -> UnreadableData:
    return UnreadableData(_(
        "A stored value cannot be decrypted: it was changed outside Rekvirent or does not "
        "belong where it is. Nothing has been changed; restore a backup or contact the person "
        "responsible for IT."))


def _backup_holds_plaintext(path: Path) -> bool:
    """True when a backup copy is an unencrypted database (no ``key_check`` row).  A copy
    that cannot be read is kept (False) and logged: it is not ours to judge."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        log.warning("Backup %s could not be opened; kept", path.name)
        return False
    try:
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='key_check'").fetchone()
        if not has_table:
            return True
        return bool(connection.execute("SELECT count(*) FROM key_check").fetchone()[0] == 0)
    except sqlite3.Error:
        log.warning("Backup %s could not be read; kept", path.name)
        return False
    finally:
        connection.close()
