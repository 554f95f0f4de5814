"""Opening the store from the GUI: database password, encryption key, retention.

The order matters and is the same for SQLite and a clinic server:

1. A server URL gets its password from the keyring, ``~/.pgpass``/``PGPASSWORD`` or by asking
   (never from settings; see :mod:`core.credentials`).
2. The data key, by :func:`core.opening.open_store` — the same steps as the command line:
   ``key.json`` says where it is (the keyring, or a passphrase typed in
   :class:`ui.unlock_dialog.UnlockDialog`).  Without a key file a new key is decided first
   (keyring when the computer has one, else a passphrase the GP chooses), then the database is
   opened and encrypted in place before anything is stored.  An encrypted database without a
   key file is never given a new key: the GP is told, and nothing changes.  A full disk while
   the key is written or the database encrypted gives the disk-full message and changes
   nothing.
3. Exported cases older than the retention period are purged, and the ones due within a week
   are announced.

Every question goes through an ``ask_*`` callable so tests can answer without modal dialogs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from core.opening import AskPassphrase, OpeningStopped
from i18n import _, ngettext

if TYPE_CHECKING:
    from core import keys
    from core.crypto import FieldCipher
    from core.keys import DataKey
    from core.retention import RetentionItem
    from core.storage import Store

log = logging.getLogger(__name__)
OSLO = ZoneInfo("Europe/Oslo")

#: How many wrong database passwords before giving up (each one is a round trip to the server).
PASSWORD_ATTEMPTS = 3


#: ``(redacted_url, previous_attempt_failed)`` → the password or None (cancelled).
AskPassword = Callable[[str, bool], "str | None"]


@dataclass
class Opened:
    store: Store
    #: "keyring" or "passphrase": how the key was found (the idle lock asks again only for a
    #: passphrase).
    key_mode: str
    purged: tuple[str, ...] = ()
    upcoming: list[RetentionItem] = field(default_factory=list)


def ask_passphrase_dialog(parent: QWidget | None) -> AskPassphrase:
    def ask(mode: str, attempt: Callable[[str], DataKey]) -> DataKey | None:
        from ui.unlock_dialog import UnlockDialog

        dialog = UnlockDialog("create" if mode == "create" else "unlock", attempt, parent)
        return dialog.key if dialog.exec() else None

    return ask


def ask_password_dialog(parent: QWidget | None) -> AskPassword:
    def ask(where: str, failed: bool) -> str | None:
        text = _("The password for the database {where}:").format(where=where)
        if failed:
            text = _("The server refused the password. Type it again.") + "\n\n" + text
        password, ok = QInputDialog.getText(parent, _("Database password"), text,
                                            QLineEdit.EchoMode.Password)
        return password if ok and password else None

    return ask


def ask_remember_dialog(parent: QWidget | None) -> Callable[[str], bool]:
    def ask(where: str) -> bool:
        answer = QMessageBox.question(
            parent, _("Remember the password?"),
            _("Keep the password for {where} in this computer's keyring, so you need not type "
              "it next time?").format(where=where))
        return answer == QMessageBox.StandardButton.Yes

    return ask


def open_store(data_dir: Path, url: str | None, *, ask_passphrase: AskPassphrase,
               ask_password: AskPassword,
               ask_remember: Callable[[str], bool] | None = None) -> Store:
    """The opened, encrypted store (see the module docstring); raises :class:`OpeningStopped`.

    The key is found or made by :func:`core.opening.open_store` — the same function the
    command line uses; this adds only the server password (asked again when refused)."""
    from core import credentials
    from core import opening as core_opening
    from core.storage import LoginRefused, Store, recovery

    server = bool(url) and credentials.is_server_url(url or "")
    typed: list[str] = []

    def open_database(cipher: FieldCipher | None) -> Store:
        failed = False

        def asking(where: str, failed: bool) -> str | None:
            answer = ask_password(where, failed)
            if answer:
                typed.append(answer)
            return answer

        for _attempt in range(PASSWORD_ATTEMPTS if server else 1):
            target: object = url
            typed.clear()
            if server:
                target = credentials.connect_url(
                    url or "", ask=lambda where, failed=failed: asking(where, failed))
            try:
                return Store.open(target, data_dir=data_dir,  # type: ignore[arg-type]
                                  cipher=cipher)
            except LoginRefused:
                failed = True
        raise OpeningStopped(_("The database server refused the password. Ask the clinic's "
                               "IT contact, or try again."))

    opened = core_opening.open_store(
        data_dir, open_database, ask_passphrase=ask_passphrase,
        database_file=None if server else recovery.database_path(data_dir, url))
    store = opened.store
    if typed and ask_remember is not None and credentials.keyring_problem() is None:
        where = credentials.redact(url or "")
        if ask_remember(where):
            try:
                credentials.save_password(url or "", typed[-1])
            except credentials.CredentialsError as exc:
                log.warning("The password could not be kept in the keyring (%s)",
                            type(exc).__name__)
    return store


def key_mode(data_dir: Path) -> str:
    info = _key_info(data_dir)
    return info.mode if info is not None else "none"


def _key_info(data_dir: Path) -> keys.KeyInfo | None:
    from core import opening as core_opening

    return core_opening.key_info(data_dir)


def apply_retention(store: Store, days: int, *,
                    now: datetime | None = None) -> tuple[tuple[str, ...], list[RetentionItem]]:
    """Purge what is due; return (purged ids, cases due within a week)."""
    from core import retention
    from core.storage import StorageError

    moment = now or datetime.now(UTC)
    try:
        result = retention.purge_due(store, moment, days, actor=store.actor)
        return result.purged, retention.upcoming(store, moment, days)
    except (StorageError, OSError) as exc:
        log.warning("Retention did not run (%s); it runs again at the next start",
                    type(exc).__name__)
        return (), []


def retention_notice(purged: int, upcoming: list[RetentionItem], days: int) -> str:
    """One sentence for the start window ("" when there is nothing to say)."""
    import i18n
    from core.documents.fmt import long_date

    parts: list[str] = []
    if purged:
        parts.append(ngettext(
            "{count} exported case was deleted: its last export is more than {days} days ago.",
            "{count} exported cases were deleted: their last export is more than {days} days "
            "ago.", purged).format(count=purged, days=days))
    if upcoming:
        first = min(item.due_at for item in upcoming).astimezone(OSLO).date()
        language = i18n.current().language
        parts.append(ngettext(
            "{count} exported case will be deleted automatically from {date} ({days} days "
            "after the last export).",
            "{count} exported cases will be deleted automatically from {date} ({days} days "
            "after the last export).", len(upcoming)).format(
                count=len(upcoming), date=long_date(first, language), days=days))
    return " ".join(parts)


def show_stopped(parent: QWidget | None, message: str) -> None:
    QMessageBox.warning(parent, _("The data were not opened"), message)
