"""Disk full, read-only data folder, locked database: a clear StorageError, version 1 intact,
and version 2 saved once the condition is gone — through the store and the autosave
controller (what the GP typed stays in the window)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.content import load_library
from core.storage import Store
from core.storage.recovery import DB_NAME
from tests.faults import conditions
from tests.faults.conditions import ConditionResult
from ui.controller import CaseController


@pytest.mark.parametrize("scenario", conditions.SCENARIOS, ids=lambda s: s.__name__)
def test_condition_gives_a_clear_error_and_keeps_the_data(
        scenario: Callable[[Path], ConditionResult], tmp_path: Path) -> None:
    result = scenario(tmp_path)
    if result.skipped:
        pytest.skip(result.skipped)
    assert result.injected
    assert result.error_type == "StorageError", result.message
    assert not result.crashed
    assert result.message and "Traceback" not in result.message
    assert "Testa" not in result.message  # no patient data in the message
    assert result.data_intact
    assert result.later_save_ok


@pytest.mark.parametrize("scenario", [conditions.disk_full_tmpfs, conditions.locked],
                         ids=lambda s: s.__name__)
def test_message_names_the_condition(scenario: Callable[[Path], ConditionResult],
                                     tmp_path: Path) -> None:
    result = scenario(tmp_path)
    if result.skipped:
        pytest.skip(result.skipped)
    assert result.names_problem, result.message


def test_read_only_message_names_the_condition(tmp_path: Path) -> None:
    result = conditions.read_only(tmp_path)
    assert result.names_problem, result.message


def test_write_error_message_names_the_condition(tmp_path: Path) -> None:
    result = conditions.file_size_limit(tmp_path)
    assert result.names_problem, result.message


# ---- through the autosave controller ---------------------------------------------------------


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """For a moment, no file of this process may grow past ``limit`` bytes (EFBIG)."""
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _controller(store: Store) -> CaseController:
    library = load_library()
    pathway = library.get("karantene-substitusjon", 1)
    assert pathway is not None
    case = conditions.marker_case()
    case.pathway_id, case.pathway_version = pathway.id, pathway.version
    version = store.save(case)
    return CaseController(store.load(case.id).case, pathway, store, version=version)


def test_locked_database_keeps_the_typing_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    controller = _controller(store)
    try:
        with conditions.short_busy_timeout(store):
            with conditions.exclusive_lock(tmp_path / DB_NAME):
                controller.set_value("notes", "skrevet mens databasen var låst")
                assert controller.save_now() is False
                assert controller.dirty
                assert controller.last_error
                assert controller.case.notes == "skrevet mens databasen var låst"
                assert store.load(controller.case.id).case.notes == "versjon 1"
            assert controller.save_now() is True
        assert not controller.dirty
        assert store.load(controller.case.id).case.notes == "skrevet mens databasen var låst"
    finally:
        store.close()


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_full_disk_keeps_the_typing_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(data_dir=tmp_path)
    controller = _controller(store)
    try:
        sizes = [p.stat().st_size for p in tmp_path.iterdir() if p.is_file()]
        typed = "ø" * 90_000
        with file_size_limit(max(sizes) + 4096):
            controller.set_value("notes", typed)
            controller.set_value("plan.taper", "t" * 90_000)
            controller.set_value("journal_addition", "j" * 90_000)
            assert controller.save_now() is False
        assert controller.dirty
        assert controller.last_error
        assert controller.case.notes == typed
        assert store.load(controller.case.id).case.notes == "versjon 1"
        assert controller.save_now() is True
        assert store.load(controller.case.id).case.notes == typed
    finally:
        store.close()
