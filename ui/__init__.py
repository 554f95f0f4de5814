"""Rekvirent's Qt user interface: a thin layer that drives :mod:`core`."""

import PySide6.QtCore  # noqa: F401  (loads shiboken's support modules the guards adjust)

from ui._pyside_guard import keep_singletons_alive, skip_feature_scan

keep_singletons_alive()
skip_feature_scan()
