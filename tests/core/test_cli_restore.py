"""An empty or deleted database with backups beside it: the command line runs the window's
start-up check, refuses to build a fresh schema over the drafts' backups, and ``restore``
puts the backup back (issue 14)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import casefile
from core.storage.backups import backup_name
from core.storage.files import BACKUPS_DIR, DAMAGED_DIR, DB_NAME
from tests.cli_support import EXAMPLES, Cli, all_files

EXAMPLE = EXAMPLES / "opioid-komplett.json"
CASE_ID = casefile.read(EXAMPLE).id


def _with_a_backup_of_the_case(cli: Cli) -> Path:
    """The example imported, and a backup copy that holds it (as the daily backup would)."""
    result = cli.run("import", EXAMPLE, *cli.data())
    assert result.code == 0, result.err
    folder = cli.data_dir / BACKUPS_DIR
    target = folder / backup_name(datetime.now(UTC) + timedelta(seconds=1), "daily")
    source = sqlite3.connect(cli.data_dir / DB_NAME)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    return target


def _emptied(data_dir: Path) -> None:
    with (data_dir / DB_NAME).open("r+b") as handle:
        handle.truncate(0)


def _deleted(data_dir: Path) -> None:
    for piece in data_dir.glob(f"{DB_NAME}*"):
        piece.unlink()


@pytest.mark.parametrize("damage", [_emptied, _deleted], ids=["emptied", "deleted"])
@pytest.mark.parametrize("verb", [["list"], ["export-case", "{id}", "--out", "{out}"],
                                  ["import", str(EXAMPLE)]])
def test_a_data_verb_refuses_to_start_over_when_backups_show_there_were_data(
        cli: Cli, damage: object, verb: list[str], tmp_path: Path) -> None:
    backup = _with_a_backup_of_the_case(cli)
    damage(cli.data_dir)  # type: ignore[operator]
    before = all_files(cli.data_dir)
    args = [part.format(id=CASE_ID, out=tmp_path / "out.json") for part in verb]
    result = cli.run(*args, *cli.data())
    assert result.code == 2
    assert backup.name in result.err  # the backup to put back …
    assert "main.py restore --data-dir" in result.err  # … and the command that does it
    assert "Ingenting ble endret" in result.err
    assert all_files(cli.data_dir) == before  # no fresh schema, no new file


def test_restore_puts_the_newest_verified_backup_back_and_the_drafts_are_listed(
        cli: Cli) -> None:
    backup = _with_a_backup_of_the_case(cli)
    _emptied(cli.data_dir)
    result = cli.run("restore", "--data-dir", cli.data_dir)
    assert result.code == 0, result.err
    assert backup.name in result.out
    damaged = list((cli.data_dir / DAMAGED_DIR).iterdir())
    assert damaged and all(p.stat().st_size == 0 for p in damaged if p.suffix == ".sqlite3")
    listed = cli.run("list", *cli.data())
    assert listed.code == 0, listed.err
    assert "Testesen" in listed.out
    # the restore is in the audit log, written when the data were opened next
    with sqlite3.connect(cli.data_dir / DB_NAME) as connection:
        actions = [row[0] for row in connection.execute("SELECT action FROM audit_log")]
    assert actions[-1] == "restore" or "restore" in actions
    assert cli.run("verify", *cli.data()).code == 0


def test_restore_of_a_deleted_database_needs_nothing_moved_aside(cli: Cli) -> None:
    backup = _with_a_backup_of_the_case(cli)
    _deleted(cli.data_dir)
    result = cli.run("restore", backup.name, "--data-dir", cli.data_dir)
    assert result.code == 0, result.err
    assert not (cli.data_dir / DAMAGED_DIR).exists()
    assert "Testesen" in cli.run("list", *cli.data()).out


def test_restore_over_a_healthy_database_needs_replace_and_keeps_the_old_one(cli: Cli) -> None:
    backup = _with_a_backup_of_the_case(cli)
    before = all_files(cli.data_dir)
    refused = cli.run("restore", "--data-dir", cli.data_dir)
    assert refused.code == 2 and "--replace" in refused.err
    assert all_files(cli.data_dir) == before
    current = (cli.data_dir / DB_NAME).read_bytes()
    replaced = cli.run("restore", backup.name, "--replace", "--data-dir", cli.data_dir)
    assert replaced.code == 0, replaced.err
    kept = [p for p in (cli.data_dir / DAMAGED_DIR).iterdir() if p.suffix == ".sqlite3"]
    assert [p.read_bytes() for p in kept] == [current]


def test_restore_refuses_a_copy_that_does_not_verify(cli: Cli, tmp_path: Path) -> None:
    _with_a_backup_of_the_case(cli)
    _emptied(cli.data_dir)
    bogus = tmp_path / "rekvirent-20261201T000000Z-daily.sqlite3"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    before = all_files(cli.data_dir)
    result = cli.run("restore", bogus, "--data-dir", cli.data_dir)
    assert result.code == 2 and "Ingenting ble endret" in result.err
    assert all_files(cli.data_dir) == before


def test_restore_list_shows_the_copies_with_their_case_counts(cli: Cli) -> None:
    backup = _with_a_backup_of_the_case(cli)
    result = cli.run("restore", "--list", "--data-dir", cli.data_dir)
    assert result.code == 0
    line = next(line for line in result.out.splitlines() if backup.name in line)
    assert "1 sak" in line


def test_verify_reports_an_emptied_database_as_broken_and_names_the_backup(cli: Cli) -> None:
    backup = _with_a_backup_of_the_case(cli)
    _emptied(cli.data_dir)
    result = cli.run("verify", *cli.data())
    assert result.code == 1
    assert backup.name in result.out


def test_restore_waits_for_no_window(cli: Cli) -> None:
    from core import instance_lock

    _with_a_backup_of_the_case(cli)
    _emptied(cli.data_dir)
    before = all_files(cli.data_dir)
    held = instance_lock.acquire(cli.data_dir, purpose="window")
    try:
        result = cli.run("restore", "--data-dir", cli.data_dir)
    finally:
        held.release()
    assert result.code == 2
    assert {k: v for k, v in all_files(cli.data_dir).items() if k != "rekvirent.lock"} == \
        {k: v for k, v in before.items() if k != "rekvirent.lock"}
