"""A wizard that dies without a close event: run by ``test_autosave_crash.py`` in a subprocess.

``python -m tests.ui.autosave_child DATA_DIR CASE_ID MODE TEXT [MORE]`` opens the store on
``DATA_DIR``, opens the wizard on the case, types ``TEXT`` into the patient's name with QTest
key clicks and then, depending on ``MODE``:

``saved``
    waits until the save indicator says "Lagret kl. …" and the controller is not dirty,
    prints ``saved``, and kills itself with SIGKILL;
``pending``
    as ``saved``, then types ``MORE`` as well and kills itself at once — before the autosave
    debounce fires — after printing ``pending``.

SIGKILL leaves no chance for a close event, ``atexit`` or a Python ``finally``: exactly what
a power cut or a crash of the process leaves behind.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

import i18n
from i18n import _

TIMEOUT_S = 20


def _wait(app: QApplication, done: object) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            print("timeout", flush=True)
            sys.exit(3)
        app.processEvents()
        time.sleep(0.01)


def main(argv: list[str]) -> int:
    data_dir, case_id, mode, text = Path(argv[0]), argv[1], argv[2], argv[3]
    more = argv[4] if len(argv) > 4 else ""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    i18n.set_language("nb")

    from core.content import load_library
    from core.storage import Store
    from ui.controller import CaseController
    from ui.wizard.window import WizardWindow

    store = Store.open(data_dir=data_dir)
    stored = store.load(case_id)
    pathway = load_library().get(stored.case.pathway_id, stored.case.pathway_version)
    assert pathway is not None
    controller = CaseController(stored.case, pathway, store, version=stored.version,
                                step=stored.step)
    window = WizardWindow(controller)
    window.show()
    app.processEvents()
    binding = window.binder.binding("patient.name")
    assert binding is not None
    name = binding.widget
    assert isinstance(name, QLineEdit)
    name.setFocus()
    QTest.keyClicks(name, text)
    assert controller.dirty, "typing must mark the case dirty"
    saved_prefix = _("Saved at {time}").split("{", 1)[0]
    _wait(app, lambda: not controller.dirty
          and window.save_label.text().startswith(saved_prefix))
    if mode == "saved":
        print("saved", window.save_label.text(), flush=True)
    elif mode == "pending":
        QTest.keyClicks(name, more)
        assert controller.dirty
        print("pending", flush=True)
    else:
        print(f"unknown mode {mode}", flush=True)
        return 2
    os.kill(os.getpid(), signal.SIGKILL)
    return 1  # never reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
