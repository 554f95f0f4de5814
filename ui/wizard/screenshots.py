"""Screenshots of every wizard step, for looking at the layout (and for the README).

``python -m ui.wizard.screenshots DIR [--case FILE] [--size 1366x768] [--check]`` writes
``01-patient.png`` … ``09-summary.png``.  ``--size`` is in *physical* pixels: with
``QT_SCALE_FACTOR=1.5`` the window gets 1366×768 / 1.5 logical pixels, as on a laptop at 150 %.
``--check`` fails when a page needs more width than it has (something would be clipped).
Only synthetic example cases belong in screenshots.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from core.steps import STEP_IDS
from ui.wizard.window import WizardWindow

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "opioid-komplett.json"


def settle() -> None:
    """Let pending layout requests run (a scroll area resizes its page one turn later)."""
    for _round in range(3):
        QApplication.processEvents()


def grab_steps(window: WizardWindow, directory: Path, *, size: tuple[int, int]) -> list[Path]:
    """Show each step at ``size`` (logical pixels) and save it as a PNG."""
    directory.mkdir(parents=True, exist_ok=True)
    window.resize(*size)
    files = []
    for index, step in enumerate(STEP_IDS):
        window.show_step(index, save=False)
        settle()
        path = directory / f"{index + 1:02d}-{step}.png"
        window.grab().save(str(path))
        files.append(path)
    return files


def clipped_pages(window: WizardWindow) -> list[str]:
    """Steps whose content needs more width than the page offers."""
    problems = []
    for index, step in enumerate(STEP_IDS):
        window.show_step(index, save=False)
        settle()
        page = window.page(step)
        needed = page.content.minimumSizeHint().width()
        if needed > page.viewport().width() or page.horizontalScrollBar().isVisible():
            problems.append(f"{step}: needs {needed}px, has {page.viewport().width()}px")
    minimum = window.minimumSizeHint()
    if minimum.width() > window.width() or minimum.height() > window.height():
        problems.append(f"window minimum {minimum.width()}×{minimum.height()} does not fit")
    return problems


def main(argv: list[str] | None = None) -> int:
    import i18n
    from core import casefile
    from core.content import load_library
    from ui.controller import CaseController

    parser = argparse.ArgumentParser(prog="python -m ui.wizard.screenshots")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--case", type=Path, default=EXAMPLE)
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--language", default="nb", choices=("nb", "nn", "en"))
    parser.add_argument("--step", default="", help="only this step (id)")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    i18n.set_language(args.language)
    from ui.app import QT_LOCALES
    from ui.qt_i18n import install_translator

    QLocale.setDefault(QT_LOCALES[args.language])
    install_translator(app)
    case = casefile.read(args.case)
    pathway = load_library().get(case.pathway_id, case.pathway_version)
    if pathway is None:
        print(f"pathway {case.pathway_id} {case.pathway_version} not found", file=sys.stderr)
        return 2
    controller = CaseController(case, pathway, None, step="patient",
                                language=args.language)
    window = WizardWindow(controller)
    width, height = (int(v) for v in args.size.lower().split("x"))
    ratio = window.devicePixelRatioF() or 1.0
    logical = (round(width / ratio), round(height / ratio))
    window.resize(*logical)
    window.show()
    app.processEvents()
    files = grab_steps(window, args.directory, size=logical)
    if args.step:
        keep = f"{STEP_IDS.index(args.step) + 1:02d}-{args.step}.png"
        files = [f for f in files if f.name == keep]
    for path in files:
        print(path)
    problems = clipped_pages(window) if args.check else []
    for problem in problems:
        print(problem, file=sys.stderr)
    window.close()
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
