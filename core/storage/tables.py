"""The database tables, as SQLAlchemy Core ``Table`` objects.  Backend-agnostic: nothing here
is SQLite-specific.

Core, not the ORM: the store reads and writes column values and rows, never objects with
identity or relationships, and ``sqlalchemy.orm`` alone costs 45 ms and 6 MiB at every start
(docs/performance.md).  The schema itself is made by the Alembic migrations; these tables
must match them (``test_tables_match_the_migrated_schema``).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: One case: the whole case file as JSON, plus the few columns the draft list shows.
cases = Table(
    "cases", metadata,
    Column("id", String(32), primary_key=True),
    # Optimistic-locking counter: every save increments it; a stale writer is refused.
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("pathway_id", String(100), nullable=False),
    Column("pathway_version", Integer, nullable=False),
    Column("patient_name", Text, nullable=False),
    Column("masked_identity", String(32), nullable=False),
    # casefold()ed name + identity digits + dates; SQLite's lower() knows only ASCII.
    Column("search_key", Text, nullable=False, default=""),
    Column("consultation_date", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
    Column("step", String(32), nullable=True),
    # The case file JSON; sealed (``RK1:…``, see core.crypto) when the store has a key.
    Column("payload", Text, nullable=False),
    # Encryption on: name, masked number and search key as one sealed JSON value (one decrypt
    # per listed row); patient_name/masked_identity/search_key are then empty.
    Column("summary", Text, nullable=True),
    # Clinic mode: the doctor who created the case (None: made before revision 0004) …
    Column("owner_name", String(200), nullable=True),
    Column("owner_hpr", String(32), nullable=True, index=True),
    # … and the doctor who saved it last.
    Column("editor_name", String(200), nullable=True),
    Column("editor_hpr", String(32), nullable=True),
)

#: One follow-up entry or dose decision of a case's course (revision 0006): the item as sealed
#: JSON, its own optimistic-locking counter, and who wrote it last.  The time of the
#: observation is patient data and stays inside the payload (the store orders in Python).
course_items = Table(
    "course_items", metadata,
    Column("case_id", String(32), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", String(32), primary_key=True),
    # "followup" or "dose_decision".
    Column("kind", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("editor_name", String(200), nullable=True),
    Column("editor_hpr", String(32), nullable=True),
    Column("payload", Text, nullable=False),
)

#: One clinic-wide setting (shared by every workstation on the same database), e.g.
#: ``drafts_visible_to_all``.  Values are JSON text.
clinic_settings = Table(
    "clinic_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=True),
)

#: What was exported, when, under which content version; the case as it was then.
export_revisions = Table(
    "export_revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("revision", Integer, nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("pathway_id", String(100), nullable=False),
    Column("pathway_version", Integer, nullable=False),
    Column("case_snapshot", Text, nullable=False),
    UniqueConstraint("case_id", "revision"),
)

export_documents = Table(
    "export_documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("revision_id", Integer, ForeignKey("export_revisions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    # Sealed like ``content`` when the store has a key (hence TEXT since revision 0005).
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

#: A known value sealed with one data key: which key(s) the database's values are sealed
#: with.  No row: the database is not encrypted.  A key without a row here is refused.
key_check = Table(
    "key_check", metadata,
    Column("key_id", String(16), primary_key=True),
    Column("check_value", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: One audit entry (append-only, hash-chained; see core.audit).  ``seq`` is gap-free: the
#: store assigns head + 1 while holding the head row's lock, so a missing number always means
#: a removed entry.  ``case_id`` is deliberately not a foreign key: the entries outlive the
#: case (deletion, retention purge).
audit_log = Table(
    "audit_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_hpr", String(32), nullable=False),
    Column("workstation", String(200), nullable=False),
    Column("action", String(16), nullable=False),
    Column("case_id", String(32), nullable=True, index=True),
    # Canonical JSON (ids, kinds, hashes, counts only); hashed exactly as stored.
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: The single row (id 1) naming the newest entry: the writers' lock and the chain's end.
#: Appenders lock it (``SELECT … FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite)
#: so two writers can never fork the chain; the verifier compares it with the last entry so
#: removing the newest entries is noticed too.
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="ck_audit_head_single_row"),
)
