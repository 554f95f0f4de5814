"""The course part (``store.course``): one sealed row per follow-up entry or dose decision,
one audited transaction each, merged back into the case on load; on SQLite and PostgreSQL.

Includes the clinic case of issue 16: a nurse on another workstation adds entries while the
GP has the case open and autosaves — no lost entry, no silent overwrite."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from core import casefile
from core.audit import Actor
from core.case import Case, Consultation, Medication, Patient
from core.course.model import (
    CourseEnd,
    DoseDecision,
    DoseGiven,
    FollowUpEntry,
    Observer,
    TaperStep,
)
from core.crypto import FieldCipher
from core.storage import (
    CaseNotFound,
    ConflictError,
    ExportedDocument,
    StorageError,
    Store,
    UnreadableData,
)
from core.storage.tables import course_items

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"
MARKER = "zqxforløpmerke"
NURSE = Actor("Sykepleier Siri Prøve", "9100003")
GP = Actor("Lege Anna Testesen", "9100001")


def _case() -> Case:
    return Case(pathway_id="karantene-substitusjon", pathway_version=1,
                patient=Patient(name="Ola Prøve Nordmann", identity_number="15888510025"),
                consultation=Consultation(date=date(2021, 11, 15)),
                medications=[Medication(drug="buprenorphine_naloxone", daily_dose="8",
                                        start_date=date(2021, 11, 15))])


def _entry(day: int, hour: int = 9, note: str = "") -> FollowUpEntry:
    return FollowUpEntry(at=datetime(2021, 11, day, hour, tzinfo=UTC),
                         observer=Observer(name="Siri Prøve", role="nurse"), form="home_visit",
                         doses=[DoseGiven(drug="buprenorphine_naloxone", dose="8",
                                          status="given", supervised=True)],
                         intoxication="none", overdose="none", adherence="kept", note=note)


def _decision(note: str = "") -> DoseDecision:
    return DoseDecision(decided_at=datetime(2021, 11, 17, 10, tzinfo=UTC),
                        effective_from=date(2021, 11, 18), drug="buprenorphine_naloxone",
                        new_daily_dose="12", reason=f"Abstinens {note}".strip())


@pytest.fixture
def second(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """Another workstation on the same database (its own engine and connections)."""
    other = Store.open(store_url, data_dir=tmp_path / "second")
    yield other
    other.close()


def _rows(store: Store, case_id: str | None = None) -> int:
    statement = select(func.count()).select_from(course_items)
    if case_id is not None:
        statement = statement.where(course_items.c.case_id == case_id)
    with store.engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


# ---- one item at a time -------------------------------------------------------------------


def test_entries_and_decisions_are_rows_of_their_own_merged_back_in_time_order(
        store: Store) -> None:
    case = _case()
    version = store.save(case)
    late, early = _entry(17), _entry(16, note="første")
    assert store.course.add(case.id, late) == 1
    assert store.course.add(case.id, early) == 1
    assert store.course.add(case.id, _decision()) == 1
    assert _rows(store, case.id) == 3
    stored = store.load(case.id)
    assert stored.version == version  # the entries did not touch the case's version
    assert [e.id for e in stored.case.course.followups] == [early.id, late.id]
    assert [d.reason for d in stored.case.course.dose_decisions] == ["Abstinens"]
    assert stored.item_versions == {early.id: 1, late.id: 1,
                                    stored.case.course.dose_decisions[0].id: 1}
    listed = store.course.list(case.id)
    assert [(s.kind, s.version) for s in listed] == [("followup", 1), ("followup", 1),
                                                     ("dose_decision", 1)]
    with store.engine.connect() as connection:  # the payload carries no entries
        payload = connection.execute(text("SELECT payload FROM cases")).scalar_one()
    assert casefile.loads(payload).course.followups == []


def test_update_and_remove_are_versioned_and_audited(store: Store) -> None:
    case = _case()
    store.save(case)
    entry = _entry(16)
    store.course.add(case.id, entry, actor=NURSE)
    entry.note = "Rettet"
    assert store.course.update(case.id, entry, expected_version=1, actor=NURSE) == 2
    assert store.load(case.id).case.course.followups[0].note == "Rettet"
    with pytest.raises(ConflictError) as stale:
        store.course.update(case.id, entry, expected_version=1)
    assert "oppfølging" in str(stale.value) or "follow-up" in str(stale.value)
    assert stale.value.stored_version == 2
    with pytest.raises(ConflictError):
        store.course.remove(case.id, entry.id, expected_version=1)
    store.course.remove(case.id, entry.id, expected_version=2, actor=NURSE)
    assert store.load(case.id).case.course.followups == []
    with pytest.raises(ConflictError):  # removed meanwhile
        store.course.update(case.id, entry, expected_version=2)
    decision = _decision()
    store.course.add(case.id, decision)
    log = [e for e in store.audit_log(case.id) if e.action in ("followup", "dose_change")]
    assert [(e.action, e.details) for e in log] == [
        ("followup", {"change": "add", "kind": "followup", "item_id": entry.id, "version": 1}),
        ("followup", {"change": "update", "kind": "followup", "item_id": entry.id,
                      "version": 2}),
        ("followup", {"change": "remove", "kind": "followup", "item_id": entry.id,
                      "version": 2}),
        ("dose_change", {"change": "add", "kind": "dose_decision", "item_id": decision.id,
                         "version": 1}),
    ]
    assert all(e.actor == NURSE.name for e in log[:3])
    assert store.verify_audit().ok


def test_an_item_is_stored_once_and_only_for_a_case_that_exists(store: Store) -> None:
    case = _case()
    store.save(case)
    entry = _entry(16)
    store.course.add(case.id, entry)
    with pytest.raises(ConflictError):
        store.course.add(case.id, entry)
    with pytest.raises(CaseNotFound):
        store.course.add("f" * 32, _entry(16))
    with pytest.raises(CaseNotFound):
        store.course.list("f" * 32)
    assert _rows(store) == 1
    assert [e.action for e in store.audit_log(case.id)].count("followup") == 1


def test_a_failed_write_leaves_neither_row_nor_audit_entry(store: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    case = _case()
    store.save(case)
    entries_before = len(store.audit_log())

    def broken(*args: object, **kwargs: object) -> None:
        raise StorageError("disk full")

    monkeypatch.setattr(store.audit_trail, "append", broken)
    with pytest.raises(StorageError):
        store.course.add(case.id, _entry(16))
    monkeypatch.undo()
    assert _rows(store) == 0 and len(store.audit_log()) == entries_before


# ---- the case around the items ------------------------------------------------------------


def test_autosave_never_overwrites_an_entry_and_keeps_the_rest_of_the_course(
        store: Store) -> None:
    case = _case()
    version = store.save(case)
    opened = store.open_case(case.id)  # the GP's copy, no entries yet
    store.course.add(case.id, _entry(16))  # the nurse's entry
    opened.case.notes = "Autolagret"
    opened.case.course.end = CourseEnd(kind="completed", ended_on=date(2021, 11, 25))
    assert store.save(opened.case, expected_version=version) == version + 1  # no conflict
    loaded = store.load(case.id).case
    assert len(loaded.course.followups) == 1 and loaded.notes == "Autolagret"
    assert loaded.course.end.kind == "completed"
    assert loaded.status == "completed"


def test_import_writes_its_items_keeps_later_ones_and_the_first_save_stores_them(
        store: Store) -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    assert case.course.followups and case.course.dose_decisions == []
    store.import_case(case)
    assert _rows(store, case.id) == len(case.course.followups)
    assert store.audit_log(case.id)[-1].details == {"replaced": False,
                                                    "items": len(case.course.followups)}
    extra = _entry(20, note="ekstra")
    store.course.add(case.id, extra)  # written after the file was made
    changed = case.course.followups[0]
    changed.note = "rettet i filen"
    store.import_case(case)  # the file again: its items replace theirs, the later one stays
    assert _rows(store, case.id) == len(case.course.followups) + 1
    loaded = store.load(case.id).case
    assert extra.id in {e.id for e in loaded.course.followups}
    assert [e.note for e in loaded.course.followups if e.id == changed.id] == ["rettet i filen"]
    assert loaded.course == case.course.model_copy(update={
        "followups": loaded.course.followups})

    benzo = casefile.read(EXAMPLES / "forlop-benzodiazepin-doseokning.json")
    store.save(benzo)  # a new case's first save keeps what it carries
    assert store.load(benzo.id).case.course.dose_decisions == benzo.course.dose_decisions


def test_two_items_with_one_id_are_refused_whole(store: Store) -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    case.course.followups[1].id = case.course.followups[0].id
    with pytest.raises(StorageError):
        store.import_case(case)
    assert store.count() == 0 and _rows(store) == 0


def test_duplicate_copies_the_consultation_not_the_course(store: Store) -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    store.import_case(case)
    copy_id = store.duplicate(case.id)
    copy = store.load(copy_id).case
    assert copy.course.followups == [] and copy.course.is_empty()
    assert copy.status == "draft" and copy.medications == case.medications
    assert _rows(store, copy_id) == 0


def test_an_export_snapshots_the_items_and_keeps_the_course_status(store: Store) -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    store.import_case(case)
    pdf = b"%PDF-1.4 ..."
    store.record_export(case.id, [ExportedDocument(
        "journal", "nb", "journal.pdf", hashlib.sha256(pdf).hexdigest(), pdf)])
    snapshot = store.list_exports(case.id)[0].case
    assert len(snapshot.course.followups) == len(case.course.followups)
    # The course ended in 2021: after the export the case is completed, not "exported".
    assert store.load(case.id).case.status == "completed"
    assert store.list()[0].status == "completed"

    fresh = _case()
    store.save(fresh)
    store.record_export(fresh.id, [])
    assert store.list(fresh.patient.name)[0].status in ("exported", "in_treatment",
                                                        "completed")
    assert store.load(fresh.id).case.status == "in_treatment"  # first dose 15.11.2021


def test_the_status_and_day_line_follow_the_entries(store: Store) -> None:
    case = _case()
    case.status = "ready"
    case.medications[0].start_date = None
    case.course.started_on = date(2021, 11, 15)
    store.save(case)
    assert store.list()[0].status == "ready"
    entry = _entry(16)
    store.course.add(case.id, entry)  # an entry: the course has begun
    listed = store.list()[0]
    assert listed.status == "in_treatment"
    assert listed.status_on(date(2021, 11, 16)) == "in_treatment"
    assert listed.course_line(date(2021, 11, 16)) == "behandlingsdag 2"
    store.course.remove(case.id, entry.id, expected_version=1)
    # Nothing moves a case back into draft or ready (core.course.lifecycle).
    assert store.list()[0].status_on(date(2021, 11, 16)) == "in_treatment"
    assert not store.list()[0].course.has_followups


def test_the_list_shows_the_line_of_each_case(store: Store) -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    store.import_case(case)
    listed = store.list()[0]
    assert listed.course is not None
    assert listed.course_line(date(2021, 11, 16)) == "dag 4 av isoleringen"
    assert listed.course_line(date(2021, 11, 20), "nn").startswith("nedtrapping")
    assert listed.course_line(date(2021, 12, 1)) == "avsluttet 25.11.2021"


def test_taper_and_end_are_explicit_audited_saves(store: Store) -> None:
    case = casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
    store.import_case(case)
    stored = store.load(case.id)
    stored.case.course.taper.steps.append(TaperStep(from_date=date(2021, 11, 26),
                                                    doses={"buprenorphine_naloxone": "0"}))
    version = store.course.save_taper(stored.case, expected_version=stored.version)
    assert version == stored.version + 1
    stored.case.course.end = CourseEnd(kind="stopped", ended_on=date(2021, 11, 20),
                                       stop_reason="admitted")
    store.course.complete(stored.case, expected_version=version)
    with pytest.raises(ConflictError):
        store.course.complete(stored.case, expected_version=version)
    log = store.audit_log(case.id)
    assert [(e.action, e.details) for e in log[-2:]] == [
        ("taper", {"kind": "taper", "steps": len(stored.case.course.taper.steps)}),
        ("complete", {"kind": "stopped", "reason": "admitted"})]
    assert store.load(case.id).case.status == "stopped"
    stored.case.course.end = CourseEnd()
    with pytest.raises(ValueError, match="end"):
        store.course.complete(stored.case, expected_version=version + 1)


def test_delete_and_purge_remove_the_items(store: Store) -> None:
    kept, deleted, purged = (casefile.read(EXAMPLES / "forlop-opioid-nedtrapping.json")
                             for _ in range(3))
    for case, case_id in zip((deleted, purged), ("d" * 32, "e" * 32), strict=True):
        case.id = case_id
    for case in (kept, deleted, purged):
        store.import_case(case)
    count = len(kept.course.followups)
    store.delete(deleted.id)
    store.purge(purged.id)
    assert _rows(store) == count and _rows(store, kept.id) == count
    assert store.audit_log(deleted.id)[-1].details["items"] == count
    assert store.audit_log(purged.id)[-1].details["items"] == count


# ---- encryption ---------------------------------------------------------------------------


def _marked_items(case_id: str) -> tuple[FollowUpEntry, DoseDecision]:
    entry = _entry(16, note=MARKER)
    entry.adverse_events = MARKER
    decision = _decision(MARKER)
    return entry, decision


def test_items_are_sealed_and_bound_to_their_place(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url, data_dir=tmp_path, cipher=FieldCipher.generate())
    try:
        case = _case()
        store.save(case)
        entry, decision = _marked_items(case.id)
        store.course.add(case.id, entry)
        store.course.add(case.id, decision)
        with store.engine.connect() as connection:
            rows = connection.execute(select(course_items)).all()
        assert rows and all(MARKER not in str(tuple(r)) for r in rows)
        assert all(r.payload.startswith("RK1") for r in rows)
        assert store.load(case.id).case.course.followups[0].note == MARKER
        # An entry's sealed payload moved onto the decision's row does not open.
        entry_payload = next(r.payload for r in rows if r.kind == "followup")
        with store.engine.begin() as connection:
            connection.execute(update(course_items).where(
                course_items.c.kind == "dose_decision").values(payload=entry_payload))
        with pytest.raises(UnreadableData):
            store.load(case.id)
    finally:
        store.close()


def test_enabling_encryption_seals_the_items(store_url: str, tmp_path: Path) -> None:
    plain = Store.open(store_url, data_dir=tmp_path)
    case = _case()
    plain.save(case)
    entry, decision = _marked_items(case.id)
    plain.course.add(case.id, entry)
    plain.course.add(case.id, decision)
    plain.close()
    cipher = FieldCipher.generate()
    store = Store.open(store_url, data_dir=tmp_path, cipher=cipher)
    try:
        with store.engine.connect() as connection:
            payloads = connection.execute(select(course_items.c.payload)).scalars().all()
        assert len(payloads) == 2 and all(p.startswith("RK1") for p in payloads)
        assert all(MARKER not in p for p in payloads)
        loaded = store.load(case.id).case
        assert loaded.course.followups[0].note == MARKER
        assert loaded.course.dose_decisions[0].reason.endswith(MARKER)
        assert store.list()[0].course is not None  # the facts survive the sealing
    finally:
        store.close()


# ---- clinic mode: two workstations --------------------------------------------------------


def test_a_nurse_adds_entries_while_the_gp_autosaves(store: Store, second: Store) -> None:
    """Issue 16's clinic case: nothing lost, nothing overwritten silently."""
    store.set_actor(GP.name, GP.hpr)
    second.set_actor(NURSE.name, NURSE.hpr)
    case = _case()
    version = store.save(case)
    gp_copy = store.open_case(case.id).case
    errors: list[BaseException] = []
    added: list[str] = []
    start = threading.Barrier(2)

    def nurse() -> None:
        try:
            start.wait()
            for n in range(10):
                entry = _entry(16 + n // 3, 8 + n)
                second.course.add(case.id, entry)
                added.append(entry.id)
        except BaseException as exc:
            errors.append(exc)

    def gp() -> None:
        nonlocal version
        try:
            start.wait()
            for n in range(10):
                gp_copy.notes = f"autolagring {n}"
                version = store.save(gp_copy, expected_version=version)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=nurse), threading.Thread(target=gp)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    loaded = store.load(case.id)
    assert loaded.version == version
    assert loaded.case.notes == "autolagring 9"
    assert sorted(e.id for e in loaded.case.course.followups) == sorted(added)
    assert len(added) == 10
    # The GP's copy (without the entries) never reached the rows.
    assert _rows(store, case.id) == 10
    entries = [e for e in store.audit_log(case.id) if e.action == "followup"]
    assert len(entries) == 10 and all(e.actor == NURSE.name for e in entries)
    assert store.verify_audit().ok
    assert loaded.case.status == "in_treatment"


def test_two_updates_of_one_entry_give_one_conflict(store: Store, second: Store) -> None:
    case = _case()
    store.save(case)
    entry = _entry(16)
    store.course.add(case.id, entry)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def edit(on: Store, note: str) -> None:
        copy = entry.model_copy(update={"note": note})
        start.wait()
        try:
            outcomes.append(on.course.update(case.id, copy, expected_version=1))
        except ConflictError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=edit, args=(s, n))
               for s, n in ((store, "fra legen"), (second, "fra sykepleieren"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(type(o).__name__ for o in outcomes) == ["ConflictError", "int"]
    assert 2 in outcomes
    stored = store.course.list(case.id)[0]
    assert stored.version == 2 and stored.item.note in ("fra legen", "fra sykepleieren")


def test_rows_are_read_back_with_their_writer_and_times(store: Store) -> None:
    case = _case()
    store.save(case)
    before = datetime.now(UTC) - timedelta(seconds=5)
    store.course.add(case.id, _entry(16), actor=NURSE)
    stored = store.course.list(case.id)[0]
    assert stored.editor == NURSE
    assert stored.created_at >= before and stored.created_at.tzinfo is not None
