"""Local (SQLite) or clinic (PostgreSQL) storage of drafts and exports via SQLAlchemy 2.

Importing this package imports SQLAlchemy (hundreds of milliseconds): the GUI does it only
after its first window is on screen.
"""

from core.audit import Actor, AuditEntry, AuditVerification
from core.storage.store import (
    CaseNotFound,
    ConflictError,
    DraftSummary,
    ExportedDocument,
    ExportRevision,
    NewerSchemaError,
    StorageError,
    Store,
    StoredCase,
)

__all__ = [
    "Actor",
    "AuditEntry",
    "AuditVerification",
    "CaseNotFound",
    "ConflictError",
    "DraftSummary",
    "ExportRevision",
    "ExportedDocument",
    "NewerSchemaError",
    "StorageError",
    "Store",
    "StoredCase",
]
