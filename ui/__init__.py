"""Rekvirent's Qt user interface: a thin layer that drives :mod:`core`."""

from ui._pyside_guard import keep_singletons_alive

keep_singletons_alive()
