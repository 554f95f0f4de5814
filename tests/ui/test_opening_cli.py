"""The window and the command line open the same data folder with the same key; a full disk on
the first start gives the disk-full message and leaves everything as it was.

The window's side runs through :func:`ui.opening.open_store` with the dialogs answered by
callbacks; the command line's through ``main.main`` (no terminal, ``--passphrase-file``).
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import main
from core import casefile, keys
from core.keys import DataKey, KdfParams
from core.opening import disk_full_message
from core.storage import StorageError, Store
from tests.cli_support import EXAMPLES, PASSPHRASE, all_files, passphrase_file
from tests.memory_keyring import MemoryKeyring, no_keyring_installed
from ui import opening
from ui.start_window import StartWindow

EXAMPLE = EXAMPLES / "opioid-komplett.json"
CASE = casefile.read(EXAMPLE)
NAME = CASE.patient.name
#: What the store says when SQLite reports a full disk: the message the first start must give.
DISK_FULL = disk_full_message()


def _desktop_keyring() -> MemoryKeyring:
    """The memory keyring tests/ui/conftest.py installs for every UI test."""
    import keyring

    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return backend


def _never(*_args: object) -> None:
    raise AssertionError("no question expected")


def _dialog(passphrase: str, asked: list[str]) -> opening.AskPassphrase:
    """The unlock/create dialog, answered once with ``passphrase``."""
    def ask(mode: str, attempt: Callable[[str], DataKey]) -> DataKey | None:
        asked.append(mode)
        return attempt(passphrase)

    return ask


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(keys, "DEFAULT_KDF", KdfParams.for_tests())
    with no_keyring_installed():
        yield


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
           ) -> Callable[..., tuple[int, str]]:
    """``main.main`` run from a script: no terminal; returns (exit code, stdout + stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.delenv("LANG", raising=False)

    def run(*args: str | Path) -> tuple[int, str]:
        capsys.readouterr()
        code = main.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


# ---- interoperation ------------------------------------------------------------------------


def test_a_passphrase_folder_made_by_the_window_opens_on_the_command_line(
        tmp_path: Path, no_keyring: None, script: Callable[..., tuple[int, str]]) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    asked: list[str] = []
    store = opening.open_store(data_dir, None, ask_passphrase=_dialog(PASSPHRASE, asked),
                               ask_password=_never)
    store.save(CASE)
    store.close()
    assert asked == ["create"]
    secret = passphrase_file(tmp_path / "secret")
    code, out = script("list", "--data-dir", data_dir, "--passphrase-file", secret)
    assert code == 0, out
    assert NAME in out
    wrong = passphrase_file(tmp_path / "wrong", "helt feil passordfrase")
    before = all_files(data_dir)
    assert script("list", "--data-dir", data_dir, "--passphrase-file", wrong)[0] == 2
    assert all_files(data_dir) == before


def test_a_passphrase_folder_made_by_the_command_line_opens_in_the_window(
        tmp_path: Path, no_keyring: None, script: Callable[..., tuple[int, str]]) -> None:
    data_dir = tmp_path / "data"
    secret = passphrase_file(tmp_path / "secret")
    code, out = script("import", EXAMPLE, "--data-dir", data_dir, "--passphrase-file", secret)
    assert code == 0, out
    asked: list[str] = []
    store = opening.open_store(data_dir, None, ask_passphrase=_dialog(PASSPHRASE, asked),
                               ask_password=_never)
    try:
        assert asked == ["unlock"]
        assert store.load(CASE.id).case.patient.name == NAME
        assert opening.key_mode(data_dir) == "passphrase"
    finally:
        store.close()
    with pytest.raises(opening.OpeningStopped):  # a wrong passphrase in the window
        opening.open_store(data_dir, None, ask_passphrase=_dialog("helt feil passordfrase", []),
                           ask_password=_never)


def test_a_keyring_folder_is_shared_both_ways(
        tmp_path: Path, script: Callable[..., tuple[int, str]]) -> None:
    desktop_keyring = _desktop_keyring()
    window_folder, script_folder = tmp_path / "vindu", tmp_path / "skript"
    window_folder.mkdir(mode=0o700)
    store = opening.open_store(window_folder, None, ask_passphrase=_never, ask_password=_never)
    store.save(CASE)
    store.close()
    code, out = script("list", "--data-dir", window_folder)
    assert code == 0 and NAME in out

    assert script("import", EXAMPLE, "--data-dir", script_folder)[0] == 0
    assert opening.key_mode(script_folder) == "keyring"
    store = opening.open_store(script_folder, None, ask_passphrase=_never, ask_password=_never)
    try:
        assert store.load(CASE.id).case.patient.name == NAME
    finally:
        store.close()
    assert len(desktop_keyring.entries) == 2  # one key per data folder
    for folder in (window_folder, script_folder):
        assert not [p for p, data in all_files(folder).items() if NAME.encode() in data]


# ---- a full disk on the first start --------------------------------------------------------


def _disk_full(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["fsync", "replace-and-link"])
def test_a_full_disk_while_the_key_file_is_written(
        tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    if where == "fsync":
        monkeypatch.setattr(keys.os, "fsync", _disk_full)
    else:
        monkeypatch.setattr(keys.os, "link", _disk_full)
        monkeypatch.setattr(keys.os, "replace", _disk_full)
    with pytest.raises(opening.OpeningStopped) as stopped:
        opening.open_store(data_dir, None, ask_passphrase=_dialog(PASSPHRASE, []),
                           ask_password=_never)
    assert str(stopped.value) == DISK_FULL
    assert not (data_dir / "key.json").exists()
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".rekvirent-key-")]
    monkeypatch.undo()
    with no_keyring_installed():  # once there is room again, the next start works
        store = opening.open_store(data_dir, None, ask_passphrase=_dialog(PASSPHRASE, []),
                                   ask_password=_never)
        store.close()


def test_a_full_disk_while_the_keyring_key_file_is_written_takes_the_entry_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desktop_keyring = _desktop_keyring()
    monkeypatch.setattr(keys.os, "fsync", _disk_full)
    with pytest.raises(opening.OpeningStopped) as stopped:
        opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    assert str(stopped.value) == DISK_FULL
    assert not (tmp_path / "key.json").exists()
    assert desktop_keyring.entries == {}


def test_a_storage_error_while_encrypting_in_place_leaves_everything_as_it_was(
        tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    old = Store.open(data_dir=tmp_path)  # a plaintext database from before encryption
    old.save(CASE)
    old.close()
    database = (tmp_path / "rekvirent.sqlite3").read_bytes()

    def full(self: Store, cipher: object) -> None:
        raise StorageError(DISK_FULL)

    monkeypatch.setattr(Store, "enable_encryption", full)
    with pytest.raises(opening.OpeningStopped) as stopped:
        opening.open_store(tmp_path, None, ask_passphrase=_dialog(PASSPHRASE, []),
                           ask_password=_never)
    assert str(stopped.value) == DISK_FULL
    assert not (tmp_path / "key.json").exists()  # the key nothing was encrypted with: gone
    assert (tmp_path / "rekvirent.sqlite3").read_bytes() == database
    monkeypatch.undo()
    with no_keyring_installed():
        store = opening.open_store(tmp_path, None, ask_passphrase=_dialog(PASSPHRASE, []),
                                   ask_password=_never)
        try:
            assert store.encrypted and store.load(CASE.id).case.patient.name == NAME
        finally:
            store.close()


def test_a_full_disk_on_the_first_start_is_told_in_the_window_not_as_a_crash(
        qtbot: QtBot, tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(opening, "show_stopped", lambda parent, message: shown.append(message))
    monkeypatch.setattr(keys.os, "fsync", _disk_full)
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.ask_passphrase = _dialog(PASSPHRASE, [])  # type: ignore[assignment]
    window.show()
    window.open_storage()  # an escaping OSError would fail the test (pytest-qt)
    assert shown == [DISK_FULL]
    assert window.store is None
    assert DISK_FULL in window.status.text()
    assert not (tmp_path / "key.json").exists()
    window.close()


def test_the_disk_full_message_is_the_stores_own() -> None:
    from core.opening import disk_full_message

    assert DISK_FULL is not None and "full" in DISK_FULL.lower()
    assert disk_full_message() == DISK_FULL


def test_without_a_keyring_an_encrypted_database_whose_key_file_is_gone_asks_for_nothing(
        tmp_path: Path, no_keyring: None) -> None:
    """The GP is not asked to choose a passphrase for data that no new key could open."""
    store = opening.open_store(tmp_path, None, ask_passphrase=_dialog(PASSPHRASE, []),
                               ask_password=_never)
    store.save(CASE)
    store.close()
    keys.key_file(tmp_path).rename(tmp_path.parent / f"{tmp_path.name}-key.json")
    before = all_files(tmp_path)
    with pytest.raises(opening.OpeningStopped, match="nøkkelen"):
        opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    assert all_files(tmp_path) == before
