"""The store: opens the database and hands out its parts.

:meth:`Store.open` connects (:mod:`~core.storage.database`: engine, pragmas), migrates or refuses
a newer schema (:mod:`~core.storage.schema`) and checks the key
(:mod:`~core.storage.encryption`).  The work is done by the parts, each in its own module and
owning its own tables:

=====================  ===================================  ==================================
attribute              class                                tables
=====================  ===================================  ==================================
``cases``              :class:`~.cases.Cases`               ``cases``
``exports``            :class:`~.exports.Exports`           ``export_revisions``,
                                                            ``export_documents``
``audit_trail``        :class:`~.audit_trail.AuditTrail`    ``audit_log``, ``audit_head``
``clinic_settings``    :class:`~.clinic.ClinicSettings`     ``clinic_settings``
``encryption``         :class:`~.encryption.Encryption`     ``key_check``
``course``             :class:`~.course_items.CourseItems`  ``course_items``
``backup_folder``      :class:`~.backups.BackupFolder`      (files in ``<data dir>/backups``)
=====================  ===================================  ==================================

The methods below the parts (``store.save``, ``store.list``, ``store.audit_log``, …) are the
stable facade that existing callers use; each is one delegation.  New code uses the parts
(``store.cases.save(...)``).  See ``docs/storage.md`` ("Adding a part").
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from core.audit import Actor, AuditEntry, AuditVerification
from core.case import Case
from core.crypto import FieldCipher
from core.storage import schema
from core.storage.audit_guards import GuardState
from core.storage.audit_trail import AuditTrail
from core.storage.backups import BackupFolder
from core.storage.cases import Cases, DraftSummary, StoredCase
from core.storage.clinic import ClinicSettings
from core.storage.course_items import CourseItems
from core.storage.database import Database
from core.storage.encryption import Encryption
from core.storage.errors import StorageError, opening_error
from core.storage.exports import ExportedDocument, ExportRevision, Exports
from core.storage.sealing import Sealer


class Store:
    def __init__(self, database: Database) -> None:
        self.database = database
        #: Shared by every part: seals once the key is checked (passes through without one).
        self.sealer = Sealer()
        self.backup_folder = BackupFolder(sqlite_path=database.sqlite_path,
                                          data_dir=database.data_dir)
        self.audit_trail = AuditTrail(database)
        self.clinic_settings = ClinicSettings(database, self.audit_trail)
        self.encryption = Encryption(database, self.sealer, self.backup_folder)
        self.cases = Cases(database, self.sealer, self.audit_trail, self.backup_folder,
                           self.clinic_settings)
        self.exports = Exports(database, self.sealer, self.audit_trail, self.cases)
        self.course = CourseItems(database, self.sealer, self.audit_trail, self.cases)
        # A part that keeps rows about a case, or sealed values, says so here.
        self.cases.keep_course_in(self.course)
        self.cases.also_remove(self.exports.remove_case_rows)
        self.cases.also_remove(self.course.remove_case_rows)
        self.encryption.also_encrypt(self.cases.encrypt_plaintext)
        self.encryption.also_encrypt(self.exports.encrypt_plaintext)
        self.encryption.also_encrypt(self.course.encrypt_plaintext)

    # ---- opening and closing -------------------------------------------------------------

    @classmethod
    def open(cls, url: str | URL | None = None, *, data_dir: Path | None = None,
             cipher: FieldCipher | None = None) -> Store:
        """Open (creating and migrating as needed) the store at ``url``.

        With ``cipher`` every sensitive value is encrypted before it reaches SQL (see
        ``docs/security.md``): a database not yet encrypted is encrypted in place (see
        :meth:`Encryption.enable`); one encrypted with another key raises
        :class:`~core.storage.errors.KeyMismatch`.  Without ``cipher`` an encrypted database
        raises :class:`~core.storage.errors.KeyRequired`.  Either way nothing is written when
        the key is wrong or missing.

        Without a URL: ``REKVIRENT_DATABASE_URL``, else SQLite in the user data directory.
        A database made by a newer Rekvirent raises
        :class:`~core.storage.errors.NewerSchemaError` and is left untouched; before migrating
        an existing SQLite database a backup copy is made.  ``url`` may be a
        :class:`sqlalchemy.engine.URL` carrying a password from :mod:`core.credentials` (a URL
        object never shows the password when printed).
        """
        database = Database.connect_to(url, data_dir=data_dir)
        store = cls(database)
        try:
            schema.migrate(database, store.backup_folder.take)
            store.encryption.check_key(cipher)
        except StorageError:
            database.close()
            raise
        except SQLAlchemyError as exc:
            database.close()
            raise opening_error(exc) from None
        except BaseException:  # anything else (a bug, KeyboardInterrupt): no open connections
            database.close()
            raise
        database.tighten_permissions()
        store.backup_folder.tighten()
        return store

    def close(self) -> None:
        self.database.close()

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def data_dir(self) -> Path | None:
        return self.database.data_dir

    @property
    def sqlite_path(self) -> Path | None:
        return self.database.sqlite_path

    def schema_revision(self) -> str | None:
        return schema.current_revision(self.database)

    def integrity_ok(self) -> bool:
        """SQLite ``quick_check``; other backends answer True (the server checks itself)."""
        return self.database.integrity_ok()

    def checkpoint(self) -> bool:
        """See :meth:`Database.checkpoint`."""
        return self.database.checkpoint()

    # ---- the facade: cases ---------------------------------------------------------------

    def save(self, case: Case, *, step: str | None = None,
             expected_version: int | None = None, actor: Actor | None = None) -> int:
        """See :meth:`Cases.save`."""
        return self.cases.save(case, step=step, expected_version=expected_version, actor=actor)

    def import_case(self, case: Case, *, step: str | None = None,
                    actor: Actor | None = None) -> int:
        """See :meth:`Cases.import_case`."""
        return self.cases.import_case(case, step=step, actor=actor)

    def load(self, case_id: str) -> StoredCase:
        """See :meth:`Cases.load`."""
        return self.cases.load(case_id)

    def open_case(self, case_id: str, *, actor: Actor | None = None) -> StoredCase:
        """See :meth:`Cases.open_case`."""
        return self.cases.open_case(case_id, actor=actor)

    def list(self, query: str = "", *, limit: int | None = None,
             scope: Literal["own", "all"] | None = None) -> builtins.list[DraftSummary]:
        """See :meth:`Cases.list`."""
        return self.cases.list(query, limit=limit, scope=scope)

    def count(self) -> int:
        return self.cases.count()

    def duplicate(self, case_id: str, *, actor: Actor | None = None) -> str:
        """See :meth:`Cases.duplicate`."""
        return self.cases.duplicate(case_id, actor=actor)

    def delete(self, case_id: str, *, actor: Actor | None = None) -> None:
        """See :meth:`Cases.delete`."""
        self.cases.delete(case_id, actor=actor)

    def purge(self, case_id: str, *, actor: Actor | None = None,
              reason: str = "retention") -> None:
        """See :meth:`Cases.purge`."""
        self.cases.purge(case_id, actor=actor, reason=reason)

    # ---- the facade: exports -------------------------------------------------------------

    def record_export(self, case_id: str, documents: Sequence[ExportedDocument], *,
                      actor: Actor | None = None) -> int:
        """See :meth:`Exports.record`."""
        return self.exports.record(case_id, documents, actor=actor)

    def list_exports(self, case_id: str) -> builtins.list[ExportRevision]:
        """See :meth:`Exports.revisions`."""
        return self.exports.revisions(case_id)

    def load_export(self, case_id: str, revision: int) -> ExportRevision:
        return self.exports.load(case_id, revision)

    def last_exports(self) -> dict[str, datetime]:
        """See :meth:`Exports.last_exports`."""
        return self.exports.last_exports()

    # ---- the facade: audit log -----------------------------------------------------------

    def set_actor(self, name: str, hpr: str = "") -> None:
        """See :meth:`AuditTrail.set_actor`."""
        self.audit_trail.set_actor(name, hpr)

    @property
    def actor(self) -> Actor:
        return self.audit_trail.actor

    def audit(self, action: str, case_id: str | None, actor: Actor | None = None,
              details: Mapping[str, Any] | None = None) -> AuditEntry:
        """See :meth:`AuditTrail.record`."""
        return self.audit_trail.record(action, case_id, actor, details)

    def audit_log(self, case_id: str | None = None) -> builtins.list[AuditEntry]:
        """See :meth:`AuditTrail.entries`."""
        return self.audit_trail.entries(case_id)

    def verify_audit(self) -> AuditVerification:
        """See :meth:`AuditTrail.verify`."""
        return self.audit_trail.verify()

    def audit_guards(self) -> GuardState:
        """See :meth:`AuditTrail.guards`."""
        return self.audit_trail.guards()

    def restore_audit_guards(self, actor: Actor | None = None) -> int:
        """See :meth:`AuditTrail.restore_guards`."""
        return self.audit_trail.restore_guards(actor)

    # ---- the facade: clinic settings -----------------------------------------------------

    def clinic_setting(self, key: str, default: Any = None) -> Any:
        """See :meth:`ClinicSettings.get`."""
        return self.clinic_settings.get(key, default)

    def set_clinic_setting(self, key: str, value: Any, *, actor: Actor | None = None) -> None:
        """See :meth:`ClinicSettings.set`."""
        self.clinic_settings.set(key, value, actor=actor)

    def drafts_visible_to_all(self) -> bool:
        """See :meth:`ClinicSettings.drafts_visible_to_all`."""
        return self.clinic_settings.drafts_visible_to_all()

    # ---- the facade: encryption ----------------------------------------------------------

    @property
    def encrypted(self) -> bool:
        """True when values are sealed with a data key before they reach SQL."""
        return self.encryption.encrypted

    def key_ids(self) -> tuple[str, ...]:
        """See :meth:`Encryption.key_ids`."""
        return self.encryption.key_ids()

    def enable_encryption(self, cipher: FieldCipher) -> None:
        """See :meth:`Encryption.enable`."""
        self.encryption.enable(cipher)

    # ---- the facade: backups -------------------------------------------------------------

    def backups_dir(self) -> Path | None:
        return self.backup_folder.path()

    def backup(self, reason: str = "manual") -> Path | None:
        """See :meth:`BackupFolder.backup`."""
        return self.backup_folder.backup(reason)

    def daily_backup(self, now: datetime | None = None, *, keep_days: int = 7,
                     keep_weeks: int = 4, keep_other: int = 10) -> Path | None:
        """See :meth:`BackupFolder.daily`."""
        return self.backup_folder.daily(now, keep_days=keep_days, keep_weeks=keep_weeks,
                                        keep_other=keep_other)

    def backups(self) -> builtins.list[Path]:
        """See :meth:`BackupFolder.copies`."""
        return self.backup_folder.copies()

    def remove_backups(self, paths: builtins.list[Path]) -> int:
        """See :meth:`BackupFolder.remove`."""
        return self.backup_folder.remove(paths)
