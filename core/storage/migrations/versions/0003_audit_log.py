"""Audit log: append-only, hash-chained entries and the head row that anchors the chain.

Revision ID: 0003
Revises: 0002

Both backends get database-level guards on top of the store offering no update/delete:
* ``audit_log`` refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) with a trigger;
* ``audit_head`` refuses DELETE and any UPDATE that does not move it exactly one entry forward
  onto an entry that exists with that hash.
The guards stop mistakes and casual edits; the hash chain is what makes tampering by someone
who can drop the triggers (the file's owner, the table owner) visible.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

_SQLITE_GUARDS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
       WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
           SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash
             AND prev_hash = OLD.hash)
       BEGIN SELECT RAISE(ABORT, 'audit_head may only move forward'); END""",
]

_POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION rekvirent_audit_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'audit_log is append-only';
       END $$""",
    """CREATE OR REPLACE FUNCTION rekvirent_audit_head_forward_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
            OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash
                             AND prev_hash = OLD.hash) THEN
           RAISE EXCEPTION 'audit_head may only move forward';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION rekvirent_audit_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION rekvirent_audit_append_only()""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION rekvirent_audit_head_forward_only()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION rekvirent_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_hpr", sa.String(32), nullable=False),
        sa.Column("workstation", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(32), nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)")
               .bindparams(genesis=GENESIS_HASH))
    dialect = op.get_bind().dialect.name
    guards = _POSTGRES_GUARDS if dialect == "postgresql" else (
        _SQLITE_GUARDS if dialect == "sqlite" else [])
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete",
                     "audit_head_forward_only"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_log_case_id", "audit_log")
    op.drop_table("audit_log")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS rekvirent_audit_head_forward_only()")
        op.execute("DROP FUNCTION IF EXISTS rekvirent_audit_append_only()")
