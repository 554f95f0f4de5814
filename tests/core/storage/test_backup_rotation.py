"""The daily backup and its thinning (SQLite): nothing older is lost while it is still needed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.case import Case
from core.storage import Store

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _planted(store: Store, source: Path, moment: datetime, reason: str) -> Path:
    stamp = moment.strftime("%Y%m%dT%H%M%S%fZ")
    target = source.parent / f"rekvirent-{stamp}-{reason}.sqlite3"
    shutil.copyfile(source, target)
    return target


def test_one_backup_a_day_then_thinned_to_days_weeks_and_recent_others(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    store.save(Case())
    seed = store.backup("seed")
    assert seed is not None
    planted = {}
    for days_ago in range(0, 60):  # two copies a day for sixty days, the first one today
        for hour in (8, 16):
            moment = NOW.replace(hour=hour) - timedelta(days=days_ago)
            if moment <= NOW:
                planted[(days_ago, hour)] = _planted(store, seed, moment, "daily")
    deletes = [_planted(store, seed, NOW - timedelta(days=d, minutes=5), "before-delete")
               for d in range(15)]
    seed.unlink()

    made = store.daily_backup(NOW)
    assert made is None  # there is one from today already
    kept = set(store.backups())
    # the newest copy of each of the last seven days (today's is the copy before a delete)
    for days_ago in range(1, 7):
        assert planted[(days_ago, 16)] in kept
        assert planted[(days_ago, 8)] not in kept
    assert deletes[0] in kept
    # one per ISO week for four weeks, nothing older than that
    old_dailies = [p for (d, _h), p in planted.items() if d >= 28]
    assert not set(old_dailies) & kept
    weekly = [p for (d, _h), p in planted.items() if 7 <= d < 28 and p in kept]
    assert 3 <= len(weekly) <= 4
    # the ten newest copies taken for a reason
    assert set(deletes[:10]) <= kept
    assert not set(deletes[10:]) & kept
    store.close()


def test_a_backup_is_made_on_the_first_start_of_a_day(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    store.save(Case())
    made = store.daily_backup(NOW)
    assert made is not None and made.name.endswith("-daily.sqlite3")
    assert made in store.backups()
    assert store.daily_backup(NOW + timedelta(hours=3)) is None
    tomorrow = store.daily_backup(NOW + timedelta(days=1))
    assert tomorrow is not None
    store.close()


def test_thinning_keeps_the_newest_copy_that_holds_more_cases_than_the_database(
        tmp_path: Path) -> None:
    """A database emptied by mistake (or replaced by an almost empty one) must not cost the
    last copy of the real drafts when the old copies age out."""
    store = Store.open(data_dir=tmp_path)
    for _ in range(3):
        store.save(Case())
    rich = store.backup("seed")
    assert rich is not None
    old_rich = _planted(store, rich, NOW - timedelta(days=90), "daily")
    older_rich = _planted(store, rich, NOW - timedelta(days=120), "daily")
    rich.unlink()
    store.close()
    # the database now holds fewer cases than the old copies: start over with one case
    for piece in tmp_path.glob("rekvirent.sqlite3*"):
        piece.unlink()
    fresh = Store.open(data_dir=tmp_path)
    fresh.save(Case())
    fresh.daily_backup(NOW)
    kept = set(fresh.backups())
    assert old_rich in kept  # the newest copy with more cases than now, 90 days old
    assert older_rich not in kept  # one such copy is enough
    fresh.close()


def test_thinning_without_a_richer_copy_deletes_as_before(tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    store.save(Case())
    seed = store.backup("seed")
    assert seed is not None
    old = _planted(store, seed, NOW - timedelta(days=90), "daily")
    seed.unlink()
    store.save(Case())  # the database has more cases than the old copy
    store.daily_backup(NOW)
    assert old not in set(store.backups())
    store.close()


def test_opening_makes_an_existing_backups_folder_and_its_copies_user_only(
        tmp_path: Path) -> None:
    import os
    import stat

    import pytest

    if os.name != "posix":
        pytest.skip("POSIX permissions")
    store = Store.open(data_dir=tmp_path)
    store.save(Case())
    copy = store.backup("seed")
    assert copy is not None
    store.close()
    copy.parent.chmod(0o755)
    copy.chmod(0o644)
    Store.open(data_dir=tmp_path).close()
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
