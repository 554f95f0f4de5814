"""What the cases part hands out and stores besides the case itself: the records callers get
(:class:`StoredCase`, :class:`DraftSummary`), the seam to the course rows (:class:`CourseRows`),
the stored payload (the course without its entries) and the draft list's summary text.

Split from :mod:`core.storage.cases` so that module stays the transactions alone; everything
here is importable from there too.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from core import casefile
from core.audit import Actor
from core.case import Case
from core.course_summary import CourseFacts, facts_line, facts_status
from core.storage.errors import damaged_case

#: Removes what a part keeps about one case, inside the delete/purge transaction
#: (``connection``); returns audit details for the ``delete``/``purge`` entry (counts only).
CaseRowsRemover = Callable[[Connection, str], Mapping[str, Any]]


class CourseRows(Protocol):
    """Where the course's entries and decisions are kept (:class:`~.course_items.CourseItems`);
    each method runs inside the caller's connection or transaction."""

    def merge(self, connection: Connection, case: Case) -> dict[str, int]: ...

    def has_followups(self, connection: Connection, case_id: str) -> bool: ...

    def replace(self, connection: Connection, case: Case, who: Actor) -> int: ...


@dataclass(frozen=True)
class StoredCase:
    case: Case
    version: int
    step: str | None
    #: Clinic mode: who created the case and who saved it last (None: not recorded).
    owner: Actor | None = None
    editor: Actor | None = None
    #: Version of each follow-up entry and dose decision merged into ``case.course`` (item id
    #: → version), for ``store.course.update``/``remove``.
    item_versions: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DraftSummary:
    id: str
    patient_name: str
    masked_identity: str
    consultation_date: date | None
    status: str
    updated_at: datetime
    owner: Actor | None = None
    editor: Actor | None = None
    #: What a search matches (see :mod:`core.storage.search`); None when the database filters
    #: (plaintext rows).  Lets the start window filter a loaded list without a query per key.
    search_key: str | None = field(default=None, repr=False, compare=False)
    #: The course facts as kept in the summary (JSON), read by :attr:`course` when asked:
    #: listing 10,000 cases does not build 10,000 fact objects.
    course_json: Any = field(default=None, repr=False, compare=False)

    @property
    def course(self) -> CourseFacts | None:
        """The course facts (None: saved before they were kept)."""
        return CourseFacts.from_json(self.course_json)

    def status_on(self, today: date) -> str:
        """The status on ``today`` (the course moves on without a save: ``status`` is the
        stored one)."""
        facts = self.course
        return facts_status(facts, today) if facts is not None else self.status

    def course_line(self, today: date, language: str = "nb") -> str:
        """"dag 4 av isoleringen", "nedtrapping trinn 2 av 4" … ("" before the course)."""
        facts = self.course
        return facts_line(facts, today, language) if facts is not None else ""


def parse_case(payload: str) -> Case:
    """A stored case file; a damaged one (changed inside an intact database) is a
    :class:`~core.storage.errors.UnreadableData` like any other unreadable value, never a bare
    parse error."""
    try:
        return casefile.loads(payload)
    except casefile.CaseFileError:
        raise damaged_case() from None


def person_or_none(name: str | None, hpr: str | None) -> Actor | None:
    return Actor(name or "", hpr or "") if (name or hpr) else None


def summary_text(name: str, masked: str, search_key: str,
                  facts: CourseFacts | None = None) -> str:
    parts: builtins.list[Any] = [name, masked, search_key]
    if facts is not None:
        parts.append(facts.to_json())
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def plaintext_facts(summary: str | None) -> CourseFacts | None:
    """The course facts of a summary written without encryption (None: none kept)."""
    try:
        parts = json.loads(summary) if summary is not None else None
    except ValueError:
        return None
    return CourseFacts.from_json(parts[3]) if isinstance(parts, list) and len(parts) > 3 \
        else None


def stored_payload(case: Case) -> str:
    """The case file JSON kept in ``cases.payload``: the course without its entries and
    decisions (they are rows of their own)."""
    course = case.course
    if course.followups or course.dose_decisions:
        case = case.model_copy(update={"course": course.model_copy(
            update={"followups": [], "dose_decisions": []})})
    return casefile.dumps(case)
