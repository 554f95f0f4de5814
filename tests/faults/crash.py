"""Kill the app's save path at random points and check what survives (battery R1 and R4).

A *driver* (a forked child) opens the store exactly as the app does (:meth:`Store.open`) and
loops over the real write paths — ``save`` (what autosave calls), ``record_export``,
``course.add`` (a follow-up entry: its own row and transaction) and ``backup`` — telling the
parent ``begin …`` before each call and ``ack …`` once it returned
(i.e. after the commit).  The parent SIGKILLs it after a random delay, then opens the store
again and checks:

* the database opens (through :meth:`Store.open`) and ``PRAGMA integrity_check`` is ``ok``;
* the case is the last acknowledged version or the next one — never older (**lost**), never a
  mix (**torn**: the stored case must equal, field for field, one version the driver wrote);
* export revisions are gap-free, each one's documents match their SHA-256 and the expected
  bytes, and the count is the acknowledged one or the next;
* the follow-up entries are exactly entries 1…k as written, k the acknowledged count or the
  next (none lost, none torn, none written twice);
* the audit chain verifies;
* backup copies: a copy interrupted mid-write must not look like a good one.

One data folder is used for every kill, so state accumulates.  The parent forks (after
importing everything once) instead of starting a new interpreter per kill: ~40 ms per kill
instead of ~1 s, so 200 kills fit in the normal test run.  POSIX only (``os.fork``).

Run alone: ``python -m tests.faults.crash --kills 500``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core import casefile
from core.case import Case
from core.course.model import FollowUpEntry, Observer
from core.storage import ExportedDocument, Store, recovery

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "opioid-komplett.json"
CASE_ID = "c0ffee00" * 4
#: Letters for the notes: Norwegian and Sami, so multi-byte UTF-8 crosses page boundaries.
ALPHABET = "abcdefghijklmnopqrstuvwxyz æøåÆØÅ áčđŋšŧž\n"
OPS = ("save", "save", "save", "export", "followup", "followup", "backup")
BASE_TIME = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)


# ---- what the driver writes (deterministic, so the parent knows every version) --------------


def _base_case() -> Case:
    case = casefile.read(EXAMPLE)
    case.id = CASE_ID
    return case


_BASE = _base_case()


def case_for(n: int) -> Case:
    """Version ``n`` of the case: several fields change together, and the notes vary in size
    (4–24 kB) so one save spans several database pages — a torn write would show."""
    rng = random.Random(n)
    case = _BASE.model_copy(deep=True)
    case.notes = f"versjon {n}\n" + "".join(rng.choices(ALPHABET, k=4000 + rng.randrange(20000)))
    case.patient.address = f"Prøvegata {n}"
    case.plan.taper = f"Nedtrapping, versjon {n}"
    case.journal_addition = f"Tillegg {n}"
    case.created_at = BASE_TIME
    case.updated_at = BASE_TIME + timedelta(seconds=n)
    return case


def entry_for(k: int) -> FollowUpEntry:
    """Follow-up entry ``k``: a fixed id and time, and a note of 1–9 kB."""
    rng = random.Random(f"entry-{k}")
    return FollowUpEntry(
        id=f"{k:032x}", at=BASE_TIME + timedelta(hours=k),
        observer=Observer(name="Sykepleier Siri Prøve", role="nurse"), form="home_visit",
        intoxication="none", overdose="none", adherence="kept",
        note=f"oppføring {k}\n" + "".join(rng.choices(ALPHABET, k=1000 + rng.randrange(8000))))


def documents_for(revision: int, n: int) -> list[ExportedDocument]:
    docs = []
    for kind in ("journal", "consent"):
        rng = random.Random(f"{kind}-{revision}")
        content = f"{kind} revisjon {revision} versjon {n}\n".encode() + rng.randbytes(3000)
        docs.append(ExportedDocument(kind, "nb", f"{kind}-{revision}.pdf",
                                     hashlib.sha256(content).hexdigest(), content))
    return docs


def version_of(case: Case) -> int | None:
    first = case.notes.split("\n", 1)[0]
    if not first.startswith("versjon "):
        return None
    try:
        return int(first.removeprefix("versjon "))
    except ValueError:
        return None


# ---- the driver -------------------------------------------------------------------------


@dataclass
class State:
    """What the parent knows is stored (acknowledged): case version n, row version, exports."""

    n: int = 0
    row_version: int = 1
    exports: int = 0
    entries: int = 0


def _say(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode())


def _drive(fd: int, data_dir: Path, state: State, seed: int, cipher: Any) -> None:
    """The child: open the store like the app and write until killed."""
    rng = random.Random(seed)
    store = Store.open(data_dir=data_dir, **({"cipher": cipher} if cipher else {}))
    _say(fd, "ready")
    n, row_version, exports, entries = state.n, state.row_version, state.exports, state.entries
    while True:
        op = rng.choice(OPS)
        if op == "followup":
            _say(fd, f"begin followup {entries + 1}")
            store.course.add(CASE_ID, entry_for(entries + 1))
            entries += 1
            _say(fd, f"ack followup {entries}")
        elif op == "save":
            _say(fd, f"begin save {n + 1}")
            row_version = store.save(case_for(n + 1), step="plan", expected_version=row_version)
            n += 1
            _say(fd, f"ack save {n} {row_version}")
        elif op == "export":
            _say(fd, f"begin export {exports + 1}")
            store.record_export(CASE_ID, documents_for(exports + 1, n))
            exports += 1
            row_version += 1
            _say(fd, f"ack export {exports} {row_version}")
        else:
            _say(fd, "begin backup")
            path = store.backup()
            _say(fd, f"ack backup {path.name if path else '-'}")


# ---- the parent ---------------------------------------------------------------------------


@dataclass
class KillResult:
    kill: int
    landed: str  # the call in progress when the kill came: open, save, export, backup, idle
    outcome: str  # survived, lost, torn, corrupt
    detail: str = ""


@dataclass
class CrashReport:
    injected: int = 0
    survived: int = 0
    lost: int = 0
    torn: int = 0
    corrupt: int = 0
    landed: dict[str, int] = field(default_factory=dict)
    acknowledged: dict[str, int] = field(default_factory=dict)
    #: Backup copies killed mid-write that remain under their final name (they never verify).
    half_backups: int = 0
    #: A half-written backup that *did* verify would be a real problem: must stay 0.
    bad_backups_trusted: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        where = ", ".join(f"{k} {v}" for k, v in sorted(self.landed.items()))
        return (f"{self.injected} kills / {self.survived} survived, lost {self.lost}, "
                f"torn {self.torn}, corrupt {self.corrupt} (landed in: {where}; "
                f"half-written backups under the final name: {self.half_backups}, "
                f"trusted: {self.bad_backups_trusted})")


def _read_all(fd: int) -> list[str]:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode().splitlines()


def _verify(data_dir: Path, acked: State, pending: str, cipher: Any,
            checked_exports: int) -> tuple[str, str, State]:
    """After a kill: start-up check, open, integrity, content.

    Returns (outcome, detail, stored state)."""
    health = recovery.check(data_dir)
    if health.status != "ok":  # the app would wrongly send the GP to the recovery dialog
        return "corrupt", f"start-up check: {health.status} {health.problem}", acked
    try:
        store = Store.open(data_dir=data_dir, **({"cipher": cipher} if cipher else {}))
    except Exception as exc:  # the database must always open after a crash
        return "corrupt", f"Store.open: {type(exc).__name__}: {exc}", acked
    try:
        with store.engine.connect() as connection:
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
        if integrity != "ok":
            return "corrupt", f"integrity_check: {integrity}", acked
        audit = store.verify_audit()
        if not audit.ok:
            return "corrupt", f"audit chain: {audit.problem} at {audit.first_broken_seq}", acked
        try:
            stored = store.load(CASE_ID)
        except Exception as exc:
            return "torn", f"load: {type(exc).__name__}", acked
        n = version_of(stored.case)
        if n is None:
            return "torn", "notes do not name a version", acked
        if _without_course(stored.case) != case_for(n):
            return "torn", f"case differs from version {n} as written", acked
        entries = stored.case.course.followups
        if entries != [entry_for(k) for k in range(1, len(entries) + 1)]:
            return "torn", "follow-up entries differ from those written", acked
        exports = [r.revision for r in _export_revisions(store)]
        state = State(n=n, row_version=stored.version, exports=len(exports),
                      entries=len(entries))
        if exports != list(range(1, len(exports) + 1)):
            return "torn", f"export revisions not gap-free: {exports[-5:]}", state
        for revision in range(max(1, checked_exports), len(exports) + 1):
            problem = _check_export(store, revision)
            if problem:
                return "torn", problem, state
        allowed_n = {acked.n} | ({acked.n + 1} if pending == "save" else set())
        allowed_exports = {acked.exports} | ({acked.exports + 1} if pending == "export"
                                             else set())
        allowed_rows = {acked.row_version} | (
            {acked.row_version + 1} if pending in ("save", "export") else set())
        allowed_entries = {acked.entries} | ({acked.entries + 1} if pending == "followup"
                                             else set())
        if len(entries) < acked.entries:
            return "lost", f"{len(entries)} follow-up entries, acknowledged {acked.entries}", \
                state
        if len(entries) not in allowed_entries:
            return "torn", f"{len(entries)} follow-up entries, acknowledged {acked}", state
        if n < acked.n or len(exports) < acked.exports or stored.version < acked.row_version:
            return "lost", (f"stored n={n} exports={len(exports)} v={stored.version}, "
                            f"acknowledged {acked}"), state
        if n not in allowed_n or len(exports) not in allowed_exports \
                or stored.version not in allowed_rows:
            return "torn", f"stored {state}, acknowledged {acked}, in progress {pending}", state
        return "survived", "", state
    finally:
        store.close()


def _without_course(case: Case) -> Case:
    """The case as ``case_for`` wrote it: the status the export and the course set, and the
    merged entries, taken out."""
    return case.model_copy(update={"status": "draft", "course": case.course.model_copy(
        update={"followups": []})})


def _export_revisions(store: Store) -> list[Any]:
    from sqlalchemy import select

    from core.storage.tables import export_revisions

    with store.engine.connect() as connection:
        rows = connection.execute(
            select(export_revisions.c.revision).where(export_revisions.c.case_id == CASE_ID)
            .order_by(export_revisions.c.revision)).all()
    return list(rows)


def _check_export(store: Store, revision: int) -> str:
    export = store.load_export(CASE_ID, revision)
    n = version_of(export.case)
    if n is None or _without_course(export.case) != case_for(n):
        return f"export {revision}: snapshot is not a version as written"
    expected = documents_for(revision, n)
    got = [(d.kind, d.sha256, d.content) for d in export.documents]
    if got != [(d.kind, d.sha256, d.content) for d in expected]:
        return f"export {revision}: documents differ from what was written"
    return ""


def _check_backups(data_dir: Path, seen: set[str], report: CrashReport,
                   interrupted_backup: bool) -> None:
    """New backup files: an interrupted one must never verify; keep the folder small."""
    files = recovery.backups(data_dir)
    new = [p for p in files if p.name not in seen]
    for path in new:
        seen.add(path.name)
        if recovery.verify_backup(path) is None:
            report.half_backups += 1
            if not interrupted_backup:
                report.problems.append(f"backup {path.name} does not verify")
        elif not _backup_holds_a_written_version(path):
            report.bad_backups_trusted += 1
            report.problems.append(f"backup {path.name} verifies but holds no written version")
    # Housekeeping for the test only (the app never deletes backups): keep the newest three.
    for old in files[3:]:
        for piece in (old, *(Path(f"{old}{s}") for s in recovery.SIDECARS)):
            with contextlib.suppress(FileNotFoundError):
                piece.unlink()


def _backup_holds_a_written_version(path: Path) -> bool:
    """A copy that verifies must hold one whole version of the case (plaintext stores only:
    an encrypted payload is checked when a restore opens it through the store)."""
    import sqlite3
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        row = connection.execute("SELECT payload FROM cases WHERE id = ?", (CASE_ID,)).fetchone()
    finally:
        connection.close()
    if row is None:
        return False
    if row[0].startswith("RK1:"):
        return True
    try:
        case = casefile.loads(row[0])
    except casefile.CaseFileError:
        return False
    n = version_of(case)
    return n is not None and case.model_copy(update={"status": "draft"}) == case_for(n)


def run_crash_loop(kills: int, data_dir: Path, *, seed: int = 1, max_delay: float = 0.06,
                   cipher: Any = None, log: Any = None) -> CrashReport:
    """Kill the driver ``kills`` times at random points; return the tally."""
    if not hasattr(os, "fork"):
        raise RuntimeError("the crash loop needs os.fork (POSIX)")
    started = time.perf_counter()
    rng = random.Random(seed)
    report = CrashReport()
    landed: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    store = Store.open(data_dir=data_dir, **({"cipher": cipher} if cipher else {}))
    store.save(case_for(0), step="plan")
    store.close()  # no connection may be open across fork()
    state = State()
    checked_exports = 1
    seen_backups = {p.name for p in recovery.backups(data_dir)}  # e.g. before encryption
    for kill in range(1, kills + 1):
        read_fd, write_fd = os.pipe()
        child_seed = rng.randrange(1 << 30)
        delay = rng.uniform(0.0, max_delay)
        pid = os.fork()
        if pid == 0:  # the driver
            os.close(read_fd)
            try:
                _drive(write_fd, data_dir, state, child_seed, cipher)
            finally:
                os._exit(70)  # only reached if the driver failed by itself
        os.close(write_fd)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _pid, status = os.waitpid(pid, 0)
        lines = _read_all(read_fd)
        os.close(read_fd)
        acked = State(state.n, state.row_version, state.exports, state.entries)
        pending = "open"
        for line in lines:
            words = line.split()
            if words[0] == "ready":
                pending = "idle"
            elif words[0] == "begin":
                pending = words[1]
            elif words[0] == "ack":
                acknowledged[words[1]] += 1
                pending = "idle"
                if words[1] == "save":
                    acked.n, acked.row_version = int(words[2]), int(words[3])
                elif words[1] == "export":
                    acked.exports, acked.row_version = int(words[2]), int(words[3])
                elif words[1] == "followup":
                    acked.entries = int(words[2])
        report.injected += 1
        if not os.WIFSIGNALED(status):
            outcome, detail = "corrupt", f"driver exited by itself (status {status})"
            stored = acked
        else:
            landed[pending] += 1
            outcome, detail, stored = _verify(data_dir, acked, pending, cipher, checked_exports)
        _check_backups(data_dir, seen_backups, report, pending == "backup")
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "survived":
            report.problems.append(f"kill {kill} in {pending}: {outcome}: {detail}")
            if log:
                log(f"kill {kill} in {pending}: {outcome}: {detail}")
        state = stored
        checked_exports = max(1, state.exports)
    report.landed = dict(landed)
    report.acknowledged = dict(acknowledged)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class CreationReport:
    """Kills while the very first start creates the database (migrations from nothing)."""

    injected: int = 0
    #: The store opened normally afterwards.
    opened: int = 0
    #: Left half-built; the start-up check sends the GP to the recovery question.
    flagged: int = 0
    #: Neither opens nor is flagged: the GP would be stuck.  Must stay 0.
    stuck: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.injected} kills during first creation: {self.opened} opened, "
                f"{self.flagged} half-built and flagged for recovery, {self.stuck} stuck")


def run_creation_kills(kills: int, workdir: Path, *, seed: int = 1,
                       max_delay: float = 0.15) -> CreationReport:
    rng = random.Random(seed)
    report = CreationReport()
    for kill in range(kills):
        data_dir = workdir / f"fresh-{kill}"
        pid = os.fork()
        if pid == 0:
            try:
                Store.open(data_dir=data_dir).close()
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, max_delay))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        report.injected += 1
        health = recovery.check(data_dir)
        try:
            Store.open(data_dir=data_dir).close()
            report.opened += 1
        except Exception as exc:
            if health.needs_recovery:
                report.flagged += 1
            else:
                report.stuck += 1
                report.problems.append(f"{health.status}: {type(exc).__name__}: {exc}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--max-delay", type=float, default=0.06,
                        help="longest wait before the kill, in seconds")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--encrypted", action="store_true",
                        help="open the store with a data key (field-level encryption)")
    parser.add_argument("--creation", type=int, default=0, metavar="N",
                        help="also kill N first starts while they create the database")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    cipher = None
    if args.encrypted:
        from core.crypto import FieldCipher

        cipher = FieldCipher.generate()
    with tempfile.TemporaryDirectory(prefix="rekvirent-crash-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        report = run_crash_loop(args.kills, data_dir / "loop", seed=args.seed,
                                max_delay=args.max_delay, cipher=cipher,
                                log=None if args.json else lambda m: print(m, file=sys.stderr))
        creation = run_creation_kills(args.creation, Path(tmp), seed=args.seed)
    if args.json:
        print(json.dumps({"seed": args.seed, **asdict(report), "creation": asdict(creation)}))
    else:
        print(f"seed {args.seed}: {report.line()} in {report.seconds:.1f} s")
        if args.creation:
            print(creation.line())
    bad = report.lost + report.torn + report.corrupt + report.bad_backups_trusted
    return 1 if bad or creation.stuck else 0


if __name__ == "__main__":
    sys.exit(main())
