"""The start window tells the GP when the audit log's chain is broken or its guards are gone,
and puts the guards back only when asked (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from core.case import Case
from core.storage import Store, audit_guards
from core.storage.files import DB_NAME
from ui.start_window import StartWindow


def _window(qtbot: QtBot, data_dir: Path) -> StartWindow:
    window = StartWindow(data_dir=data_dir)
    qtbot.addWidget(window)
    window.show()
    window.open_storage()
    assert window.store is not None
    return window


def _checked(qtbot: QtBot, window: StartWindow) -> None:
    before = window.audit_banner.state
    worker = window.check_audit_log()
    assert worker is not None
    worker.join(timeout=30)
    qtbot.waitUntil(lambda: window.audit_banner.state is not before, timeout=5000)


def _with_a_case(data_dir: Path) -> None:
    store = Store.open(data_dir=data_dir)
    store.save(Case())
    store.close()


def test_no_banner_when_the_log_is_whole(qtbot: QtBot, tmp_path: Path) -> None:
    _with_a_case(tmp_path)
    window = _window(qtbot, tmp_path)
    _checked(qtbot, window)
    assert window.audit_banner.state is not None and window.audit_banner.state.ok
    assert not window.audit_banner.isVisible()
    window.close()


def test_a_missing_guard_is_shown_and_put_back_only_after_asking(qtbot: QtBot,
                                                                 tmp_path: Path) -> None:
    _with_a_case(tmp_path)
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
    window = _window(qtbot, tmp_path)
    _checked(qtbot, window)
    banner = window.audit_banner
    assert banner.isVisible() and banner.restore_button.isVisible()
    assert "IT" in banner.label.text()
    asked: list[bool] = []
    banner.confirm_restore = lambda: asked.append(False) or False  # type: ignore[method-assign]
    banner.restore_button.click()
    assert asked and window.store is not None
    assert window.store.audit_guards().broken == ("audit_log_no_update",)  # not without a yes
    banner.confirm_restore = lambda: True  # type: ignore[method-assign]
    banner.restore_button.click()
    assert window.store.audit_guards().ok
    assert not banner.isVisible()
    assert window.store.audit_log()[-1].action == "repair"
    window.close()


def test_a_broken_chain_names_the_entry_and_offers_no_repair(qtbot: QtBot,
                                                            tmp_path: Path) -> None:
    _with_a_case(tmp_path)
    with sqlite3.connect(tmp_path / DB_NAME) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET actor = 'Noen Andre' WHERE seq = 1")
        connection.execute(audit_guards.SQLITE_GUARDS["audit_log_no_update"])
    window = _window(qtbot, tmp_path)
    _checked(qtbot, window)
    banner = window.audit_banner
    assert banner.isVisible()
    assert "1" in banner.label.text() and "IT" in banner.label.text()
    assert not banner.restore_button.isVisible()
    window.close()
