"""UI figures measured on the real windows, offscreen: step switching, stalls, search, memory.

:func:`measure_session` drives a real :class:`~ui.start_window.StartWindow` and
:class:`~ui.wizard.window.WizardWindow` on a data folder (normally the one filled with
thousands of synthetic drafts by :func:`benchmarks.__main__.make_drafts`):

* **search-as-you-type** — one key at a time into the start window's search field; each
  keystroke is timed from the key event to the list model reset and the table repainted.  The
  window waits ``SEARCH_DELAY_MS`` for a pause before it searches; here every keystroke
  searches at once (the debounce timer is fired immediately), which is the worst case.
* **switching wizard steps** — the navigator moved to each of the nine steps in turn, timed
  until the page is painted (this includes the save the wizard makes on every step change).
* **longest UI-thread stall** — a 5 ms heartbeat ``QTimer`` on the UI thread records every
  beat while the documents are exported in their worker thread and while keystrokes arrive
  every 120 ms with pauses long enough for autosave to fire; the longest gap between two
  beats minus the interval is the longest time the UI could not react.

:func:`full_session` is one GP session (open the start window and storage, open the example
case, type into fields, export) for the peak-memory figure; ``python -m benchmarks`` runs it in
a fresh process and reads the peak resident size.

Only synthetic patients: the example case in ``resources/examples`` and generated names.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ui  # noqa: F401,I001 - first, as in the app: it loads Qt with the app's PySide6 fixes
from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from benchmarks.storage import open_bench_store
from benchmarks.timing import Sample

if TYPE_CHECKING:
    from ui.start_window import StartWindow
    from ui.wizard.window import WizardWindow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "resources" / "examples" / "opioid-komplett.json"
#: The case id the session works on (not one of the generated drafts' ids).
SESSION_CASE_ID = "e" * 32
HEARTBEAT_MS = 5
KEY_INTERVAL_MS = 120
#: What the GP types into the search field, key by key (Backspace clears between words).
SEARCH_WORDS = ("kari", "øystein", "1588", "15.11", "prøvesen 12")
#: A line of text typed into a field while the stall is measured.
TYPED = "Ringte TSB, avtalt"


def _app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    assert isinstance(app, QApplication)
    return app


def _wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run the event loop until ``predicate()`` holds (or raise after ``timeout`` seconds)."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the UI did not reach the expected state in time")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)


def _spin(seconds: float) -> None:
    """Keep the event loop running for ``seconds`` (timers fire, the worker reports back)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.0005)


def _paint(widget: QWidget) -> None:
    """Deliver posted events (layout, UpdateRequest → paint) and paint ``widget`` now."""
    QApplication.processEvents()
    widget.repaint()


# ---------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------


def open_start_window(data_dir: Path) -> tuple[StartWindow, str]:
    """The start window with its store open (encrypted when the store supports it).

    The store is opened here rather than by ``StartWindow.open_storage`` so that the
    benchmark can hand it a cipher; the window then lists exactly as after its own opening.
    Returns the window and a description of the encryption used.
    """
    import i18n
    from ui.start_window import StartWindow

    _app()
    i18n.set_language("nb")
    window = StartWindow(data_dir=data_dir)
    window.resize(1366, 768)
    window.show()
    store, encryption = open_bench_store(data_dir)
    window.store = store
    window.storage_ready()  # what the window does once it has opened its store itself
    _paint(window)
    return window, encryption


def open_example_case(start: StartWindow) -> WizardWindow:
    """Store the synthetic example case under a fixed id and open it in the wizard."""
    from core import casefile

    assert start.store is not None
    case = casefile.read(EXAMPLE)
    case.id = SESSION_CASE_ID
    start.store.save(case, step="patient")
    window = start.open_case(case.id)
    assert window is not None, "the example case could not be opened"
    window.resize(1366, 768)
    _paint(window)
    return window


def _close(start: StartWindow) -> None:
    """Close the windows (saving) and let Qt delete them while the application is alive."""
    for wizard in list(start.wizards.values()):
        wizard.close()
    start.close()
    start.deleteLater()
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def shutdown() -> None:
    """Tear Qt down before the interpreter does (its finalizer can crash on live QObjects)."""
    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    app.shutdown()


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def measure_search(start: StartWindow, rounds: int = 1) -> Sample:
    """Seconds per keystroke, key event → list model updated and table painted."""
    timer = getattr(start, "_search_timer", None)
    sample = Sample()
    for _ in range(rounds):
        for word in SEARCH_WORDS:
            for key in [*word, *(["\b"] * len(word))]:
                began = time.perf_counter()
                if key == "\b":
                    QTest.keyClick(start.search, Qt.Key.Key_Backspace)
                else:
                    QTest.keyClicks(start.search, key)
                if timer is not None:  # search now instead of after the typing pause
                    timer.stop()
                start.show_matches()  # what the debounce timer runs
                _paint(start.table)
                sample.values.append(time.perf_counter() - began)
    assert not start.search.text(), "the search field should be empty again"
    return sample


def measure_steps(wizard: WizardWindow, runs: int) -> Sample:
    """Seconds per step change (navigator row → page shown, saved and painted)."""
    from core.steps import STEPS

    sample = Sample()
    for _ in range(runs):
        for index in range(len(STEPS)):
            target = index if wizard.stack.currentIndex() != index else (index + 1) % len(STEPS)
            began = time.perf_counter()
            wizard.navigator.setCurrentRow(target)
            _paint(wizard)
            sample.values.append(time.perf_counter() - began)
            assert wizard.stack.currentIndex() == target
    _wait(lambda: not wizard.controller.dirty)
    return sample


class _Heartbeat:
    """A 5 ms timer on the UI thread; gaps between beats are the time the UI was blocked."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def __enter__(self) -> _Heartbeat:
        self.beats.clear()
        self.beats.append(time.perf_counter())
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()
        self.timer.timeout.disconnect()
        self.beats.append(time.perf_counter())

    def longest_stall(self) -> float:
        gaps = [b - a for a, b in zip(self.beats, self.beats[1:], strict=False)]
        return max(0.0, max(gaps, default=0.0) - HEARTBEAT_MS / 1000)


class _Typist:
    """Types ``text`` into a line edit one key every ``KEY_INTERVAL_MS``, like a person."""

    def __init__(self, field: QLineEdit, text: str) -> None:
        self.field = field
        self.keys = list(text)
        self.timer = QTimer()
        self.timer.setInterval(KEY_INTERVAL_MS)
        self.timer.timeout.connect(self._key)

    def _key(self) -> None:
        if not self.keys:
            self.timer.stop()
            self.timer.timeout.disconnect()
            return
        QTest.keyClicks(self.field, self.keys.pop(0))

    def start(self) -> None:
        self.field.setFocus()
        self.timer.start()

    @property
    def done(self) -> bool:
        return not self.keys and not self.timer.isActive()


def _line(wizard: WizardWindow, path: str) -> QLineEdit:
    binding = wizard.binder.binding(path)
    if binding is None or not isinstance(binding.widget, QLineEdit):
        raise LookupError(f"no line edit bound to {path}")
    return binding.widget


def measure_stalls(wizard: WizardWindow, rounds: int, out_dir: Path, *,
                   pauses: int = 3) -> dict[str, float]:
    """Longest UI-thread stall (s) while exporting and while autosaves fire.

    Each round: type into a field while the documents are exported in the worker, then type a
    few words with pauses so the 700 ms autosave fires between them.
    """
    from ui.controller import AUTOSAVE_DELAY_MS

    wizard.show_step(len(wizard.pages) - 1)  # the documents panel is on the summary step
    _paint(wizard)
    panel = wizard.page("summary").documents
    field = _line(wizard, "consultation.place")
    export_stalls: list[float] = []
    autosave_stall = 0.0
    saves = 0
    original = wizard.controller.case.consultation.place
    for round_ in range(rounds):
        results: list[object] = []
        panel.exported.connect(results.append)
        with _Heartbeat() as beat:
            typist = _Typist(field, " " + TYPED)
            typist.start()
            panel.export_to(out_dir / f"round-{round_}")
            _wait(lambda r=results, t=typist: bool(r) and t.done, timeout=60)  # type: ignore[misc]
            _wait(lambda: panel.export_button.isEnabled())
        panel.exported.disconnect(results.append)
        export_stalls.append(beat.longest_stall())
        with _Heartbeat() as beat:
            for word in TYPED.split()[:pauses]:
                before = wizard.controller.last_saved_at
                typist = _Typist(field, " " + word)
                typist.start()
                _wait(lambda t=typist: t.done)  # type: ignore[misc]
                _spin(AUTOSAVE_DELAY_MS / 1000 + 0.25)  # the pause in which autosave fires
                if wizard.controller.last_saved_at != before:
                    saves += 1
        autosave_stall = max(autosave_stall, beat.longest_stall())
        wizard.controller.set_value("consultation.place", original)
        wizard.controller.save_now()
    if saves == 0:
        raise RuntimeError("no autosave fired while the stall was measured")
    return {"stall_export": max(export_stalls), "stall_export_first": export_stalls[0],
            "stall_export_rounds": export_stalls, "stall_autosave": autosave_stall,
            "stall_max": max(*export_stalls, autosave_stall), "stall_rounds": rounds,
            "autosaves": saves}


def measure_session(runs: int, data_dir: Path, *, search_rounds: int = 1,
                    stall_rounds: int | None = None, pauses: int = 3) -> dict[str, Any]:
    """All UI figures on the store in ``data_dir``; times in seconds.

    ``runs`` passes through the nine steps, ``stall_rounds`` exports (each followed by
    ``pauses`` typing pauses long enough for autosave to fire).
    """
    started = time.perf_counter()
    start, encryption = open_start_window(data_dir)
    opened = time.perf_counter() - started
    try:
        assert start.store is not None
        drafts = start.store.count() if hasattr(start.store, "count") else len(start.store.list())
        search = measure_search(start, search_rounds)
        began = time.perf_counter()
        wizard = open_example_case(start)
        open_case = time.perf_counter() - began
        steps = measure_steps(wizard, runs)
        with tempfile.TemporaryDirectory(prefix="rekvirent-bench-export-") as out:
            stalls = measure_stalls(wizard, stall_rounds or max(2, runs // 4), Path(out),
                                    pauses=pauses)
    finally:
        _close(start)
    return {
        "drafts": drafts,
        "encryption": encryption,
        "start_window_open": opened,
        "search_median": search.median, "search_p99": search.p99,
        "search_max": search.maximum, "search_runs": len(search.values),
        "open_case": open_case,
        "step_median": steps.median, "step_p99": steps.p99, "step_max": steps.maximum,
        "step_runs": len(steps.values),
        **stalls,
    }


def full_session(data_dir: Path | None = None) -> dict[str, Any]:
    """One GP session for the memory figure: open, go through every step typing into
    fields on the way, export, close.

    Without ``data_dir``: ``REKVIRENT_DATA_DIR``, else a temporary folder.
    """
    folder = data_dir or (Path(os.environ["REKVIRENT_DATA_DIR"])
                          if os.environ.get("REKVIRENT_DATA_DIR") else None)
    with tempfile.TemporaryDirectory(prefix="rekvirent-bench-session-") as tmp:
        start, encryption = open_start_window(folder or Path(tmp) / "data")
        try:
            wizard = open_example_case(start)
            for index, path in enumerate(("patient.phone", "consultation.place",
                                          "patient.stay_location")):
                wizard.go_to_field(path)
                field = _line(wizard, path)
                field.selectAll()
                QTest.keyClicks(field, f"Syntetisk verdi {index}")
                QApplication.processEvents()
            _wait(lambda: not wizard.controller.dirty, timeout=10)
            for index in range(len(wizard.pages)):  # every step shown, as when filling a case
                wizard.show_step(index)
                _paint(wizard)
            panel = wizard.page("summary").documents
            results: list[object] = []
            panel.exported.connect(results.append)
            panel.export_to(Path(tmp) / "out")
            _wait(lambda: bool(results), timeout=60)
            written = len(list((Path(tmp) / "out").iterdir()))
        finally:
            _close(start)
    return {"files": written, "steps": len(wizard.visited), "encryption": encryption}
