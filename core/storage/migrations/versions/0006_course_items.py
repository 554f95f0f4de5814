"""The course of treatment: one row per follow-up entry or dose decision.

Revision ID: 0006
Revises: 0005

``course_items`` holds each follow-up entry and dose decision of a case as its own row, with
its own ``version`` counter, so a nurse's entry and the GP's autosave of the case never write
the same row.  The item itself is sealed JSON (``payload``); the plaintext columns are ids,
the kind, the counter, when the row was written and by whom — never the time of the
observation or anything else about the patient.  Rows go with their case (``ON DELETE
CASCADE``; the store also removes them explicitly inside the delete/purge transaction).

Items kept in case payloads before this revision stay there until the case is next imported:
no database before 0006 was made by a release with a course.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_items",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("item_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("editor_name", sa.String(200), nullable=True),
        sa.Column("editor_hpr", sa.String(32), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("course_items")
