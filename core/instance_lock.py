"""One Rekvirent per data folder: an OS advisory lock on ``<data dir>/rekvirent.lock``.

The lock is the operating system's (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows),
held on an open file for as long as the process lives.  When the process ends — normally,
by a crash or by ``kill -9`` — the OS drops the lock, so a dead instance can never block the
next start.  The file itself only *describes* the holder (pid, host, start time, boot id) so
the refusal can say who holds it; it is emptied on a clean release and never deleted (deleting
a lock file while another process has it open is how two processes end up "holding" it).

    try:
        lock = instance_lock.acquire(data_dir)
    except instance_lock.AlreadyRunning as exc:
        show(str(exc))          # translated, names pid/host/start time, never patient data
    ...
    lock.release()              # or: with instance_lock.acquire(data_dir): ...

``lock.previous`` tells whether the last session ended without releasing (crash, power loss):
a reason to run the database's integrity check.

If the file system cannot lock at all (some network shares), the lock falls back to the
file's contents: a holder that is on this host, alive and started after the last boot is
respected; anything else is taken over as stale.

Pure Python, no Qt: the UI decides what to do with :class:`AlreadyRunning`.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from i18n import _

LOCK_FILE_NAME = "rekvirent.lock"
#: Windows locks a byte range; lock one far past the (short) content so others can still read
#: the holder description at the start of the file.
_WINDOWS_LOCK_OFFSET = 1 << 30
_MAX_CONTENT = 4096

HolderState = Literal["running", "other_host", "stale", "unknown"]
#: Who holds the lock: the window (for its whole session) or a command-line verb (for the
#: few seconds of its work; see docs/storage.md, "One instance per data folder").
Purpose = Literal["window", "command"]


class InstanceLockError(Exception):
    """The lock could not be taken; the message is safe to show."""


class LockUnavailable(InstanceLockError):
    """The lock file cannot be created or opened (read-only folder, no permission…)."""


@dataclass(frozen=True)
class HolderInfo:
    """What the lock file says about the instance that holds (or held) it."""

    pid: int
    host: str
    started: datetime | None
    boot_id: str = ""
    purpose: Purpose = "window"

    def to_json(self) -> str:
        return json.dumps({
            "app": "rekvirent", "pid": self.pid, "host": self.host,
            "started": self.started.isoformat() if self.started else None,
            "boot_id": self.boot_id, "purpose": self.purpose,
        }, sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> HolderInfo | None:
        try:
            data = json.loads(text)
            started = data.get("started")
            return cls(pid=int(data["pid"]), host=str(data.get("host", ""))[:255],
                       started=datetime.fromisoformat(started) if started else None,
                       boot_id=str(data.get("boot_id") or "")[:64],
                       purpose="command" if data.get("purpose") == "command" else "window")
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    @property
    def on_this_host(self) -> bool:
        return self.host == _hostname()

    def state(self) -> HolderState:
        """``running`` (alive here), ``other_host``, or ``stale`` (gone, or before a reboot)."""
        if not self.on_this_host:
            return "other_host"
        if _before_this_boot(self):
            return "stale"
        alive = pid_alive(self.pid)
        if alive is False:
            return "stale"
        return "running"


class AlreadyRunning(InstanceLockError):
    """Another instance holds the data folder.  ``holder`` is None when it could not be read."""

    def __init__(self, holder: HolderInfo | None, state: HolderState) -> None:
        self.holder = holder
        self.state = state
        super().__init__(_describe(holder, state))


def _describe(holder: HolderInfo | None, state: HolderState) -> str:
    if holder is None or state == "unknown":
        return _("Rekvirent is already open with this data folder in another window. "
                 "Switch to that window, or close it and try again.")
    started = _local_time(holder.started)
    if holder.purpose == "command" and state == "running":
        return _("A Rekvirent command (process {pid}) is working in this data folder right "
                 "now. Try again when it has finished.").format(pid=holder.pid)
    if state == "other_host":
        return _("Rekvirent is open with this data folder on another computer ({host}, "
                 "started {started}). Close it there first.").format(
                     host=holder.host, started=started)
    if state == "stale":
        return _("The data folder is locked by a Rekvirent process ({pid}) that no longer "
                 "seems to run. Wait a moment and try again; if that does not help, restart "
                 "the computer.").format(pid=holder.pid)
    return _("Rekvirent is already open with this data folder (process {pid}, started "
             "{started}). Switch to that window, or close it and try again.").format(
                 pid=holder.pid, started=started)


def _local_time(value: datetime | None) -> str:
    if value is None:
        return "?"
    return value.astimezone().strftime("%d.%m.%Y %H:%M")


# ---- the lock ------------------------------------------------------------------------------


class InstanceLock:
    """A held lock; release it with :meth:`release` or by leaving the ``with`` block."""

    def __init__(self, path: Path, fd: int, info: HolderInfo, previous: HolderInfo | None,
                 os_lock: bool) -> None:
        self.path = path
        self.info = info
        #: The holder described in the file when we took the lock: a session that did not
        #: release (crash, kill, power loss).  None after a clean shutdown.
        self.previous = previous
        #: False when the file system offered no lock and the file's contents were used.
        self.os_lock = os_lock
        self._fd: int | None = fd
        atexit.register(self.release)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Empty the description and drop the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        atexit.unregister(self.release)
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            if self.os_lock:
                with contextlib.suppress(OSError):
                    _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"InstanceLock({self.path.name!r}, pid={self.info.pid}, held={self.held})"


def acquire(data_dir: Path, *, purpose: Purpose = "window") -> InstanceLock:
    """Take the data folder's lock or raise :class:`AlreadyRunning` / :class:`LockUnavailable`.

    Never waits: a second instance gets an answer at once.  ``purpose`` is written into the
    holder description, so a refusal can say whether a window or a command holds the folder.
    """
    path = Path(data_dir) / LOCK_FILE_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise LockUnavailable(_(
            "Rekvirent cannot create its lock file in the data folder ({reason}). Check that "
            "the folder exists and that you may write to it.").format(
                reason=exc.strerror or type(exc).__name__)) from None
    try:
        return _take(path, fd, purpose)
    except BaseException:
        os.close(fd)
        raise


def _take(path: Path, fd: int, purpose: Purpose) -> InstanceLock:
    os_lock = True
    try:
        _lock(fd)
    except OSError as exc:
        if _is_contention(exc):
            holder = _read_holder(fd)
            raise AlreadyRunning(holder, holder.state() if holder else "unknown") from None
        if not _is_unsupported(exc):
            raise LockUnavailable(_(
                "Rekvirent cannot lock its data folder ({reason}).").format(
                    reason=exc.strerror or type(exc).__name__)) from None
        os_lock = False  # the file system cannot lock: fall back to the described holder
    previous = _read_holder(fd)
    if not os_lock and previous is not None and previous.state() in ("running", "other_host"):
        raise AlreadyRunning(previous, previous.state())
    info = HolderInfo(pid=os.getpid(), host=_hostname(), started=datetime.now(UTC),
                      boot_id=_boot_id(), purpose=purpose)
    data = info.to_json().encode("utf-8")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    with contextlib.suppress(OSError):
        os.fsync(fd)
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)
    return InstanceLock(path, fd, info, previous, os_lock)


def _read_holder(fd: int) -> HolderInfo | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, _MAX_CONTENT)
    except OSError:
        return None
    if not raw.strip():
        return None
    return HolderInfo.from_text(raw.decode("utf-8", "replace"))


def read_holder(data_dir: Path) -> HolderInfo | None:
    """Who the lock file names (for a status line); None when nobody or unreadable."""
    try:
        raw = (Path(data_dir) / LOCK_FILE_NAME).read_bytes()[:_MAX_CONTENT]
    except OSError:
        return None
    return HolderInfo.from_text(raw.decode("utf-8", "replace")) if raw.strip() else None


# ---- platform details ----------------------------------------------------------------------


def _is_contention(exc: OSError) -> bool:
    return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES,
                         getattr(errno, "EDEADLOCK", errno.EDEADLK))


def _is_unsupported(exc: OSError) -> bool:
    return exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL,
                         getattr(errno, "ENOTSUP", errno.EOPNOTSUPP))


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        position = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        finally:
            os.lseek(fd, position, os.SEEK_SET)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _hostname() -> str:
    return socket.gethostname()[:255]


def _boot_id() -> str:
    """An id that changes with every boot (Linux); empty where unknown."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()[:64]
    except OSError:
        return ""


def boot_time() -> datetime | None:
    """When this computer booted, where the OS tells us cheaply; None otherwise."""
    try:
        if sys.platform.startswith("linux"):
            for line in Path("/proc/stat").read_text(encoding="ascii").splitlines():
                if line.startswith("btime "):
                    return datetime.fromtimestamp(int(line.split()[1]), UTC)
        elif sys.platform == "win32":
            import ctypes

            tick_count = ctypes.windll.kernel32.GetTickCount64
            tick_count.restype = ctypes.c_ulonglong  # the default c_int wraps after 24 days
            uptime_ms = tick_count()
            return datetime.fromtimestamp(time.time() - uptime_ms / 1000, UTC)
    except (OSError, ValueError, AttributeError):
        return None
    return None


def _before_this_boot(holder: HolderInfo) -> bool:
    current = _boot_id()
    if holder.boot_id and current:
        return holder.boot_id != current
    booted = boot_time()
    return bool(booted and holder.started and holder.started < booted)


def pid_alive(pid: int) -> bool | None:
    """True/False when the OS can tell, None when it cannot."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    except OSError:
        return None
    return True


def _windows_pid_alive(pid: int) -> bool | None:
    import ctypes

    kernel32: Any = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    process_query_limited_information = 0x1000
    still_active = 259
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return None
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
