"""One Rekvirent per data folder: OS advisory lock, holder description, stale locks."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import instance_lock
from core.instance_lock import (
    LOCK_FILE_NAME,
    AlreadyRunning,
    HolderInfo,
    LockUnavailable,
    acquire,
    read_holder,
)

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from pathlib import Path
from core.instance_lock import AlreadyRunning, acquire
try:
    lock = acquire(Path(sys.argv[1]))
except AlreadyRunning as exc:
    print("refused", exc.holder.pid if exc.holder else "", flush=True)
    sys.exit(3)
print("ready", flush=True)
if sys.argv[2] == "hold":
    time.sleep(120)
"""


def _start(data_dir: Path, mode: str = "hold") -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir), mode], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def _started(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        _, err = process.communicate(timeout=30)
        pytest.fail(f"holder did not start: {line!r} {err}")


def test_lock_file_describes_the_holder_and_nothing_else(tmp_path: Path) -> None:
    with acquire(tmp_path) as lock:
        path = tmp_path / LOCK_FILE_NAME
        content = json.loads(path.read_text(encoding="utf-8"))
        assert set(content) == {"app", "pid", "host", "started", "boot_id", "purpose"}
        assert content["pid"] == os.getpid()
        assert content["app"] == "rekvirent"
        assert datetime.fromisoformat(content["started"]).tzinfo is not None
        assert lock.held and lock.previous is None and lock.os_lock
        if os.name == "posix":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert read_holder(tmp_path) == lock.info
    assert not lock.held
    assert path.exists() and path.read_bytes() == b""  # emptied, never deleted
    assert read_holder(tmp_path) is None
    lock.release()  # idempotent


def test_second_acquire_in_this_process_is_refused(tmp_path: Path) -> None:
    with acquire(tmp_path), pytest.raises(AlreadyRunning) as info:
        acquire(tmp_path)
    assert info.value.state == "running"
    assert info.value.holder is not None and info.value.holder.pid == os.getpid()
    assert str(os.getpid()) in str(info.value)
    acquire(tmp_path).release()  # free again after the first was released


def test_another_process_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    holder = _start(tmp_path)
    try:
        _started(holder)
        with pytest.raises(AlreadyRunning) as info:
            acquire(tmp_path)
        assert info.value.holder is not None
        assert info.value.holder.pid == holder.pid
        assert info.value.state == "running"
        assert str(holder.pid) in str(info.value)
    finally:
        holder.kill()
        holder.communicate(timeout=30)


def test_a_second_process_is_refused_while_we_hold_it(tmp_path: Path) -> None:
    with acquire(tmp_path):
        second = _start(tmp_path, "exit")
        out, _err = second.communicate(timeout=60)
        assert second.returncode == 3
        assert out.split() == ["refused", str(os.getpid())]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_killed_holder_never_blocks_the_next_start(tmp_path: Path) -> None:
    holder = _start(tmp_path)
    _started(holder)
    os.kill(holder.pid, signal.SIGKILL)
    holder.communicate(timeout=30)
    with acquire(tmp_path) as lock:
        assert lock.previous is not None and lock.previous.pid == holder.pid  # unclean end
        assert lock.info.pid == os.getpid()
    with acquire(tmp_path) as again:
        assert again.previous is None  # we released cleanly


def test_a_normal_exit_releases_without_an_explicit_release(tmp_path: Path) -> None:
    holder = _start(tmp_path, "exit")
    _started(holder)
    holder.communicate(timeout=30)
    assert holder.returncode == 0
    with acquire(tmp_path) as lock:
        assert lock.previous is None  # the atexit hook emptied the description


def test_holder_states() -> None:
    here = instance_lock._hostname()
    boot = instance_lock._boot_id()
    now = datetime.now(UTC)
    assert HolderInfo(os.getpid(), here, now, boot).state() == "running"
    assert HolderInfo(os.getpid(), "another-pc", now, boot).state() == "other_host"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    assert HolderInfo(int(gone.stdout), here, now, boot).state() == "stale"
    if boot:
        assert HolderInfo(os.getpid(), here, now, "another-boot").state() == "stale"
    if instance_lock.boot_time() is not None and not boot:
        assert HolderInfo(os.getpid(), here, now - timedelta(days=3650)).state() == "stale"


def test_messages_name_the_holder_but_nothing_else() -> None:
    started = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    other = AlreadyRunning(HolderInfo(4242, "legekontor-pc3", started), "other_host")
    assert "legekontor-pc3" in str(other)
    assert "4242" in str(AlreadyRunning(HolderInfo(4242, "h", started), "stale"))
    assert str(AlreadyRunning(None, "unknown"))


def test_unreadable_holder_description_still_refuses(tmp_path: Path) -> None:
    with acquire(tmp_path):
        # someone scribbled over the description; the OS lock still holds
        (tmp_path / LOCK_FILE_NAME).write_bytes(b"\x00garbage")
        with pytest.raises(AlreadyRunning) as info:
            acquire(tmp_path)
        assert info.value.holder is None and info.value.state == "unknown"


def test_file_systems_without_locks_fall_back_to_the_description(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_locks(_fd: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(instance_lock, "_lock", no_locks)
    path = tmp_path / LOCK_FILE_NAME
    here, boot = instance_lock._hostname(), instance_lock._boot_id()
    alive = HolderInfo(os.getppid(), here, datetime.now(UTC), boot)
    path.write_text(alive.to_json(), encoding="utf-8")
    with pytest.raises(AlreadyRunning) as info:
        acquire(tmp_path)
    assert info.value.state == "running"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    path.write_text(HolderInfo(int(gone.stdout), here, datetime.now(UTC), boot).to_json(),
                    encoding="utf-8")
    with acquire(tmp_path) as lock:
        assert not lock.os_lock
        assert lock.previous is not None and lock.previous.pid == int(gone.stdout)
    assert path.read_bytes() == b""


def test_a_missing_folder_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LockUnavailable):
        acquire(tmp_path / "does-not-exist")
