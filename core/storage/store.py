"""The draft store: cases, export revisions, migrations and backups behind one small API.

Any SQLAlchemy URL works (SQLite by default, PostgreSQL for clinics).  Each operation is one
short session and one transaction.  SQLAlchemy is created with ``hide_parameters=True`` so no
patient data ever reaches a log line or an exception message.
"""

from __future__ import annotations

import builtins
import contextlib
import getpass
import logging
import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import audit as audit_chain
from core import casefile
from core.audit import Actor, AuditEntry, AuditVerification
from core.case import Case, new_case_id, utc_now
from core.identity import mask
from core.paths import (
    DATABASE_URL_ENV,
    default_database_url,
    ensure_private_dir,
    make_private,
    user_data_dir,
)
from core.storage.orm import AuditHeadRow, AuditRow, CaseRow, ExportDocumentRow, ExportRevisionRow
from core.storage.search import normalise_query, search_key_for
from i18n import _

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StorageError(Exception):
    """Something went wrong with the database; the message is safe to show (no patient data)."""


class NewerSchemaError(StorageError):
    pass


class ConflictError(StorageError):
    pass


class CaseNotFound(StorageError):
    pass


@dataclass(frozen=True)
class StoredCase:
    case: Case
    version: int
    step: str | None


@dataclass(frozen=True)
class DraftSummary:
    id: str
    patient_name: str
    masked_identity: str
    consultation_date: date | None
    status: str
    updated_at: datetime


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


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_files(path: Path) -> tuple[Path, ...]:
    return tuple(Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal"))


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

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None, *, data_dir: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``url``.

        Without a URL: ``REKVIRENT_DATABASE_URL``, else SQLite in the user data directory.
        A database made by a newer Rekvirent raises :class:`NewerSchemaError` and is left
        untouched; before migrating an existing SQLite database a backup copy is made.
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
            engine = create_engine(url, hide_parameters=True, future=True)
        except Exception as exc:  # bad URL, missing driver
            raise StorageError(f"Kan ikke åpne databasen: {type(exc).__name__}") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _set_sqlite_pragmas)
        store = cls(engine, data_dir=folder, sqlite_path=sqlite_path)
        try:
            store._migrate()
        except StorageError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StorageError(
                f"Databasen kan ikke åpnes eller er skadet ({type(exc).__name__})") from None
        if sqlite_path is not None:
            for path in _sqlite_files(sqlite_path):
                make_private(path)
        return store

    def _migrate(self) -> None:
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
                    raise NewerSchemaError(
                        "Databasen er laget av en nyere versjon av Rekvirent "
                        f"(skjema {current}). Oppdater programmet; databasen er ikke endret."
                    ) from None
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

    def _backup(self, reason: str) -> Path | None:
        """Copy the SQLite database with the online backup API (consistent, WAL included)."""
        folder = self.backups_dir()
        if self.sqlite_path is None or folder is None:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"rekvirent-{stamp}-{reason}.sqlite3"
        # Created user-only *before* any data goes in (a chmod afterwards leaves a window).
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        source = sqlite3.connect(self.sqlite_path)
        try:
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
        for path in _sqlite_files(target):
            make_private(path)
        log.info("Backup written: %s", target.name)
        return target

    def backup(self) -> Path | None:
        """A backup copy now (SQLite only); returns its path."""
        return self._backup("manual")

    def close(self) -> None:
        self.engine.dispose()

    def schema_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision

    # ---- cases ---------------------------------------------------------------------------

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Session]:
        """One write transaction.  On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock
        is taken up front (waiting up to the busy timeout), so two writers never both read the
        audit head and then collide — and a save never fails half-way on a lock upgrade."""
        with self._session() as session, session.begin():
            if self._is_sqlite:
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

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
        values = {
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
        with self._translate_errors(), self._writing() as session:
            current = session.execute(
                select(CaseRow.version).where(CaseRow.id == case.id)
            ).scalar_one_or_none()
            if current is None:
                if expected_version not in (None, 0):
                    raise ConflictError("Saken er slettet av en annen bruker eller prosess.")
                session.add(CaseRow(id=case.id, version=1, created_at=case.created_at,
                                    **values))
                session.flush()
                if created_action is not None:
                    self._append_audit(
                        session, created_action, case.id, actor,
                        {**(details or {}), "replaced": False} if updated_action else details)
                return 1, True
            if expected_version is not None and current != expected_version:
                raise ConflictError(
                    "Saken er endret et annet sted siden den ble åpnet "
                    f"(lagret versjon {current}, denne versjonen {expected_version})."
                )
            result: Any = session.execute(
                update(CaseRow)
                .where(CaseRow.id == case.id, CaseRow.version == current)
                .values(version=current + 1, **values)
            )
            if result.rowcount != 1:
                raise ConflictError("Saken ble endret samtidig et annet sted.")
            if updated_action is not None:
                self._append_audit(session, updated_action, case.id, actor,
                                   {**(details or {}), "replaced": True})
            return current + 1, False

    @contextlib.contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except SQLAlchemyError as exc:
            raise StorageError(_describe(exc)) from None

    def load(self, case_id: str) -> StoredCase:
        """The stored case (not audited: the store itself loads for duplicate/export; use
        :meth:`open_case` when a person opens a draft)."""
        try:
            with self._session() as session:
                row = session.execute(
                    select(CaseRow.payload, CaseRow.version, CaseRow.step)
                    .where(CaseRow.id == case_id)
                ).one_or_none()
        except SQLAlchemyError as exc:
            raise StorageError(_describe(exc)) from None
        if row is None:
            raise CaseNotFound(f"Fant ingen sak med id {case_id[:32]!r}.")
        return StoredCase(case=casefile.loads(row.payload), version=row.version, step=row.step)

    def open_case(self, case_id: str, *, actor: Actor | None = None) -> StoredCase:
        """Load a case because a person opens it; writes an ``open`` audit entry."""
        stored = self.load(case_id)
        self.audit("open", case_id, actor, {"version": stored.version})
        return stored

    def list(self, query: str = "", *, limit: int | None = None) -> list[DraftSummary]:
        """Drafts, newest edit first; ``query`` matches name, number or date (æøå-safe)."""
        statement = select(
            CaseRow.id, CaseRow.patient_name, CaseRow.masked_identity,
            CaseRow.consultation_date, CaseRow.status, CaseRow.updated_at,
        ).order_by(CaseRow.updated_at.desc())
        needle = normalise_query(query)
        if needle:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(CaseRow.search_key.like(f"%{escaped}%", escape="\\"))
        if limit is not None:
            statement = statement.limit(limit)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(statement).all()
        except SQLAlchemyError as exc:
            raise StorageError(_describe(exc)) from None
        return [
            DraftSummary(r.id, r.patient_name, r.masked_identity, r.consultation_date, r.status,
                         _aware(r.updated_at))
            for r in rows
        ]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(CaseRow)).scalar_one())

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
        if self._is_sqlite:
            with contextlib.suppress(SQLAlchemyError), self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def _remove(self, case_id: str, action: str, actor: Actor | None,
                details: dict[str, Any]) -> None:
        with self._translate_errors(), self._writing() as session:
            revision_ids = select(ExportRevisionRow.id).where(
                ExportRevisionRow.case_id == case_id)
            exports = session.execute(
                select(func.count()).select_from(ExportRevisionRow)
                .where(ExportRevisionRow.case_id == case_id)
            ).scalar_one()
            session.execute(delete(ExportDocumentRow).where(
                ExportDocumentRow.revision_id.in_(revision_ids)))
            session.execute(delete(ExportRevisionRow).where(
                ExportRevisionRow.case_id == case_id))
            result: Any = session.execute(delete(CaseRow).where(CaseRow.id == case_id))
            if result.rowcount == 0:
                raise CaseNotFound(f"Fant ingen sak med id {case_id[:32]!r}.")
            self._append_audit(session, action, case_id, actor, {**details, "exports": exports})

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
        with self._translate_errors(), self._writing() as session:
            last = session.execute(
                select(func.max(ExportRevisionRow.revision))
                .where(ExportRevisionRow.case_id == case_id)
            ).scalar_one()
            revision = (last or 0) + 1
            row = ExportRevisionRow(
                case_id=case_id, revision=revision, exported_at=datetime.now(UTC),
                pathway_id=case.pathway_id, pathway_version=case.pathway_version,
                case_snapshot=snapshot,
            )
            session.add(row)
            session.flush()
            for doc in documents:
                session.add(ExportDocumentRow(
                    revision_id=row.id, kind=doc.kind, language=doc.language,
                    file_name=doc.file_name, sha256=doc.sha256, content=doc.content,
                ))
            session.execute(
                update(CaseRow).where(CaseRow.id == case_id)
                .values(status="exported", payload=snapshot, version=CaseRow.version + 1)
            )
            session.flush()
            self._append_audit(session, "export", case_id, actor, {
                "revision": revision,
                "documents": [{"kind": d.kind, "language": d.language, "sha256": d.sha256,
                               "bytes": len(d.content)} for d in documents],
            })
            return revision

    def list_exports(self, case_id: str) -> builtins.list[ExportRevision]:
        with self._session() as session:
            rows = session.execute(
                select(ExportRevisionRow.revision).where(ExportRevisionRow.case_id == case_id)
                .order_by(ExportRevisionRow.revision)
            ).scalars().all()
        return [self.load_export(case_id, r) for r in rows]

    def load_export(self, case_id: str, revision: int) -> ExportRevision:
        with self._session() as session:
            row = session.execute(
                select(ExportRevisionRow).where(ExportRevisionRow.case_id == case_id,
                                                ExportRevisionRow.revision == revision)
            ).scalar_one_or_none()
            if row is None:
                raise CaseNotFound(f"Fant ingen eksport {revision} for saken.")
            docs = session.execute(
                select(ExportDocumentRow).where(ExportDocumentRow.revision_id == row.id)
                .order_by(ExportDocumentRow.id)
            ).scalars().all()
            return ExportRevision(
                revision=row.revision, exported_at=_aware(row.exported_at),
                pathway_id=row.pathway_id, pathway_version=row.pathway_version,
                case=casefile.loads(row.case_snapshot),
                documents=tuple(ExportedDocument(d.kind, d.language, d.file_name, d.sha256,
                                                 d.content) for d in docs),
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
        with self._translate_errors(), self._writing() as session:
            return self._append_audit(session, action, case_id, actor, details)

    def _append_audit(self, session: Session, action: str, case_id: str | None,
                      actor: Actor | None, details: Mapping[str, Any] | None) -> AuditEntry:
        """Add the next entry to the chain inside ``session``'s transaction.

        The head row is locked first (``FOR UPDATE``; on SQLite the transaction already holds
        the write lock from ``BEGIN IMMEDIATE``), so concurrent writers queue up instead of
        both linking to the same predecessor.
        """
        audit_chain.check_action(action)
        audit_chain.check_case_id(case_id)
        details_text = audit_chain.encode_details(details)
        who = actor if actor is not None else self._actor
        head = session.execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
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
        session.execute(insert(AuditRow).values(
            seq=seq, at=at, actor=who.name, actor_hpr=who.hpr, workstation=self._workstation,
            action=action, case_id=case_id, details=details_text, prev_hash=head.hash,
            hash=digest,
        ))
        moved: Any = session.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == 1, AuditHeadRow.seq == head.seq)
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
        statement = select(AuditRow).order_by(AuditRow.seq)
        if case_id is not None:
            statement = statement.where(AuditRow.case_id == case_id)
        with self._translate_errors(), self._session() as session:
            rows = session.execute(statement).scalars().all()
            return [
                AuditEntry(seq=r.seq, at=_aware(r.at).astimezone(UTC), actor=r.actor,
                           actor_hpr=r.actor_hpr, workstation=r.workstation, action=r.action,
                           case_id=r.case_id, details=audit_chain.decode_details(r.details),
                           prev_hash=r.prev_hash, hash=r.hash)
                for r in rows
            ]

    def verify_audit(self) -> AuditVerification:
        """Walk the whole chain: ok, or the first entry that was changed, removed or moved."""
        columns = (AuditRow.seq, AuditRow.at, AuditRow.actor, AuditRow.actor_hpr,
                   AuditRow.workstation, AuditRow.action, AuditRow.case_id, AuditRow.details,
                   AuditRow.prev_hash, AuditRow.hash)
        with self._translate_errors(), self.engine.connect() as connection:
            # One snapshot for the head and the rows, or a concurrent append would look like
            # tampering: a deferred BEGIN on SQLite (WAL keeps the reader's snapshot),
            # REPEATABLE READ on PostgreSQL.
            if self._is_sqlite:
                connection.exec_driver_sql("BEGIN")
            else:
                connection.execution_options(isolation_level="REPEATABLE READ")
            head_row = connection.execute(
                select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
            ).one_or_none()
            head = (head_row.seq, head_row.hash) if head_row is not None else None
            result = connection.execution_options(yield_per=1000).execute(
                select(*columns).order_by(AuditRow.seq))
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


def _describe(exc: SQLAlchemyError) -> str:
    """A message for the GP that names the kind of failure and never the data involved."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "disk" in text and "full" in text:
        return "Disken er full. Det du har skrevet er ikke tapt; frigjør plass og prøv igjen."
    if "locked" in text or "busy" in text:
        return "Databasen er låst av en annen prosess. Prøv igjen om litt."
    if "readonly" in text or "read-only" in text:
        return "Databasen kan ikke skrives til (skrivebeskyttet). Sjekk tilgangen til datamappen."
    return f"Databasefeil ({type(exc).__name__}). Det du har skrevet er ikke tapt; prøv igjen."
