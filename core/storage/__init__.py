"""Local (SQLite) or clinic (PostgreSQL) storage of drafts and exports via SQLAlchemy 2.

Importing this package imports SQLAlchemy (hundreds of milliseconds): the GUI does it only
after its first window is on screen.
"""

from core.audit import Actor, AuditEntry, AuditVerification
from core.storage.store import (
    CaseNotFound,
    ConflictError,
    ConnectionLost,
    DraftSummary,
    ExportedDocument,
    ExportRevision,
    KeyMismatch,
    KeyRequired,
    LoginRefused,
    NewerSchemaError,
    StorageError,
    Store,
    StoredCase,
    UnreadableData,
    head_revision,
)

__all__ = [
    "Actor",
    "AuditEntry",
    "AuditVerification",
    "CaseNotFound",
    "ConflictError",
    "ConnectionLost",
    "DraftSummary",
    "ExportRevision",
    "ExportedDocument",
    "KeyMismatch",
    "KeyRequired",
    "LoginRefused",
    "NewerSchemaError",
    "StorageError",
    "Store",
    "StoredCase",
    "UnreadableData",
    "head_revision",
]
