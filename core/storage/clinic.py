"""Clinic-wide settings, shared by every workstation on the same database.  Owns the table
``clinic_settings`` (one JSON value per key).

Per-user settings (profile, languages, export folder) are not here: they are a file in the data
folder (:mod:`core.settings`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from core.audit import Actor
from core.storage.audit_trail import AuditTrail
from core.storage.database import Database
from core.storage.tables import clinic_settings

#: Clinic setting: every doctor sees every draft, not only their own.
DRAFTS_VISIBLE_TO_ALL = "drafts_visible_to_all"


class ClinicSettings:
    def __init__(self, database: Database, audit_trail: AuditTrail) -> None:
        self._database = database
        self._audit_trail = audit_trail

    def get(self, key: str, default: Any = None) -> Any:
        """A clinic-wide setting (shared by every workstation on this database)."""
        with self._database.reading() as connection:
            value = connection.execute(
                select(clinic_settings.c.value).where(clinic_settings.c.key == key)
            ).scalar_one_or_none()
        return default if value is None else json.loads(value)

    def set(self, key: str, value: Any, *, actor: Actor | None = None) -> None:
        """Change a setting for every workstation; ``actor`` (default: the store's) is kept
        as who changed it last."""
        who = self._audit_trail.who(actor)
        encoded = json.dumps(value)
        with self._database.writing() as connection:
            changed: Any = connection.execute(
                update(clinic_settings).where(clinic_settings.c.key == key)
                .values(value=encoded, updated_at=datetime.now(UTC), updated_by=who.name or None))
            if changed.rowcount == 0:
                connection.execute(insert(clinic_settings).values(
                    key=key, value=encoded, updated_at=datetime.now(UTC),
                    updated_by=who.name or None))

    def drafts_visible_to_all(self) -> bool:
        """Whether the draft list shows every doctor's drafts.  Unset, a single-user SQLite
        file shows everything (it is all the one user's) and a clinic server only one's own."""
        return bool(self.get(DRAFTS_VISIBLE_TO_ALL, self._database.is_sqlite))
