"""Initial schema: the cases table.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pathway_id", sa.String(100), nullable=False),
        sa.Column("pathway_version", sa.Integer, nullable=False),
        sa.Column("patient_name", sa.Text, nullable=False),
        sa.Column("masked_identity", sa.String(32), nullable=False),
        sa.Column("consultation_date", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_updated_at", "cases")
    op.drop_table("cases")
