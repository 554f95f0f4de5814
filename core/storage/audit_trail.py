"""The audit log in the database: append (inside another part's transaction or in its own),
read, verify.  Owns the tables ``audit_log`` and ``audit_head``.

The chain itself — actions, allowed details, hashing, verifying — is pure Python in
:mod:`core.audit`; this part only stores and reads it.  Who is acting (:attr:`AuditTrail.actor`)
lives here too, since every part that writes asks it "who?" (:meth:`AuditTrail.who`).
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from core import audit as audit_chain
from core.audit import Actor, AuditEntry, AuditVerification
from core.storage import audit_guards
from core.storage.audit_guards import GuardState
from core.storage.database import Database, aware
from core.storage.errors import StorageError, translate_errors
from core.storage.tables import audit_head, audit_log
from i18n import _


def workstation() -> str:
    """``user@host`` of this computer, for the audit log (never patient data)."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some service contexts
        user = ""
    return f"{user}@{socket.gethostname()}"[:audit_chain.WORKSTATION_MAX]


class AuditTrail:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._actor = Actor()
        self.workstation = workstation()

    # ---- who -----------------------------------------------------------------------------

    def set_actor(self, name: str, hpr: str = "") -> None:
        """Who is using this store from now on (the prescriber's name and HPR number); used
        for audit entries whose caller does not name an actor."""
        self._actor = Actor(name, hpr)

    @property
    def actor(self) -> Actor:
        return self._actor

    def who(self, actor: Actor | None) -> Actor:
        """``actor`` when the caller names one, else the store's actor."""
        return actor if actor is not None else self._actor

    # ---- writing -------------------------------------------------------------------------

    def record(self, action: str, case_id: str | None, actor: Actor | None = None,
               details: Mapping[str, Any] | None = None) -> AuditEntry:
        """Append one audit entry in its own transaction (for what the caller does: print,
        copy to the clipboard, restore…).  ``details`` holds only ids, kinds, hashes and
        counts (see :data:`core.audit.DETAIL_KEYS`); anything else raises ``ValueError``."""
        with self._database.writing() as connection:
            return self.append(connection, action, case_id, actor, details)

    def append(self, connection: Connection, action: str, case_id: str | None,
               actor: Actor | None = None,
               details: Mapping[str, Any] | None = None) -> AuditEntry:
        """Add the next entry to the chain inside ``connection``'s transaction — call it last
        in a write transaction, so the head row is always the last lock a writer takes.

        The head row is locked first (``FOR UPDATE``; on SQLite the transaction already holds
        the write lock from ``BEGIN IMMEDIATE``), so concurrent writers queue up instead of
        both linking to the same predecessor.
        """
        audit_chain.check_action(action)
        audit_chain.check_case_id(case_id)
        details_text = audit_chain.encode_details(details)
        who = self.who(actor)
        head = connection.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            .with_for_update()
        ).one_or_none()
        if head is None:
            raise StorageError(_(
                "The audit log is damaged (its head record is missing). Nothing was changed; "
                "contact the person responsible for the clinic's IT."))
        seq = head.seq + 1
        at = datetime.now(UTC)
        digest = audit_chain.entry_hash(
            seq=seq, at=at, actor=who.name, actor_hpr=who.hpr, workstation=self.workstation,
            action=action, case_id=case_id, details=details_text, prev_hash=head.hash,
        )
        connection.execute(insert(audit_log).values(
            seq=seq, at=at, actor=who.name, actor_hpr=who.hpr, workstation=self.workstation,
            action=action, case_id=case_id, details=details_text, prev_hash=head.hash,
            hash=digest,
        ))
        moved: Any = connection.execute(
            update(audit_head).where(audit_head.c.id == 1, audit_head.c.seq == head.seq)
            .values(seq=seq, hash=digest)
        )
        if moved.rowcount != 1:  # cannot happen while the lock is held; refuse rather than fork
            raise StorageError(_("The audit log changed during the write. Try again."))
        return AuditEntry(seq=seq, at=at, actor=who.name, actor_hpr=who.hpr,
                          workstation=self.workstation, action=action, case_id=case_id,
                          details=audit_chain.decode_details(details_text),
                          prev_hash=head.hash, hash=digest)

    # ---- reading -------------------------------------------------------------------------

    def entries(self, case_id: str | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first; only those about ``case_id`` when given."""
        statement = select(audit_log).order_by(audit_log.c.seq)
        if case_id is not None:
            statement = statement.where(audit_log.c.case_id == case_id)
        with self._database.reading() as connection:
            rows = connection.execute(statement).all()
            return [
                AuditEntry(seq=r.seq, at=aware(r.at).astimezone(UTC), actor=r.actor,
                           actor_hpr=r.actor_hpr, workstation=r.workstation, action=r.action,
                           case_id=r.case_id, details=audit_chain.decode_details(r.details),
                           prev_hash=r.prev_hash, hash=r.hash)
                for r in rows
            ]

    def verify(self) -> AuditVerification:
        """Walk the whole chain: ok, or the first entry that was changed, removed or moved."""
        with translate_errors(), self._database.engine.connect() as connection:
            # One snapshot for the head and the rows, or a concurrent append would look like
            # tampering: a deferred BEGIN on SQLite (WAL keeps the reader's snapshot),
            # REPEATABLE READ on PostgreSQL.
            if self._database.is_sqlite:
                connection.exec_driver_sql("BEGIN")
            else:
                connection.execution_options(isolation_level="REPEATABLE READ")
            head_row = connection.execute(
                select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            ).one_or_none()
            head = (head_row.seq, head_row.hash) if head_row is not None else None
            result = connection.execution_options(yield_per=1000).execute(
                select(audit_log).order_by(audit_log.c.seq))
            try:  # the verifier may stop early: close the (server-side) cursor either way
                return audit_chain.verify_chain(
                    (audit_chain.ChainRow(
                        seq=r.seq, at=r.at, actor=r.actor, actor_hpr=r.actor_hpr,
                        workstation=r.workstation, action=r.action, case_id=r.case_id,
                        details=r.details, prev_hash=r.prev_hash, hash=r.hash)
                     for r in result),
                    head)
            finally:
                result.close()

    # ---- the append-only guards ------------------------------------------------------------

    def guards(self) -> GuardState:
        """Are the triggers that keep the log append-only in place?  (Read-only.)"""
        with translate_errors(), self._database.reading() as connection:
            return audit_guards.inspect(connection)

    def restore_guards(self, actor: Actor | None = None) -> int:
        """Recreate the missing or altered guards, and say so in the log (a ``repair`` entry
        with how many); returns how many were put back (0: nothing was missing).  Call it only
        after telling the user that they were missing."""
        with self._database.writing() as connection:
            state = audit_guards.inspect(connection)
            if state.ok:
                return 0
            count = audit_guards.recreate(connection, state)
            self.append(connection, "repair", None, actor,
                        {"reason": "audit-guards", "count": count})
            return count

