"""The schema revision: migrating on open, refusing a newer one, and knowing the head cheaply.

Alembic migrations live in ``core/storage/migrations/versions/``.  A database already at
:data:`SCHEMA_HEAD` is recognised by its ``alembic_version`` row alone, so an ordinary start never
imports Alembic and Mako (about 12 MiB and 60 ms); any other revision goes through Alembic.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from core.storage.database import Database
from core.storage.errors import NewerSchemaError
from i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: The newest schema revision, known without Alembic (``test_schema_head_matches_alembic``
#: checks it against the migration scripts).
SCHEMA_HEAD = "0006"


def alembic_config(connection: Any) -> Any:
    """Alembic's configuration for our scripts, running on ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this program knows (what :meth:`Store.open` migrates to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return str(head)


def stored_revisions(connection: Any) -> list[str]:
    """The revisions recorded in ``alembic_version`` (none on a new database)."""
    if not inspect(connection).has_table("alembic_version"):
        return []
    return [str(row) for row in connection.execute(
        text("SELECT version_num FROM alembic_version")).scalars()]


def migrate(database: Database, backup: Callable[[str], object]) -> None:
    """Bring the database to the newest revision.

    A revision this program does not know (made by a newer Rekvirent) raises
    :class:`NewerSchemaError` before anything is written.  Before an existing database is
    migrated, ``backup(reason)`` is called (a copy of the SQLite file; see
    :meth:`core.storage.backups.BackupFolder.take`).
    """
    with database.engine.connect() as connection:
        if stored_revisions(connection) == [SCHEMA_HEAD]:
            return  # current: nothing to migrate, no need for Alembic

    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    with database.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config(connection)
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
            backup(f"before-migration-from-{current}")
        command.upgrade(config, "head")
        connection.commit()


def current_revision(database: Database) -> str | None:
    """The revision recorded in the database (Alembic's answer)."""
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision
