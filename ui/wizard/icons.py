"""Small drawn icons for severities and step states.

Each kind has its own *shape* (octagon, triangle, circle, tick, ring), not only its own colour,
so the states can be told apart in greyscale and by colour-blind users; the words are always
given as well (text, tooltip or accessible name).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

RED = QColor("#b3261e")
AMBER = QColor("#b26a00")
BLUE = QColor("#1f5fa8")
GREEN = QColor("#2e7d32")
GREY = QColor("#6b6b6b")

KINDS = ("blocker", "warning", "info", "not_started", "in_progress", "complete", "blocked",
         "warnings", "error")


def _octagon(size: float) -> QPolygonF:
    m = size * 0.06
    c = size * 0.29
    s = size - m
    points = [(m + c, m), (s - c, m), (s, m + c), (s, s - c), (s - c, s), (m + c, s), (m, s - c),
              (m, m + c)]
    return QPolygonF([QPointF(x, y) for x, y in points])


def _mark(painter: QPainter, size: float, text: str) -> None:
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(6, int(size * 0.62)))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, size * 0.04, size, size), Qt.AlignmentFlag.AlignCenter, text)


def _draw(kind: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    inset = QRectF(s * 0.08, s * 0.08, s * 0.84, s * 0.84)
    if kind in ("blocker", "blocked", "error"):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(RED)
        painter.drawPolygon(_octagon(s))
        _mark(painter, s, "!")
    elif kind in ("warning", "warnings"):
        path = QPainterPath()
        path.moveTo(s / 2, s * 0.06)
        path.lineTo(s * 0.96, s * 0.92)
        path.lineTo(s * 0.04, s * 0.92)
        path.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(AMBER)
        painter.drawPath(path)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, int(s * 0.55)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(0, s * 0.28, s, s * 0.64), Qt.AlignmentFlag.AlignCenter, "!")
    elif kind == "info":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BLUE)
        painter.drawEllipse(inset)
        _mark(painter, s, "i")
    elif kind == "complete":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(GREEN)
        painter.drawEllipse(inset)
        pen = QPen(QColor("white"), max(1.5, s * 0.12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        tick = QPainterPath()
        tick.moveTo(s * 0.28, s * 0.52)
        tick.lineTo(s * 0.44, s * 0.68)
        tick.lineTo(s * 0.73, s * 0.36)
        painter.drawPath(tick)
    elif kind == "in_progress":
        painter.setPen(QPen(BLUE, max(1.0, s * 0.09)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(inset)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BLUE)
        painter.drawPie(inset, 90 * 16, 180 * 16)
    else:  # not_started: an empty ring
        painter.setPen(QPen(GREY, max(1.0, s * 0.09)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(inset)
    painter.end()
    return pixmap


@cache
def icon(kind: str) -> QIcon:
    result = QIcon()
    for size in (16, 20, 24, 32, 48):
        result.addPixmap(_draw(kind, size))
    return result


def pixmap(kind: str, size: int, ratio: float = 1.0) -> QPixmap:
    """A crisp pixmap for a label at ``size`` logical pixels on a screen with ``ratio``."""
    physical = max(1, round(size * ratio))
    result = _draw(kind, physical)
    result.setDevicePixelRatio(ratio)
    return result
