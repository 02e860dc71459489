"""Small charts for the desktop app, painted with QPainter: horizontal bars and a
weekday × hour heat map.

Why QPainter and not a chart library: Qt's own charts (QtCharts) come with the
PySide6-Addons wheel, a download several times the size of the Qt the app already
ships, for two kinds of chart; matplotlib is heavier still (NumPy, its own fonts and
backends) and draws images that a screen reader cannot read. Bars and a grid of shaded
squares are a few dozen lines of painting each, use the app's own fonts and palette,
and keep the installer light. The PDF draws the same charts with reportlab's graphics
(:mod:`icv_app.reports.charts`), in the same colours.

Both widgets take the keyboard focus (a screen reader announces their name and a
summary of what they show in words: :meth:`BarChart.summary`, :meth:`HeatMap.summary`)
and show every value as text, not only as a length or a shade. In the heat map the
arrow keys move a current square, whose count is announced through
:attr:`HeatMap.cell_changed` (the page shows it below the map) and its accessible
description, as hovering shows it in a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

__all__ = [
    "HEAT_SHADES",
    "NOT_AVAILABLE",
    "SERIES_COLOURS",
    "BarChart",
    "BarSeries",
    "HeatMap",
    "heat_bins",
    "hour_range",
]

# The PDF's colours (icv_app.reports.charts), so the app and the report read alike: a
# single blue hue for the heat map, light to dark (ColorBrewer "Blues"), whose order
# reads as the order of the counts in greyscale too; dark and light blue for two series,
# near-black to set a total apart.
HEAT_SHADES = tuple(QColor(c) for c in ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd",
                                        "#08519c"))
SERIES_COLOURS = (QColor("#2b6cb0"), QColor("#90cdf4"), QColor("#1f2933"))
NOT_AVAILABLE = "\u2014"  # a value that cannot be worked out (a rate of nothing)
GRID = QColor("#c8ccd2")
MUTED = QColor("#5f6b7a")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def hour_range(hour: int) -> str:
    """"14:00–15:00" for hour 14; the last hour ends at midnight ("23:00–00:00")."""
    return f"{hour:02d}:00\u2013{(hour + 1) % 24:02d}:00"


def heat_bins(largest: int, shades: int = len(HEAT_SHADES)) -> list[tuple[int, int]]:
    """Ranges of counts ``(low, high)`` (both included) covering 1 to ``largest`` in at
    most ``shades`` equal steps, none empty: the PDF's bins, so a shade means the same
    count in both."""
    if largest <= 0:
        return []
    count = min(shades, largest)
    bins: list[tuple[int, int]] = []
    low = 1
    for i in range(1, count + 1):
        high = math.ceil(largest * i / count)
        bins.append((low, high))
        low = high + 1
    return bins


# Bars --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BarSeries:
    """One series: a value per category (None: nothing to show, printed as "—")."""

    name: str
    values: Sequence[float | None]
    colour: QColor = field(default_factory=lambda: QColor(SERIES_COLOURS[0]))


def _count_text(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value:,.0f}"


class BarChart(QWidget):
    """Horizontal bars, one row per category (a suite), the first on top: one series, or
    several stacked end to end with a legend above. Each bar ends in its value written out (a stack
    in its total); the row's name is at the left.

    ``title`` is the chart's accessible name; :meth:`summary` (its description) says
    every value in words.
    """

    ROW = 22  # px per category
    BAR = 14

    def __init__(self, title: str, empty_text: str = "Nothing to show for this period",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.empty_text = empty_text
        self.categories: list[str] = []
        self.series: list[BarSeries] = []
        self.value_text: Callable[[float | None], str] = _count_text
        self.value_max: float | None = None
        self.bar_colours: list[QColor | None] = []
        self.empty = True
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(title)
        self._update_text()

    def set_data(
        self,
        categories: Sequence[str],
        series: Sequence[BarSeries],
        *,
        value_text: Callable[[float | None], str] = _count_text,
        value_max: float | None = None,
        bar_colours: Sequence[QColor | None] = (),
        empty: bool = False,
        empty_text: str | None = None,
    ) -> None:
        """Show ``series`` over ``categories`` (several are stacked). ``value_max``: the
        end of the axis (the largest value by default); ``bar_colours``: a colour per
        category for a single series (None keeps the series colour), to set a total
        apart from its parts. ``empty``: there is nothing to show (no visits: every bar
        would be 0 or "—"), say ``empty_text`` instead of drawing bars."""
        self.categories = list(categories)
        self.series = list(series)
        self.value_text = value_text
        self.value_max = value_max
        self.bar_colours = list(bar_colours)
        self.empty = empty
        if empty_text is not None:
            self.empty_text = empty_text
        self._update_text()
        self.updateGeometry()
        self.update()

    # What it shows, in words ----------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return self.empty or not self.categories or not self.series

    def row_text(self, row: int) -> str:
        """One category's values in words: "Ashford Road: 12 (10 in person, 2 remote)"."""
        name = self.categories[row]
        values = [s.values[row] for s in self.series]
        if len(self.series) == 1:
            return f"{name}: {self.value_text(values[0])}"
        parts = ", ".join(f"{self.value_text(v)} {s.name.lower()}"
                          for s, v in zip(self.series, values, strict=True))
        total = sum(v or 0 for v in values)
        return f"{name}: {self.value_text(total)} ({parts})"

    def summary(self) -> str:
        """Every category's values, one after another, in words."""
        if self.is_empty:
            return self.empty_text + "."
        return "; ".join(self.row_text(r) for r in range(len(self.categories))) + "."

    def _update_text(self) -> None:
        summary = self.summary()
        self.setAccessibleDescription(summary)
        self.setToolTip("")  # per row, on hover (event())

    # Size and painting ----------------------------------------------------------------
    def _legend_height(self) -> int:
        return self.fontMetrics().height() + 8 if len(self.series) > 1 else 0

    def sizeHint(self) -> QSize:
        rows = max(1, len(self.categories))
        return QSize(360, self._legend_height() + rows * self.ROW + 6)

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(200, hint.height())

    def _ends(self) -> list[float]:
        """Where each row's bar (or stack) ends."""
        return [sum(s.values[r] or 0 for s in self.series)
                for r in range(len(self.categories))]

    def _row_at(self, y: float) -> int | None:
        top = self._legend_height()
        row = int((y - top) // self.ROW)
        return row if y >= top and 0 <= row < len(self.categories) else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            row = self._row_at(event.pos().y())
            if row is None or self.is_empty:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.row_text(row), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = self.palette()
        ink = palette.color(QPalette.ColorRole.WindowText)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        metrics = QFontMetricsF(self.font())
        if self.is_empty:
            painter.setPen(MUTED)
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter,
                             self.empty_text)
            painter.end()
            return
        width = self.width()
        top = self._legend_height()
        if top:
            x = 4.0
            for s in self.series:
                painter.fillRect(QRectF(x, 5, 12, 12), s.colour)
                painter.setPen(ink)
                painter.drawText(QPointF(x + 16, 5 + metrics.ascent() - 1), s.name)
                x += 16 + metrics.horizontalAdvance(s.name) + 16
        label_w = min(max(metrics.horizontalAdvance(c) for c in self.categories) + 10,
                      width * 0.35)
        texts = self._end_texts()
        value_w = max((metrics.horizontalAdvance(t) for t in texts), default=0) + 10
        plot_x, plot_w = label_w, max(10.0, width - label_w - value_w)
        largest = self.value_max or max(self._ends(), default=0) or 1
        scale = plot_w / largest
        # Faint lines at quarters of the axis, so lengths compare at a glance.
        painter.setPen(QPen(GRID, 1))
        bottom = top + self.ROW * len(self.categories)
        for quarter in range(1, 5):
            x = plot_x + plot_w * quarter / 4
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        painter.setPen(QPen(MUTED, 1))
        painter.drawLine(QPointF(plot_x, top), QPointF(plot_x, bottom))
        for row, name in enumerate(self.categories):
            y = top + row * self.ROW
            bar_y = y + (self.ROW - self.BAR) / 2
            painter.setPen(ink)
            shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_w - 8)
            painter.drawText(QRectF(0, y, label_w - 6, self.ROW),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
            x = plot_x
            for s in self.series:
                value = s.values[row]
                if value:
                    length = max(1.0, value * scale)
                    colour = s.colour
                    if len(self.series) == 1 and row < len(self.bar_colours):
                        colour = self.bar_colours[row] or colour
                    painter.fillRect(QRectF(x, bar_y, length, self.BAR), colour)
                    x += length
            painter.setPen(ink if texts[row] != NOT_AVAILABLE else MUTED)
            painter.drawText(QRectF(x + 4, y, value_w + 10, self.ROW),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             texts[row])
        painter.end()

    def _end_texts(self) -> list[str]:
        """The text at the end of each row: its value, or a stack's total."""
        if len(self.series) > 1:
            return [self.value_text(end) for end in self._ends()]
        return [self.value_text(v) for v in self.series[0].values]


# Heat map -----------------------------------------------------------------------------------

class HeatMap(QWidget):
    """Counts by row (a day of the week) and hour of the day as shaded squares, each
    with its count where it fits, the hours along the top, each row's total at its right
    and each hour's under the grid, and a legend of the shades below.

    Signals:
        cell_changed(str): the current square (moved with the arrow keys) in words,
            "Thursday 14:00–15:00: 6 visits".
    """

    cell_changed = Signal(str)

    CELL_H = 22

    def __init__(self, title: str, row_names: Sequence[str],
                 unit: tuple[str, str] = ("visit", "visits"),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.row_names = list(row_names)
        self.unit = unit
        self.matrix: list[list[int]] = [[0] * 24 for _ in self.row_names]
        self.current: tuple[int, int] = (0, 0)
        self._current_set = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(title)
        self._update_text()

    def set_matrix(self, matrix: Sequence[Sequence[int]]) -> None:
        """Show ``matrix`` (a row per name, 24 hours each); the current square moves to
        the busiest one."""
        self.matrix = [list(row) for row in matrix]
        busiest = self.busiest()
        self.current = (busiest[0], busiest[1]) if busiest else (0, 0)
        self._update_text()
        self.update()

    # What it shows, in words ----------------------------------------------------------
    @property
    def total(self) -> int:
        return sum(map(sum, self.matrix))

    def busiest(self) -> tuple[int, int, int] | None:
        """(row, hour, count) of the square with the most (the first on a tie), or None
        when every square is empty."""
        best: tuple[int, int, int] | None = None
        for r, row in enumerate(self.matrix):
            for hour, n in enumerate(row):
                if n and (best is None or n > best[2]):
                    best = (r, hour, n)
        return best

    def cell_text(self, row: int, hour: int) -> str:
        """"Thursday 14:00–15:00: 6 visits"."""
        n = self.matrix[row][hour]
        return f"{self.row_names[row]} {hour_range(hour)}: {_plural(n, *self.unit)}"

    def summary(self) -> str:
        """The busiest square, day and hour, and how many in all: "Most visits: Thursday
        14:00–15:00 (6). Busiest day: Thursday (12 of 52 visits). Busiest hour:
        14:00–15:00 (9 visits)."."""
        busiest = self.busiest()
        many = self.unit[1]
        if busiest is None:
            return f"No {many} in this period."
        r, hour, n = busiest
        total = self.total
        by_day = [sum(row) for row in self.matrix]
        by_hour = [sum(col) for col in zip(*self.matrix, strict=True)]
        day = max(range(len(by_day)), key=lambda d: by_day[d])
        top_hour = max(range(24), key=lambda h: by_hour[h])
        return (
            f"Most {many}: {self.row_names[r]} {hour_range(hour)} ({n:,}). "
            f"Busiest day: {self.row_names[day]} "
            f"({by_day[day]:,} of {_plural(total, *self.unit)}). "
            f"Busiest hour: {hour_range(top_hour)} ({_plural(by_hour[top_hour], *self.unit)})."
        )

    def _update_text(self) -> None:
        description = self.summary()
        if self._current_set and self.total:
            description = f"{self.cell_text(*self.current)}. {description}"
        self.setAccessibleDescription(description)

    # Geometry ---------------------------------------------------------------------------
    def _layout(self) -> tuple[float, float, float, float]:
        """(x of the grid, width of a square, y of the grid, width of the totals)."""
        metrics = QFontMetricsF(self.font())
        name_w = max((metrics.horizontalAdvance(n) for n in self.row_names), default=0) + 10
        total_w = metrics.horizontalAdvance("Total") + 14
        cell_w = max(8.0, (self.width() - name_w - total_w) / 24)
        head_h = metrics.height() + 4
        return name_w, cell_w, head_h, total_w

    def _legend_top(self) -> float:
        _x, _w, head_h, _t = self._layout()
        return head_h + self.CELL_H * len(self.row_names) + self.fontMetrics().height() + 10

    def sizeHint(self) -> QSize:
        height = self._legend_top() + self.fontMetrics().height() + 10
        return QSize(640, int(height))

    def minimumSizeHint(self) -> QSize:
        return QSize(420, self.sizeHint().height())

    def _cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        grid_x, cell_w, head_h, _t = self._layout()
        row, hour = int((y - head_h) // self.CELL_H), int((x - grid_x) // cell_w)
        if x < grid_x or y < head_h or not (0 <= row < len(self.row_names) and 0 <= hour < 24):
            return None
        return row, hour

    def _shade(self, n: int, bins: list[tuple[int, int]]) -> tuple[QColor, QColor]:
        """The fill and the text colour of a square holding ``n``."""
        for index, (low, high) in enumerate(bins):
            if low <= n <= high:
                dark = index >= len(bins) - 2 and len(bins) > 2
                fill = HEAT_SHADES[len(HEAT_SHADES) - len(bins) + index]
                return fill, QColor("white") if dark else QColor("#1f2933")
        return QColor("white"), MUTED

    # Keyboard and mouse -----------------------------------------------------------------
    def set_current(self, row: int, hour: int) -> None:
        row = max(0, min(len(self.row_names) - 1, row))
        hour = max(0, min(23, hour))
        self.current = (row, hour)
        self._current_set = True
        self._update_text()
        self.update()
        self.cell_changed.emit(self.cell_text(row, hour))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        row, hour = self.current
        moves = {
            Qt.Key.Key_Left: (row, hour - 1), Qt.Key.Key_Right: (row, hour + 1),
            Qt.Key.Key_Up: (row - 1, hour), Qt.Key.Key_Down: (row + 1, hour),
            Qt.Key.Key_Home: (row, 0), Qt.Key.Key_End: (row, 23),
        }
        target = moves.get(Qt.Key(event.key()))
        if target is None or event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                                  | Qt.KeyboardModifier.AltModifier):
            super().keyPressEvent(event)
            return
        self.set_current(*target)

    def focusInEvent(self, event: object) -> None:  # type: ignore[override]
        super().focusInEvent(event)  # type: ignore[arg-type]
        self._current_set = True
        self._update_text()
        self.update()
        if self.total:
            self.cell_changed.emit(self.cell_text(*self.current))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self._cell_at(event.position().x(), event.position().y())
        if cell is not None:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.set_current(*cell)
        super().mousePressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self._cell_at(event.pos().x(), event.pos().y())
            if cell is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.cell_text(*cell), self)
            return True
        return super().event(event)

    # Painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        ink = palette.color(QPalette.ColorRole.WindowText)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        grid_x, cell_w, head_h, total_w = self._layout()
        rows = len(self.row_names)
        grid_w, grid_h = cell_w * 24, self.CELL_H * rows
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(6.5, font.pointSizeF() * 0.85))
        metrics = QFontMetricsF(small)
        largest = max((max(row) for row in self.matrix), default=0)
        bins = heat_bins(largest)

        # Hours along the top: every hour when they fit, else every other one.
        painter.setFont(small)
        painter.setPen(MUTED)
        every = 1 if metrics.horizontalAdvance("00") + 4 <= cell_w else 2
        for hour in range(0, 24, every):
            painter.drawText(QRectF(grid_x + hour * cell_w, 0, cell_w * every, head_h - 2),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
                             if every > 1 else
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                             f"{hour:02d}")
        painter.drawText(QRectF(grid_x + grid_w, 0, total_w, head_h - 2),
                         Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignBottom, "Total")

        # A count is written in its square when it fits there.
        widest = metrics.horizontalAdvance(f"{largest:,}") if largest else 0
        numbers = widest + 2 <= cell_w
        for r, row in enumerate(self.matrix):
            y = head_h + r * self.CELL_H
            painter.setFont(font)
            painter.setPen(ink)
            painter.drawText(QRectF(0, y, grid_x - 6, self.CELL_H),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             self.row_names[r])
            painter.setFont(small)
            for hour, n in enumerate(row):
                cell = QRectF(grid_x + hour * cell_w, y, cell_w, self.CELL_H)
                fill, text = self._shade(n, bins)
                painter.fillRect(cell, fill)
                painter.setPen(QPen(GRID, 1))
                painter.drawRect(cell)
                if n and numbers:
                    painter.setPen(text)
                    painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, f"{n:,}")
            painter.setPen(ink)
            bold = QFont(small)
            bold.setBold(True)
            painter.setFont(bold)
            painter.drawText(QRectF(grid_x + grid_w, y, total_w, self.CELL_H),
                             Qt.AlignmentFlag.AlignCenter, f"{sum(row):,}")
        # Six-hour marks, so 18:00 is found without counting squares.
        painter.setPen(QPen(MUTED, 1))
        painter.drawRect(QRectF(grid_x, head_h, grid_w, grid_h))
        for hour in (6, 12, 18):
            x = grid_x + hour * cell_w
            painter.drawLine(QPointF(x, head_h), QPointF(x, head_h + grid_h))
        # Each hour's total under the grid.
        bottom = head_h + grid_h
        painter.setFont(small)
        painter.setPen(MUTED)
        painter.drawText(QRectF(0, bottom, grid_x - 6, metrics.height() + 4),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "Total")
        by_hour = [sum(col) for col in zip(*self.matrix, strict=True)] if self.matrix else []
        hour_numbers = max((metrics.horizontalAdvance(f"{n:,}") for n in by_hour),
                           default=0) + 2 <= cell_w
        for hour, n in enumerate(by_hour):
            if n and hour_numbers:
                painter.drawText(QRectF(grid_x + hour * cell_w, bottom, cell_w,
                                        metrics.height() + 4),
                                 Qt.AlignmentFlag.AlignCenter, f"{n:,}")
        # The current square, while the map has the keyboard.
        if self.hasFocus() and self._current_set:
            r, hour = self.current
            pen = QPen(ink, 2.5)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(grid_x + hour * cell_w + 1, head_h + r * self.CELL_H + 1,
                                    cell_w - 2, self.CELL_H - 2))
        self._paint_legend(painter, grid_x, bins)
        painter.end()

    def _paint_legend(self, painter: QPainter, x: float,
                      bins: list[tuple[int, int]]) -> None:
        """What each shade stands for: "Visits begun in the hour: □ 0 ■ 1 ■ 2–3 …"."""
        y = self._legend_top()
        metrics = QFontMetricsF(self.font())
        painter.setFont(self.font())
        ink = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(ink)
        title = f"{self.unit[1].capitalize()} begun in the hour:"
        painter.drawText(QPointF(x, y + metrics.ascent()), title)
        x += metrics.horizontalAdvance(title) + 10
        for low, high in [(0, 0), *bins]:
            fill = QColor("white") if low == 0 else self._shade(low, bins)[0]
            box = QRectF(x, y + 1, 16, metrics.height() - 2)
            painter.fillRect(box, fill)
            painter.setPen(QPen(GRID, 1))
            painter.drawRect(box)
            text = str(low) if low == high else f"{low}\u2013{high}"
            painter.setPen(ink)
            painter.drawText(QPointF(x + 20, y + metrics.ascent()), text)
            x += 20 + metrics.horizontalAdvance(text) + 14
