"""Encryption at rest: an encrypted summary per case and the database's key check.

Revision ID: 0005
Revises: 0004

* ``cases.summary`` holds what the draft list shows and searches (name, masked number, search
  key) as ONE sealed value, so listing decrypts once per row.  With encryption on, the old
  plaintext columns ``patient_name``, ``masked_identity`` and ``search_key`` are left empty.
* ``key_check`` has one row per data key the database was encrypted with: a known value sealed
  with that key.  Opening with another key is refused before anything is written.
* ``export_documents.file_name`` becomes TEXT (a sealed file name is longer than 255
  characters; SQLite does not enforce the length, so it is changed on other backends only).

No data is encrypted here: the store does that when it is opened with a key (it needs the key,
which migrations never see) — see ``Store._encrypt_plaintext_rows``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("summary", sa.Text, nullable=True))
    op.create_table(
        "key_check",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("check_value", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("export_documents", "file_name", type_=sa.Text,
                        existing_type=sa.String(255), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("export_documents", "file_name", type_=sa.String(255),
                        existing_type=sa.Text, existing_nullable=False)
    op.drop_table("key_check")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("summary")
