"""Floor for launch → first paint: a bare QApplication showing a QWizard of the same size.

Run as a script; prints the seconds from interpreter start to the first completed paint and
exits.  Nine pages with a comparable number of plain input widgets to Rekvirent's wizard.
"""

from __future__ import annotations

import os
import sys
import time

START = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QFormLayout,
    QLineEdit,
    QWizard,
    QWizardPage,
)

PAGES = 9
FIELDS_PER_PAGE = 20


class FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            print(f"{time.perf_counter() - START:.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
            watched.removeEventFilter(self)
        return False


def main() -> int:
    app = QApplication(sys.argv)
    wizard = QWizard()
    for index in range(PAGES):
        page = QWizardPage()
        page.setTitle(f"Steg {index + 1}")
        form = QFormLayout(page)
        for field in range(FIELDS_PER_PAGE):
            form.addRow(f"Felt {field + 1}", QLineEdit())
        wizard.addPage(page)
    wizard.resize(1366, 768)
    spy = FirstPaint()
    wizard.installEventFilter(spy)
    wizard.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
