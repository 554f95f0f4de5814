"""Export revisions and documents; a case-folded search key for æøå-safe search.

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("search_key", sa.Text, nullable=False, server_default=""))
    # Fill the key for existing rows from their payload (same recipe as the Store uses).
    from core.storage.search import search_key_for

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, payload FROM cases")).fetchall()
    for row_id, payload in rows:
        case = json.loads(payload)["case"]
        key = search_key_for(
            case["patient"]["name"], case["patient"]["identity_number"],
            case["consultation"].get("date"),
        )
        conn.execute(sa.text("UPDATE cases SET search_key = :k WHERE id = :i"),
                     {"k": key, "i": row_id})
    op.create_table(
        "export_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pathway_id", sa.String(100), nullable=False),
        sa.Column("pathway_version", sa.Integer, nullable=False),
        sa.Column("case_snapshot", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "revision"),
    )
    op.create_table(
        "export_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("revision_id", sa.Integer,
                  sa.ForeignKey("export_revisions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("export_documents")
    op.drop_table("export_revisions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("search_key")
