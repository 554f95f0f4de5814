"""The audit log's append-only guards: database triggers that refuse UPDATE and DELETE of
``audit_log`` (and TRUNCATE on PostgreSQL) and let ``audit_head`` only move forward.

Migration ``0003`` created them.  Anyone who can write the database file (or owns the tables)
can drop them; the hash chain still shows any change made afterwards, but the guard that stops
an accident or a careless script is gone.  So the store inspects them (:func:`inspect`), the
window shows a banner and the command line's ``verify`` says so, and they are put back
(:func:`recreate`) only after the user has been told — never silently, since a missing guard
is itself a finding the clinic's IT must hear about.

The statements below are the ones migration ``0003`` ran; a test holds the two equal (a
migration is history and must not import application code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

SQLITE_GUARDS: dict[str, str] = {
    "audit_log_no_update":
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    "audit_log_no_delete":
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    "audit_head_no_delete":
        """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END""",
    "audit_head_forward_only":
        """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
       WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
           SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash
             AND prev_hash = OLD.hash)
       BEGIN SELECT RAISE(ABORT, 'audit_head may only move forward'); END""",
}

POSTGRES_FUNCTIONS: dict[str, str] = {
    "rekvirent_audit_append_only":
        """CREATE OR REPLACE FUNCTION rekvirent_audit_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'audit_log is append-only';
       END $$""",
    "rekvirent_audit_head_forward_only":
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
}

#: trigger name → (table, statement)
POSTGRES_TRIGGERS: dict[str, tuple[str, str]] = {
    "audit_log_append_only": ("audit_log",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION rekvirent_audit_append_only()"""),
    "audit_log_no_truncate": ("audit_log",
        """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION rekvirent_audit_append_only()"""),
    "audit_head_forward_only": ("audit_head",
        """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION rekvirent_audit_head_forward_only()"""),
    "audit_head_no_truncate": ("audit_head",
        """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION rekvirent_audit_append_only()"""),
}


def _normal(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip().rstrip(";").lower()


@dataclass(frozen=True)
class GuardState:
    """Which guards are missing, disabled or altered (their names; empty = all in place)."""

    broken: tuple[str, ...] = ()
    #: False on a backend without guards (neither SQLite nor PostgreSQL).
    supported: bool = True

    @property
    def ok(self) -> bool:
        return not self.broken


def inspect(connection: Connection) -> GuardState:
    """The state of the guards, read from the database's catalogue (nothing is changed)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        found = {name: sql for name, sql in connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))}
        return GuardState(tuple(name for name, sql in SQLITE_GUARDS.items()
                                if _normal(found.get(name)) != _normal(sql)))
    if dialect == "postgresql":
        rows = connection.execute(text(
            "SELECT t.tgname, t.tgenabled, c.relname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname IN ('audit_log', 'audit_head')")).all()
        enabled = {(row.tgname, row.relname) for row in rows if row.tgenabled != "D"}
        broken = [name for name, (table, _sql) in POSTGRES_TRIGGERS.items()
                  if (name, table) not in enabled]
        sources = {row.proname: row.prosrc for row in connection.execute(text(
            "SELECT proname, prosrc FROM pg_proc WHERE proname IN "
            "('rekvirent_audit_append_only', 'rekvirent_audit_head_forward_only')"))}
        for name in POSTGRES_FUNCTIONS:
            if "raise exception" not in _normal(sources.get(name)):
                broken.append(name)
        return GuardState(tuple(broken))
    return GuardState(supported=False)


def recreate(connection: Connection, state: GuardState) -> int:
    """Put the broken guards back inside ``connection``'s transaction; returns how many."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for name in state.broken:
            connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
            connection.exec_driver_sql(SQLITE_GUARDS[name])
        return len(state.broken)
    if dialect == "postgresql":
        for statement in POSTGRES_FUNCTIONS.values():
            connection.exec_driver_sql(statement)
        for name in state.broken:
            if name in POSTGRES_TRIGGERS:
                table, statement = POSTGRES_TRIGGERS[name]
                connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}" ON {table}')
                connection.exec_driver_sql(statement)
        return len(state.broken)
    return 0
