"""A keyboard focus that can be seen at a glance: a thick dark-blue ring around the input
that has the focus, and around the current tab and the current row's cell of a list.

Qt's own styles mark the focus with a faint one-pixel line (Fusion only after a Tab), too
easily lost on a laptop in a custody suite at night. :class:`FocusStyle` is a proxy over
the application's style that changes nothing but the focus marks, so widgets keep their
native painting (no global style sheet).

The ring round an input is a :class:`QFocusFrame`, a widget of its own just outside the
input's edge: it is drawn whatever paints the input itself (the form's read-only fields
are painted through a style sheet, which would skip a ring drawn with the input), and it
never covers what is typed. :func:`install_focus_style` moves the one ring to each
widget that takes the focus.

The style is given only to the widgets that draw a focus mark themselves (the ring, and
a tab bar or a list once it has had the focus), never to the whole application: every
metric and hint a style answers would otherwise be a call into Python, thousands per
paint, which made the first window a third slower to show.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFocusFrame,
    QMenu,
    QMenuBar,
    QProxyStyle,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QStyleOptionTab,
    QTabBar,
    QWidget,
)

# Dark navy: at least 3:1 (WCAG's contrast for a focus indicator) against white fields,
# the grey window and the blue of a selected row, so it shows on all three.
FOCUS_COLOUR = QColor("#0a2f6e")
RING_WIDTH = 3  # px, round an input, just outside its edge
ITEM_RING_WIDTH = 2  # px, inside the current tab or the current item of a list

_PM = QStyle.PixelMetric
_SH = QStyle.StyleHint


def ring_target(widget: QWidget | None) -> QWidget | None:
    """The widget the ring goes round when ``widget`` has the focus (None: no ring).

    A tab bar, menus and popups (a combo box's list) mark their current tab or item
    themselves; the line edit inside a spin box, date or combo box rings the whole box.
    """
    if widget is None or widget.isWindow() or isinstance(widget, QTabBar | QMenu | QMenuBar):
        return None
    if widget.window().windowType() == Qt.WindowType.Popup:
        return None
    parent = widget.parentWidget()
    if isinstance(parent, QAbstractSpinBox | QComboBox):
        return parent
    return widget


class FocusStyle(QProxyStyle):
    """The application's style with a focus ring that stands out (see the module)."""

    def pixelMetric(
        self, metric: QStyle.PixelMetric, option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        if metric in (_PM.PM_FocusFrameHMargin, _PM.PM_FocusFrameVMargin):
            return RING_WIDTH
        if metric == _PM.PM_DefaultFrameWidth and isinstance(widget, QFocusFrame):
            # The ring's mask (SH_FocusFrame_Mask) is this frame width + 1 wide.
            return RING_WIDTH - 1
        return super().pixelMetric(metric, option, widget)

    def styleHint(
        self, hint: QStyle.StyleHint, option: QStyleOption | None = None,
        widget: QWidget | None = None, returnData: QStyleHintReturn | None = None,
    ) -> int:
        if hint == _SH.SH_FocusFrame_AboveWidget:
            # Above the input and its neighbours, in the window or scroll area: not
            # clipped by the frame that marks a field with a problem.
            return 1
        return super().styleHint(hint, option, widget, returnData)

    def drawControl(
        self, element: QStyle.ControlElement, option: QStyleOption, painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.ControlElement.CE_FocusFrame:
            rect = QRectF(option.rect)
            ring = QPainterPath()
            ring.addRoundedRect(rect, RING_WIDTH + 1, RING_WIDTH + 1)
            ring.addRect(rect.adjusted(RING_WIDTH, RING_WIDTH, -RING_WIDTH, -RING_WIDTH))
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillPath(ring, FOCUS_COLOUR)  # odd-even fill: the band between
            painter.restore()
            return
        if (
            element == QStyle.ControlElement.CE_TabBarTabLabel
            and isinstance(option, QStyleOptionTab)
            and option.state & QStyle.StateFlag.State_HasFocus
        ):
            # Qt's common style draws a tab's focus mark past the proxy: draw it here.
            label = QStyleOptionTab(option)
            label.state &= ~QStyle.StateFlag.State_HasFocus
            super().drawControl(element, label, painter, widget)
            self._item_ring(painter, option.rect.adjusted(2, 2, -2, -2))
            return
        super().drawControl(element, option, painter, widget)

    def drawPrimitive(
        self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            # The current tab, a list's current item: ringed inside. Anything else
            # (a button's or a check box's label) already has the ring round it.
            if widget is None or isinstance(widget, QTabBar | QAbstractItemView):
                self._item_ring(painter, option.rect)
            return
        super().drawPrimitive(element, option, painter, widget)

    @staticmethod
    def _item_ring(painter: QPainter, rect: QRect) -> None:
        half = ITEM_RING_WIDTH / 2
        painter.save()
        painter.setPen(QPen(FOCUS_COLOUR, ITEM_RING_WIDTH))
        painter.setBrush(QColor(0, 0, 0, 0))
        painter.drawRect(QRectF(rect).adjusted(half, half, -half, -half))
        painter.restore()


class FocusRing(QFocusFrame):
    """The ring round the focused input."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        handled = super().eventFilter(watched, event)
        # QFocusFrame hides on its widget's style change, which a style sheet set on an
        # ancestor sends (a field's problem marker): the field still has the focus.
        if (
            event.type() == QEvent.Type.StyleChange
            and watched is self.widget()
            and isinstance(watched, QWidget)
            and watched.isVisible()
            and watched.hasFocus()
        ):
            self.show()
            self.raise_()
        return handled


class FocusTracker(QObject):
    """Moves the one :class:`FocusRing` to each widget that takes the focus, and gives a
    tab bar or a list that takes it the style that rings its current tab or item."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._ring: FocusRing | None = None
        # One style for the widgets that use it; a widget does not own its style.
        self.style = FocusStyle(app.style().name())
        self.style.setParent(self)
        app.focusChanged.connect(self._focus_changed)

    def _own_mark(self, widget: QWidget | None) -> None:
        if isinstance(widget, QTabBar | QAbstractItemView) and widget.style() is not self.style:
            widget.setStyle(self.style)

    @property
    def ring(self) -> FocusRing | None:
        """The ring, if one is showing (for tests)."""
        ring = self._ring
        if ring is None or not shiboken6.isValid(ring) or not ring.isVisible():
            return None
        return ring

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self._own_mark(new)
        target = ring_target(new)
        ring = self._ring if self._ring is not None and shiboken6.isValid(self._ring) else None
        if target is None:
            if ring is not None:
                ring.setWidget(None)  # type: ignore[arg-type]
            return
        if ring is None:
            # Owned by a widget (Qt deletes it with its window); moved by setWidget.
            ring = self._ring = FocusRing(target.window())
        if ring.style() is not self.style:
            ring.setStyle(self.style)
        ring.setWidget(target)


def install_focus_style(app: QApplication) -> FocusTracker:
    """Give ``app`` the visible focus ring (once; later calls return the same tracker)."""
    tracker = app.findChild(FocusTracker)
    if isinstance(tracker, FocusTracker):
        return tracker
    tracker = FocusTracker(app)
    # Installed after the first window showed: ring what has the focus already.
    tracker._focus_changed(None, app.focusWidget())
    return tracker
