"""The audit log's pure part: actions, entries, the hash chain and its verifier.

Every entry says who (prescriber name and HPR number, workstation), what (an action from
:data:`ACTIONS`), when (UTC) and which case (the case's random id) — and never anything the GP
typed about the patient.  ``details`` may hold only ids, kinds, languages, hashes and counts: the
keys are a fixed list (:data:`DETAIL_KEYS`) and the values are checked, so clinical text, names
or identity numbers cannot slip in by accident (:func:`encode_details` raises ``ValueError``).

Entries form a chain: ``hash = SHA-256(canonical JSON of the entry's fields + prev_hash)`` and
each entry's ``prev_hash`` is the hash of the entry before it (:data:`GENESIS_HASH` for the
first).  Sequence numbers are gap-free.  :func:`verify_chain` walks the chain and reports the
first entry that was changed, is missing, or is out of order.

Storing the entries (append-only, one writer at a time) is :class:`core.storage.Store`'s job.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from i18n import _

#: Everything the audit log knows how to record.  "save" is deliberately absent (autosave
#: would drown the log); "open" is recorded when a draft is opened for editing or reading.
ACTIONS: Final[frozenset[str]] = frozenset({
    "create", "open", "export", "print", "copy", "delete", "purge", "restore", "import",
    "duplicate", "repair", "followup", "dose_change", "taper", "complete",
})

GENESIS_HASH: Final[str] = "0" * 64
#: Bumped if the canonical form ever changes (old entries keep verifying under their version).
CHAIN_VERSION: Final[int] = 1

ACTOR_MAX = 200
HPR_MAX = 32
WORKSTATION_MAX = 200

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CASE_ID = re.compile(r"^[0-9a-f]{32}$")
#: Short machine words: document kinds, languages, reasons, targets, formats.
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+\-]{0,63}$")
#: File names the store generates itself (backup copies) — never user-chosen export names.
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
#: Eleven digits in a row look like a fødselsnummer / D-nummer: never in a token.
_IDENTITY_LIKE = re.compile(r"\d{11}")

_HASH_KEYS = frozenset({"sha256"})
_CASE_ID_KEYS = frozenset({"source_case_id", "new_case_id"})
#: Ids of a case's course items (follow-up entries, dose decisions): random, 32 hex digits.
_ITEM_ID_KEYS = frozenset({"item_id"})
_FILE_KEYS = frozenset({"backup"})
_INT_KEYS = frozenset({"bytes", "revision", "count", "exports", "version", "pages", "copies",
                       "retention_days", "older_than_days", "items", "steps"})
_BOOL_KEYS = frozenset({"replaced"})
_TOKEN_KEYS = frozenset({"kind", "language", "reason", "target", "format", "schema", "status",
                         "document_id", "change"})
_TOKEN_LIST_KEYS = frozenset({"kinds"})
#: Every key ``details`` may use.  Add a key here (with a type) rather than loosening a check.
DETAIL_KEYS: Final[frozenset[str]] = (
    _HASH_KEYS | _CASE_ID_KEYS | _ITEM_ID_KEYS | _FILE_KEYS | _INT_KEYS | _BOOL_KEYS | _TOKEN_KEYS
    | _TOKEN_LIST_KEYS | {"documents"}
)
#: Keys of one entry in ``details["documents"]`` (an exported document).
DOCUMENT_KEYS: Final[frozenset[str]] = frozenset({"kind", "language", "sha256", "bytes"})
_LIST_MAX = 100


@dataclass(frozen=True)
class Actor:
    """Who did it, as the caller states it: the prescriber's name and HPR number."""

    name: str = ""
    hpr: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", " ".join(self.name.split())[:ACTOR_MAX])
        object.__setattr__(self, "hpr", "".join(self.hpr.split())[:HPR_MAX])

    def __str__(self) -> str:
        return f"{self.name} (HPR {self.hpr})" if self.hpr else self.name


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    actor_hpr: str
    workstation: str
    action: str
    case_id: str | None
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


Problem = Literal["changed", "missing", "chain", "head"]


@dataclass(frozen=True)
class AuditVerification:
    """The verifier's answer: ``ok``, or the first broken ``seq`` and what is wrong there."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: Problem | None = None
    #: Sequence number the log should end at (from the head record) when ``problem == "head"``.
    expected_last_seq: int | None = field(default=None)

    @property
    def message(self) -> str:
        """A sentence for the GP or the clinic's security officer (no patient data)."""
        if self.ok:
            return _("The audit log is intact ({count} entries).").format(count=self.entries)
        seq = self.first_broken_seq
        if self.problem == "changed":
            return _("Audit log entry {seq} was changed after it was written.").format(seq=seq)
        if self.problem == "missing":
            return _("Audit log entry {seq} is missing (deleted).").format(seq=seq)
        if self.problem == "chain":
            return _(
                "Audit log entry {seq} does not follow the entry before it "
                "(entries changed, removed or reordered)."
            ).format(seq=seq)
        if self.expected_last_seq is None:
            return _("The audit log's head record is missing; the log cannot be trusted.")
        return _(
            "The end of the audit log does not match its head record "
            "(entries after {seq} removed or added outside Rekvirent)."
        ).format(seq=(seq or 1) - 1)


def canonical_time(at: datetime) -> str:
    """UTC, microseconds, fixed format: what both SQLite and PostgreSQL give back exactly."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(*, seq: int, at: datetime, actor: str, actor_hpr: str, workstation: str,
               action: str, case_id: str | None, details: str, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the row's fields and the previous entry's hash.

    ``details`` is the stored JSON text itself, so any edit of it changes the hash.
    """
    canonical = json.dumps(
        {
            "v": CHAIN_VERSION, "seq": seq, "at": canonical_time(at), "actor": actor,
            "actor_hpr": actor_hpr, "workstation": workstation, "action": action,
            "case_id": case_id, "details": details, "prev_hash": prev_hash,
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_action(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action[:20]!r}")
    return action


def check_case_id(case_id: str | None) -> str | None:
    if case_id is not None and not _CASE_ID.match(case_id):
        raise ValueError("an audit entry names a case only by its 32-hex-digit id")
    return case_id


def encode_details(details: Mapping[str, Any] | None) -> str:
    """Validated, canonical JSON for ``details``; ``ValueError`` on anything not allowed."""
    clean = _check_mapping(details or {}, DETAIL_KEYS, depth=0)
    return json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def decode_details(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _check_mapping(value: Any, allowed: frozenset[str], *, depth: int) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError("audit details must be a mapping")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or key not in allowed:
            shown = key[:30] if isinstance(key, str) else type(key).__name__
            raise ValueError(f"audit details may not contain the key {shown!r}")
        clean[key] = _check_value(key, item, depth=depth)
    return clean


def _check_value(key: str, value: Any, *, depth: int) -> Any:
    if value is None:
        return None
    if key == "documents":
        if depth > 0 or not isinstance(value, list | tuple) or len(value) > _LIST_MAX:
            raise ValueError("audit details 'documents' must be a short list")
        return [_check_mapping(doc, DOCUMENT_KEYS, depth=depth + 1) for doc in value]
    if key in _TOKEN_LIST_KEYS:
        if not isinstance(value, list | tuple) or len(value) > _LIST_MAX:
            raise ValueError(f"audit details {key!r} must be a short list")
        return [_check_value(key[:-1] if key.endswith("s") else key, v, depth=depth + 1)
                for v in value]
    if key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise ValueError(f"audit details {key!r} must be true or false")
        return value
    if key in _INT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise ValueError(f"audit details {key!r} must be a number")
        return value
    if not isinstance(value, str):
        raise ValueError(f"audit details {key!r} must be text")
    if key in _HASH_KEYS:
        if not _HEX64.match(value):
            raise ValueError(f"audit details {key!r} must be a lower-case SHA-256 hex digest")
    elif key in _CASE_ID_KEYS:
        if not _CASE_ID.match(value):
            raise ValueError(f"audit details {key!r} must be a case id")
    elif key in _ITEM_ID_KEYS:
        if not _CASE_ID.match(value):
            raise ValueError(f"audit details {key!r} must be an item id (32 hex digits)")
    elif key in _FILE_KEYS:
        if not _FILE.match(value):
            raise ValueError(f"audit details {key!r} must be a plain file name")
    elif not _TOKEN.match(value) or _IDENTITY_LIKE.search(value):
        raise ValueError(f"audit details {key!r} must be a short code word")
    return value


@dataclass(frozen=True)
class ChainRow:
    """The stored fields of one entry, exactly as read back (``details`` as JSON text)."""

    seq: int
    at: datetime
    actor: str
    actor_hpr: str
    workstation: str
    action: str
    case_id: str | None
    details: str
    prev_hash: str
    hash: str


def verify_chain(rows: Iterable[ChainRow], head: tuple[int, str] | None) -> AuditVerification:
    """Walk ``rows`` (ordered by ``seq``) and compare the end with ``head`` = (seq, hash).

    Reports the first problem: a row whose hash does not match its fields (``changed``), a
    sequence number that is skipped (``missing``), a row that does not link to the one before
    (``chain``: changed-and-rehashed, removed or reordered), or a log that ends elsewhere than
    the head record says (``head``: the newest entries removed, or rows added behind the
    store's back).
    """
    expected_seq = 1
    prev = GENESIS_HASH
    count = 0
    for row in rows:
        if row.seq != expected_seq:
            return AuditVerification(False, count, expected_seq, "missing")
        if row.prev_hash != prev:
            return AuditVerification(False, count, row.seq, "chain")
        recomputed = entry_hash(
            seq=row.seq, at=row.at, actor=row.actor, actor_hpr=row.actor_hpr,
            workstation=row.workstation, action=row.action, case_id=row.case_id,
            details=row.details, prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            return AuditVerification(False, count, row.seq, "changed")
        prev = row.hash
        expected_seq += 1
        count += 1
    last = expected_seq - 1
    if head is None:
        return AuditVerification(False, count, expected_seq, "head")
    head_seq, head_hash = head
    if head_seq > last:
        return AuditVerification(False, count, last + 1, "missing", expected_last_seq=head_seq)
    if head_seq < last:
        return AuditVerification(False, count, head_seq + 1, "head", expected_last_seq=head_seq)
    if head_hash != prev:
        return AuditVerification(False, count, last or 1, "changed", expected_last_seq=head_seq)
    return AuditVerification(True, count)
