"""Audit-log tampering at file level (battery A3): someone with the database file drops the
guard triggers and edits, removes, reorders or adds entries.  The verifier must name the
first broken entry.

Each case works on its own copy of a database with a real audit trail.  One case the chain
cannot catch by design (``docs/security.md``: a rewrite of the log's end *and* its head) is
listed separately so the scoreboard shows it honestly.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core import audit as chain
from core.case import Case, Patient
from core.storage import ExportedDocument, Store
from core.storage.recovery import DB_NAME

Tamper = Callable[[sqlite3.Connection], None]


def audited_store(data_dir: Path) -> Path:
    """A closed database whose audit log has a dozen entries; returns the file."""
    store = Store.open(data_dir=data_dir)
    store.set_actor("Lege Syntetisk", "9144889")
    for number in range(3):
        case = Case(patient=Patient(name=f"Testa Testesen {number}"))
        store.save(case)
        store.open_case(case.id)
        store.record_export(case.id, [ExportedDocument("journal", "nb", "j.pdf", "0" * 64,
                                                       b"%PDF")])
        store.audit("copy", case.id, details={"kind": "journal"})
    store.close()
    return data_dir / DB_NAME


def _rows(connection: sqlite3.Connection) -> list[sqlite3.Row]:
    connection.row_factory = sqlite3.Row
    return list(connection.execute("SELECT * FROM audit_log ORDER BY seq"))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if "+" not in text \
        else datetime.fromisoformat(text)


def _rehash(connection: sqlite3.Connection, seq: int) -> str:
    row = next(r for r in _rows(connection) if r["seq"] == seq)
    digest = chain.entry_hash(seq=row["seq"], at=_at(row["at"]), actor=row["actor"],
                              actor_hpr=row["actor_hpr"], workstation=row["workstation"],
                              action=row["action"], case_id=row["case_id"],
                              details=row["details"], prev_hash=row["prev_hash"])
    connection.execute("UPDATE audit_log SET hash = ? WHERE seq = ?", (digest, seq))
    return digest


def edit_details(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_log SET details = '{}' WHERE seq = 4")


def edit_actor(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_log SET actor = 'Noen Andre' WHERE seq = 5")


def edit_time(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE seq = 6")


def change_action(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_log SET action = 'open' WHERE action = 'export' "
                       "AND seq = (SELECT min(seq) FROM audit_log WHERE action = 'export')")


def edit_and_rehash(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_log SET actor = 'Noen Andre' WHERE seq = 3")
    _rehash(connection, 3)


def delete_middle(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM audit_log WHERE seq = 5")


def delete_and_renumber(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM audit_log WHERE seq = 5")
    connection.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 5")
    connection.execute("UPDATE audit_head SET seq = seq - 1")


def delete_newest(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")


def swap_two(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_log SET seq = -1 WHERE seq = 3")
    connection.execute("UPDATE audit_log SET seq = 3 WHERE seq = 4")
    connection.execute("UPDATE audit_log SET seq = 4 WHERE seq = -1")


def add_behind_the_head(connection: sqlite3.Connection) -> None:
    last = _rows(connection)[-1]
    connection.execute(
        "INSERT INTO audit_log (seq, at, actor, actor_hpr, workstation, action, case_id, "
        "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, 'delete', ?, '{}', ?, ?)",
        (last["seq"] + 1, last["at"], last["actor"], last["actor_hpr"], last["workstation"],
         last["case_id"], last["hash"], "f" * 64))
    _rehash(connection, last["seq"] + 1)


def change_head_hash(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE audit_head SET hash = ?", ("e" * 64,))


def delete_head(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM audit_head")


def empty_the_log(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM audit_log")


def rewrite_the_end(connection: sqlite3.Connection) -> None:
    """Remove the newest entry *and* rewind the head onto the one before: the remaining log
    is a valid chain.  Only an anchor outside the database could show it."""
    rows = _rows(connection)
    connection.execute("DELETE FROM audit_log WHERE seq = ?", (rows[-1]["seq"],))
    connection.execute("UPDATE audit_head SET seq = ?, hash = ?", (rows[-2]["seq"],
                                                                  rows[-2]["hash"]))


@dataclass(frozen=True)
class TamperCase:
    name: str
    tamper: Tamper
    #: False for what the design documents as undetectable by the chain alone.
    detectable: bool = True


CASES: tuple[TamperCase, ...] = (
    TamperCase("details of an entry edited", edit_details),
    TamperCase("actor of an entry edited", edit_actor),
    TamperCase("time of an entry edited", edit_time),
    TamperCase("action of an entry changed", change_action),
    TamperCase("entry edited and re-hashed", edit_and_rehash),
    TamperCase("entry in the middle deleted", delete_middle),
    TamperCase("entry deleted and the rest renumbered", delete_and_renumber),
    TamperCase("newest entry deleted", delete_newest),
    TamperCase("two entries swapped", swap_two),
    TamperCase("entry added behind the head", add_behind_the_head),
    TamperCase("head hash changed", change_head_hash),
    TamperCase("head record deleted", delete_head),
    TamperCase("whole log emptied", empty_the_log),
    TamperCase("newest entry deleted and head rewound", rewrite_the_end, detectable=False),
)


def tamper_copy(original: Path, workdir: Path, case: TamperCase) -> tuple[bool, str]:
    """Apply ``case`` to a copy of ``original``; (detected, verifier message)."""
    folder = workdir / case.tamper.__name__
    folder.mkdir(parents=True)
    copy = folder / DB_NAME
    shutil.copy2(original, copy)
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        for (trigger,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('audit_log', 'audit_head')").fetchall():
            connection.execute(f'DROP TRIGGER "{trigger}"')
        case.tamper(connection)
    finally:
        connection.close()
    store = Store.open(data_dir=folder)
    try:
        result = store.verify_audit()
    finally:
        store.close()
    return (not result.ok), result.message


def guards_refuse(original: Path, workdir: Path) -> tuple[int, int]:
    """With the triggers in place: how many of UPDATE, DELETE on entries and a head rewind the
    database refuses (battery A2)."""
    folder = workdir / "guarded"
    folder.mkdir(parents=True)
    copy = folder / DB_NAME
    shutil.copy2(original, copy)
    attempts = ("UPDATE audit_log SET actor = 'x' WHERE seq = 2",
                "DELETE FROM audit_log WHERE seq = 2",
                "UPDATE audit_head SET seq = seq - 1",
                "DELETE FROM audit_head")
    refused = 0
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        for statement in attempts:
            try:
                connection.execute(statement)
            except sqlite3.DatabaseError:
                refused += 1
    finally:
        connection.close()
    return refused, len(attempts)
