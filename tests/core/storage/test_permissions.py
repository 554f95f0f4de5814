"""S5: the data folder is user-only (0700) and every database/backup file 0600 on POSIX, even
under a permissive umask and when an older version left looser modes behind."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.case import Case
from core.paths import user_data_dir
from core.storage import Store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_new_data_dir_database_wal_and_backups_are_user_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    store = Store.open(data_dir=data_dir)
    case = Case()
    store.save(case)
    manual = store.backup()
    store.delete(case.id)
    db = data_dir / "rekvirent.sqlite3"
    assert _mode(data_dir) == 0o700
    assert _mode(db) == 0o600
    for suffix in ("-wal", "-shm"):
        sidecar = Path(f"{db}{suffix}")
        assert sidecar.exists(), suffix  # WAL mode: present while the store is open
        assert _mode(sidecar) == 0o600, suffix
    backups = data_dir / "backups"
    assert _mode(backups) == 0o700
    files = sorted(backups.iterdir())
    assert manual in files and len(files) == 2
    assert all(_mode(f) == 0o600 for f in files), [oct(_mode(f)) for f in files]
    assert (data_dir / "rekvirent.sqlite3").stat().st_uid == os.getuid()
    store.close()


def test_loose_modes_left_behind_are_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    db = data_dir / "rekvirent.sqlite3"
    with sqlite3.connect(db) as connection:  # made by "an older version" under umask 022
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE scratch (x)")
    (data_dir / "backups").mkdir(mode=0o755)
    (data_dir / "backups").chmod(0o755)
    db.chmod(0o644)
    store = Store.open(data_dir=data_dir)
    store.save(Case())
    store.backup()
    assert _mode(data_dir) == 0o700
    assert _mode(db) == 0o600
    assert _mode(data_dir / "backups") == 0o700
    for path in data_dir.glob("rekvirent.sqlite3-*"):
        assert _mode(path) == 0o600, path.name
    store.close()


def test_explicit_database_url_in_a_new_folder(tmp_path: Path) -> None:
    folder = tmp_path / "clinic" / "drafts"
    store = Store.open(f"sqlite:///{folder / 'db.sqlite3'}")
    store.save(Case())
    assert _mode(folder) == 0o700
    assert _mode(folder / "db.sqlite3") == 0o600
    store.close()


def test_user_data_dir_is_created_and_kept_user_only(tmp_path: Path) -> None:
    fresh = user_data_dir(tmp_path / "fresh")
    assert _mode(fresh) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    assert _mode(user_data_dir(loose)) == 0o700


def test_a_backup_is_user_only_before_any_data_goes_in(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from core.storage import backups as store_module

    store = Store.open(data_dir=tmp_path)
    store.save(Case())
    seen: dict[str, int | None] = {}
    real_connect = sqlite3.connect

    def spying_connect(database: str | Path, *args: object, **kwargs: object) -> object:
        path = Path(database)
        if path.parent.name == "backups":
            seen[path.name] = _mode(path) if path.exists() else None
        return real_connect(database, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(store_module.sqlite3, "connect", spying_connect)
    backup = store.backup()
    monkeypatch.undo()
    assert backup is not None
    # Written as a hidden partial file and renamed when complete: user-only from the start.
    assert seen == {f".{backup.name}.partial": 0o600}
    assert _mode(backup) == 0o600
    assert not list(backup.parent.glob("*.partial*"))
    store.close()
