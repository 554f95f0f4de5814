"""The start window: shows before storage, then lists and searches drafts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from core import casefile
from core.storage import Store
from ui.start_window import StartWindow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


def _fill(data_dir: Path) -> None:
    store = Store.open(data_dir=data_dir)
    for path in sorted(EXAMPLES.glob("*.json")):
        store.save(casefile.read(path))
    store.close()


def test_lists_and_searches_drafts(qtbot: QtBot, tmp_path: Path) -> None:
    _fill(tmp_path)
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.show()
    assert window.model.rowCount() == 0  # nothing before storage is opened
    window.open_storage()
    assert window.model.rowCount() == len(list(EXAMPLES.glob("*.json")))
    assert window.windowTitle() == "Rekvirent"
    qtbot.keyClicks(window.search, "ÅSE")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)
    assert window.model.data(window.model.index(0, 0)) == "Åse Øvelse Ærligsen"
    assert window.model.data(window.model.index(0, 1)) == "248471 *****"
    assert window.model.headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Orientation
                                   .Horizontal) == "Pasient"
    window.search.clear()
    qtbot.keyClicks(window.search, "ingen slik")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=2000)
    assert "Ingen" in window.status.text()
    window.close()


def test_empty_database(qtbot: QtBot, tmp_path: Path) -> None:
    window = StartWindow(data_dir=tmp_path)
    qtbot.addWidget(window)
    window.open_storage()
    assert window.model.rowCount() == 0
    assert window.import_button.isEnabled()
    window.close()


def test_window_appears_before_sqlalchemy_is_imported(tmp_path: Path) -> None:
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from ui import app\n"
        "from PySide6.QtCore import QEvent, QObject, QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "seen = {}\n"
        "orig = app._FirstPaint.eventFilter\n"
        "def spy(self, watched, event):\n"
        "    if event.type() == QEvent.Type.Paint and 'heavy' not in seen:\n"
        "        seen['heavy'] = sorted(m for m in ('sqlalchemy', 'reportlab', 'alembic')\n"
        "                               if m in sys.modules)\n"
        "    return orig(self, watched, event)\n"
        "app._FirstPaint.eventFilter = spy\n"
        "import argparse\n"
        f"args = argparse.Namespace(data_dir={str(tmp_path)!r}, database=None, language='nb')\n"
        "app.run(args)\n"
        "print('HEAVY', seen['heavy'])\n"
    )
    env = {"REKVIRENT_BENCH_FIRST_PAINT": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=env)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_a_second_instance_is_told_and_opens_nothing(tmp_path: Path) -> None:
    """The instance lock is taken right after the first paint, before anything in the data
    folder is touched: a second Rekvirent on the same folder says so and exits with 1."""
    from core import instance_lock

    lock = instance_lock.acquire(tmp_path)
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from ui import app\n"
        "from PySide6.QtWidgets import QMessageBox\n"
        "told = []\n"
        "QMessageBox.warning = staticmethod(lambda parent, title, text: told.append(title))\n"
        "import argparse\n"
        f"args = argparse.Namespace(data_dir={str(tmp_path)!r}, database=None, language='nb')\n"
        "result = app.run(args)\n"
        "print('RESULT', result, told, 'sqlalchemy' in sys.modules)\n"
    )
    try:
        before = sorted(p.name for p in tmp_path.iterdir())
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
        assert "RESULT 1 ['Rekvirent er allerede åpen'] False" in result.stdout, (
            result.stdout + result.stderr)
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # no database made
    finally:
        lock.release()
