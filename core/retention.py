"""Retention: exported cases are purged a set number of days after their last export.

Once the documents are exported (and the journal note is in the patient's real record), the
draft is only a working copy; keeping it longer than needed is a privacy risk (Normen, the
GDPR's storage limitation).  The period is ``Settings.retention_days`` (default 30).

* :func:`due` — exported cases whose period has run out;
* :func:`upcoming` — those that will run out within ``warn_days``: the announcement the start
  window shows beforehand;
* :func:`purge_due` — removes the due cases for good: :meth:`Store.purge` (audited as
  ``purge``, in the same transaction), the WAL checkpointed and truncated, freed pages zeroed
  by SQLite's ``secure_delete``, then a fresh backup is taken and every older backup is
  deleted, because those still hold the purged cases.

Cases that were never exported are never purged here (the GP deletes drafts themselves).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.audit import Actor
    from core.storage import Store

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30
DEFAULT_WARN_DAYS = 7


@dataclass(frozen=True)
class RetentionItem:
    """One exported case and when the retention rule removes it."""

    case_id: str
    last_export: datetime
    due_at: datetime


@dataclass(frozen=True)
class PurgeResult:
    purged: tuple[str, ...]
    #: The fresh backup taken after the purge (None: no backups on this backend, or none made).
    backup: Path | None = None
    #: Older backups deleted because they still held purged cases.
    removed_backups: int = 0
    #: Cases that could not be purged (already gone, database error); tried again next time.
    failed: tuple[str, ...] = field(default_factory=tuple)


def _check(now: datetime, days: int) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    if days < 1:
        raise ValueError("retention_days must be at least 1")


def schedule(store: Store, days: int) -> list[RetentionItem]:
    """Every exported case with its due time, soonest first."""
    period = timedelta(days=days)
    items = [RetentionItem(case_id, last, last + period)
             for case_id, last in store.last_exports().items()]
    return sorted(items, key=lambda item: (item.due_at, item.case_id))


def due(store: Store, now: datetime, days: int = DEFAULT_RETENTION_DAYS) -> list[RetentionItem]:
    """Exported cases whose last export is ``days`` or more before ``now``."""
    _check(now, days)
    return [item for item in schedule(store, days) if item.due_at <= now]


def upcoming(store: Store, now: datetime, days: int = DEFAULT_RETENTION_DAYS,
             warn_days: int = DEFAULT_WARN_DAYS) -> list[RetentionItem]:
    """Exported cases that become due after ``now`` but within ``warn_days`` (to announce)."""
    _check(now, days)
    horizon = now + timedelta(days=warn_days)
    return [item for item in schedule(store, days) if now < item.due_at <= horizon]


def purge_due(store: Store, now: datetime, days: int = DEFAULT_RETENTION_DAYS,
              actor: Actor | None = None) -> PurgeResult:
    """Purge every due case; then make sure no copy is left in the WAL or in old backups."""
    from core.storage import StorageError

    items = due(store, now, days)
    if not items:
        return PurgeResult(purged=())
    purged: list[str] = []
    failed: list[str] = []
    for item in items:
        try:
            store.purge(item.case_id, actor=actor, reason="retention")
        except StorageError as exc:
            log.warning("Retention could not purge case %s (%s)", item.case_id,
                        type(exc).__name__)
            failed.append(item.case_id)
        else:
            purged.append(item.case_id)
    backup: Path | None = None
    removed = 0
    if purged:
        if not store.checkpoint() and store.sqlite_path is not None:
            log.warning("WAL checkpoint after purge did not complete; it runs again next time")
        older = store.backups()
        try:
            backup = store.backup("after-purge")
        except (OSError, sqlite3.Error) as exc:
            log.warning("No backup after the purge (%s); older backups are removed anyway",
                        type(exc).__name__)
        removed = store.remove_backups([p for p in older if p != backup])
    log.info("Retention purged %d cases (%d failed), removed %d old backups",
             len(purged), len(failed), removed)
    return PurgeResult(purged=tuple(purged), backup=backup, removed_backups=removed,
                       failed=tuple(failed))


__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_WARN_DAYS",
    "PurgeResult",
    "RetentionItem",
    "due",
    "purge_due",
    "schedule",
    "upcoming",
]
