"""Screenshots of the Forløp view and its forms, for looking at the layout (and the docs).

``python -m ui.course.screenshots DIR [--case FILE] [--today YYYY-MM-DD] [--size 1366x768]
[--language nb|nn|en] [--long-name]`` writes ``course-view.png``, ``followup-form.png``,
``dose-dialog.png``, ``isolation-dialog.png``, ``taper-dialog.png`` and
``evaluation-dialog.png``.  The default case is the opioid course example on its seventh day
(the entries from that day on, the end and the evaluation left out), so the view shows a course
in progress.  ``--long-name`` gives the synthetic patient a 60-character name.  Only synthetic
example cases belong in screenshots.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QWidget

from ui.wizard.screenshots import settle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "forlop-opioid-nedtrapping.json"
TODAY = date(2021, 11, 21)
LONG_NAME = "Ola Prøve Nordmann-Åsheim Østerbø Ærlighetsen von Testesen Jr"

SHOTS = (
    ("followup-form.png", "new_followup"),
    ("dose-dialog.png", "dose_decision"),
    ("isolation-dialog.png", "isolation"),
    ("taper-dialog.png", "taper"),
    ("evaluation-dialog.png", "evaluation"),
)


def _grab(widget: QWidget, path: Path) -> Path:
    settle()
    widget.grab().save(str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    import i18n
    from core import casefile
    from core.content import load_library
    from ui.controller import CaseController
    from ui.wizard.window import WizardWindow

    parser = argparse.ArgumentParser(prog="python -m ui.course.screenshots")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--case", type=Path, default=None)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--language", default="nb", choices=("nb", "nn", "en"))
    parser.add_argument("--long-name", action="store_true")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    i18n.set_language(args.language)
    from ui.app import QT_LOCALES
    from ui.qt_i18n import install_translator

    QLocale.setDefault(QT_LOCALES[args.language])
    install_translator(app)
    case = casefile.read(args.case or EXAMPLE)
    today = args.today or TODAY
    if args.case is None:  # the example on its seventh day: a course in progress
        cut = datetime(today.year, today.month, today.day, tzinfo=UTC)
        case.course.followups = [e for e in case.course.followups if e.at < cut]
        case.course.end = type(case.course.end)()
        case.course.evaluation = type(case.course.evaluation)()
    if args.long_name:
        case.patient.name = LONG_NAME
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    if pathway is None:
        print(f"pathway {case.pathway_id} {case.pathway_version} not found", file=sys.stderr)
        return 2
    controller = CaseController(case, pathway, None, language=args.language,
                                today=lambda: today)
    window = WizardWindow(controller)
    view = window.course_view
    if view is None:
        print("the case's course has not begun: no Forløp view", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.lower().split("x"))
    ratio = window.devicePixelRatioF() or 1.0
    logical = (round(width / ratio), round(height / ratio))
    window.resize(*logical)
    window.show()
    args.directory.mkdir(parents=True, exist_ok=True)
    files = [_grab(window, args.directory / "course-view.png")]
    view.run_dialog = lambda dialog: dialog.show()
    for name, opener in SHOTS:
        getattr(view, opener)()
        dialog = view.dialog
        assert dialog is not None
        dialog.resize(*logical)
        files.append(_grab(dialog, args.directory / name))
        dialog.reject()
    for path in files:
        print(path)
    # Nothing to save (no store): hide rather than close, which would ask about saving.
    window.hide()
    window.deleteLater()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
