"""Guard against a reference-count bug of PySide6 6.12 on CPython 3.11.

PySide6 6.12's abi3 wheels return ``None`` from void methods (``setText``, ``setVisible``,
``QTimer.start`` …) and ``True``/``False`` from ``Signal.emit`` without a new reference, and
drop one on ``None`` in ``QTranslator.translate``.  From Python 3.12 on these three objects
are immortal and nothing happens.  On 3.11 every call takes one reference away until CPython
aborts with "deallocating None" — in the wizard after about 1,600 typed characters.

PySide6 6.11.3 does not have the bug, but the QtPdf wheel (``pyside6-pdf``, used to print the
consent) exists only for 6.12, so we stay on 6.12 and give the three singletons a reserve of
2**48 references: as good as immortal, which is exactly what Python 3.12 does.  The guard is a
no-op on 3.12+ and on other interpreters.  ``tests/ui/test_wizard_e2e.py::
test_the_gui_survives_pyside_reference_leaks`` types 4,000 characters in a fresh process and
fails if the guard is removed while the bug is there.
"""

from __future__ import annotations

import sys

RESERVE = 1 << 48
_applied = False


def keep_singletons_alive() -> bool:
    """Apply once per process; returns whether it did anything."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    import ctypes

    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += RESERVE
    _applied = True
    return True


def skip_feature_scan() -> bool:
    """Turn off PySide6's ``__feature__`` source scan of every later import.

    Once QtCore is loaded, PySide6 calls ``inspect.getsource()`` on every module imported
    afterwards to look for ``from __feature__ import snake_case`` — reading the whole source of
    SQLAlchemy, Alembic, pydantic and reportlab into ``linecache`` (+28–35 MiB, ~70 ms; see
    docs/performance.md).  Rekvirent never uses ``__feature__``, so the scan can only say "no".
    Private API: if a PySide6 release moves it, nothing happens and the scan stays on.
    """
    module = sys.modules.get("shibokensupport.feature")
    if module is None or not callable(getattr(module, "_mod_uses_pyside", None)):
        return False
    module._mod_uses_pyside = lambda _module: False
    return True
