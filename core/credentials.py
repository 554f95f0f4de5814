"""The clinic database password: kept out of settings, logs and error messages.

Settings hold the server's URL without a password (``Settings.database_url``).  At connect time
:func:`connect_url` adds the password from, in this order:

1. the URL itself, when it was given on the command line (``--database``; discouraged);
2. the OS keyring (service :data:`SERVICE`, user name ``user@host:port/database``);
3. nothing, when libpq will find it itself: a matching line in ``PGPASSFILE`` or the
   user's ``~/.pgpass`` (``%APPDATA%\\postgresql\\pgpass.conf`` on Windows), or ``PGPASSWORD``;
4. the ``ask`` callback (the GUI asks each time; it may offer to remember it in the keyring);
5. nothing at all: certificate, peer or trust authentication.

The result is a :class:`sqlalchemy.engine.URL` object, which prints as ``***`` in place of the
password; use :func:`redact` whenever a URL is shown or logged.  Where no keyring exists (a
Linux server without Secret Service: the ``fail`` backend) :func:`keyring_problem` says so and
saving a password is refused cleanly.

SQLAlchemy is imported only when a URL is actually handled (it is slow to import).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

#: The keyring service name under which database passwords are kept.
SERVICE = "Rekvirent database"
DEFAULT_PORT = 5432


class CredentialsError(Exception):
    """The password could not be kept (no keyring); the message is safe to show."""


def _parse(url: str | URL) -> URL:
    from sqlalchemy.engine import make_url

    return make_url(url)


def redact(url: str | URL) -> str:
    """The URL as text with the password replaced by ``***`` (safe for logs and messages)."""
    try:
        return _parse(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show nothing of it
        return "<invalid database URL>"


def without_password(url: str) -> str:
    """``url`` with any password removed (what may be written to the settings file)."""
    if not url or "@" not in url:
        return url
    try:
        parsed = _parse(url)
    except Exception:
        # Unparseable: keep nothing that might hold a secret after the scheme.
        return url.split("://", 1)[0] + "://" if "://" in url else ""
    if parsed.password is None:
        return url
    log.warning("A password in the database URL was dropped from the settings")
    # URL.set(password=None) means "unchanged"; build the URL anew without it.
    from sqlalchemy.engine import URL as _URL

    bare = _URL.create(parsed.drivername, username=parsed.username, host=parsed.host,
                       port=parsed.port, database=parsed.database, query=parsed.query)
    return bare.render_as_string(hide_password=False)


def is_server_url(url: str | URL) -> bool:
    """True for a URL naming a database server (not a local SQLite file)."""
    try:
        return _parse(url).get_backend_name() != "sqlite"
    except Exception:
        return False


def keyring_user(url: str | URL) -> str:
    """The keyring entry's user name: ``user@host:port/database`` (no password, no query)."""
    parsed = _parse(url)
    return (f"{parsed.username or ''}@{parsed.host or 'localhost'}:"
            f"{parsed.port or DEFAULT_PORT}/{parsed.database or ''}")


# ---- keyring ------------------------------------------------------------------------------


def keyring_problem() -> str | None:
    """None when a usable keyring exists; otherwise the reason (a backend name, no secrets)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception as exc:  # keyring not installed or broken
        return type(exc).__name__
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        return type(exc).__name__
    if isinstance(backend, fail.Keyring):
        return "no keyring backend"
    return None


def password_from_keyring(url: str | URL) -> str | None:
    if keyring_problem() is not None:
        return None
    import keyring

    try:
        password = keyring.get_password(SERVICE, keyring_user(url))
    except Exception as exc:  # locked keyring, D-Bus gone, …
        log.warning("Reading the database password from the keyring failed: %s",
                    type(exc).__name__)
        return None
    return password or None


def save_password(url: str | URL, password: str) -> None:
    """Keep the password in the OS keyring; :class:`CredentialsError` when there is none."""
    from i18n import _

    problem = keyring_problem()
    if problem is not None:
        raise CredentialsError(_(
            "This computer has no keyring to keep the password in ({reason}). Use a "
            ".pgpass file, or type the password each time.").format(reason=problem))
    import keyring

    try:
        keyring.set_password(SERVICE, keyring_user(url), password)
    except Exception as exc:
        raise CredentialsError(_("The password could not be saved in the keyring ({reason}).")
                               .format(reason=type(exc).__name__)) from None


def forget_password(url: str | URL) -> None:
    if keyring_problem() is not None:
        return
    import keyring

    try:
        keyring.delete_password(SERVICE, keyring_user(url))
    except Exception:  # not there, or no keyring: nothing to forget
        return


# ---- libpq's own sources ------------------------------------------------------------------


def pgpass_path() -> Path:
    """Where libpq looks for the password file (``PGPASSFILE`` overrides)."""
    if os.environ.get("PGPASSFILE"):
        return Path(os.environ["PGPASSFILE"])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", "")) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def _pgpass_fields(line: str) -> list[str]:
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def pgpass_has_entry(url: str | URL, path: Path | None = None) -> bool:
    """True when the password file has a line libpq would use for ``url`` (same matching:
    ``host:port:database:username:password``, ``*`` matches anything)."""
    parsed = _parse(url)
    path = path or pgpass_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    wanted = (parsed.host or "localhost", str(parsed.port or DEFAULT_PORT),
              parsed.database or "", parsed.username or "")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _pgpass_fields(line)
        if len(fields) < 5:
            continue
        if all(f == "*" or f == w for f, w in zip(fields[:4], wanted, strict=True)):
            return True
    return False


# ---- putting it together ------------------------------------------------------------------


def connect_url(url: str | URL, *, ask: Callable[[str], str | None] | None = None) -> URL:
    """The URL to connect with: the password added from the keyring, left to libpq (.pgpass,
    ``PGPASSWORD``), or asked for with ``ask(redacted_url)`` — see the module docstring."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite" or parsed.password:
        return parsed
    password = password_from_keyring(parsed)
    if password:
        return parsed.set(password=password)
    if os.environ.get("PGPASSWORD") or pgpass_has_entry(parsed):
        return parsed
    if ask is not None:
        typed = ask(redact(parsed))
        if typed:
            return parsed.set(password=typed)
    return parsed
