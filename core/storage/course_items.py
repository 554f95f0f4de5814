"""The course of treatment: follow-up entries and dose decisions, one row each.  Owns the
table ``course_items``.

Each entry or decision is its own row with its own ``version`` counter, written in its own
transaction and audited in it (``followup`` / ``dose_change`` with ``details.change`` = add,
update or remove).  The case payload does not carry them (:meth:`Cases.save` stores
``course.followups`` and ``course.dose_decisions`` empty): a GP's autosave never overwrites a
nurse's entry, and a nurse's entry never conflicts with the GP's case version.
:meth:`Cases.load` merges them back (entries by time, decisions by the time they were made),
so every reader sees one :class:`~core.case.Case`.

The rest of the course (isolation, continuation, taper, evaluation, end) stays in the case
payload under the case's version.  Setting the taper and ending the course are explicit saves
of the case: :meth:`CourseItems.save_taper` and :meth:`CourseItems.complete` (audited as
``taper`` and ``complete`` in the save's transaction).

No plaintext patient data in any column: the payload is sealed with an AAD binding case id,
item id and kind (:func:`~core.storage.sealing.course_item_aad`); the time of an observation
is inside it, so rows are ordered in Python after opening them.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core import crypto
from core.audit import Actor
from core.case import Case
from core.course.model import FOLLOWUPS_MAX, DoseDecision, FollowUpEntry
from core.crypto import FieldCipher
from core.fields import LIST_MAX
from core.storage.audit_trail import AuditTrail
from core.storage.cases import Cases
from core.storage.database import Database, aware, in_chunks
from core.storage.errors import (
    ConflictError,
    StorageError,
    case_not_found,
    damaged_case,
    translate_errors,
)
from core.storage.sealing import Sealer, course_item_aad
from core.storage.tables import cases, course_items
from i18n import _

ItemKind = Literal["followup", "dose_decision"]
CourseItem = FollowUpEntry | DoseDecision

#: The audit action of each kind.
ACTION: dict[str, str] = {"followup": "followup", "dose_decision": "dose_change"}
#: How many items of a kind one case may hold (what the case model accepts).
LIMIT: dict[str, int] = {"followup": FOLLOWUPS_MAX, "dose_decision": LIST_MAX}


def kind_of(item: CourseItem) -> ItemKind:
    if isinstance(item, FollowUpEntry):
        return "followup"
    if isinstance(item, DoseDecision):
        return "dose_decision"
    raise TypeError(f"not a course item: {type(item).__name__}")


@dataclass(frozen=True)
class StoredItem:
    """One stored entry or decision, with what optimistic locking needs."""

    kind: ItemKind
    item: CourseItem
    version: int
    #: When the row was first and last written (not when the observation was made).
    created_at: datetime
    updated_at: datetime
    #: Who wrote it last (clinic mode; None: not recorded).
    editor: Actor | None = None

    @property
    def item_id(self) -> str:
        return self.item.id


def _order(stored: StoredItem) -> tuple[datetime, datetime, str]:
    moment = stored.item.at if isinstance(stored.item, FollowUpEntry) else stored.item.decided_at
    return (moment, stored.created_at, stored.item.id)


def _parse(kind: str, text: str) -> CourseItem:
    try:
        if kind == "followup":
            return FollowUpEntry.model_validate_json(text)
        if kind == "dose_decision":
            return DoseDecision.model_validate_json(text)
    except ValidationError:
        pass
    raise damaged_case()


def _item_changed(kind: str, stored: int, expected: int, case_id: str) -> ConflictError:
    message = (_("This follow-up entry has been changed by someone else since it was opened "
                 "(stored version {stored}, this version {expected}). Nothing was saved; "
                 "open it again to see the change.") if kind == "followup" else
               _("This dose decision has been changed by someone else since it was opened "
                 "(stored version {stored}, this version {expected}). Nothing was saved; "
                 "open it again to see the change."))
    return ConflictError(message.format(stored=stored, expected=expected), case_id=case_id,
                         stored_version=stored, expected_version=expected)


def _item_gone(kind: str, case_id: str, expected: int) -> ConflictError:
    message = (_("This follow-up entry has been removed by someone else. Nothing was saved.")
               if kind == "followup" else
               _("This dose decision has been removed by someone else. Nothing was saved."))
    return ConflictError(message, case_id=case_id, expected_version=expected)


#: The encryption's one-statement-per-chunk update (an executemany).
_SEAL_ITEM = update(course_items).where(
    course_items.c.case_id == bindparam("b_case_id"),
    course_items.c.item_id == bindparam("b_item_id")).values(payload=bindparam("v_payload"))


class CourseItems:
    def __init__(self, database: Database, sealer: Sealer, audit_trail: AuditTrail,
                 cases_part: Cases) -> None:
        self._database = database
        self._sealer = sealer
        self._audit_trail = audit_trail
        self._cases = cases_part

    # ---- one item at a time --------------------------------------------------------------

    def add(self, case_id: str, item: CourseItem, *, actor: Actor | None = None) -> int:
        """Store a new entry or decision in one transaction (audited); returns its version, 1.

        :class:`ConflictError` when an item with this id is already stored (saved twice, or
        by someone else); :class:`CaseNotFound` when the case is gone.
        """
        kind = kind_of(item)
        who = self._audit_trail.who(actor)
        now = datetime.now(UTC)
        with self._database.writing() as connection:
            self._lock_case(connection, case_id)
            existing = connection.execute(
                select(course_items.c.version).where(course_items.c.case_id == case_id,
                                                     course_items.c.item_id == item.id)
            ).scalar_one_or_none()
            if existing is not None:
                raise ConflictError(_(
                    "This entry is already stored (perhaps saved from another workstation). "
                    "Nothing was saved twice."), case_id=case_id, stored_version=existing)
            count = connection.execute(
                select(func.count()).select_from(course_items)
                .where(course_items.c.case_id == case_id, course_items.c.kind == kind)
            ).scalar_one()
            if count >= LIMIT[kind]:
                raise StorageError(_(
                    "The course already holds {count} items of this kind, the most one case "
                    "can hold. Nothing was saved.").format(count=count))
            connection.execute(insert(course_items).values(
                case_id=case_id, item_id=item.id, kind=kind, version=1, created_at=now,
                updated_at=now, editor_name=who.name or None, editor_hpr=who.hpr or None,
                payload=self._seal(case_id, item, kind)))
            if kind == "followup":
                self._cases.refresh_course(connection, case_id, has_followups=True)
            self._audit_trail.append(connection, ACTION[kind], case_id, actor, {
                "change": "add", "kind": kind, "item_id": item.id, "version": 1})
        return 1

    def update(self, case_id: str, item: CourseItem, *, expected_version: int,
               actor: Actor | None = None) -> int:
        """Replace a stored entry or decision (same id and kind) in one transaction (audited);
        returns the new version.  :class:`ConflictError` naming the item when someone else
        changed or removed it since ``expected_version``."""
        kind = kind_of(item)
        who = self._audit_trail.who(actor)
        with self._database.writing() as connection:
            self._lock_case(connection, case_id)
            stored = self._stored_version(connection, case_id, item.id, kind, expected_version)
            result: Any = connection.execute(
                update(course_items)
                .where(course_items.c.case_id == case_id, course_items.c.item_id == item.id,
                       course_items.c.version == stored)
                .values(version=stored + 1, updated_at=datetime.now(UTC),
                        editor_name=who.name or None, editor_hpr=who.hpr or None,
                        payload=self._seal(case_id, item, kind)))
            if result.rowcount != 1:
                raise _item_changed(kind, stored + 1, expected_version, case_id)
            self._audit_trail.append(connection, ACTION[kind], case_id, actor, {
                "change": "update", "kind": kind, "item_id": item.id, "version": stored + 1})
        return stored + 1

    def remove(self, case_id: str, item_id: str, *, expected_version: int,
               actor: Actor | None = None) -> None:
        """Remove an entry or decision (entered by mistake) in one transaction (audited, with
        the version removed).  :class:`ConflictError` when someone else changed or removed it
        since ``expected_version``."""
        with self._database.writing() as connection:
            self._lock_case(connection, case_id)
            row = connection.execute(
                select(course_items.c.kind, course_items.c.version)
                .where(course_items.c.case_id == case_id, course_items.c.item_id == item_id)
            ).one_or_none()
            if row is None:
                raise ConflictError(_(
                    "This entry has been removed by someone else. Nothing was changed."),
                    case_id=case_id, expected_version=expected_version)
            kind = row.kind
            if row.version != expected_version:
                raise _item_changed(kind, row.version, expected_version, case_id)
            connection.execute(delete(course_items).where(
                course_items.c.case_id == case_id, course_items.c.item_id == item_id,
                course_items.c.version == row.version))
            if kind == "followup":
                left = connection.execute(
                    select(course_items.c.item_id).where(
                        course_items.c.case_id == case_id, course_items.c.kind == "followup")
                    .limit(1)).first() is not None
                self._cases.refresh_course(connection, case_id, has_followups=left)
            self._audit_trail.append(connection, ACTION[kind], case_id, actor, {
                "change": "remove", "kind": kind, "item_id": item_id, "version": row.version})

    def list(self, case_id: str) -> builtins.list[StoredItem]:
        """The case's entries (by time) then its decisions (by when they were made), with
        their versions.  :class:`CaseNotFound` when there is no such case."""
        with self._database.reading() as connection:
            found = connection.execute(
                select(cases.c.id).where(cases.c.id == case_id)).scalar_one_or_none()
            if found is None:
                raise case_not_found(case_id)
            return self.read_rows(connection, case_id)

    # ---- the rest of the course: explicit, audited saves of the case ---------------------

    def save_taper(self, case: Case, *, expected_version: int | None, step: str | None = None,
                   actor: Actor | None = None) -> int:
        """Save the case because its continuation or taper plan was set or changed: the save
        is audited as ``taper`` (the continuation's kind and the number of steps) in its
        transaction.  Returns the new case version (``ConflictError`` as for a save)."""
        course = case.course
        return self._cases.save_audited(
            case, "taper", {"kind": course.continuation.kind,
                            "steps": len(course.taper.steps)},
            step=step, expected_version=expected_version, actor=actor)

    def complete(self, case: Case, *, expected_version: int | None, step: str | None = None,
                 actor: Actor | None = None) -> int:
        """Save the case because the course ended (``course.end``: completed or stopped, and
        why): audited as ``complete`` in the save's transaction.  Returns the new version."""
        end = case.course.end
        if end.kind is None:
            raise ValueError("complete() needs course.end.kind (completed or stopped)")
        return self._cases.save_audited(
            case, "complete", {"kind": end.kind, "reason": end.stop_reason},
            step=step, expected_version=expected_version, actor=actor)

    # ---- what the cases part calls inside its transactions -------------------------------

    def read_rows(self, connection: Connection, case_id: str) -> builtins.list[StoredItem]:
        rows = connection.execute(
            select(course_items.c.item_id, course_items.c.kind, course_items.c.version,
                   course_items.c.created_at, course_items.c.updated_at,
                   course_items.c.editor_name, course_items.c.editor_hpr,
                   course_items.c.payload)
            .where(course_items.c.case_id == case_id)).all()
        stored: builtins.list[StoredItem] = []
        for r in rows:
            item = _parse(r.kind, self._sealer.unseal(
                r.payload, course_item_aad(case_id, r.item_id, r.kind)))
            if item.id != r.item_id:  # a payload moved to another row (without encryption)
                raise damaged_case()
            stored.append(StoredItem(
                kind=r.kind, item=item, version=r.version, created_at=aware(r.created_at),
                updated_at=aware(r.updated_at),
                editor=Actor(r.editor_name or "", r.editor_hpr or "")
                if (r.editor_name or r.editor_hpr) else None))
        followups = sorted((s for s in stored if s.kind == "followup"), key=_order)
        decisions = sorted((s for s in stored if s.kind == "dose_decision"), key=_order)
        return [*followups, *decisions]

    def merge(self, connection: Connection, case: Case) -> dict[str, int]:
        """Put the stored entries and decisions into ``case.course`` (replacing what it had);
        returns item id → version."""
        stored = self.read_rows(connection, case.id)
        case.course.followups = [s.item for s in stored if isinstance(s.item, FollowUpEntry)]
        case.course.dose_decisions = [s.item for s in stored
                                      if isinstance(s.item, DoseDecision)]
        return {s.item.id: s.version for s in stored}

    def has_followups(self, connection: Connection, case_id: str) -> bool:
        return connection.execute(
            select(course_items.c.item_id).where(course_items.c.case_id == case_id,
                                                 course_items.c.kind == "followup")
            .limit(1)).first() is not None

    def replace(self, connection: Connection, case: Case, who: Actor) -> int:
        """Store the items of ``case.course`` (an imported case file): each replaces the stored
        item with its id, or is added.  Items stored but not in the file are **kept** — a case
        file exported yesterday must not delete the entry a nurse wrote this morning; an entry
        goes only through :meth:`remove`.  Returns how many were written.  Two items with one
        id are refused (nothing written)."""
        items: builtins.list[CourseItem] = [*case.course.followups, *case.course.dose_decisions]
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            raise StorageError(_(
                "Two entries of the course have the same id; the case file cannot be stored. "
                "Give each entry its own id (or leave the ids out of the file)."))
        if ids:
            connection.execute(delete(course_items).where(course_items.c.case_id == case.id,
                                                          course_items.c.item_id.in_(ids)))
        now = datetime.now(UTC)
        rows = [{"case_id": case.id, "item_id": item.id, "kind": kind_of(item), "version": 1,
                 "created_at": now, "updated_at": now, "editor_name": who.name or None,
                 "editor_hpr": who.hpr or None,
                 "payload": self._seal(case.id, item, kind_of(item))} for item in items]
        if rows:
            connection.execute(insert(course_items), rows)
        return len(rows)

    # ---- hooks the store wires up --------------------------------------------------------

    def remove_case_rows(self, connection: Connection, case_id: str) -> dict[str, Any]:
        """A case is deleted or purged (:meth:`Cases.also_remove`): its items go in the same
        transaction; the audit entry counts them."""
        result: Any = connection.execute(
            delete(course_items).where(course_items.c.case_id == case_id))
        return {"items": max(result.rowcount, 0)}

    def encrypt_plaintext(self, connection: Connection, cipher: FieldCipher) -> dict[str, int]:
        """Seal every plaintext item inside the encrypting transaction (see
        :mod:`core.storage.encryption`)."""
        done = 0
        case_ids = connection.execute(
            select(course_items.c.case_id).distinct()).scalars().all()
        for chunk in in_chunks(case_ids, 50):
            updates = [
                {"b_case_id": r.case_id, "b_item_id": r.item_id,
                 "v_payload": cipher.encrypt_text(
                     r.payload, course_item_aad(r.case_id, r.item_id, r.kind))}
                for r in connection.execute(
                    select(course_items.c.case_id, course_items.c.item_id,
                           course_items.c.kind, course_items.c.payload)
                    .where(course_items.c.case_id.in_(chunk)))
                if not crypto.is_text_token(r.payload)]
            if updates:  # one executemany per chunk, by primary key
                connection.execute(_SEAL_ITEM, updates)
                done += len(updates)
        return {"course items": done}

    # ---- helpers -------------------------------------------------------------------------

    def _seal(self, case_id: str, item: CourseItem, kind: str) -> str:
        return self._sealer.seal(item.model_dump_json(), course_item_aad(case_id, item.id, kind))

    def _lock_case(self, connection: Connection, case_id: str) -> None:
        """The case row first (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
        already holds the write lock): the same lock order as a case save, so an item write
        and an autosave queue up instead of deadlocking.  :class:`CaseNotFound` when gone."""
        with translate_errors():
            found = connection.execute(
                select(cases.c.id).where(cases.c.id == case_id).with_for_update()
            ).scalar_one_or_none()
        if found is None:
            raise case_not_found(case_id)

    def _stored_version(self, connection: Connection, case_id: str, item_id: str, kind: str,
                        expected: int) -> int:
        row = connection.execute(
            select(course_items.c.kind, course_items.c.version)
            .where(course_items.c.case_id == case_id, course_items.c.item_id == item_id)
        ).one_or_none()
        if row is None:
            raise _item_gone(kind, case_id, expected)
        if row.kind != kind:
            raise StorageError(_("The item has another kind than the stored one. Nothing was "
                                 "saved."))
        if row.version != expected:
            raise _item_changed(kind, row.version, expected, case_id)
        return int(row.version)


__all__ = ["ACTION", "CourseItem", "CourseItems", "ItemKind", "StoredItem", "kind_of"]
