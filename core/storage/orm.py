"""Typed SQLAlchemy 2 tables. Backend-agnostic: nothing here is SQLite-specific."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    """One case: the whole case file as JSON, plus the few columns the draft list shows."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: Optimistic-locking counter: every save increments it; a stale writer is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    pathway_id: Mapped[str] = mapped_column(String(100), nullable=False)
    pathway_version: Mapped[int] = mapped_column(Integer, nullable=False)
    patient_name: Mapped[str] = mapped_column(Text, nullable=False)
    masked_identity: Mapped[str] = mapped_column(String(32), nullable=False)
    #: casefold()ed name + identity digits + dates; SQLite's lower() knows only ASCII.
    search_key: Mapped[str] = mapped_column(Text, nullable=False, default="")
    consultation_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 index=True)
    step: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The case file JSON; sealed (``RK1:…``, see :mod:`core.crypto`) when the store has a key.
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    #: Encryption on: name, masked number and search key as one sealed JSON value (one decrypt
    #: per listed row); ``patient_name``/``masked_identity``/``search_key`` are then empty.
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Clinic mode: the doctor who created the case (None: made before revision 0004).
    owner_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    owner_hpr: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    #: The doctor who saved the case last.
    editor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    editor_hpr: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ClinicSettingRow(Base):
    """One clinic-wide setting (shared by every workstation on the same database), e.g.
    ``drafts_visible_to_all``.  Values are JSON text."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ExportRevisionRow(Base):
    """What was exported, when, under which content version; the case as it was then."""

    __tablename__ = "export_revisions"
    __table_args__ = (UniqueConstraint("case_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    exported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    pathway_id: Mapped[str] = mapped_column(String(100), nullable=False)
    pathway_version: Mapped[int] = mapped_column(Integer, nullable=False)
    case_snapshot: Mapped[str] = mapped_column(Text, nullable=False)


class ExportDocumentRow(Base):
    __tablename__ = "export_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("export_revisions.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    #: Sealed like ``content`` when the store has a key (hence TEXT since revision 0005).
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class KeyCheckRow(Base):
    """A known value sealed with one data key: which key(s) the database's values are sealed
    with.  No row: the database is not encrypted.  A key without a row here is refused."""

    __tablename__ = "key_check"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    check_value: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AuditRow(Base):
    """One audit entry (append-only, hash-chained; see :mod:`core.audit`).

    ``seq`` is gap-free: the store assigns head + 1 while holding the head row's lock, so a
    missing number always means a removed entry.  ``case_id`` is deliberately not a foreign
    key: the entries outlive the case (deletion, retention purge).
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_hpr: Mapped[str] = mapped_column(String(32), nullable=False)
    workstation: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    #: Canonical JSON (ids, kinds, hashes, counts only); hashed exactly as stored.
    details: Mapped[str] = mapped_column(Text, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHeadRow(Base):
    """The single row (id 1) naming the newest entry: the writers' lock and the chain's end.

    Appenders lock it (``SELECT … FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite)
    so two writers can never fork the chain; the verifier compares it with the last entry so
    removing the newest entries is noticed too.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
