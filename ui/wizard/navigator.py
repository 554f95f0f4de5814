"""The step list on the left: every step with its state as a shape, a word and a tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from core.steps import STEPS
from i18n import _, ngettext
from ui.wizard import icons
from ui.wizard.progress import STATE_WORDS, StepProgress, StepState


def describe(number: int, title: str, progress: StepProgress) -> str:
    """The step's state in words (tooltip and accessible text), whole sentences only."""
    sentences = [_("Step {number} of {total}: {title}. Status: {state}.").format(
        number=number, total=len(STEPS), title=title, state=_(STATE_WORDS[progress.state]))]
    if progress.blockers:
        sentences.append(ngettext("{count} thing must be fixed.", "{count} things must be fixed.",
                                  progress.blockers).format(count=progress.blockers))
    if progress.warnings:
        sentences.append(ngettext("{count} warning to look at.", "{count} warnings to look at.",
                                  progress.warnings).format(count=progress.warnings))
    return " ".join(sentences)


STATE_ROLE = Qt.ItemDataRole.UserRole + 1
PADDING = 6
Index = QModelIndex | QPersistentModelIndex


class StepDelegate(QStyledItemDelegate):
    """Icon, the step's title (wrapping) and its state in words on the line below."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        title = QFont(option.font)
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.9)
        return title, small

    def _text_width(self, width: int) -> int:
        return max(40, width - self.view.iconSize().width() - 3 * PADDING)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = self.view.viewport().width()
        title_font, small_font = self._fonts(option)
        text_width = self._text_width(width)
        title = QFontMetrics(title_font).boundingRect(
            QRect(0, 0, text_width, 10_000), Qt.TextFlag.TextWordWrap, str(index.data()))
        state = QFontMetrics(small_font).boundingRect(
            QRect(0, 0, text_width, 10_000), Qt.TextFlag.TextWordWrap,
            str(index.data(STATE_ROLE) or ""))
        height = title.height() + state.height() + 2 * PADDING + 2
        return QSize(width, max(height, self.view.iconSize().height() + 2 * PADDING))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else self.view.style()
        opt.text = ""
        opt.icon = opt.icon.__class__()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        rect = option.rect
        icon_size = self.view.iconSize()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if icon is not None:
            icon.paint(painter, QRect(rect.left() + PADDING, rect.top() + PADDING,
                                      icon_size.width(), icon_size.height()))
        title_font, small_font = self._fonts(option)
        left = rect.left() + icon_size.width() + 2 * PADDING
        text_width = self._text_width(rect.width())
        painter.setPen(option.palette.color(role))
        painter.setFont(title_font)
        title_rect = painter.boundingRect(QRect(left, rect.top() + PADDING, text_width, 10_000),
                                          Qt.TextFlag.TextWordWrap, str(index.data()))
        painter.drawText(title_rect, Qt.TextFlag.TextWordWrap, str(index.data()))
        painter.setFont(small_font)
        painter.drawText(QRect(left, title_rect.bottom() + 2, text_width, 10_000),
                         Qt.TextFlag.TextWordWrap, str(index.data(STATE_ROLE) or ""))
        painter.restore()


class StepNavigator(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_("Steps"))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setItemDelegate(StepDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSpacing(2)
        size = self.fontMetrics().height() + 4
        self.setIconSize(QSize(size, size))
        self.states: dict[str, StepState] = {}
        for number, step in enumerate(STEPS, start=1):
            item = QListWidgetItem(f"{number}. {_(step.title)}")
            item.setData(Qt.ItemDataRole.UserRole, step.id)
            self.addItem(item)

    def set_progress(self, progress: dict[str, StepProgress]) -> None:
        for number, step in enumerate(STEPS, start=1):
            item = self.item(number - 1)
            state = progress[step.id]
            title = _(step.title)
            words = _(STATE_WORDS[state.state])
            if item.data(STATE_ROLE) != words:
                item.setData(STATE_ROLE, words)
            if self.states.get(step.id) != state.state:
                item.setIcon(icons.icon(state.state.value))
            self.states[step.id] = state.state
            description = describe(number, title, state)
            item.setToolTip(description)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, description)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.scheduleDelayedItemsLayout()  # wrapped titles change height with the width
        return super().viewportEvent(event)

    def sizeHint(self) -> QSize:
        """Wide enough for the longest title on one line (no fixed pixels: it follows the font)."""
        metrics = self.fontMetrics()
        title = max(metrics.horizontalAdvance(self.item(i).text()) for i in range(self.count()))
        extra = self.iconSize().width() + 4 * PADDING + self.frameWidth() * 2
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = min(title, metrics.horizontalAdvance("M") * 22) + extra + scrollbar
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance("M") * 9 + self.iconSize().width()
        return QSize(width, self.fontMetrics().height() * 6)
