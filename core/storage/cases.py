"""The cases: save, load, list and search, duplicate, delete and purge.  Owns the table ``cases``.

A case row holds the whole case file as JSON (``payload``), a ``version`` counter for optimistic
locking, the step the GP was on, and what the draft list shows.  With encryption the list's
columns are one sealed ``summary`` (name, masked identity number, search key); without it the
plaintext columns ``patient_name``, ``masked_identity`` and ``search_key``.

Other parts that keep rows about a case (export revisions, the course items) register a remover
(:meth:`Cases.also_remove`): :meth:`Cases.delete` and :meth:`Cases.purge` call it inside their
transaction, so a case never leaves rows behind.

The course's follow-up entries and dose decisions are rows of their own
(:mod:`~core.storage.course_items`, wired in with :meth:`Cases.keep_course_in`): the payload
stores them empty, :meth:`Cases.load` merges them back, :meth:`Cases.import_case` writes them.
The summary also carries the course facts the start window's status and day line need
(:mod:`core.course_summary`).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import replace as replaced
from typing import Any, Literal

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from core import casefile, crypto
from core.audit import Actor
from core.case import Case, new_case_id, utc_now
from core.course import lifecycle
from core.course.model import Course
from core.course_summary import CourseFacts, course_facts, facts_status, oslo_today
from core.crypto import FieldCipher
from core.identity import mask
from core.storage.audit_trail import AuditTrail
from core.storage.backups import BackupFolder
from core.storage.case_records import (
    CaseRowsRemover as CaseRowsRemover,
)
from core.storage.case_records import (
    CourseRows as CourseRows,
)
from core.storage.case_records import (
    DraftSummary as DraftSummary,
)
from core.storage.case_records import (
    StoredCase as StoredCase,
)
from core.storage.case_records import (
    parse_case as parse_case,
)
from core.storage.case_records import (
    person_or_none,
    plaintext_facts,
    summary_text,
)
from core.storage.case_records import (
    stored_payload as stored_payload,
)
from core.storage.clinic import ClinicSettings
from core.storage.database import Database, aware, in_chunks
from core.storage.errors import ConflictError, case_not_found, unreadable
from core.storage.sealing import Sealer, case_aad
from core.storage.search import normalise_query, search_key_for
from core.storage.tables import cases
from i18n import _

#: Sets every column given (``v_<column>``) of the case with id ``b_id``: the encryption's
#: one-statement-per-chunk update (an executemany).
_UPDATE_CASE_BY_ID = update(cases).where(cases.c.id == bindparam("b_id")).values(
    {name: bindparam(f"v_{name}") for name in
     ("patient_name", "masked_identity", "search_key", "summary", "payload")})


class Cases:
    def __init__(self, database: Database, sealer: Sealer, audit_trail: AuditTrail,
                 backup_folder: BackupFolder, clinic_settings: ClinicSettings) -> None:
        self._database = database
        self._sealer = sealer
        self._audit_trail = audit_trail
        self._backup_folder = backup_folder
        self._clinic_settings = clinic_settings
        self._removers: builtins.list[CaseRowsRemover] = []
        self._course: CourseRows | None = None

    def keep_course_in(self, rows: CourseRows) -> None:
        """Keep the course's entries and decisions in ``rows`` instead of the payload."""
        self._course = rows

    def also_remove(self, remover: CaseRowsRemover) -> None:
        """Call ``remover`` whenever a case is deleted or purged, before its row goes (in
        registration order, in the same transaction)."""
        self._removers.append(remover)

    # ---- saving --------------------------------------------------------------------------

    def save(self, case: Case, *, step: str | None = None,
             expected_version: int | None = None, actor: Actor | None = None) -> int:
        """Store the case in one transaction; returns the new version.

        With ``expected_version`` the save is refused (:class:`ConflictError`, nothing written)
        when somebody else saved the case in the meantime.  The first save of a case writes a
        ``create`` audit entry in the same transaction; later saves are not audited.
        """
        version, _created = self._save(case, step=step, expected_version=expected_version,
                                       actor=actor, created_action="create")
        return version

    def import_case(self, case: Case, *, step: str | None = None,
                    actor: Actor | None = None) -> int:
        """Store a case read from a case file; audited as ``import`` (also when it replaces a
        stored case with the same id — ``details.replaced`` says which)."""
        version, _created = self._save(case, step=step, expected_version=None, actor=actor,
                                       created_action="import", updated_action="import",
                                       with_items=True)
        return version

    def save_audited(self, case: Case, action: str, details: Mapping[str, Any], *,
                     step: str | None = None, expected_version: int | None = None,
                     actor: Actor | None = None) -> int:
        """A save audited as ``action`` in its transaction (the course's ``taper`` and
        ``complete``, see :mod:`~core.storage.course_items`); returns the new version."""
        version, _created = self._save(case, step=step, expected_version=expected_version,
                                       actor=actor, created_action=action,
                                       updated_action=action, details=details,
                                       mark_replaced=False)
        return version

    def _save(self, case: Case, *, step: str | None, expected_version: int | None,
              actor: Actor | None, created_action: str | None,
              updated_action: str | None = None,
              details: Mapping[str, Any] | None = None, with_items: bool = False,
              mark_replaced: bool = True) -> tuple[int, bool]:
        """Insert or update the case; audit entries go in the same transaction, last (after
        the case row), so the head row is always the last lock a writer takes.

        ``with_items``: the case's course entries and decisions replace the stored ones (an
        import); otherwise they are left as stored (an autosave never touches them)."""
        payload = stored_payload(case) if self._course is not None else casefile.dumps(case)
        who = self._audit_trail.who(actor)
        values: dict[str, Any] = {
            "status": case.status,
            "pathway_id": case.pathway_id,
            "pathway_version": case.pathway_version,
            "patient_name": case.patient.name,
            "masked_identity": mask(case.patient.identity_number),
            "search_key": search_key_for(case.patient.name, case.patient.identity_number,
                                         case.consultation.date),
            "consultation_date": case.consultation.date,
            "updated_at": case.updated_at,
            "payload": payload,
        }
        if step is not None:
            values["step"] = step
        name, masked, key = values["patient_name"], values["masked_identity"], values["search_key"]
        if self._sealer.encrypted:  # one sealed summary instead of three plaintext columns
            values["payload"] = self._sealer.seal(payload, case_aad("payload", case.id))
            values.update(patient_name="", masked_identity="", search_key="")
        if who.name or who.hpr:  # clinic mode: the last editor
            values["editor_name"], values["editor_hpr"] = who.name or None, who.hpr or None
        with self._database.writing() as connection:
            # FOR UPDATE (PostgreSQL): an item written meanwhile waits, or is seen below.
            current = connection.execute(
                select(cases.c.version).where(cases.c.id == case.id).with_for_update()
            ).scalar_one_or_none()
            # The first save of a case stores the entries it carries (none can be overwritten).
            store_items = with_items or current is None
            if store_items or self._course is None:
                has_followups = bool(case.course.followups)
            else:
                has_followups = self._course.has_followups(connection, case.id)
            values["summary"] = self._summary_value(
                case.id, name, masked, key, course_facts(case, has_followups=has_followups))
            if current is None:
                if expected_version not in (None, 0):
                    raise ConflictError(_(
                        "The case has been deleted by another user or process."),
                                        case_id=case.id, expected_version=expected_version)
                connection.execute(insert(cases).values(
                    id=case.id, version=1, created_at=case.created_at,
                    owner_name=who.name or None, owner_hpr=who.hpr or None, **values))
                items = self._write_items(connection, case, who, counted=with_items)
                if created_action is not None:
                    self._audit_trail.append(
                        connection, created_action, case.id, actor,
                        {**(details or {}), "replaced": False, **items}
                        if updated_action and mark_replaced else
                        {**(details or {}), **items} if updated_action else details)
                return 1, True
            if expected_version is not None and current != expected_version:
                raise ConflictError(
                    _("The case has been changed elsewhere since it was opened (stored "
                      "version {stored}, this version {expected}).").format(
                          stored=current, expected=expected_version),
                    case_id=case.id, stored_version=current, expected_version=expected_version,
                )
            result: Any = connection.execute(
                update(cases)
                .where(cases.c.id == case.id, cases.c.version == current)
                .values(version=current + 1, **values)
            )
            if result.rowcount != 1:
                raise ConflictError(_("The case was changed elsewhere at the same time."),
                                    case_id=case.id, expected_version=expected_version)
            items = self._write_items(connection, case, who, counted=True) if with_items else {}
            if updated_action is not None:
                self._audit_trail.append(
                    connection, updated_action, case.id, actor,
                    {**(details or {}), **({"replaced": True} if mark_replaced else {}),
                     **items})
            return current + 1, False

    def _write_items(self, connection: Connection, case: Case, who: Actor, *,
                     counted: bool) -> dict[str, int]:
        """The case's entries and decisions replace the stored ones; ``counted``: say how many
        in the audit details (an import)."""
        if self._course is None:
            return {}
        if not counted and not (case.course.followups or case.course.dose_decisions):
            return {}
        written = self._course.replace(connection, case, who)
        return {"items": written} if counted else {}

    def refresh_course(self, connection: Connection, case_id: str, *,
                       has_followups: bool) -> None:
        """Inside an item's transaction: the case's status (``core.course.lifecycle``, today)
        and the summary's course facts follow the stored entries.  The payload and the
        version are left alone, so the GP's next autosave is not refused."""
        row = connection.execute(
            select(cases.c.status, cases.c.summary, cases.c.payload, cases.c.patient_name,
                   cases.c.masked_identity, cases.c.search_key)
            .where(cases.c.id == case_id)).one()
        name, masked, key = row.patient_name, row.masked_identity, row.search_key
        facts = None
        if row.summary is not None:
            parts = self._summary_parts(case_id, row.summary)
            if self._sealer.encrypted:
                name, masked, key = (str(p) for p in parts[:3])
            facts = CourseFacts.from_json(parts[3]) if len(parts) > 3 else None
        if facts is None:  # an older summary: the facts from the payload, once
            case = parse_case(self._sealer.unseal(row.payload, case_aad("payload", case_id)))
            facts = course_facts(case)
        facts = replaced(facts, has_followups=has_followups)
        status = facts_status(facts, oslo_today())
        facts = replaced(facts, status=status)
        connection.execute(update(cases).where(cases.c.id == case_id).values(
            status=status, summary=self._summary_value(case_id, name, masked, key, facts)))

    def _summary_value(self, case_id: str, name: str, masked: str, key: str,
                       facts: CourseFacts) -> str:
        """``cases.summary``: sealed name, masked number, search key and course facts; without
        encryption only the facts (the other three are the plaintext columns)."""
        if not self._sealer.encrypted:
            return summary_text("", "", "", facts)
        return self._sealer.seal(summary_text(name, masked, key, facts),
                                 case_aad("summary", case_id))

    def mark_exported(self, connection: Connection, case: Case) -> None:
        """Inside an export's transaction: the case as exported (its status ``exported``, or
        the course status it is in) becomes the stored one, with a new version."""
        has_followups = (self._course.has_followups(connection, case.id)
                         if self._course is not None else bool(case.course.followups))
        name, identity = case.patient.name, case.patient.identity_number
        summary = self._summary_value(case.id, name, mask(identity),
                                      search_key_for(name, identity, case.consultation.date),
                                      course_facts(case, has_followups=has_followups))
        payload = stored_payload(case) if self._course is not None else casefile.dumps(case)
        connection.execute(
            update(cases).where(cases.c.id == case.id)
            .values(status=case.status,
                    payload=self._sealer.seal(payload, case_aad("payload", case.id)),
                    summary=summary, version=cases.c.version + 1)
        )

    # ---- reading -------------------------------------------------------------------------

    def load(self, case_id: str) -> StoredCase:
        """The stored case (not audited: the store itself loads for duplicate/export; use
        :meth:`open_case` when a person opens a draft), with the course's entries and
        decisions merged back (entries by time) and the status the course has today
        (:func:`core.course.lifecycle.apply`)."""
        with self._database.reading() as connection:
            if self._course is not None and not self._database.is_sqlite:
                # The case row and its items from one snapshot.
                connection.execution_options(isolation_level="REPEATABLE READ")
            row = connection.execute(
                select(cases.c.payload, cases.c.version, cases.c.step, cases.c.owner_name,
                       cases.c.owner_hpr, cases.c.editor_name, cases.c.editor_hpr)
                .where(cases.c.id == case_id)
            ).one_or_none()
            if row is None:
                raise case_not_found(case_id)
            case = parse_case(self._sealer.unseal(row.payload, case_aad("payload", case_id)))
            versions = self._course.merge(connection, case) if self._course is not None else {}
        lifecycle.apply(case, oslo_today())
        return StoredCase(case=case, version=row.version, step=row.step,
                          owner=person_or_none(row.owner_name, row.owner_hpr),
                          editor=person_or_none(row.editor_name, row.editor_hpr),
                          item_versions=versions)

    def open_case(self, case_id: str, *, actor: Actor | None = None) -> StoredCase:
        """Load a case because a person opens it; writes an ``open`` audit entry."""
        stored = self.load(case_id)
        self._audit_trail.record("open", case_id, actor, {"version": stored.version})
        return stored

    def list(self, query: str = "", *, limit: int | None = None,
             scope: Literal["own", "all"] | None = None) -> builtins.list[DraftSummary]:
        """Drafts, newest edit first; ``query`` matches name, number or date (æøå-safe).

        ``scope="own"``: the actor's drafts (by HPR number) and drafts nobody owns (made before
        clinic mode, or without a profile); ``"all"``: every draft.  By default the clinic
        setting :data:`~core.storage.clinic.DRAFTS_VISIBLE_TO_ALL` decides.
        """
        if scope is None:
            scope = "all" if self._clinic_settings.drafts_visible_to_all() else "own"
        statement = select(
            cases.c.id, cases.c.patient_name, cases.c.masked_identity, cases.c.summary,
            cases.c.consultation_date, cases.c.status, cases.c.updated_at,
            cases.c.owner_name, cases.c.owner_hpr, cases.c.editor_name, cases.c.editor_hpr,
        ).order_by(cases.c.updated_at.desc())
        if scope == "own":
            unowned = cases.c.owner_hpr.is_(None)
            hpr = self._audit_trail.actor.hpr
            statement = statement.where(or_(unowned, cases.c.owner_hpr == hpr) if hpr
                                        else unowned)
        needle = normalise_query(query)
        # Encrypted: the search key is sealed, so rows are decrypted (once each) and filtered
        # here; plaintext: the database filters.
        in_python = bool(needle) and self._sealer.encrypted
        if needle and not in_python:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(cases.c.search_key.like(f"%{escaped}%", escape="\\"))
        if limit is not None and not in_python:
            statement = statement.limit(limit)
        with self._database.reading() as connection:
            rows = connection.execute(statement).all()
        drafts: builtins.list[DraftSummary] = []
        for r in rows:
            name, masked, key, facts = self._summary(r.id, r.summary, r.patient_name,
                                                     r.masked_identity)
            if in_python and (key is None or needle not in key):
                continue
            drafts.append(DraftSummary(
                r.id, name, masked, r.consultation_date, r.status, aware(r.updated_at),
                owner=person_or_none(r.owner_name, r.owner_hpr),
                editor=person_or_none(r.editor_name, r.editor_hpr), search_key=key,
                course_json=facts))
            if limit is not None and len(drafts) >= limit:
                break
        return drafts

    def _summary(self, case_id: str, summary: str | None, name: str,
                 masked: str) -> tuple[str, str, str | None, Any]:
        """Name, masked number, search key (None: use the SQL filter) and course facts of a
        listed row.  Without encryption the summary holds the same values in plaintext; the
        plaintext columns stay the ones read."""
        if summary is None:
            return name, masked, None, None
        parts = self._summary_parts(case_id, summary)
        facts = parts[3] if len(parts) > 3 else None  # parsed when asked (DraftSummary.course)
        if not self._sealer.encrypted:
            return name, masked, None, facts
        name, masked, key = (str(p) for p in parts[:3])
        return name, masked, key, facts

    def _summary_parts(self, case_id: str, summary: str) -> builtins.list[Any]:
        try:
            parts = json.loads(self._sealer.unseal(summary, case_aad("summary", case_id)))
        except (ValueError, TypeError):
            raise unreadable() from None
        if not isinstance(parts, list) or len(parts) < 3:
            raise unreadable()
        return parts

    def count(self) -> int:
        with self._database.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(cases)).scalar_one())

    # ---- copying and removing ------------------------------------------------------------

    def duplicate(self, case_id: str, *, actor: Actor | None = None) -> str:
        """A new draft with the same content (for a follow-up consultation); returns its id.

        Audited once, as ``duplicate`` on the new case with ``details.source_case_id``."""
        original = self.load(case_id).case
        copy = original.model_copy(deep=True)
        copy.id = new_case_id()
        copy.status = "draft"
        copy.consent.status = "not_obtained"
        copy.course = Course()  # a new consultation: the course is the original's
        copy.created_at = copy.updated_at = utc_now()
        self._save(copy, step=None, expected_version=None, actor=actor,
                   created_action="duplicate", details={"source_case_id": case_id})
        return copy.id

    def delete(self, case_id: str, *, actor: Actor | None = None) -> None:
        """Remove a case and everything kept about it (a backup is taken first on SQLite).

        Audited as ``delete`` in the same transaction (with the backup's file name)."""
        backup = self._backup_folder.take("before-delete")
        details: dict[str, Any] = {"backup": backup.name} if backup is not None else {}
        self._remove(case_id, "delete", actor, details)

    def purge(self, case_id: str, *, actor: Actor | None = None,
              reason: str = "retention") -> None:
        """Remove a case for good (retention): no backup copy is made, and on SQLite the WAL is
        checkpointed and truncated so the freed pages (zeroed by ``secure_delete``) leave no
        copy behind in the database's own files.  Older backups still hold the case — the
        retention job must thin those too.  Audited as ``purge``."""
        self._remove(case_id, "purge", actor, {"reason": reason})
        self._database.checkpoint()

    def _remove(self, case_id: str, action: str, actor: Actor | None,
                details: dict[str, Any]) -> None:
        with self._database.writing() as connection:
            for remover in self._removers:
                details = {**details, **remover(connection, case_id)}
            result: Any = connection.execute(delete(cases).where(cases.c.id == case_id))
            if result.rowcount == 0:
                raise case_not_found(case_id)
            self._audit_trail.append(connection, action, case_id, actor, details)

    # ---- encryption ----------------------------------------------------------------------

    def encrypt_plaintext(self, connection: Connection, cipher: FieldCipher) -> dict[str, int]:
        """Seal every plaintext payload and summary (recognised by the missing ``RK1``
        prefix), inside the encrypting transaction; see :mod:`core.storage.encryption`."""
        done = 0
        case_ids = connection.execute(select(cases.c.id)).scalars().all()
        for chunk in in_chunks(case_ids):
            updates: builtins.list[dict[str, Any]] = []
            for r in connection.execute(
                    select(cases.c.id, cases.c.payload, cases.c.summary, cases.c.patient_name,
                           cases.c.masked_identity, cases.c.search_key)
                    .where(cases.c.id.in_(chunk))):
                summary = r.summary
                if summary is None or not crypto.is_text_token(summary):
                    summary = summary_text(r.patient_name, r.masked_identity, r.search_key,
                                            plaintext_facts(summary))
                updates.append({
                    "b_id": r.id, "v_patient_name": "", "v_masked_identity": "",
                    "v_search_key": "",
                    "v_summary": summary if crypto.is_text_token(summary) else
                    cipher.encrypt_text(summary, case_aad("summary", r.id)),
                    "v_payload": r.payload if crypto.is_text_token(r.payload) else
                    cipher.encrypt_text(r.payload, case_aad("payload", r.id)),
                })
            if updates:  # one executemany per chunk, by primary key
                connection.execute(_UPDATE_CASE_BY_ID, updates)
                done += len(updates)
        return {"cases": done}
