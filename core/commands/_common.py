"""Shared helpers for the headless verbs: opening the store as the app does, and messages.

Every verb that touches the store opens it through :func:`open_data`, which runs the very
steps the window runs (:func:`core.opening.open_store`): the key from ``key.json`` — the
keyring, or the passphrase — or, in a folder without a key, a new key decided *before*
anything is written and the database encrypted before the first case goes in.  The questions
are answered on the terminal (``getpass``) or from ``--passphrase-file``; never from an
argument or an environment variable.  Without either, a verb stops with exit 2 and leaves the
data folder as it was (not even created).

While the verb works it holds the data folder's instance lock (:mod:`core.instance_lock`):
with Rekvirent's window open on the same folder it stops at once (exit 2) instead of writing
beside it.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from i18n import _

if TYPE_CHECKING:
    from datetime import datetime

    from core.case import Case
    from core.content import Pathway
    from core.crypto import FieldCipher
    from core.instance_lock import InstanceLock
    from core.keys import DataKey
    from core.opening import AskMode, OpenDatabase
    from core.storage import Store
    from core.storage.health import Health

#: A passphrase file larger than this is refused (a passphrase is a line, not a document).
MAX_PASSPHRASE_FILE_BYTES = 1024
#: Passphrases typed on the terminal: tries before giving up.
TERMINAL_ATTEMPTS = 3


class PassphraseUnavailable(Exception):
    """No passphrase can be had (no terminal, a refused file); the message says what to do."""


# ---- where a passphrase comes from ---------------------------------------------------------


def read_passphrase_file(path: Path) -> str:
    """The passphrase in ``path``: one line of UTF-8, one trailing newline ignored.

    On POSIX the file must be a regular file owned by the user and readable by nobody else
    (mode 0600 or 0400): anything else is refused with the fix.  Raises
    :class:`PassphraseUnavailable`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: a FIFO must not hang the command
    except OSError as exc:
        raise PassphraseUnavailable(_(
            "The passphrase file {file} cannot be read ({reason}).").format(
                file=path, reason=exc.strerror or type(exc).__name__)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PassphraseUnavailable(_(
                "The passphrase file {file} is not an ordinary file.").format(file=path))
        if os.name == "posix":
            if info.st_uid != os.geteuid():
                raise PassphraseUnavailable(_(
                    "The passphrase file {file} belongs to another user. Use a file of your "
                    "own that only you can read (chmod 600 {file}).").format(file=path))
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                raise PassphraseUnavailable(_(
                    "The passphrase file {file} can be read or changed by others (mode "
                    "{mode:04o}). Make it readable only by you: chmod 600 {file}").format(
                        file=path, mode=mode))
        raw = os.read(fd, MAX_PASSPHRASE_FILE_BYTES + 1)
    except OSError as exc:
        raise PassphraseUnavailable(_(
            "The passphrase file {file} cannot be read ({reason}).").format(
                file=path, reason=exc.strerror or type(exc).__name__)) from None
    finally:
        os.close(fd)
    bad_content = PassphraseUnavailable(_(
        "The passphrase file {file} must hold the passphrase on one line (UTF-8 text, at most "
        "{count} bytes).").format(file=path, count=MAX_PASSPHRASE_FILE_BYTES))
    if len(raw) > MAX_PASSPHRASE_FILE_BYTES:
        raise bad_content
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_content from None
    text = text.removeprefix("\ufeff")  # Windows editors start a file with a BOM
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text or "\n" in text or "\r" in text:
        raise bad_content
    return text


@dataclass
class CommandLinePassphrases:
    """The command line's answers to :data:`core.opening.AskPassphrase`: the passphrase file
    when one is given, else the terminal (``getpass``; a new passphrase is typed twice)."""

    passphrase_file: Path | None = None
    stdin: TextIO | None = None
    prompt: Callable[[str], str] | None = None

    def __call__(self, mode: AskMode, attempt: Callable[[str], DataKey]) -> DataKey:
        from core import keys
        from core.opening import OpeningStopped

        if self.passphrase_file is not None:
            try:
                passphrase = read_passphrase_file(self.passphrase_file)
            except PassphraseUnavailable as exc:
                raise OpeningStopped(str(exc)) from None
            try:
                return attempt(passphrase)
            except keys.WrongPassphrase:
                raise OpeningStopped(_(
                    "The passphrase in {file} does not open the data folder's key. Nothing "
                    "was changed.").format(file=self.passphrase_file)) from None
            except keys.KeyProblem as exc:
                raise OpeningStopped(f"{self.passphrase_file}: {exc}") from None
        if not self.interactive:
            raise OpeningStopped(no_terminal_message(mode))
        if mode == "create":
            return self._choose(attempt)
        return self._unlock(attempt)

    @property
    def interactive(self) -> bool:
        stream = self.stdin if self.stdin is not None else sys.stdin
        try:
            return stream is not None and stream.isatty()
        except (AttributeError, ValueError):  # closed or replaced stdin
            return False

    def _ask(self, text: str) -> str:
        if self.prompt is not None:
            return self.prompt(text)
        import getpass

        return getpass.getpass(text)

    def _unlock(self, attempt: Callable[[str], DataKey]) -> DataKey:
        from core import keys
        from core.opening import OpeningStopped

        for _try in range(TERMINAL_ATTEMPTS):
            try:
                passphrase = self._ask(_("Passphrase: "))
            except EOFError:
                break
            try:
                return attempt(passphrase)
            except keys.WrongPassphrase as exc:
                error(str(exc))
        raise OpeningStopped(_("Rekvirent stays locked: the data were not opened."))

    def _choose(self, attempt: Callable[[str], DataKey]) -> DataKey:
        from core import keys
        from core.opening import OpeningStopped

        print(_("This data folder has no key yet, and this computer has no keyring to keep "
                "one. Choose a passphrase that protects the patient data: at least {count} "
                "characters, for example a few unrelated words. Write it down and keep it "
                "safe; without it nobody can read the data.").format(
                    count=keys.MIN_PASSPHRASE_LENGTH), file=sys.stderr)
        key = self.typed_twice(attempt)
        if key is None:
            raise OpeningStopped(_(
                "Rekvirent does not store patient data unencrypted. Start again and choose a "
                "passphrase to protect them."))
        return key

    def typed_twice(self, attempt: Callable[[str], DataKey]) -> DataKey | None:
        """A new passphrase typed twice on the terminal and accepted by ``attempt`` (which
        applies the strength rules); None after :data:`TERMINAL_ATTEMPTS` tries."""
        from core import keys

        for _try in range(TERMINAL_ATTEMPTS):
            try:
                first = self._ask(_("New passphrase: "))
                second = self._ask(_("The same passphrase again: "))
            except EOFError:
                break
            if first != second:
                error(_("The two passphrases are not the same. Try again."))
                continue
            try:
                return attempt(first)
            except keys.KeyProblem as exc:
                error(str(exc))
        return None


def no_terminal_message(mode: AskMode) -> str:
    if mode == "create":
        return _(
            "This data folder has no key yet, and this computer has no keyring to keep one. "
            "Rekvirent does not store patient data unencrypted: run the command in a terminal "
            "to choose a passphrase, or give --passphrase-file FILE (a file only you can "
            "read: chmod 600 FILE). Nothing was created.")
    return _(
        "The data are protected by a passphrase, and there is no terminal to type it on. Run "
        "the command in a terminal, or give --passphrase-file FILE (a file only you can read: "
        "chmod 600 FILE). Nothing was changed.")


def new_passphrase(args: argparse.Namespace, option: str = "new_passphrase_file") -> str:
    """A new passphrase for ``key change-passphrase``/``key export``: from the file option,
    else typed twice on the terminal (with the strength rules of the window).  Raises
    :class:`PassphraseUnavailable`."""
    from core import keys

    path: Path | None = getattr(args, option, None)
    if path is not None:
        passphrase = read_passphrase_file(path)
        try:
            keys.require_acceptable(passphrase)
        except keys.WeakPassphrase as exc:
            raise PassphraseUnavailable(f"{path}: {exc}") from None
        return passphrase
    answers = CommandLinePassphrases()
    if not answers.interactive:
        raise PassphraseUnavailable(_(
            "There is no terminal to type the new passphrase on: give --new-passphrase-file "
            "FILE (a file only you can read: chmod 600 FILE)."))
    chosen: list[str] = []

    def attempt(passphrase: str) -> DataKey:
        keys.require_acceptable(passphrase)
        chosen.append(passphrase)
        return keys.DataKey.generate()  # only the passphrase is wanted here

    if answers.typed_twice(attempt) is None:
        raise PassphraseUnavailable(_("No new passphrase was chosen. Nothing was changed."))
    return chosen[-1]


# ---- the opened data folder ----------------------------------------------------------------


@dataclass
class OpenedData:
    """The store a verb works with, and the instance lock it holds meanwhile."""

    store: Store
    data_dir: Path
    key_mode: str
    lock: InstanceLock | None = None

    def close(self) -> None:
        try:
            self.store.close()
        finally:
            if self.lock is not None:
                self.lock.release()

    def __enter__(self) -> OpenedData:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def data_dir_of(args: argparse.Namespace) -> Path:
    """The data folder the verb works on (not created here)."""
    from core.paths import data_dir_path

    return data_dir_path(getattr(args, "data_dir", None))


def take_lock(data_dir: Path) -> InstanceLock:
    """The data folder created (user-only) and its instance lock held for a command; raises
    :class:`core.opening.OpeningStopped` while Rekvirent's window (or another command) has
    the folder."""
    from core import instance_lock
    from core.opening import OpeningStopped, write_failed_message
    from core.paths import ensure_private_dir

    try:
        ensure_private_dir(data_dir)
        return instance_lock.acquire(data_dir, purpose="command")
    except instance_lock.InstanceLockError as exc:
        raise OpeningStopped(str(exc)) from None
    except OSError as exc:
        raise OpeningStopped(write_failed_message(exc)) from None


def open_data(args: argparse.Namespace, *, create: bool = True) -> OpenedData | None:
    """The store named by ``--database``/``--data-dir``, opened exactly as the window opens it
    (see the module docstring), with the audit actor set; None (message printed) when it
    cannot be opened.  ``create=False``: a folder without a key is not given one (for verbs
    that only read, such as ``verify``)."""
    from core import opening
    from core.paths import DATABASE_URL_ENV

    actor = actor_of(args)
    if actor is None:
        return None
    data_dir = data_dir_of(args)
    url: str | None = getattr(args, "database", None) or os.environ.get(DATABASE_URL_ENV) or None
    held: list[InstanceLock] = []

    def before_writing() -> None:
        if not held:
            held.append(take_lock(data_dir))

    refusal = health_refusal(data_dir, url)
    if refusal is not None:
        error(refusal)
        return None
    try:
        if not create and opening.key_info(data_dir) is None:
            error(_("This data folder has no key file (key.json): {folder}. Nothing was "
                    "checked or changed.").format(folder=data_dir))
            return None
        database_file, open_database = _database(url, data_dir)
        opened = opening.open_store(
            data_dir, open_database,
            ask_passphrase=CommandLinePassphrases(getattr(args, "passphrase_file", None)),
            database_file=database_file, before_writing=before_writing)
    except opening.OpeningStopped as exc:
        for lock in held:
            lock.release()
        error(str(exc))
        return None
    except BaseException:
        for lock in held:
            lock.release()
        raise
    if actor[0] or actor[1]:
        opened.store.set_actor(*actor)
    _record_pending_restore(opened.store, data_dir)
    return OpenedData(opened.store, data_dir, opened.key_mode, held[0] if held else None)


def health_refusal(data_dir: Path, url: str | None) -> str | None:
    """The start-up check the window runs (:func:`core.storage.recovery.check`), for a verb:
    None when the database may be opened, else the message to stop with.

    A damaged database, or an empty or missing one in a folder whose backups show there were
    data, is never opened: opening it would build a fresh, empty schema, the window's check
    would from then on find nothing wrong, and thinning would in time delete the last copies
    of the real drafts.  The message names the newest backup that verifies and the command
    that puts it back (``restore``).  A locked or unreadable file is left to the store, which
    says what is wrong when it opens."""
    from core.storage import recovery

    path = recovery.database_path(data_dir, url)
    if path is None:  # a server checks itself
        return None
    health = recovery.check(data_dir, db_path=path)
    if not health.needs_recovery:
        return None
    return recovery_advice(health, data_dir)


def recovery_advice(health: Health, data_dir: Path) -> str:
    """What a verb says about a database that needs recovery (no patient data)."""
    from core.storage import recovery

    backup = recovery.newest_verified_backup(data_dir)
    parts = [health.message, _("Nothing was changed.")]
    if backup is not None:
        parts.append(_("The newest backup that verifies is {name}, taken {moment}. Put it back "
                       "with: {command}").format(
            name=backup.path.name, moment=local_moment(backup.taken_at),
            command=restore_command(data_dir)))
    else:
        parts.append(_("No backup copy verifies. Open Rekvirent's window to decide what to do "
                       "(the damaged files are moved aside, never deleted)."))
    return " ".join(parts)


def restore_command(data_dir: Path) -> str:
    """The ``restore`` command line for this data folder, ready to copy."""
    import shlex

    return f"python main.py restore --data-dir {shlex.quote(str(data_dir))}"


def local_moment(moment: datetime) -> str:
    """A UTC moment as the GP reads it: Norwegian local time, dd.mm.yyyy hh:mm."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y %H:%M")


def _record_pending_restore(store: Store, data_dir: Path) -> None:
    """After ``restore`` (or the window's recovery): the ``restore`` audit entry, once."""
    import logging

    from core.storage import StorageError, recovery

    try:
        recovery.record_pending_restore(store, data_dir)
    except (StorageError, ValueError) as exc:
        logging.getLogger(__name__).warning(
            "The restore could not be written to the audit log (%s)", type(exc).__name__)


def _database(url: str | None, data_dir: Path) -> tuple[Path | None, OpenDatabase]:
    """The SQLite file (None for a server) and how to open the database with a cipher."""
    from core import credentials
    from core.opening import OpeningStopped
    from core.storage import LoginRefused, Store, recovery

    server = bool(url) and credentials.is_server_url(url or "")

    def open_database(cipher: FieldCipher | None) -> Store:
        target: object = url
        if server:
            answers = CommandLinePassphrases()
            ask = (lambda where: answers._ask(_("The password for the database {where}:")
                                              .format(where=where) + " ")) \
                if answers.interactive else None
            target = credentials.connect_url(url or "", ask=ask)
        try:
            return Store.open(target, data_dir=data_dir, cipher=cipher)  # type: ignore[arg-type]
        except LoginRefused as exc:
            raise OpeningStopped(str(exc)) from None

    return (None if server else recovery.database_path(data_dir, url)), open_database


def actor_of(args: argparse.Namespace) -> tuple[str, str] | None:
    """Who the audit entries name: ``--actor-name``/``--actor-hpr``, else the prescriber in
    the data folder's settings; None (message printed) for an HPR number that is not one."""
    name: str | None = getattr(args, "actor_name", None)
    hpr: str | None = getattr(args, "actor_hpr", None)
    if hpr is not None:
        hpr = "".join(hpr.split())
        if not (hpr.isascii() and hpr.isdigit() and 6 <= len(hpr) <= 9):
            error("--actor-hpr: " + _("An HPR number has 6 to 9 digits."))
            return None
    if name is None or hpr is None:
        settings_file = data_dir_of(args) / "settings.json"
        if settings_file.is_file():
            from core.settings import load_settings

            prescriber = load_settings(settings_file.parent).prescriber
            name = prescriber.name if name is None else name
            hpr = prescriber.hpr_number if hpr is None else hpr
    return " ".join((name or "").split()), hpr or ""


# ---- messages and case files ---------------------------------------------------------------


def error(message: str) -> None:
    print(f"rekvirent: {message}", file=sys.stderr)


def read_case_and_pathway(case_file: Path) -> tuple[Case, Pathway] | None:
    """A case file and the pathway version it was made under; None (message printed) if the
    file cannot be read or that pathway version is not installed."""
    from core import casefile
    from core.content import ContentError, load_library

    try:
        case = casefile.read(case_file)
    except casefile.CaseFileError as exc:
        error(f"{case_file}: {exc}")
        return None
    try:
        pathway = load_library().get(case.pathway_id, case.pathway_version)
    except ContentError as exc:
        error(str(exc))
        return None
    if pathway is None:
        error(f"{case_file}: case.pathway_id: forløpet {case.pathway_id!r} versjon "
              f"{case.pathway_version} er ikke installert")
        return None
    return case, pathway
