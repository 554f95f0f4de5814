"""Clinic mode on every backend: owner and last editor, who sees which drafts, two doctors
editing the same case at once, disconnects told apart from other errors, and credentials that
never reach settings, logs or error messages."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy.exc import OperationalError

from core import credentials
from core.audit import Actor
from core.case import Case, Consultation, Medication, Patient
from core.diff import differences
from core.settings import Settings, load_settings, save_settings
from core.storage import (
    DRAFTS_VISIBLE_TO_ALL,
    ConflictError,
    ConnectionLost,
    ExportedDocument,
    StorageError,
    Store,
    head_revision,
)
from core.storage.errors import error_for as _error_for
from tests.memory_keyring import MemoryKeyring

DOCTOR_A = ("Lege Anna Testesen", "9100001")
DOCTOR_B = ("Lege Bjørn Prøvesen", "9100002")
SECRET = "Hemmelig-Passord-æøå-4711"


def _case(name: str = "Testa Testesen") -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name=name, identity_number="15888510025"),
                consultation=Consultation(date=date(2021, 11, 15)),
                medications=[Medication(drug="buprenorphine", daily_dose="16")])


@pytest.fixture
def second(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """Another workstation on the same database (its own engine and connections)."""
    other = Store.open(store_url, data_dir=tmp_path / "second")
    yield other
    other.close()


def test_migration_0004_is_part_of_the_schema(store: Store) -> None:
    assert store.schema_revision() == head_revision()
    assert int(head_revision()) >= 4


# ---- owner and last editor ---------------------------------------------------------------


def test_creator_is_owner_and_every_save_records_the_last_editor(store: Store,
                                                                  second: Store) -> None:
    store.set_actor(*DOCTOR_A)
    second.set_actor(*DOCTOR_B)
    case = _case()
    store.save(case)
    first = store.load(case.id)
    assert (first.owner, first.editor) == (store.actor, store.actor)

    loaded = second.load(case.id)
    loaded.case.notes = "fortsatt av lege B"
    second.save(loaded.case, expected_version=loaded.version)
    after = store.load(case.id)
    assert after.owner is not None and after.owner.hpr == DOCTOR_A[1]
    assert after.editor is not None and after.editor.name == DOCTOR_B[0]
    [summary] = store.list(scope="all")
    assert (summary.owner, summary.editor) == (after.owner, after.editor)


def test_copies_belong_to_whoever_made_them(store: Store, second: Store) -> None:
    store.set_actor(*DOCTOR_A)
    second.set_actor(*DOCTOR_B)
    case = _case()
    store.save(case)
    copy_id = second.duplicate(case.id)
    copy = store.load(copy_id)
    assert copy.owner is not None and copy.owner.hpr == DOCTOR_B[1]


def test_a_case_saved_without_a_profile_has_no_owner(store: Store) -> None:
    case = _case()
    store.save(case)
    loaded = store.load(case.id)
    assert loaded.owner is None and loaded.editor is None


# ---- visibility ---------------------------------------------------------------------------


def _three_drafts(store: Store, second: Store) -> dict[str, str]:
    store.set_actor(*DOCTOR_A)
    second.set_actor(*DOCTOR_B)
    mine, theirs, old = _case("Anna sin pasient"), _case("Bjørn sin pasient"), _case("Gammel")
    store.save(mine)
    second.save(theirs)
    store.save(old, actor=Actor())  # made before clinic mode: no owner
    return {"mine": mine.id, "theirs": theirs.id, "old": old.id}


def test_own_drafts_and_unowned_ones_by_default_on_a_clinic_server(store: Store,
                                                                    second: Store) -> None:
    ids = _three_drafts(store, second)
    assert {d.id for d in store.list(scope="own")} == {ids["mine"], ids["old"]}
    assert {d.id for d in second.list(scope="own")} == {ids["theirs"], ids["old"]}
    assert {d.id for d in store.list(scope="all")} == set(ids.values())
    if store.engine.dialect.name == "sqlite":  # one user's own file: everything is theirs
        assert store.drafts_visible_to_all()
    else:
        assert not store.drafts_visible_to_all()
        assert {d.id for d in store.list()} == {ids["mine"], ids["old"]}


def test_the_clinic_switch_shows_every_draft_on_every_workstation(store: Store,
                                                                   second: Store) -> None:
    ids = _three_drafts(store, second)
    store.set_clinic_setting(DRAFTS_VISIBLE_TO_ALL, True)
    assert second.drafts_visible_to_all()
    assert {d.id for d in second.list()} == set(ids.values())
    second.set_clinic_setting(DRAFTS_VISIBLE_TO_ALL, False)
    assert {d.id for d in store.list()} == {ids["mine"], ids["old"]}
    assert store.clinic_setting(DRAFTS_VISIBLE_TO_ALL) is False


def test_search_respects_visibility(store: Store, second: Store) -> None:
    _three_drafts(store, second)
    assert [d.patient_name for d in store.list("bjørn", scope="own")] == []
    assert [d.patient_name for d in store.list("bjørn", scope="all")] == ["Bjørn sin pasient"]


# ---- two doctors, one case ----------------------------------------------------------------


def test_two_editors_the_second_is_refused_and_nothing_is_lost(store: Store,
                                                               second: Store) -> None:
    store.set_actor(*DOCTOR_A)
    second.set_actor(*DOCTOR_B)
    case = _case()
    store.save(case)
    a, b = store.load(case.id), second.load(case.id)
    a.case.plan.daily_follow_up = "Daglig kontakt med fastlegen"
    b.case.medications[0].daily_dose = "12"
    b_typed = b.case.model_copy(deep=True)

    assert store.save(a.case, expected_version=a.version) == 2
    with pytest.raises(ConflictError) as refused:
        second.save(b.case, expected_version=b.version)
    assert (refused.value.stored_version, refused.value.expected_version) == (2, 1)
    assert refused.value.case_id == case.id

    stored = second.load(case.id)
    assert stored.case == a.case            # A's save is intact
    assert stored.editor is not None and stored.editor.hpr == DOCTOR_A[1]
    assert b.case == b_typed                # B's typing is untouched in memory
    changed = {c.path: (c.theirs, c.mine) for c in differences(stored.case, b.case)}
    assert changed == {
        "medications.0.daily_dose": ("16", "12"),
        "plan.daily_follow_up": ("Daglig kontakt med fastlegen", ""),
    }
    # B keeps their version as a copy: a new case of their own, A's case unchanged.
    copy = b.case.model_copy(deep=True)
    copy.id = "f" * 32
    second.save(copy)
    assert second.load(copy.id).case.medications[0].daily_dose == "12"
    assert second.load(copy.id).owner == second.actor
    assert store.load(case.id).case == a.case


def test_simultaneous_saves_exactly_one_wins(store: Store, second: Store) -> None:
    """Both start from version 1 at the same moment: one save wins, the other is refused —
    the database never takes both (no lost update)."""
    case = _case()
    store.save(case)
    copies = [store.load(case.id).case, second.load(case.id).case]
    copies[0].notes, copies[1].notes = "fra arbeidsstasjon 1", "fra arbeidsstasjon 2"
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(index: int, target: Store) -> None:
        barrier.wait()
        try:
            results[index] = target.save(copies[index], expected_version=1)
        except ConflictError as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate((store, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "int"]
    winner = next(i for i, r in enumerate(results) if r == 2)
    assert store.load(case.id).case.notes == copies[winner].notes
    assert store.load(case.id).version == 2


# ---- disconnects ----------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_connection_lost_without_the_password(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"postgresql+psycopg://rekvirent_app:{SECRET}@127.0.0.1:{_closed_port()}/rekvirent"
    with pytest.raises(ConnectionLost) as lost:
        Store.open(url, data_dir=tmp_path)
    text = f"{lost.value!s} {lost.value!r} {lost.value.__cause__!r} {lost.value.__context__!r}"
    assert SECRET not in text
    assert SECRET not in caplog.text
    assert isinstance(lost.value, StorageError)  # old callers keep working


def test_sqlite_errors_are_never_taken_for_a_lost_connection() -> None:
    import sqlite3

    locked = OperationalError("UPDATE cases", {}, sqlite3.OperationalError("database is locked"))
    error = _error_for(locked)
    assert type(error) is StorageError
    assert "låst" in str(error) or "locked" in str(error)


def test_a_server_shutting_down_is_connection_lost() -> None:
    class AdminShutdown(Exception):
        sqlstate = "57P01"

    class SyntaxProblem(Exception):
        sqlstate = "42601"

    assert isinstance(_error_for(OperationalError("SELECT 1", {}, AdminShutdown())),
                      ConnectionLost)
    assert not isinstance(_error_for(OperationalError("SELECT 1", {}, SyntaxProblem())),
                          ConnectionLost)


# ---- credentials ---------------------------------------------------------------------------


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def no_pgpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return path


SERVER = "postgresql+psycopg://rekvirent_app@db.legekontor.test:5433/rekvirent?sslmode=verify-full"


def test_the_password_comes_from_the_keyring(memory_keyring: MemoryKeyring,
                                             no_pgpass: Path) -> None:
    credentials.save_password(SERVER, SECRET)
    assert memory_keyring.entries == {
        (credentials.SERVICE, "rekvirent_app@db.legekontor.test:5433/rekvirent"): SECRET}
    url = credentials.connect_url(SERVER, ask=lambda _shown: pytest.fail("asked"))
    assert url.password == SECRET
    assert SECRET not in repr(url) and SECRET not in str(url)
    assert SECRET not in credentials.redact(url)
    assert url.query == {"sslmode": "verify-full"}
    credentials.forget_password(SERVER)
    assert memory_keyring.entries == {}


def test_without_a_keyring_saving_is_refused_and_the_user_is_asked(no_keyring: None,
                                                                   no_pgpass: Path) -> None:
    assert credentials.keyring_problem() is not None
    with pytest.raises(credentials.CredentialsError):
        credentials.save_password(SERVER, SECRET)
    shown: list[str] = []

    def ask(redacted: str) -> str:
        shown.append(redacted)
        return SECRET

    assert credentials.connect_url(SERVER, ask=ask).password == SECRET
    assert shown and SECRET not in shown[0] and "db.legekontor.test" in shown[0]


def test_a_pgpass_entry_leaves_the_password_to_libpq(no_keyring: None, no_pgpass: Path) -> None:
    no_pgpass.write_text("# kommentar\nother.host:5433:*:*:x\n"
                         "db.legekontor.test:5433:rekvirent:rekvirent_app:pw\\:med\\:kolon\n",
                         encoding="utf-8")
    assert credentials.pgpass_has_entry(SERVER)
    url = credentials.connect_url(SERVER, ask=lambda _shown: pytest.fail("asked"))
    assert url.password is None
    no_pgpass.write_text("db.legekontor.test:5432:rekvirent:rekvirent_app:pw\n",
                         encoding="utf-8")
    assert not credentials.pgpass_has_entry(SERVER)  # another port
    assert credentials.connect_url(SERVER, ask=lambda _shown: None).password is None


def test_settings_never_keep_a_password(tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with_password = SERVER.replace("rekvirent_app@", f"rekvirent_app:{SECRET}@")
    settings = Settings(database_url=with_password)
    assert SECRET not in settings.database_url
    assert credentials.keyring_user(settings.database_url) == credentials.keyring_user(SERVER)
    save_settings(tmp_path, settings)
    assert SECRET not in (tmp_path / "settings.json").read_text(encoding="utf-8")
    # A settings file edited by hand is cleaned on load, and the password is not logged.
    (tmp_path / "settings.json").write_text(
        json.dumps({"database_url": with_password}), encoding="utf-8")
    assert load_settings(tmp_path).database_url == settings.database_url
    assert SECRET not in caplog.text


# ---- the grants in docs/clinic.md ----------------------------------------------------------

DOCS = Path(__file__).resolve().parents[3] / "docs" / "clinic.md"
APP_ROLE = "rekvirent_app_grants_test"


def _documented_grants() -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("-- rekvirent-grants")
    block = text[start:text.index("```", start)]
    assert "GRANT" in block
    return block.replace("rekvirent_app", APP_ROLE)


def test_the_documented_app_role_grants_are_enough_and_no_more(store_url: str,
                                                               tmp_path: Path) -> None:
    """The least-privilege grants of docs/clinic.md, executed as written: every store
    operation a workstation makes works; changing the clinic switch does not."""
    if not store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL roles")
    from sqlalchemy import create_engine, event, text

    owner = Store.open(store_url, data_dir=tmp_path)  # migrates, as the owner would
    admin = create_engine(store_url)
    try:
        with admin.begin() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                      {"r": APP_ROLE}).first():
                connection.execute(text(f"CREATE ROLE {APP_ROLE} NOLOGIN"))
            connection.execute(text(_documented_grants()))
    except Exception as exc:  # a shared server may not let the test user create roles
        owner.close()
        admin.dispose()
        pytest.skip(f"cannot create a role here ({type(exc).__name__})")

    app = Store.open(store_url, data_dir=tmp_path / "app")
    app.engine.dispose()

    def as_app_role(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
        dbapi_connection.commit()

    event.listen(app.engine, "connect", as_app_role)
    try:
        app.set_actor(*DOCTOR_A)
        with app.engine.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == APP_ROLE
        case = _case()
        app.save(case)
        stored = app.open_case(case.id)
        stored.case.notes = "endret"
        app.save(stored.case, expected_version=stored.version)
        from core.course.model import FollowUpEntry

        entry = FollowUpEntry(note="Rutinedag")
        app.course.add(case.id, entry)  # the course part: add, change, remove an entry
        entry.note = "Rettet"
        app.course.update(case.id, entry, expected_version=1)
        app.course.remove(case.id, entry.id, expected_version=2)
        app.course.add(case.id, FollowUpEntry())
        app.record_export(case.id, [ExportedDocument("journal", "nb", "journal.pdf",
                                                     "0" * 64, b"%PDF-1.4")])
        assert [d.id for d in app.list()] == [case.id]
        copy_id = app.duplicate(case.id)
        app.delete(copy_id)
        assert not app.drafts_visible_to_all()
        assert app.verify_audit().ok
        with pytest.raises(StorageError):
            app.set_clinic_setting(DRAFTS_VISIBLE_TO_ALL, True)
        assert not owner.drafts_visible_to_all()
        owner.set_clinic_setting(DRAFTS_VISIBLE_TO_ALL, True)  # IT, as the owner
        assert app.drafts_visible_to_all()
    finally:
        app.close()
        owner.close()
        with admin.begin() as connection:
            connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}"))
            connection.execute(text(
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}"))
        admin.dispose()


# ---- core.diff --------------------------------------------------------------------------------


def test_differences_are_leaf_fields_in_wizard_order_and_ignore_bookkeeping() -> None:
    from core.case import ExtraMeasure, RiskAnswer
    from core.content import load_library
    from core.diff import display_value, label_for

    pathway = load_library().get("karantene-substitusjon", 1)
    assert pathway is not None
    theirs = _case()
    mine = theirs.model_copy(deep=True)
    mine.touch()                                          # bookkeeping: not a difference
    mine.status = "ready"
    mine.risk["unused"] = RiskAnswer()                    # an empty entry equals a missing one
    mine.extra_measures.append(ExtraMeasure(title="Ekstra tilsyn"))
    mine.medications[0].daily_dose = "12"
    point = pathway.risk_points[0]
    theirs.risk[point.id] = RiskAnswer(note="Bor alene")
    mine.patient.name = "Testa Prøvesen"

    changes = differences(theirs, mine)
    assert [(c.path, c.step, c.theirs, c.mine) for c in changes] == [
        ("patient.name", "patient", "Testa Testesen", "Testa Prøvesen"),
        (f"risk.{point.id}.note", "risk", "Bor alene", None),
        ("extra_measures.0.title", "measures", None, "Ekstra tilsyn"),
        ("medications.0.daily_dose", "medication", "16", "12"),
    ]
    assert differences(theirs, theirs.model_copy(deep=True)) == []
    assert point.title.get("nb") in label_for(f"risk.{point.id}.note", pathway, "nb")
    assert label_for("medications.0.daily_dose") != label_for("medications.1.daily_dose")
    assert display_value(None) == display_value("") == "–"
    assert display_value(date(2021, 11, 5)) == "05.11.2021"
