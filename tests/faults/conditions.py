"""Disk full, read-only data folder, database locked (battery F1, F5, C4) — through the store.

Each scenario saves version 1, brings the condition about, tries to save version 2, checks the
error and that version 1 is intact, removes the condition and saves version 2 again.  It
returns a :class:`ConditionResult` for the tests and the scoreboard.

How each condition is made, without special hardware:

* **disk full** — a 2 MiB tmpfs filled to the brim (real ``ENOSPC``; needs root and mount
  rights, else skipped), and ``RLIMIT_FSIZE`` in a subprocess (the file-size limit every
  POSIX system has; with ``SIGXFSZ`` ignored a write past it fails with ``EFBIG``);
* **read-only folder** — ``chmod`` 0500/0400.  Root ignores permissions, so as root the
  subprocess first drops ``CAP_DAC_OVERRIDE``/``CAP_DAC_READ_SEARCH`` from its capability
  bounding set (``prctl``) and is then bound by them like any user;
* **locked** — a second connection holding ``BEGIN EXCLUSIVE`` (the store's busy timeout is
  shortened for the test).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from core.case import Case, Patient
from core.storage import StorageError, Store
from core.storage.recovery import DB_NAME

ROOT = Path(__file__).resolve().parents[2]
#: Words a message must contain to name the condition (English msgid or bokmål/nynorsk).
NAMES = {
    "disk full": ("full",),
    "file too large": ("full", "disk", "write", "skrive"),
    "read-only": ("read-only", "readonly", "skrivebeskytt", "write", "skrive"),
    "locked": ("locked", "låst", "busy"),
}


@dataclass
class ConditionResult:
    name: str
    injected: bool = False
    error_type: str = ""
    message: str = ""
    #: The message names the condition (not just "database error").
    names_problem: bool = False
    data_intact: bool = False
    later_save_ok: bool = False
    #: Anything but a StorageError escaped (a crash in the app).
    crashed: bool = False
    skipped: str = ""

    @property
    def handled(self) -> bool:
        return (self.injected and not self.crashed and self.error_type != ""
                and self.data_intact and self.later_save_ok)


def marker_case() -> Case:
    return Case(patient=Patient(name="Testa Testesen"), notes="versjon 1")


def big_change(case: Case) -> None:
    """Version 2: ~300 kB more than version 1, so it cannot fit where version 1 did."""
    case.notes = "versjon 2 " + "ø" * 90_000
    case.plan.taper = "t" * 90_000
    case.journal_addition = "j" * 90_000


def _digest(folder: Path) -> str:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.startswith(DB_NAME)
                   and not p.name.endswith("-shm"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def _classify(result: ConditionResult, exc: BaseException, kind: str) -> None:
    result.error_type = type(exc).__name__
    result.message = str(exc)
    result.crashed = not isinstance(exc, StorageError)
    lowered = result.message.lower()
    result.names_problem = any(word in lowered for word in NAMES[kind])


# ---- locked -------------------------------------------------------------------------------


@contextlib.contextmanager
def short_busy_timeout(store: Store, milliseconds: int = 100) -> Iterator[None]:
    """The store waits 5 s for a lock; a test need not."""
    def shorten(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={milliseconds}")

    store.engine.dispose()
    event.listen(store.engine, "connect", shorten)
    try:
        yield
    finally:
        event.remove(store.engine, "connect", shorten)
        store.engine.dispose()


@contextlib.contextmanager
def exclusive_lock(db: Path) -> Iterator[sqlite3.Connection]:
    holder = sqlite3.connect(db, timeout=0, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield holder
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def locked(workdir: Path) -> ConditionResult:
    result = ConditionResult("database locked")
    store = Store.open(data_dir=workdir)
    try:
        case = marker_case()
        version = store.save(case)
        with short_busy_timeout(store):
            before = store.load(case.id).case
            case.notes = "versjon 2"
            with exclusive_lock(workdir / DB_NAME):
                result.injected = True
                try:
                    store.save(case, expected_version=version)
                except Exception as exc:
                    _classify(result, exc, "locked")
            result.data_intact = store.load(case.id).case == before
            result.later_save_ok = (store.save(case, expected_version=version) == version + 1
                                    and store.load(case.id).case.notes == "versjon 2")
    finally:
        store.close()
    return result


# ---- disk full: tmpfs -----------------------------------------------------------------------


def can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") \
        is not None


@contextlib.contextmanager
def tiny_tmpfs(mount_point: Path, size: str = "2m") -> Iterator[Path]:
    mount_point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                    str(mount_point)], check=True, capture_output=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False, capture_output=True)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


def disk_full_tmpfs(workdir: Path) -> ConditionResult:
    result = ConditionResult("disk full (tmpfs)")
    if not can_mount():
        result.skipped = "needs root and mount (Linux)"
        return result
    try:
        with tiny_tmpfs(workdir / "mnt") as folder:
            _disk_full_in(folder / "data", result)
    except subprocess.CalledProcessError:
        result.skipped = "tmpfs could not be mounted here"
    return result


def _disk_full_in(data_dir: Path, result: ConditionResult) -> None:
    store = Store.open(data_dir=data_dir)
    try:
        case = marker_case()
        version = store.save(case)
        filler = _fill(data_dir.parent)
        result.injected = True
        big_change(case)
        try:
            store.save(case, expected_version=version)
        except Exception as exc:
            _classify(result, exc, "disk full")
        result.data_intact = store.load(case.id).case.notes == "versjon 1"
        filler.unlink()
        result.later_save_ok = (store.save(case, expected_version=version) == version + 1
                                and store.load(case.id).case == case)
    finally:
        store.close()


# ---- subprocess scenarios (file-size limit, read-only) ----------------------------------------


def _drop_root_file_powers() -> None:  # pragma: no cover - runs in the child before exec
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_child(action: str, data_dir: Path, *, unprivileged: bool = False,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run ``python -m tests.faults.conditions ACTION DIR`` and return its JSON answer."""
    preexec: Callable[[], None] | None = None
    if unprivileged and os.name == "posix" and os.geteuid() == 0:
        preexec = _drop_root_file_powers
    completed = subprocess.run(
        [sys.executable, "-m", "tests.faults.conditions", action, str(data_dir),
         json.dumps(extra or {})],
        cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=preexec,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        return {"crashed": True, "error_type": "child failed",
                "message": (completed.stdout + completed.stderr)[-2000:]}
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


def _child_file_size_limit(data_dir: Path, case_id: str) -> dict[str, Any]:
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    store = Store.open(data_dir=data_dir)
    stored = store.load(case_id)
    sizes = [p.stat().st_size for p in data_dir.iterdir() if p.is_file()]
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    answer: dict[str, Any] = {}
    case = stored.case
    big_change(case)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max(sizes) + 4096, hard))
    try:
        store.save(case, expected_version=stored.version)
        answer["error_type"] = ""
    except Exception as exc:
        result = ConditionResult("file size limit")
        _classify(result, exc, "file too large")
        answer.update(error_type=result.error_type, message=result.message,
                      crashed=result.crashed, names_problem=result.names_problem)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    answer["data_intact"] = store.load(case_id).case.notes == "versjon 1"
    answer["later_save_ok"] = (store.save(case, expected_version=stored.version)
                               == stored.version + 1 and store.load(case_id).case == case)
    store.close()
    return answer


def _child_save(data_dir: Path, case_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    try:
        store = Store.open(data_dir=data_dir)
        try:
            stored = store.load(case_id)
            case = stored.case
            case.notes = "versjon 2"
            store.save(case, expected_version=stored.version)
            answer["saved"] = store.load(case_id).case.notes == "versjon 2"
        finally:
            store.close()
    except Exception as exc:
        result = ConditionResult("read-only")
        _classify(result, exc, "read-only")
        answer.update(error_type=result.error_type, message=result.message,
                      crashed=result.crashed, names_problem=result.names_problem)
    return answer


def file_size_limit(workdir: Path) -> ConditionResult:
    """Disk full as seen through ``RLIMIT_FSIZE`` (POSIX, any user)."""
    result = ConditionResult("disk full (file size limit)")
    if os.name != "posix":
        result.skipped = "POSIX only"
        return result
    store = Store.open(data_dir=workdir)
    case = marker_case()
    store.save(case)
    store.close()
    answer = run_child("file-size-limit", workdir, extra={"case_id": case.id})
    result.injected = True
    for key in ("error_type", "message", "names_problem", "data_intact", "later_save_ok",
                "crashed"):
        if key in answer:
            setattr(result, key, answer[key])
    return result


def _set_mode(folder: Path, directory: int, file: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(directory if path.is_dir() else file)


def read_only(workdir: Path) -> ConditionResult:
    """The data folder and database read-only when the app starts."""
    result = ConditionResult("read-only data folder")
    if os.name != "posix":
        result.skipped = "POSIX only (Windows: deny-write ACL, not built)"
        return result
    data_dir = workdir / "data"
    store = Store.open(data_dir=data_dir)
    case = marker_case()
    store.save(case)
    store.close()
    before = _digest(data_dir)
    _set_mode(data_dir, 0o500, 0o400)
    try:
        answer = run_child("save", data_dir, unprivileged=True, extra={"case_id": case.id})
        result.injected = True
        if answer.get("saved"):
            result.error_type = ""  # it wrote into a read-only folder?
        for key in ("error_type", "message", "names_problem", "crashed"):
            if key in answer:
                setattr(result, key, answer[key])
        result.data_intact = _digest(data_dir) == before
    finally:
        _set_mode(data_dir, 0o700, 0o600)
    again = run_child("save", data_dir, unprivileged=True, extra={"case_id": case.id})
    result.later_save_ok = bool(again.get("saved"))
    return result


SCENARIOS: tuple[Callable[[Path], ConditionResult], ...] = (
    disk_full_tmpfs, file_size_limit, read_only, locked)


def main(argv: list[str]) -> int:
    action, folder, extra = argv[0], Path(argv[1]), json.loads(argv[2])
    if action == "file-size-limit":
        answer = _child_file_size_limit(folder, extra["case_id"])
    elif action == "save":
        answer = _child_save(folder, extra["case_id"])
    else:
        raise SystemExit(f"unknown action {action}")
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["SCENARIOS", "ConditionResult", "asdict"]
