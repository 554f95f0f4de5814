"""The command line opens the data exactly as the window does: never a plaintext byte.

Issue 14: the data verbs used to open a fresh folder without a key and store whole case files
in plaintext.  Now every verb that touches the store gets the key from ``key.json`` (keyring or
passphrase) or decides a new one *before* anything is written — and without a way to get a
passphrase it stops with exit 2 and creates nothing.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from core import casefile, instance_lock, keys
from core.settings import Settings, save_settings
from core.storage import KeyRequired, Store
from tests.cli_support import (
    EXAMPLES,
    PASSPHRASE,
    Cli,
    all_files,
    passphrase_file,
    run_subprocess,
)
from tests.memory_keyring import memory_keyring_installed

EXAMPLE = EXAMPLES / "opioid-komplett.json"
NAME = "Kari Syntetisk Testesen"
CASE_ID = casefile.read(EXAMPLE).id
#: Every verb that opens the store, with its own arguments.
DATA_VERBS: dict[str, list[str]] = {
    "import": ["import", str(EXAMPLE)],
    "list": ["list"],
    "export-case": ["export-case", CASE_ID, "--out", "{out}/sak.json"],
    "export --record": ["export", str(EXAMPLE), "--out", "{out}/dokumenter", "--record"],
}


def _verb(name: str, out: Path) -> list[str]:
    return [part.replace("{out}", str(out)) for part in DATA_VERBS[name]]


def _encrypted_with_passphrase(data_dir: Path) -> None:
    info = keys.read_key_info(data_dir)
    assert info is not None and info.mode == "passphrase"
    with pytest.raises(KeyRequired):  # no plaintext way in
        Store.open(data_dir=data_dir)
    key = keys.unlock(data_dir, PASSPHRASE)
    store = Store.open(data_dir=data_dir, cipher=key.cipher())
    try:
        assert store.encrypted and store.key_ids() == (info.key_id_hex,)
    finally:
        store.close()


# ---- a fresh folder, with a passphrase file --------------------------------------------------


def test_import_into_a_fresh_folder_encrypts_before_the_first_case(cli: Cli) -> None:
    result = cli.run("import", EXAMPLE, *cli.data())
    assert result.code == 0, result.err
    _encrypted_with_passphrase(cli.data_dir)
    files = all_files(cli.data_dir)
    assert files and not [p for p, data in files.items() if NAME.encode() in data]
    assert not [p for p, data in files.items() if b"15888510025" in data]
    assert "rekvirent.sqlite3" in files and "key.json" in files
    if os.name == "posix":
        assert stat.S_IMODE(cli.data_dir.stat().st_mode) == 0o700
        for path in cli.data_dir.rglob("*"):
            assert not stat.S_IMODE(path.stat().st_mode) & 0o077, path
    listed = cli.run("list", *cli.data())
    assert NAME in listed.out


@pytest.mark.parametrize("verb", list(DATA_VERBS))
def test_every_data_verb_on_a_fresh_folder_makes_the_key_first(
        cli: Cli, tmp_path: Path, verb: str) -> None:
    result = cli.run(*_verb(verb, tmp_path / "out"), *cli.data())
    assert result.code in (0, 2), result.err  # export-case of a case not there: 2, but keyed
    _encrypted_with_passphrase(cli.data_dir)


# ---- no terminal, no keyring, no passphrase file: exit 2, nothing created --------------------


@pytest.mark.parametrize("verb", [*DATA_VERBS, "verify"])
def test_without_a_way_to_the_passphrase_a_verb_exits_2_and_creates_nothing(
        cli: Cli, tmp_path: Path, verb: str) -> None:
    args = ["verify"] if verb == "verify" else _verb(verb, tmp_path / "out")
    result = cli.run(*args, *cli.data(passphrase=False))
    assert result.code == 2
    assert "--passphrase-file" in result.err or verb == "verify"
    assert "Traceback" not in result.err
    assert not cli.data_dir.exists()
    assert not (tmp_path / "out").exists()


def test_the_refusal_without_a_terminal_is_norwegian_and_says_what_to_do(cli: Cli) -> None:
    result = cli.run("import", EXAMPLE, *cli.data(passphrase=False))
    assert result.code == 2
    assert "ukryptert" in result.err and "--passphrase-file" in result.err
    assert "chmod 600" in result.err


def test_without_a_terminal_a_passphrase_folder_is_not_opened(cli: Cli) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    before = all_files(cli.data_dir)
    result = cli.run("list", *cli.data(passphrase=False))
    assert result.code == 2
    assert "--passphrase-file" in result.err
    assert all_files(cli.data_dir) == before


def test_subprocess_without_terminal_keyring_or_passphrase_file_creates_nothing(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "x"
    result = run_subprocess("import", EXAMPLE, "--data-dir", data_dir)
    assert result.returncode == 2, result.stderr
    assert "--passphrase-file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not data_dir.exists()


def test_subprocess_with_a_passphrase_file_stores_no_plaintext(tmp_path: Path) -> None:
    data_dir = tmp_path / "x"
    secret = passphrase_file(tmp_path / "secret")
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {"TMPDIR": str(private_tmp), "SQLITE_TMPDIR": str(private_tmp)}
    result = run_subprocess("import", EXAMPLE, "--data-dir", data_dir, "--passphrase-file",
                            secret, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == CASE_ID
    for folder in (data_dir, private_tmp):
        assert not [p for p, data in all_files(folder).items()
                    if NAME.encode() in data or "Testesen".encode("utf-16-le") in data]
    listed = run_subprocess("list", "--data-dir", data_dir, "--passphrase-file", secret)
    assert listed.returncode == 0 and NAME in listed.stdout
    _encrypted_with_passphrase(data_dir)


# ---- the passphrase file -----------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o622])
def test_a_passphrase_file_others_can_read_or_change_is_refused(
        cli: Cli, mode: int) -> None:
    cli.passphrase_file.chmod(mode)
    result = cli.run("import", EXAMPLE, *cli.data())
    assert result.code == 2
    assert f"{mode:04o}" in result.err
    assert f"chmod 600 {cli.passphrase_file}" in result.err
    assert not cli.data_dir.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0,
                    reason="giving a file to another user needs root")
def test_a_passphrase_file_of_another_user_is_refused(cli: Cli) -> None:
    os.chown(cli.passphrase_file, 65534, 65534)  # nobody
    result = cli.run("import", EXAMPLE, *cli.data())
    assert result.code == 2
    assert "chmod 600" in result.err
    assert not cli.data_dir.exists()


@pytest.mark.parametrize(("content", "accepted"), [
    (PASSPHRASE.encode() + b"\n", True),
    (PASSPHRASE.encode(), True),
    (PASSPHRASE.encode() + b"\r\n", True),
    (b"\xef\xbb\xbf" + PASSPHRASE.encode() + b"\n", True),
    (PASSPHRASE.encode() + b"\n\n", False),  # only one trailing newline is ignored
    (b"", False),
    (b"\n", False),
    (PASSPHRASE.encode() + b"\nsecond line\n", False),
    (b"\xff\xfe" + PASSPHRASE.encode("utf-16-le"), False),
    (b"x" * 5000, False),
])
def test_the_passphrase_file_holds_one_line(cli: Cli, content: bytes, accepted: bool) -> None:
    cli.data_dir.mkdir(mode=0o700)
    keys.create_passphrase_key(cli.data_dir, PASSPHRASE, kdf=keys.KdfParams.for_tests())
    cli.passphrase_file.write_bytes(content)
    result = cli.run("list", *cli.data())
    assert result.code == (0 if accepted else 2), result.err
    if not accepted:
        assert str(cli.passphrase_file) in result.err


def test_a_fifo_or_a_folder_is_not_a_passphrase_file(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir(mode=0o700)
    assert cli.run("import", EXAMPLE, "--data-dir", cli.data_dir, "--passphrase-file",
                   folder).code == 2
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo, 0o600)
        result = cli.run("import", EXAMPLE, "--data-dir", cli.data_dir, "--passphrase-file",
                         fifo)  # must not hang waiting for a writer
        assert result.code == 2
    assert not cli.data_dir.exists()


def test_a_weak_passphrase_in_the_file_makes_no_key(cli: Cli) -> None:
    cli.passphrase_file.write_text("kort\n", encoding="utf-8")
    result = cli.run("import", EXAMPLE, *cli.data())
    assert result.code == 2
    assert "10" in result.err  # the strength rule, as in the window
    assert not cli.data_dir.exists()


def test_the_passphrase_is_taken_from_no_argument_and_no_environment(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("REKVIRENT_PASSPHRASE", "PASSPHRASE", "REKVIRENT_KEY_PASSPHRASE"):
        monkeypatch.setenv(name, PASSPHRASE)
    with pytest.raises(SystemExit) as usage:  # no such option — not an abbreviation either
        cli.run("import", EXAMPLE, "--passphrase", PASSPHRASE, *cli.data(passphrase=False))
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert "Passordfrasefil" not in err  # not taken for --passphrase-file and opened as a file
    assert cli.run("import", EXAMPLE, *cli.data(passphrase=False)).code == 2
    assert not cli.data_dir.exists()


# ---- a wrong passphrase changes nothing ---------------------------------------------------


@pytest.mark.parametrize("verb", [*DATA_VERBS, "verify"])
def test_a_wrong_passphrase_changes_nothing(cli: Cli, tmp_path: Path, verb: str) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    before = all_files(cli.data_dir)
    wrong = passphrase_file(tmp_path / "wrong", "helt feil passordfrase")
    args = ["verify"] if verb == "verify" else _verb(verb, tmp_path / "out")
    result = cli.run(*args, "--data-dir", cli.data_dir, "--passphrase-file", wrong)
    assert result.code == 2
    assert str(wrong) in result.err
    assert all_files(cli.data_dir) == before
    assert not (tmp_path / "out").exists()


# ---- a computer with a keyring -----------------------------------------------------------


def test_with_a_keyring_a_fresh_folder_gets_a_keyring_key_and_nothing_is_asked(
        cli: Cli) -> None:
    with memory_keyring_installed() as backend:
        result = cli.run("import", EXAMPLE, *cli.data(passphrase=False))
        assert result.code == 0, result.err
        info = keys.read_key_info(cli.data_dir)
        assert info is not None and info.mode == "keyring"
        assert list(backend.entries) == [("Rekvirent", f"data-key-{info.key_id_hex}")]
        assert NAME in cli.run("list", *cli.data(passphrase=False)).out
    files = all_files(cli.data_dir)
    assert not [p for p, data in files.items() if NAME.encode() in data]
    # Without the keyring entry (another user profile), nothing opens and nothing changes.
    result = cli.run("list", *cli.data(passphrase=False))
    assert result.code == 2
    assert all_files(cli.data_dir) == files


def test_an_encrypted_database_whose_key_file_is_gone_gets_no_new_key(cli: Cli) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    (cli.data_dir / "key.json").rename(cli.root / "key.json.moved")
    before = all_files(cli.data_dir)
    with memory_keyring_installed() as backend:
        result = cli.run("list", *cli.data(passphrase=False))
        assert backend.entries == {}
    assert result.code == 2
    assert not (cli.data_dir / "key.json").exists()
    changed = {p for p, data in all_files(cli.data_dir).items() if before.get(p) != data}
    assert changed <= {"rekvirent.lock"}  # only the lock's holder line came and went


def test_a_plaintext_database_from_before_is_encrypted_by_the_command_line(cli: Cli) -> None:
    old = Store.open(data_dir=cli.data_dir)
    old.import_case(casefile.read(EXAMPLE))
    old.close()
    result = cli.run("list", *cli.data())
    assert result.code == 0 and NAME in result.out
    _encrypted_with_passphrase(cli.data_dir)
    assert not [p for p, data in all_files(cli.data_dir).items() if NAME.encode() in data]


# ---- check needs no key --------------------------------------------------------------------


def test_check_needs_no_key_and_no_data_folder(cli: Cli) -> None:
    result = cli.run("check", EXAMPLE, "--data-dir", cli.data_dir)
    assert result.code in (0, 1), result.err
    assert not cli.data_dir.exists()


def test_export_without_record_needs_no_key_and_creates_no_data_folder(
        cli: Cli, tmp_path: Path) -> None:
    result = cli.run("export", EXAMPLE, "--out", tmp_path / "dok", "--data-dir", cli.data_dir)
    assert result.code == 0, result.err
    assert not cli.data_dir.exists()
    assert list((tmp_path / "dok").glob("*.pdf"))


# ---- export --record and the export folder -----------------------------------------------


def test_export_with_record_keeps_the_export_like_the_window(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "dok"
    result = cli.run("export", EXAMPLE, "--out", out, "--record", *cli.data(),
                     "--actor-name", "Lege Lise Fiktiv", "--actor-hpr", "9999999")
    assert result.code == 0, result.err
    key = keys.unlock(cli.data_dir, PASSPHRASE)
    store = Store.open(data_dir=cli.data_dir, cipher=key.cipher())
    try:
        revisions = store.list_exports(CASE_ID)
        assert len(revisions) == 1
        assert {d.file_name for d in revisions[0].documents} == {p.name for p in out.iterdir()}
        entries = store.audit_log(CASE_ID)
        assert [e.action for e in entries] == ["import", "export"]
        assert {(e.actor, e.actor_hpr) for e in entries} == {("Lege Lise Fiktiv", "9999999")}
        assert store.verify_audit().ok
    finally:
        store.close()
    assert not [p for p, data in all_files(cli.data_dir).items() if NAME.encode() in data]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_folder_the_export_creates_is_user_only(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "new" / "dok"
    assert cli.run("export", EXAMPLE, "--out", out).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    chosen = tmp_path / "chosen"
    chosen.mkdir(mode=0o755)
    chosen.chmod(0o755)
    assert cli.run("export", EXAMPLE, "--out", chosen).code == 0
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o755  # the GP's own folder is left alone


# ---- the audit actor -----------------------------------------------------------------------


def _actors(data_dir: Path) -> list[tuple[str, str, str]]:
    store = Store.open(data_dir=data_dir, cipher=keys.unlock(data_dir, PASSPHRASE).cipher())
    try:
        return [(e.action, e.actor, e.actor_hpr) for e in store.audit_log()]
    finally:
        store.close()


def test_audit_entries_name_the_actor_given(cli: Cli, tmp_path: Path) -> None:
    assert cli.run("import", EXAMPLE, *cli.data(), "--actor-name", "Dr.  Ola Prøve",
                   "--actor-hpr", "123 456 7").code == 0
    assert cli.run("export-case", CASE_ID, "--out", tmp_path / "ut.json", *cli.data(),
                   "--actor-name", "Dr. Kari Prøve", "--actor-hpr", "7654321").code == 0
    assert _actors(cli.data_dir) == [("import", "Dr. Ola Prøve", "1234567"),
                                     ("open", "Dr. Kari Prøve", "7654321")]


def test_audit_entries_name_the_settings_prescriber_by_default(cli: Cli) -> None:
    cli.data_dir.mkdir(mode=0o700)
    settings = Settings()
    settings.prescriber.name = "Lege Lise Fiktiv"
    settings.prescriber.hpr_number = "9999999"
    save_settings(cli.data_dir, settings)
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    assert cli.run("import", EXAMPLE, *cli.data(), "--actor-name", "Vikar Per Prøve").code == 0
    assert _actors(cli.data_dir) == [("import", "Lege Lise Fiktiv", "9999999"),
                                     ("import", "Vikar Per Prøve", "9999999")]


@pytest.mark.parametrize("hpr", ["12345", "1234567890", "12a4567", "١٢٣٤٥٦٧"])
def test_an_actor_hpr_that_is_no_hpr_number_is_refused(cli: Cli, hpr: str) -> None:
    result = cli.run("import", EXAMPLE, *cli.data(), "--actor-hpr", hpr)
    assert result.code == 2
    assert "HPR" in result.err
    assert not cli.data_dir.exists()


# ---- the instance lock ---------------------------------------------------------------------


@pytest.mark.parametrize("verb", [*DATA_VERBS, "verify"])
def test_a_data_verb_refuses_while_the_window_holds_the_folder(
        cli: Cli, tmp_path: Path, verb: str) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    before = all_files(cli.data_dir)
    with instance_lock.acquire(cli.data_dir):  # what the window holds for its session
        args = ["verify"] if verb == "verify" else _verb(verb, tmp_path / "out")
        result = cli.run(*args, *cli.data())
        assert result.code == 2
        assert str(os.getpid()) in result.err  # names the window's process
    assert {p: d for p, d in all_files(cli.data_dir).items() if p != "rekvirent.lock"} == \
        {p: d for p, d in before.items() if p != "rekvirent.lock"}
    assert not (tmp_path / "out").exists()


def test_a_data_verb_releases_the_lock_when_done(cli: Cli) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    assert cli.run("list", *cli.data()).code == 0
    with instance_lock.acquire(cli.data_dir) as lock:  # the window can start right after
        assert lock.held


def test_the_window_is_told_when_a_command_holds_the_folder(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    seen: list[str] = []
    entered, leave = threading.Event(), threading.Event()
    real_open = Store.open

    def slow_open(*args: object, **kwargs: object) -> Store:
        store = real_open(*args, **kwargs)  # type: ignore[arg-type]
        entered.set()
        leave.wait(10)
        return store

    monkeypatch.setattr(Store, "open", slow_open)
    worker = threading.Thread(target=lambda: seen.append(str(cli.run("list", *cli.data()))))
    worker.start()
    try:
        assert entered.wait(10)
        with pytest.raises(instance_lock.AlreadyRunning) as refused:
            instance_lock.acquire(cli.data_dir)
        assert refused.value.holder is not None
        assert refused.value.holder.purpose == "command"
    finally:
        leave.set()
        worker.join(10)
    assert "kommando" in str(refused.value).lower() or "command" in str(refused.value).lower()


# ---- casefile.read is bounded --------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_check_reads_at_most_the_cap_from_a_pipe(cli: Cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe has no size: the cap must hold while reading, not by trusting ``st_size``."""
    cap = 1024 * 1024
    monkeypatch.setattr(casefile, "MAX_FILE_BYTES", cap)
    fifo = tmp_path / "sak.json"
    os.mkfifo(fifo, 0o600)
    written = [0]

    def endless_writer() -> None:
        chunk = b" " * 65536
        try:
            with open(fifo, "wb") as pipe:
                while written[0] < 8 * cap:  # more than the cap, then EOF
                    pipe.write(chunk)
                    written[0] += len(chunk)
        except BrokenPipeError:  # the reader stopped: what we want
            pass

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    result = cli.run("check", fifo)
    writer.join(30)
    assert result.code == 2
    assert "for stor" in result.err
    assert written[0] < 8 * cap  # the reader gave up long before the writer was done


def test_check_of_dev_zero_stops_at_the_cap(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    monkeypatch.setattr(casefile, "MAX_FILE_BYTES", 64 * 1024)
    result = cli.run("check", "/dev/zero")
    assert result.code == 2
    assert "for stor" in result.err


def test_a_case_file_at_the_cap_is_still_read(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    monkeypatch.setattr(casefile, "MAX_FILE_BYTES", len(text.encode()))
    path = tmp_path / "sak.json"
    shutil.copy(EXAMPLE, path)
    assert casefile.read(path).id == CASE_ID
    path.write_text(text + " ", encoding="utf-8")
    with pytest.raises(casefile.CaseFileError, match="for stor"):
        casefile.read(path)


# ---- on a terminal -------------------------------------------------------------------------


def _terminal(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """A terminal on which ``answers`` are typed at the getpass prompts (returns the prompts)."""
    prompts: list[str] = []
    typed = iter(answers)

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None  # Ctrl-D

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    return prompts


def test_on_a_terminal_a_new_passphrase_is_typed_twice_with_the_windows_rules(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = _terminal(monkeypatch, [PASSPHRASE, "noe helt annet her", "kort", "kort",
                                      PASSPHRASE, PASSPHRASE])
    result = cli.run("import", EXAMPLE, *cli.data(passphrase=False))
    assert result.code == 0, result.err
    assert len(prompts) == 6
    assert "ikke like" in result.err and "10" in result.err  # mismatch, then too short
    assert "passordfrase" in result.err.lower()  # the explanation before the first prompt
    _encrypted_with_passphrase(cli.data_dir)


def test_on_a_terminal_giving_up_on_a_new_passphrase_creates_nothing(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch, ["kort", "kort", "a" * 12, "a" * 12])  # then Ctrl-D
    result = cli.run("import", EXAMPLE, *cli.data(passphrase=False))
    assert result.code == 2
    assert "ukryptert" in result.err
    assert not cli.data_dir.exists()


def test_on_a_terminal_the_passphrase_is_asked_up_to_three_times(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.run("import", EXAMPLE, *cli.data()).code == 0
    before = all_files(cli.data_dir)
    prompts = _terminal(monkeypatch, ["feil en", "feil to", "feil tre", PASSPHRASE])
    result = cli.run("list", *cli.data(passphrase=False))
    assert result.code == 2
    assert len(prompts) == 3
    assert all_files(cli.data_dir) == before
    prompts = _terminal(monkeypatch, ["feil en", PASSPHRASE])
    result = cli.run("list", *cli.data(passphrase=False))
    assert result.code == 0 and NAME in result.out
    assert prompts == ["Passordfrase: ", "Passordfrase: "]
