"""Rekvirent's Qt user interface: a thin layer that drives :mod:`core`."""
