"""What was exported: one revision per export (the case exactly as it was, under which pathway
version) and its documents (kind, language, file name, SHA-256, bytes).  Owns the tables
``export_revisions`` and ``export_documents``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core import casefile, crypto
from core.audit import Actor
from core.case import Case
from core.course import lifecycle
from core.course_summary import oslo_today
from core.crypto import FieldCipher
from core.storage.audit_trail import AuditTrail
from core.storage.cases import Cases, parse_case
from core.storage.database import Database, aware, in_chunks
from core.storage.errors import CaseNotFound, translate_errors
from core.storage.sealing import Sealer, document_aad, snapshot_aad
from core.storage.tables import export_documents, export_revisions
from i18n import _


@dataclass(frozen=True)
class ExportedDocument:
    kind: str
    language: str
    file_name: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class ExportRevision:
    revision: int
    exported_at: datetime
    pathway_id: str
    pathway_version: int
    case: Case
    documents: tuple[ExportedDocument, ...]


class Exports:
    def __init__(self, database: Database, sealer: Sealer, audit_trail: AuditTrail,
                 cases: Cases) -> None:
        self._database = database
        self._sealer = sealer
        self._audit_trail = audit_trail
        self._cases = cases

    def record(self, case_id: str, documents: Sequence[ExportedDocument], *,
               actor: Actor | None = None) -> int:
        """Keep what was exported: the case as it was (with its course entries and decisions),
        and every document with its hash; the case becomes ``exported`` — or, once its course
        has begun, keeps the course status it has today.  Returns the revision number.

        Audited as ``export`` with each document's kind, language, SHA-256 and size (never
        its file name, which the GP may have typed)."""
        case = self._cases.load(case_id).case  # with its course entries and decisions
        case.status = "exported"
        lifecycle.apply(case, oslo_today())  # a case in its course stays in its course status
        snapshot = casefile.dumps(case)
        with self._database.writing() as connection:
            last = connection.execute(
                select(func.max(export_revisions.c.revision))
                .where(export_revisions.c.case_id == case_id)
            ).scalar_one()
            revision = (last or 0) + 1
            revision_id = connection.execute(insert(export_revisions).values(
                case_id=case_id, revision=revision, exported_at=datetime.now(UTC),
                pathway_id=case.pathway_id, pathway_version=case.pathway_version,
                case_snapshot=self._sealer.seal(snapshot, snapshot_aad(case_id, revision)),
            ).returning(export_revisions.c.id)).scalar_one()
            for doc in documents:
                place = (case_id, revision, doc.kind, doc.language, doc.sha256)
                connection.execute(insert(export_documents).values(
                    revision_id=revision_id, kind=doc.kind, language=doc.language,
                    file_name=self._sealer.seal(doc.file_name, document_aad("file_name", *place)),
                    sha256=doc.sha256,
                    content=self._sealer.seal_bytes(doc.content,
                                                    document_aad("content", *place)),
                ))
            self._cases.mark_exported(connection, case)
            self._audit_trail.append(connection, "export", case_id, actor, {
                "revision": revision,
                "documents": [{"kind": d.kind, "language": d.language, "sha256": d.sha256,
                               "bytes": len(d.content)} for d in documents],
            })
            return revision

    def revisions(self, case_id: str) -> list[ExportRevision]:
        """Every export of the case, oldest first, with its documents."""
        with self._database.engine.connect() as connection:
            rows = connection.execute(
                select(export_revisions.c.revision).where(export_revisions.c.case_id == case_id)
                .order_by(export_revisions.c.revision)
            ).scalars().all()
        return [self.load(case_id, r) for r in rows]

    def load(self, case_id: str, revision: int) -> ExportRevision:
        with self._database.engine.connect() as connection:
            row = connection.execute(
                select(export_revisions).where(export_revisions.c.case_id == case_id,
                                               export_revisions.c.revision == revision)
            ).one_or_none()
            if row is None:
                raise CaseNotFound(_("Export {revision} of the case was not found.").format(
                    revision=revision))
            docs = connection.execute(
                select(export_documents).where(export_documents.c.revision_id == row.id)
                .order_by(export_documents.c.id)
            ).all()
            places = [(case_id, row.revision, d.kind, d.language, d.sha256) for d in docs]
            return ExportRevision(
                revision=row.revision, exported_at=aware(row.exported_at),
                pathway_id=row.pathway_id, pathway_version=row.pathway_version,
                case=parse_case(self._sealer.unseal(row.case_snapshot,
                                                    snapshot_aad(case_id, row.revision))),
                documents=tuple(ExportedDocument(
                    d.kind, d.language,
                    self._sealer.unseal(d.file_name, document_aad("file_name", *place)),
                    d.sha256,
                    self._sealer.unseal_bytes(d.content, document_aad("content", *place)))
                    for d, place in zip(docs, places, strict=True)),
            )

    def last_exports(self) -> dict[str, datetime]:
        """Case id → when it was last exported, for every stored case that has an export
        (what the retention rule counts from; see :mod:`core.retention`)."""
        with translate_errors(), self._database.engine.connect() as connection:
            rows = connection.execute(
                select(export_revisions.c.case_id, func.max(export_revisions.c.exported_at))
                .group_by(export_revisions.c.case_id)).all()
        return {case_id: aware(at) for case_id, at in rows}

    # ---- hooks the store wires up --------------------------------------------------------

    def remove_case_rows(self, connection: Connection, case_id: str) -> dict[str, Any]:
        """A case is deleted or purged (:meth:`Cases.also_remove`): its revisions and their
        documents go in the same transaction; the audit entry counts the revisions."""
        revision_ids = select(export_revisions.c.id).where(export_revisions.c.case_id == case_id)
        exports = connection.execute(
            select(func.count()).select_from(export_revisions)
            .where(export_revisions.c.case_id == case_id)
        ).scalar_one()
        connection.execute(delete(export_documents).where(
            export_documents.c.revision_id.in_(revision_ids)))
        connection.execute(delete(export_revisions).where(export_revisions.c.case_id == case_id))
        return {"exports": exports}

    def encrypt_plaintext(self, connection: Connection, cipher: FieldCipher) -> dict[str, int]:
        """Seal every plaintext snapshot, document and file name, inside the encrypting
        transaction; see :mod:`core.storage.encryption`."""
        revisions = documents = 0
        revision_ids = connection.execute(select(export_revisions.c.id)).scalars().all()
        for chunk in in_chunks(revision_ids):
            for rev in connection.execute(
                    select(export_revisions.c.id, export_revisions.c.case_id,
                           export_revisions.c.revision, export_revisions.c.case_snapshot)
                    .where(export_revisions.c.id.in_(chunk))):
                if not crypto.is_text_token(rev.case_snapshot):
                    connection.execute(update(export_revisions).where(
                        export_revisions.c.id == rev.id).values(
                        case_snapshot=cipher.encrypt_text(
                            rev.case_snapshot, snapshot_aad(rev.case_id, rev.revision))))
                    revisions += 1
        document_ids = connection.execute(select(export_documents.c.id)).scalars().all()
        for chunk in in_chunks(document_ids, 20):
            for d in connection.execute(
                    select(export_documents.c.id, export_revisions.c.case_id,
                           export_revisions.c.revision, export_documents.c.kind,
                           export_documents.c.language, export_documents.c.sha256,
                           export_documents.c.file_name, export_documents.c.content)
                    .join(export_revisions,
                          export_revisions.c.id == export_documents.c.revision_id)
                    .where(export_documents.c.id.in_(chunk))):
                place = (d.case_id, d.revision, d.kind, d.language, d.sha256)
                values: dict[str, Any] = {}
                if not crypto.is_text_token(d.file_name):
                    values["file_name"] = cipher.encrypt_text(
                        d.file_name, document_aad("file_name", *place))
                if not crypto.is_token(bytes(d.content)):
                    values["content"] = cipher.encrypt(
                        bytes(d.content), document_aad("content", *place))
                if values:
                    connection.execute(update(export_documents).where(
                        export_documents.c.id == d.id).values(**values))
                    documents += 1
        return {"export revisions": revisions, "documents": documents}
