"""The storage errors and the one translation of SQLAlchemy's errors into them.

Every part of the store (and both backends, SQLite and PostgreSQL) raises only these.  Their
messages are safe to show the GP: they name the kind of failure, never a stored value (the
engine is also created with ``hide_parameters=True``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from i18n import _


class StorageError(Exception):
    """Something went wrong with the database; the message is safe to show (no patient data)."""


class NewerSchemaError(StorageError):
    pass


class ConflictError(StorageError):
    """Somebody else saved (or deleted) the case after this copy was loaded; nothing was written.

    ``stored_version`` is the version now in the database (None: the case is gone) and
    ``expected_version`` the one the caller started from.
    """

    def __init__(self, message: str, *, case_id: str = "", stored_version: int | None = None,
                 expected_version: int | None = None) -> None:
        super().__init__(message)
        self.case_id = case_id
        self.stored_version = stored_version
        self.expected_version = expected_version


class ConnectionLost(StorageError):
    """The database server cannot be reached (restart, network, Wi-Fi).  Nothing was written;
    the same call can be repeated once the server answers again."""


class LoginRefused(StorageError):
    """The database server refused the user name or password (ask for it again)."""


class CaseNotFound(StorageError):
    pass


class KeyRequired(StorageError):
    """The database is encrypted and the store was opened without a key; nothing was read
    or written.  ``key_ids`` names the key(s) it needs (hex ids, as in ``key.json``)."""

    def __init__(self, message: str, *, key_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key_ids = key_ids


class KeyMismatch(StorageError):
    """The key given does not belong to this database; nothing was written."""

    def __init__(self, message: str, *, key_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key_ids = key_ids


class UnreadableData(StorageError):
    """A stored value does not decrypt: changed on disk, or moved to another row."""


# ---- the errors the parts raise themselves ---------------------------------------------------


def case_not_found(case_id: str) -> CaseNotFound:
    return CaseNotFound(_("No case with id {case_id} was found.").format(
        case_id=repr(case_id[:32])))


def unreadable() -> UnreadableData:
    return UnreadableData(_(
        "A stored value cannot be decrypted: it was changed outside Rekvirent or does not "
        "belong where it is. Nothing has been changed; restore a backup or contact the person "
        "responsible for IT."))


def damaged_case() -> UnreadableData:
    return UnreadableData(_(
        "A stored case is damaged and cannot be read. Nothing has been changed; restore a "
        "backup or contact the person responsible for IT."))


# ---- SQLAlchemy's errors -------------------------------------------------------------------


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Let :class:`StorageError` through and turn any SQLAlchemy error into one."""
    try:
        yield
    except StorageError:
        raise
    except SQLAlchemyError as exc:
        raise error_for(exc) from None


def error_for(exc: SQLAlchemyError) -> StorageError:
    """The store's error for a SQLAlchemy error: :class:`ConnectionLost` for a disconnect,
    :class:`LoginRefused` for refused credentials."""
    if is_login_refused(exc):
        return _login_refused()
    return _connection_lost() if is_disconnect(exc) else StorageError(describe(exc))


def opening_error(exc: SQLAlchemyError) -> StorageError:
    """The error for a failure while the store opens (migrating, checking the key)."""
    if is_disconnect(exc) or is_login_refused(exc):
        return error_for(exc)
    return StorageError(condition(exc) or _(
        "The database cannot be opened or is damaged ({kind}).").format(
            kind=type(exc).__name__))


def is_disconnect(exc: BaseException) -> bool:
    """True when ``exc`` means the server is gone (restart, network) — not a bad statement,
    and never SQLite's own OperationalErrors (locked, disk I/O), which are no disconnects."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if type(exc.orig).__module__.split(".")[0] == "sqlite3":
        return False
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        state = getattr(exc.orig, "sqlstate", None)
        if state is None:  # libpq failed to connect: unreachable — or refused, or misnamed
            return not is_login_refused(exc) and "does not exist" not in str(exc.orig)
        # 08xxx: connection exception; 57P01-03: the server is shutting down / starting up.
        return str(state).startswith(("08", "57P0"))
    return False


def is_login_refused(exc: BaseException) -> bool:
    """The server (or libpq) refused the credentials — asking again helps, retrying does not."""
    if not isinstance(exc, DBAPIError) or type(exc.orig).__module__.split(".")[0] == "sqlite3":
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None:
        return str(state).startswith("28")  # invalid authorization / password
    text = str(exc.orig).lower()
    return "password" in text or "authentication" in text


def condition(exc: BaseException) -> str | None:
    """A message naming a known condition (disk, lock, access), or None."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "disk" in text and "full" in text:
        return _("The disk is full. What you typed is not lost; free some space and try again.")
    if "disk i/o error" in text:
        return _("The data could not be written to the disk (it may be full or failing). What "
                 "you typed is not lost; free some space or check the disk, and try again.")
    if "locked" in text or "busy" in text:
        return _("The database is locked by another process. Try again in a moment.")
    if "readonly" in text or "read-only" in text or "unable to open database file" in text:
        return _("The database cannot be written to (read-only). Check your access to the "
                 "data folder.")
    return None


def describe(exc: SQLAlchemyError) -> str:
    """A message for the GP that names the kind of failure and never the data involved."""
    return condition(exc) or _(
        "Database error ({kind}). What you typed is not lost; try again.").format(
        kind=type(exc).__name__)


def _connection_lost() -> ConnectionLost:
    return ConnectionLost(_("The database server cannot be reached. Nothing was written; "
                            "try again when the connection is back."))


def _login_refused() -> LoginRefused:
    return LoginRefused(_("The database server refused the user name or password. Nothing "
                          "was written."))
