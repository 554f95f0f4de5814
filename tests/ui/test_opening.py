"""Opening the data from the GUI: key made or asked for, encryption in place, retention."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from core import keys
from core.case import Case, Consultation, Medication, Patient
from core.keys import DataKey, KdfParams
from core.settings import Settings, save_settings
from core.storage import ExportedDocument, KeyRequired, Store
from tests.memory_keyring import no_keyring_installed
from ui import opening
from ui.start_window import StartWindow

PASSPHRASE = "rolig elg speiler fjorden"
CHEAP = KdfParams.for_tests()


def _case(name: str) -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number="15888510025"),
                consultation=Consultation(date=date(2026, 11, 1)),
                medications=[Medication(drug="buprenorphine", daily_dose="16")])


def _never(*_args: object) -> None:
    raise AssertionError("no question expected")


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """What this machine has: keyring's ``fail`` backend (no Secret Service)."""
    with no_keyring_installed():
        yield


def test_a_new_folder_gets_a_keyring_key_and_an_encrypted_database(tmp_path: Path) -> None:
    store = opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    case = _case("Kari Nordmann-Testesen")
    store.save(case)
    store.close()
    assert opening.key_mode(tmp_path) == "keyring"
    with pytest.raises(KeyRequired):
        Store.open(data_dir=tmp_path)
    assert b"Nordmann-Testesen" not in b"".join(
        p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    again = opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    try:
        assert again.load(case.id).case.patient.name == "Kari Nordmann-Testesen"
    finally:
        again.close()


def _answer(passphrases: list[str | None], asked: list[str]) -> opening.AskPassphrase:
    """Answer the passphrase dialog like the GP: each entry typed once, None = Cancel."""
    def ask(mode: str, attempt: Callable[[str], DataKey]) -> DataKey | None:
        asked.append(mode)
        while passphrases:
            typed = passphrases.pop(0)
            if typed is None:
                return None
            try:
                return attempt(typed)
            except keys.KeyProblem:
                continue
        return None

    return ask


def test_without_a_keyring_the_gp_chooses_a_passphrase_and_types_it_next_time(
        tmp_path: Path, no_keyring: None) -> None:
    asked: list[str] = []
    store = opening.open_store(tmp_path, None, ask_passphrase=_answer([PASSPHRASE], asked),
                               ask_password=_never)
    case = _case("Ola Passfrase")
    store.save(case)
    store.close()
    assert asked == ["create"]
    assert opening.key_mode(tmp_path) == "passphrase"

    asked.clear()
    again = opening.open_store(tmp_path, None, ask_passphrase=_answer(
        ["feil passord her", PASSPHRASE], asked), ask_password=_never)
    try:
        assert asked == ["unlock"]
        assert again.load(case.id).case.patient.name == "Ola Passfrase"
    finally:
        again.close()


def test_cancelling_the_passphrase_opens_nothing_and_changes_nothing(
        tmp_path: Path, no_keyring: None) -> None:
    keys.create_passphrase_key(tmp_path, PASSPHRASE, kdf=CHEAP)
    key = keys.unlock(tmp_path, PASSPHRASE)
    store = Store.open(data_dir=tmp_path, cipher=key.cipher())
    store.save(_case("Per Avbryt"))
    store.close()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(opening.OpeningStopped):
        opening.open_store(tmp_path, None, ask_passphrase=_answer([None], []),
                           ask_password=_never)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


def test_refusing_to_choose_a_passphrase_stops_instead_of_storing_plaintext(
        tmp_path: Path, no_keyring: None) -> None:
    with pytest.raises(opening.OpeningStopped, match=r"unencrypted|ukryptert"):
        opening.open_store(tmp_path, None, ask_passphrase=_answer([None], []),
                           ask_password=_never)
    assert not keys.key_file(tmp_path).exists()


def test_an_encrypted_database_whose_key_file_is_gone_gets_no_new_key(tmp_path: Path) -> None:
    store = opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    store.save(_case("Nina Nøkkelløs"))
    store.close()
    keys.key_file(tmp_path).rename(tmp_path / "key.json.moved")
    database = tmp_path / "rekvirent.sqlite3"
    before = database.read_bytes()
    with pytest.raises(opening.OpeningStopped, match=r"key|nøkkel"):
        opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    assert not keys.key_file(tmp_path).exists()
    assert database.read_bytes() == before


def test_a_plaintext_database_from_before_is_encrypted_on_open(tmp_path: Path) -> None:
    old = Store.open(data_dir=tmp_path)
    case = _case("Gunnar Gammeldata")
    old.save(case)
    old.close()
    store = opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    try:
        assert store.load(case.id).case.patient.name == "Gunnar Gammeldata"
    finally:
        store.close()
    files = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"Gammeldata" not in files


def _exported(store: Store, case: Case, at: datetime) -> None:
    store.save(case)
    content = b"journal"
    revision = store.record_export(case.id, [ExportedDocument(
        "journal", "nb", "journal.txt", hashlib.sha256(content).hexdigest(), content)])
    with store.engine.begin() as connection:
        connection.execute(text(
            "UPDATE export_revisions SET exported_at = :at WHERE case_id = :c AND revision = :r"),
            {"at": at, "c": case.id, "r": revision})


def test_the_start_window_purges_due_cases_and_announces_the_next(
        qtbot: QtBot, tmp_path: Path) -> None:
    save_settings(tmp_path, Settings(retention_days=30))
    store = opening.open_store(tmp_path, None, ask_passphrase=_never, ask_password=_never)
    now = datetime.now(UTC)
    old, soon, draft = _case("Gammel Eksport"), _case("Snart Eksport"), _case("Bare Utkast")
    _exported(store, old, now - timedelta(days=31))
    _exported(store, soon, now - timedelta(days=27))
    store.save(draft)
    store.close()

    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    window.open_storage()
    assert window.store is not None
    listed = {d.id for d in window.store.list(scope="all")}
    assert old.id not in listed
    assert {soon.id, draft.id} <= listed
    notice = window.retention_label.text()
    assert window.retention_label.isVisibleTo(window)
    assert "1" in notice and "30" in notice
    assert [e.action for e in window.store.audit_log(old.id)][-1] == "purge"
    window.close()


def test_the_export_folder_is_remembered_for_the_next_case(qtbot: QtBot, tmp_path: Path) -> None:
    from core.settings import load_settings

    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    window.open_storage()
    assert window.store is not None
    first, second = _case("Første Mappe"), _case("Andre Mappe")
    window.store.save(first)
    window.store.save(second)
    wizard = window.open_case(first.id)
    assert wizard is not None
    panel = wizard.page("summary").documents  # type: ignore[attr-defined]
    assert panel.remember_folder is not None
    chosen = tmp_path / "eksport"
    chosen.mkdir()
    panel.remember_folder(chosen)
    assert load_settings(tmp_path).export_dir == str(chosen)
    assert wizard.close()
    again = window.open_case(second.id)
    assert again is not None
    assert again.page("summary").documents.export_dir == str(chosen)  # type: ignore[attr-defined]
    again.close()
    window.close()


def test_a_refused_server_password_is_asked_again_and_can_be_remembered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clinic mode: the server (stood in for by SQLite) refuses a wrong password; the right
    one opens the store and, when the GP agrees, is kept in the keyring — never in settings."""
    from core import credentials
    from core.storage import LoginRefused

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    url = "postgresql+psycopg://lege@db.legekontor.invalid/rekvirent"
    real_open = Store.open
    tried: list[str | None] = []

    def server(target: object, *, data_dir: Path, cipher: object = None) -> Store:
        tried.append(getattr(target, "password", None))
        if tried[-1] != "riktig-passord":
            raise LoginRefused("refused")
        return real_open(f"sqlite:///{tmp_path / 'server.sqlite3'}", data_dir=data_dir,
                         cipher=cipher)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "open", server)
    answers = ["feil-passord", "riktig-passord"]
    asked: list[tuple[str, bool]] = []

    def password(where: str, failed: bool) -> str | None:
        asked.append((where, failed))
        return answers.pop(0)

    remembered: list[str] = []
    store = opening.open_store(tmp_path / "data", url, ask_passphrase=_never,
                               ask_password=password,
                               ask_remember=lambda where: remembered.append(where) or True)
    store.close()
    assert tried == ["feil-passord", "riktig-passord"]
    assert [failed for _where, failed in asked] == [False, True]
    assert all("passord" not in where for where, _failed in asked)  # shown redacted
    assert remembered and "riktig" not in remembered[0]
    assert credentials.password_from_keyring(url) == "riktig-passord"


def test_the_daily_backup_is_made_off_the_ui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    window.open_storage()
    assert window.store is not None
    window.store.remove_backups(window.store.backups())  # (the first start took one already)
    worker = window.rotate_backups()
    assert worker is not None
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert [p.name for p in window.store.backups() if p.name.endswith("-daily.sqlite3")]
    window.close()
