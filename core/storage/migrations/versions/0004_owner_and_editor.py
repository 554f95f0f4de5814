"""Clinic mode: who owns a draft and who saved it last; clinic-wide settings.

Revision ID: 0004
Revises: 0003

* ``cases`` gains ``owner_name``/``owner_hpr`` (the doctor who created the case) and
  ``editor_name``/``editor_hpr`` (the doctor who saved it last).  All nullable: drafts from
  before this revision have no owner and stay visible to everyone.
* ``clinic_settings`` is a small key/value table for settings that belong to the whole clinic
  database rather than to one workstation (e.g. ``drafts_visible_to_all``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("owner_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("owner_hpr", sa.String(32), nullable=True))
        batch.add_column(sa.Column("editor_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("editor_hpr", sa.String(32), nullable=True))
    op.create_index("ix_cases_owner_hpr", "cases", ["owner_hpr"])
    op.create_table(
        "clinic_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("clinic_settings")
    op.drop_index("ix_cases_owner_hpr", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("editor_hpr")
        batch.drop_column("editor_name")
        batch.drop_column("owner_hpr")
        batch.drop_column("owner_name")
