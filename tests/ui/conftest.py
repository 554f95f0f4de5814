"""Qt tests run offscreen (set in tests/conftest.py) in bokmål unless a test says otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import i18n
from core.case import Case
from core.content import load_library
from core.content.pathway import Pathway
from core.storage import Store
from tests.memory_keyring import MemoryKeyring, memory_keyring_installed
from tests.ui.wizard_helpers import OpenWizard
from ui.controller import CaseController
from ui.wizard.window import WizardWindow


@pytest.fixture(autouse=True)
def _desktop_keyring() -> Iterator[MemoryKeyring]:
    """UI tests run as on a desktop with a keyring: the start window makes its key there
    silently.  Tests of passphrase mode install keyring's ``fail`` backend themselves."""
    with memory_keyring_installed() as backend:
        yield backend


@pytest.fixture(autouse=True)
def _bokmal_ui() -> Iterator[None]:
    i18n.set_language("nb")
    yield
    i18n.set_language("nb")


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    found = load_library().get("karantene-substitusjon", 1)
    assert found is not None
    return found


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(data_dir=tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def open_wizard(qtbot: QtBot, store: Store, pathway: Pathway) -> Iterator[OpenWizard]:
    """Open a wizard on a case saved in ``store``; windows are closed (and saved) afterwards."""
    windows: list[WizardWindow] = []

    def opener(case: Case | None = None, *, step: str | None = None,
               save: bool = True) -> WizardWindow:
        if case is not None and save:
            store.save(case, step=step)
        case_id = case.id if case is not None else windows[-1].controller.case.id
        stored = store.load(case_id)
        controller = CaseController.for_stored(stored, pathway, store)
        window = WizardWindow(controller)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        windows.append(window)
        return window

    yield opener
    for window in windows:
        window.close()
