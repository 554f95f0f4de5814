"""PDF output of the render model (reportlab, embedded DejaVu fonts, no Qt)."""

from core.pdf.render import render, write

__all__ = ["render", "write"]
