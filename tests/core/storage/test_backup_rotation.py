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
