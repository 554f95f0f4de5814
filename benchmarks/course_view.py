"""Opening the Forløp view of a 21-day course with three follow-ups a day, until painted.

The course is the opioid example stretched to 21 days (three entries a day, 63 in all, the
taper and the end left out so every day is in treatment).  Each run builds the case window on
it — the wizard pages and the Forløp view with its timeline, findings and rules — shows it at
1366×768 and paints it, as :func:`benchmarks.ui_session.open_example_case` measures the
wizard.  Only synthetic data: the example case.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ui  # noqa: F401,I001 - first, as in the app
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from benchmarks.timing import Sample

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "resources" / "examples" / "forlop-opioid-nedtrapping.json"
DAYS = 21
PER_DAY = 3


def long_course() -> tuple[object, object, date]:
    from core import casefile
    from core.content import load_library

    case = casefile.read(EXAMPLE)
    course = case.course
    template = course.followups[0]
    start = course.started_on or date(2021, 11, 15)
    entries = []
    for day in range(DAYS):
        for k in range(PER_DAY):
            entry = template.model_copy(deep=True)
            entry.id = f"{day:04d}{k:04d}" + "0" * 24
            midnight = datetime.combine(start + timedelta(days=day), datetime.min.time(),
                                        tzinfo=UTC)
            entry.at = midnight + timedelta(hours=7 + 4 * k)
            entries.append(entry)
    course.followups = entries
    course.taper = type(course.taper)()
    course.continuation = type(course.continuation)()
    course.end = type(course.end)()
    course.evaluation = type(course.evaluation)()
    case.status = "in_treatment"
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    return case, pathway, start + timedelta(days=DAYS - 1)


def measure(runs: int) -> dict[str, object]:
    """Seconds from a new controller to the Forløp view painted (the figure), and to the whole
    case window (wizard pages too) painted (the note); the row count."""
    import i18n
    from ui.controller import CaseController
    from ui.course.view import CourseView
    from ui.wizard.window import WizardWindow

    app = QApplication.instance() or QApplication([])
    i18n.set_language("nb")
    case, pathway, today = long_course()
    view_sample, window_sample = Sample(), Sample()
    rows = 0
    for run in range(runs + 1):  # the first run imports and warms the caches: not counted
        copy = case.model_copy(deep=True)  # type: ignore[attr-defined]
        began = time.perf_counter()
        controller = CaseController(copy, pathway, None, language="nb",  # type: ignore[arg-type]
                                    today=lambda: today)
        view = CourseView(controller)
        view.resize(1366, 768)
        view.show()
        app.processEvents()
        view.repaint()
        elapsed = time.perf_counter() - began
        rows = view.model.rowCount()
        view.hide()
        view.deleteLater()
        began = time.perf_counter()
        controller = CaseController(case.model_copy(deep=True), pathway, None,  # type: ignore[attr-defined,arg-type]
                                    language="nb", today=lambda: today)
        window = WizardWindow(controller)
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        window.repaint()
        whole = time.perf_counter() - began
        window.hide()
        window.deleteLater()
        app.processEvents()
        # processEvents() leaves deferred deletes alone: free the windows now.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if run:
            view_sample.values.append(elapsed)
            window_sample.values.append(whole)
    return {"view": view_sample, "window": window_sample, "rows": rows,
            "entries": DAYS * PER_DAY}


def peak_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def one_session() -> int:
    """Open the case window on the long course once, as a GP does, and open each form of the
    view once; the peak resident size in KiB."""
    import i18n
    from ui.controller import CaseController
    from ui.wizard.window import WizardWindow

    app = QApplication.instance() or QApplication([])
    i18n.set_language("nb")
    case, pathway, today = long_course()
    controller = CaseController(case, pathway, None, language="nb",  # type: ignore[arg-type]
                                today=lambda: today)
    window = WizardWindow(controller)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    window.repaint()
    view = window.course_view
    assert view is not None
    view.run_dialog = lambda dialog: dialog.show()
    for opener in (view.new_followup, view.dose_decision, view.taper, view.evaluation):
        opener()
        assert view.dialog is not None
        app.processEvents()
        view.dialog.reject()
    return peak_kib()
