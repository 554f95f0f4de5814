"""Local (SQLite) or clinic (PostgreSQL) storage of drafts and exports via SQLAlchemy 2.

:class:`Store` opens the database and hands out its parts (``store.cases``, ``store.exports``,
``store.audit_trail``, ``store.clinic_settings``, ``store.encryption``,
``store.backup_folder``, ``store.course``); the layout is in ``docs/storage.md``.

Importing this package imports SQLAlchemy (hundreds of milliseconds): the GUI does it only
after its first window is on screen.
"""

from core.audit import Actor, AuditEntry, AuditVerification
from core.storage.audit_trail import AuditTrail
from core.storage.backups import BackupFolder
from core.storage.cases import Cases, DraftSummary, StoredCase
from core.storage.clinic import DRAFTS_VISIBLE_TO_ALL, ClinicSettings
from core.storage.course_items import CourseItem, CourseItems, StoredItem
from core.storage.database import Database
from core.storage.encryption import Encryption
from core.storage.errors import (
    CaseNotFound,
    ConflictError,
    ConnectionLost,
    KeyMismatch,
    KeyRequired,
    LoginRefused,
    NewerSchemaError,
    StorageError,
    UnreadableData,
)
from core.storage.exports import ExportedDocument, ExportRevision, Exports
from core.storage.schema import SCHEMA_HEAD, head_revision
from core.storage.sealing import Sealer
from core.storage.store import Store

__all__ = [
    "DRAFTS_VISIBLE_TO_ALL",
    "SCHEMA_HEAD",
    "Actor",
    "AuditEntry",
    "AuditTrail",
    "AuditVerification",
    "BackupFolder",
    "CaseNotFound",
    "Cases",
    "ClinicSettings",
    "ConflictError",
    "ConnectionLost",
    "CourseItem",
    "CourseItems",
    "Database",
    "DraftSummary",
    "Encryption",
    "ExportRevision",
    "ExportedDocument",
    "Exports",
    "KeyMismatch",
    "KeyRequired",
    "LoginRefused",
    "NewerSchemaError",
    "Sealer",
    "StorageError",
    "Store",
    "StoredCase",
    "StoredItem",
    "UnreadableData",
    "head_revision",
]
