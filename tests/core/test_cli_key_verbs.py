"""``main.py key …`` and ``main.py verify``: the procedures of docs/security.md without Python."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from core import casefile, instance_lock, keys
from core.storage import Store
from tests.cli_support import (
    EXAMPLES,
    PASSPHRASE,
    Cli,
    all_files,
    passphrase_file,
)
from tests.memory_keyring import memory_keyring_installed

EXAMPLE = EXAMPLES / "opioid-komplett.json"
CASE_ID = casefile.read(EXAMPLE).id
NEW_PASSPHRASE = "ny solrik morgen over vidda"


def _imported(cli: Cli) -> None:
    result = cli.run("import", EXAMPLE, *cli.data())
    assert result.code == 0, result.err


# ---- key status ----------------------------------------------------------------------------


def test_key_status_of_a_folder_without_a_key(cli: Cli) -> None:
    result = cli.run("key", "status", "--data-dir", cli.data_dir)
    assert result.code == 1
    assert "ingen ennå" in result.out.lower()
    assert not cli.data_dir.exists()  # status only reads


def test_key_status_of_a_passphrase_folder(cli: Cli) -> None:
    _imported(cli)
    info = keys.read_key_info(cli.data_dir)
    assert info is not None
    before = all_files(cli.data_dir)
    result = cli.run("key", "status", "--data-dir", cli.data_dir)
    assert result.code == 0, result.out
    assert info.key_id_hex in result.out
    assert "passordfrase" in result.out
    assert "kryptert med denne nøkkelen" in result.out
    assert all_files(cli.data_dir) == before


def test_key_status_names_a_keyring_entry_that_is_gone(cli: Cli) -> None:
    with memory_keyring_installed():
        assert cli.run("import", EXAMPLE, *cli.data(passphrase=False)).code == 0
        assert cli.run("key", "status", "--data-dir", cli.data_dir).code == 0
    result = cli.run("key", "status", "--data-dir", cli.data_dir)  # another user profile
    assert result.code == 1
    assert "nøkkelring" in result.out


def test_key_status_names_a_database_encrypted_with_another_key(cli: Cli) -> None:
    _imported(cli)
    (cli.data_dir / "key.json").unlink()
    result = cli.run("key", "status", "--data-dir", cli.data_dir)
    assert result.code == 1
    assert "key import" in result.out


def test_key_status_of_a_damaged_key_file(cli: Cli) -> None:
    cli.data_dir.mkdir(mode=0o700)
    (cli.data_dir / "key.json").write_text("{ikke json", encoding="utf-8")
    result = cli.run("key", "status", "--data-dir", cli.data_dir)
    assert result.code == 2
    assert "key.json" in result.err


# ---- key change-passphrase -----------------------------------------------------------------


def test_change_passphrase_rewraps_the_same_key(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    database = (cli.data_dir / "rekvirent.sqlite3").read_bytes()
    key_id = keys.read_key_info(cli.data_dir).key_id_hex  # type: ignore[union-attr]
    new_file = passphrase_file(tmp_path / "new", NEW_PASSPHRASE)
    result = cli.run("key", "change-passphrase", *cli.data(), "--new-passphrase-file", new_file)
    assert result.code == 0, result.err
    assert (cli.data_dir / "rekvirent.sqlite3").read_bytes() == database  # no data changed
    assert keys.read_key_info(cli.data_dir).key_id_hex == key_id  # type: ignore[union-attr]
    assert cli.run("list", *cli.data()).code == 2  # the old passphrase no longer opens
    listed = cli.run("list", "--data-dir", cli.data_dir, "--passphrase-file", new_file)
    assert listed.code == 0 and CASE_ID in listed.out


def test_change_passphrase_with_a_wrong_old_one_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    before = all_files(cli.data_dir)
    wrong = passphrase_file(tmp_path / "wrong", "helt feil passordfrase")
    new_file = passphrase_file(tmp_path / "new", NEW_PASSPHRASE)
    result = cli.run("key", "change-passphrase", "--data-dir", cli.data_dir,
                     "--passphrase-file", wrong, "--new-passphrase-file", new_file)
    assert result.code == 2
    assert all_files(cli.data_dir) == before


def test_change_passphrase_refuses_a_weak_new_one(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    before = all_files(cli.data_dir)
    weak = passphrase_file(tmp_path / "weak", "aaaaaaaaaaaa")
    result = cli.run("key", "change-passphrase", *cli.data(), "--new-passphrase-file", weak)
    assert result.code == 2
    assert all_files(cli.data_dir) == before


def test_change_passphrase_without_a_terminal_for_the_new_one(cli: Cli) -> None:
    _imported(cli)
    before = all_files(cli.data_dir)
    result = cli.run("key", "change-passphrase", *cli.data())
    assert result.code == 2
    assert "--new-passphrase-file" in result.err
    assert all_files(cli.data_dir) == before


def test_change_passphrase_of_a_keyring_key_is_refused(cli: Cli, tmp_path: Path) -> None:
    with memory_keyring_installed():
        assert cli.run("import", EXAMPLE, *cli.data(passphrase=False)).code == 0
        result = cli.run("key", "change-passphrase", "--data-dir", cli.data_dir,
                         "--new-passphrase-file", passphrase_file(tmp_path / "n", NEW_PASSPHRASE))
    assert result.code == 2
    assert "key export" in result.err


def test_change_passphrase_waits_for_no_window(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    before = (cli.data_dir / "key.json").read_bytes()
    new_file = passphrase_file(tmp_path / "new", NEW_PASSPHRASE)
    with instance_lock.acquire(cli.data_dir):
        result = cli.run("key", "change-passphrase", *cli.data(),
                         "--new-passphrase-file", new_file)
    assert result.code == 2
    assert (cli.data_dir / "key.json").read_bytes() == before


def test_change_passphrase_on_the_terminal(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed: the old passphrase (a wrong one first), then the new one twice (a mismatch and a
    weak one first) — each with the window's rules."""
    _imported(cli)
    typed = iter(["feil passordfrase her", PASSPHRASE,
                  NEW_PASSPHRASE, "noe annet enn det", "kort", "kort", NEW_PASSPHRASE,
                  NEW_PASSPHRASE])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    result = cli.run("key", "change-passphrase", "--data-dir", cli.data_dir)
    assert result.code == 0, result.err
    assert "ikke riktig" in result.err and "ikke like" in result.err
    assert len(prompts) == 8
    assert keys.unlock(cli.data_dir, NEW_PASSPHRASE).key_id_hex


# ---- key export / key import ---------------------------------------------------------------


def test_export_and_import_carry_the_key_to_another_workstation(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    exported = tmp_path / "klinikknokkel.json"
    clinic = passphrase_file(tmp_path / "clinic", NEW_PASSPHRASE)
    result = cli.run("key", "export", exported, *cli.data(), "--new-passphrase-file", clinic)
    assert result.code == 0, result.err
    if os.name == "posix":
        assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert cli.run("key", "export", exported, *cli.data(),
                   "--new-passphrase-file", clinic).code == 2  # never overwritten

    # The other workstation: the same database (a clinic server, here a copy), its own folder.
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    shutil.copy(cli.data_dir / "rekvirent.sqlite3", other / "rekvirent.sqlite3")
    with memory_keyring_installed() as backend:
        imported = cli.run("key", "import", exported, "--data-dir", other,
                           "--passphrase-file", clinic)
        assert imported.code == 0, imported.err
        assert keys.read_key_info(other).mode == "keyring"  # type: ignore[union-attr]
        assert len(backend.entries) == 1
        listed = cli.run("list", "--data-dir", other)  # nothing to type any more
        assert listed.code == 0 and CASE_ID in listed.out


def test_import_as_a_passphrase_key_file(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    exported = tmp_path / "kopi.json"
    clinic = passphrase_file(tmp_path / "clinic", NEW_PASSPHRASE)
    assert cli.run("key", "export", exported, *cli.data(), "--new-passphrase-file",
                   clinic).code == 0
    other = tmp_path / "other"
    result = cli.run("key", "import", exported, "--data-dir", other, "--passphrase-file",
                     clinic, "--store", "passphrase")
    assert result.code == 0, result.err
    shutil.copy(cli.data_dir / "rekvirent.sqlite3", other / "rekvirent.sqlite3")
    assert cli.run("list", "--data-dir", other, "--passphrase-file", clinic).code == 0


def test_import_of_a_key_that_does_not_fit_the_database_is_refused(
        cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    stranger = tmp_path / "stranger"
    stranger.mkdir(mode=0o700)
    foreign = keys.create_passphrase_key(stranger, NEW_PASSPHRASE,
                                         kdf=keys.KdfParams.for_tests())
    exported = tmp_path / "fremmed.json"
    keys.export_key_file(foreign, exported, NEW_PASSPHRASE, kdf=keys.KdfParams.for_tests())
    (cli.data_dir / "key.json").rename(tmp_path / "key.json.away")
    before = all_files(cli.data_dir)
    result = cli.run("key", "import", exported, "--data-dir", cli.data_dir, "--passphrase-file",
                     passphrase_file(tmp_path / "n", NEW_PASSPHRASE))
    assert result.code == 2
    assert "hører ikke til" in result.err
    assert all_files(cli.data_dir) == before


def test_import_with_a_wrong_passphrase_creates_nothing(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    exported = tmp_path / "kopi.json"
    clinic = passphrase_file(tmp_path / "clinic", NEW_PASSPHRASE)
    assert cli.run("key", "export", exported, *cli.data(), "--new-passphrase-file",
                   clinic).code == 0
    other = tmp_path / "other"
    result = cli.run("key", "import", exported, "--data-dir", other, "--passphrase-file",
                     cli.passphrase_file)
    assert result.code == 2
    assert not other.exists()


# ---- verify --------------------------------------------------------------------------------


def test_verify_an_intact_folder(cli: Cli) -> None:
    _imported(cli)
    result = cli.run("verify", *cli.data())
    assert result.code == 0, result.err
    assert "hendelsesloggen er hel" in result.out.lower()
    assert "quick_check: ok" in result.out


def _tamper(data_dir: Path, sql: str) -> None:
    connection = sqlite3.connect(data_dir / "rekvirent.sqlite3")
    try:
        triggers = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")]
        for name in triggers:  # what someone with the file can do
            connection.execute(f'DROP TRIGGER "{name}"')
        connection.execute(sql)
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize(("sql", "named"), [
    ("UPDATE audit_log SET actor = 'Noen Andre' WHERE seq = 1", "1"),
    ("DELETE FROM audit_log WHERE seq = 2", "2"),
])
def test_verify_names_the_first_broken_entry(cli: Cli, sql: str, named: str) -> None:
    _imported(cli)
    store = Store.open(data_dir=cli.data_dir,
                       cipher=keys.unlock(cli.data_dir, PASSPHRASE).cipher())
    store.audit("print", CASE_ID, details={"kind": "consent"})
    store.audit("copy", CASE_ID, details={"kind": "journal"})
    store.close()
    _tamper(cli.data_dir, sql)
    result = cli.run("verify", *cli.data())
    assert result.code == 1
    assert f"oppføring {named}" in result.out.lower() or f" {named} " in result.out


def test_verify_a_folder_without_a_key_makes_no_key(cli: Cli) -> None:
    result = cli.run("verify", *cli.data())
    assert result.code == 2
    assert not cli.data_dir.exists()
    cli.data_dir.mkdir(mode=0o700)
    assert cli.run("verify", *cli.data()).code == 2
    assert list(cli.data_dir.iterdir()) == []


def test_verify_with_a_wrong_passphrase(cli: Cli, tmp_path: Path) -> None:
    _imported(cli)
    wrong = passphrase_file(tmp_path / "wrong", "helt feil passordfrase")
    assert cli.run("verify", "--data-dir", cli.data_dir, "--passphrase-file", wrong).code == 2


def test_verify_finds_a_damaged_database_file(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _imported(cli)
    monkeypatch.setattr(Store, "integrity_ok", lambda self: False)
    result = cli.run("verify", *cli.data())
    assert result.code == 1
    assert "skadet" in result.out


def test_export_of_a_keyring_key_for_the_clinics_safe(cli: Cli, tmp_path: Path) -> None:
    exported = tmp_path / "safe.json"
    with memory_keyring_installed():
        assert cli.run("import", EXAMPLE, *cli.data(passphrase=False)).code == 0
        result = cli.run("key", "export", exported, "--data-dir", cli.data_dir,
                         "--new-passphrase-file", passphrase_file(tmp_path / "n", NEW_PASSPHRASE))
    assert result.code == 0, result.err
    info = keys.read_key_info(cli.data_dir)
    assert info is not None and info.mode == "keyring"
    assert keys.read_key_file(exported, NEW_PASSPHRASE).key_id_hex == info.key_id_hex
    with pytest.raises(keys.WrongPassphrase):
        keys.read_key_file(exported, PASSPHRASE)


def test_verify_reports_a_dropped_audit_guard_and_restores_it_only_when_asked(cli: Cli) -> None:
    _imported(cli)
    with sqlite3.connect(cli.data_dir / "rekvirent.sqlite3") as connection:
        connection.execute("DROP TRIGGER audit_log_no_delete")
    reported = cli.run("verify", *cli.data())
    assert reported.code == 1
    assert "audit_log_no_delete" in reported.out and "--restore-guards" in reported.out
    with sqlite3.connect(cli.data_dir / "rekvirent.sqlite3") as connection:
        assert not connection.execute("SELECT 1 FROM sqlite_master WHERE type='trigger' "
                                      "AND name='audit_log_no_delete'").fetchone()
    restored = cli.run("verify", "--restore-guards", *cli.data())
    assert restored.code == 1  # what was found is reported, even though it is mended now
    assert cli.run("verify", *cli.data()).code == 0
    with sqlite3.connect(cli.data_dir / "rekvirent.sqlite3") as connection:
        assert connection.execute("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1"
                                  ).fetchone()[0] == "repair"
