"""What an edit conflict is, for the controller that finds it and the dialog that shows it.

Plain data (no Qt), below both :mod:`ui.controller` and :mod:`ui.wizard.conflict_dialog`, so
neither has to import the other for its types; ``ui.controller`` re-exports the names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from core.audit import Actor
    from core.diff import FieldChange
    from core.storage import StoredCase

ConflictChoice = Literal["reload", "copy", "later"]


@dataclass(frozen=True)
class Conflict:
    """What the conflict dialog shows: the stored version and how it differs from the window's.

    ``stored`` is None when somebody deleted the case; then only "copy" and "later" make sense.
    """

    case_id: str
    stored: StoredCase | None
    changes: list[FieldChange]

    @property
    def saved_by(self) -> Actor | None:
        return self.stored.editor if self.stored is not None else None

    @property
    def saved_at(self) -> datetime | None:
        return self.stored.case.updated_at if self.stored is not None else None


ConflictResolver = Callable[[Conflict], ConflictChoice]


__all__ = ["Conflict", "ConflictChoice", "ConflictResolver"]
