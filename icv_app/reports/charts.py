"""Charts for the PDF reports, drawn with reportlab's own graphics (no image files).

Two kinds, each a :class:`~reportlab.graphics.shapes.Drawing` that a story holds like any
other flowable:

- :func:`bar_chart`: horizontal bars, one row per category (a custody suite, an issue
  category), the first on top; one series, or several side by side or stacked, each
  bar (or stack) labelled with its value at its end, and a legend for several series.
  Horizontal, so that a dozen suites' names stay readable in a portrait page.
- :func:`heat_map`: a 7 × 24 grid of counts (weekday × hour of the day) drawn as shaded
  squares with the count in each, a total per row and per column, and a legend of the
  shades.

Everything drawn is fixed text the app wrote (suite names come from the reference data,
not from a visitor), so nothing here is markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.textlabels import NA_Label
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth

from icv_app.reports import styles as st
from icv_app.reports.styles import Fonts

__all__ = [
    "HEAT_SHADES",
    "SERIES_COLOURS",
    "Series",
    "bar_chart",
    "heat_bins",
    "heat_map",
]

# A single blue hue, light to dark (ColorBrewer "Blues"): the order of the shades reads as
# the order of the counts in print and in greyscale.
HEAT_SHADES = tuple(colors.HexColor(c) for c in
                    ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"))
# Series of a bar chart: the main series dark, the next lighter (remote beside in person).
SERIES_COLOURS = (colors.HexColor("#2b6cb0"), colors.HexColor("#90cdf4"),
                  colors.HexColor("#1f2933"))

NOT_AVAILABLE = "\u2014"  # a value that cannot be worked out (a rate of nothing)
LABEL_SIZE = 7.5
ROW_HEIGHT = 15.0  # one category's row in a bar chart


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: a value per category (None: nothing to show)."""

    name: str
    values: Sequence[float | None]
    colour: Color = SERIES_COLOURS[0]


def _ellipsis(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while len(text) > 1 and stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _nice_max(value: float) -> tuple[float, float]:
    """An axis end at or above ``value`` and its step: the smallest step of 1, 2, 2.5 or
    5 times a power of ten (at least 1) that reaches ``value`` in at most 5 steps."""
    if value <= 0:
        return 1.0, 1.0
    power = 10 ** math.floor(math.log10(value / 5))
    step = 1.0
    for factor in (1, 2, 2.5, 5, 10):
        step = max(1.0, factor * power)
        if math.ceil(value / step) <= 5:
            break
    return step * math.ceil(value / step), step


def _legend(drawing: Drawing, series: Sequence[Series], fonts: Fonts, x: float,
            y: float) -> None:
    """Swatches and names in a row from ``x``, their text's baseline at ``y``."""
    for s in series:
        drawing.add(Rect(x, y - 1, 8, 8, fillColor=s.colour, strokeColor=None))
        drawing.add(String(x + 11, y, s.name, fontName=fonts.regular,
                           fontSize=LABEL_SIZE, fillColor=st.INK))
        x += 11 + stringWidth(s.name, fonts.regular, LABEL_SIZE) + 14


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: float,
    fonts: Fonts,
    stacked: bool = False,
    value_text: Callable[[float | None], str] = lambda v: f"{v:,.0f}" if v is not None
    else NOT_AVAILABLE,
    value_max: float | None = None,
    value_step: float | None = None,
    axis_text: Callable[[float], str] = lambda v: f"{v:,.0f}",
    bar_colours: Sequence[Color | None] = (),
) -> Drawing:
    """Horizontal bars for ``categories`` (top to bottom), ``width`` points wide.

    Each bar (each stack, when ``stacked``) ends in its value as ``value_text`` writes
    it; a value of None has no bar and reads as "—". With several series a legend sits
    above the bars. ``value_max``/``value_step``: the axis (0 to a round number above the
    largest value by default). ``bar_colours``: a colour per category for a single
    series (None keeps the series colour), to set a total apart from its parts.
    """
    f = fonts
    legend_h = 16.0 if len(series) > 1 else 0.0
    axis_h = 16.0  # the value axis's labels under the bars
    groups = 1 if stacked else len(series)
    row_h = ROW_HEIGHT if groups == 1 else ROW_HEIGHT * 0.6 * groups + 4
    plot_h = row_h * len(categories)
    height = legend_h + plot_h + axis_h + 2

    label_w = min(max((stringWidth(c, f.regular, LABEL_SIZE) for c in categories),
                      default=0) + 8, width * 0.32)
    # Room at the right for the longest value label beyond the longest bar.
    values = [[v for v in s.values] for s in series]
    if stacked:
        ends = [sum(v or 0 for v in col) for col in zip(*values, strict=True)]
        last_labels = [value_text(e) for e in ends]
    else:
        ends = [v or 0 for row in values for v in row]
        last_labels = [value_text(v) for row in values for v in row]
    value_w = max((stringWidth(t, f.regular, LABEL_SIZE) for t in last_labels),
                  default=0) + 6

    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = axis_h
    chart.width = width - label_w - value_w
    chart.height = plot_h
    chart.data = [[v for v in row] for row in values]
    chart.categoryAxis.categoryNames = [
        _ellipsis(c, f.regular, LABEL_SIZE, label_w - 6) for c in categories]
    chart.categoryAxis.reverseDirection = 1  # the first category on top
    chart.categoryAxis.labels.fontName = f.regular
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.fillColor = st.INK
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = st.RULE
    chart.categoryAxis.visibleTicks = 0
    if stacked:
        chart.categoryAxis.style = "stacked"

    top, step = _nice_max(max(ends, default=0))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = value_max if value_max is not None else top
    chart.valueAxis.valueStep = value_step if value_step is not None else step
    chart.valueAxis.labels.fontName = f.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = st.MUTED
    chart.valueAxis.labelTextFormat = axis_text
    chart.valueAxis.strokeColor = st.RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = st.GRID
    chart.valueAxis.gridStrokeWidth = 0.4

    chart.barWidth = ROW_HEIGHT * 0.6
    chart.groupSpacing = ROW_HEIGHT * 0.4 if groups == 1 else 4
    chart.barSpacing = 0
    chart.bars.strokeColor = None
    for i, s in enumerate(series):
        chart.bars[i].fillColor = s.colour
    if len(series) == 1:
        for column, colour in enumerate(bar_colours):
            if colour is not None:
                chart.bars[(0, column)].fillColor = colour

    # Labels: each bar's value at its end; a stack's total at the end of its last part.
    if stacked:
        labels = [["" for _ in categories] for _ in series]
        labels[-1] = last_labels
    else:
        labels = [[value_text(v) for v in s.values] for s in series]
    chart.barLabelFormat = "values"
    chart.barLabelArray = labels
    chart.barLabels.fontName = f.regular
    chart.barLabels.fontSize = LABEL_SIZE
    chart.barLabels.fillColor = st.INK
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barLabels.nudge = 0
    na = NA_Label()
    na.text = NOT_AVAILABLE
    na.fontName = f.regular
    na.fontSize = LABEL_SIZE
    na.fillColor = st.MUTED
    na.boxAnchor = "w"
    na.dx = 3
    chart.naLabel = na
    drawing.add(chart)
    if legend_h:
        _legend(drawing, series, f, label_w, height - 9)
    return drawing


def heat_bins(largest: int, shades: int = len(HEAT_SHADES)) -> list[tuple[int, int]]:
    """Ranges of counts ``(low, high)`` (both included) covering 1 to ``largest`` in at
    most ``shades`` equal steps, none empty: 1–2, 3–4, … For 0, none."""
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


def _range_text(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}\u2013{high}"


def heat_map(
    matrix: Sequence[Sequence[int]],
    row_names: Sequence[str],
    *,
    width: float,
    fonts: Fonts,
    legend_title: str = "Visits begun in the hour",
) -> Drawing:
    """A grid of counts (rows × 24 hours) as shaded squares, each with its count, the
    hours along the top, each row's total at its right and each hour's under the grid,
    and a legend of the shades."""
    f = fonts
    columns = len(matrix[0]) if matrix else 24
    name_w = max((stringWidth(n, f.regular, LABEL_SIZE) for n in row_names), default=0) + 8
    total_w = 34.0
    cell_w = (width - name_w - total_w) / columns
    cell_h = min(16.0, cell_w)
    head_h, foot_h, legend_h = 12.0, 14.0, 22.0
    grid_h = cell_h * len(matrix)
    height = head_h + grid_h + foot_h + legend_h
    drawing = Drawing(width, height)

    largest = max((max(row) for row in matrix), default=0)
    bins = heat_bins(largest)

    def shade(n: int) -> tuple[Color, Color]:
        for index, (low, high) in enumerate(bins):
            if low <= n <= high:
                ink = colors.white if index >= len(bins) - 2 and len(bins) > 2 else st.INK
                return HEAT_SHADES[len(HEAT_SHADES) - len(bins) + index], ink
        return colors.white, st.MUTED

    top = height - head_h
    for hour in range(columns):
        x = name_w + hour * cell_w + cell_w / 2
        drawing.add(String(x, top + 3, f"{hour:02d}", fontName=f.regular, fontSize=6.5,
                           fillColor=st.MUTED, textAnchor="middle"))
    drawing.add(String(width - total_w / 2, top + 3, "Total", fontName=f.bold,
                       fontSize=6.5, fillColor=st.MUTED, textAnchor="middle"))
    # Counts as large as the squares hold: a year of a big scheme runs to hundreds.
    busiest_hour = max((sum(column) for column in zip(*matrix, strict=True)), default=0)
    number_size = min(6.5, (cell_w - 2) / stringWidth(f"{largest:,}", f.regular, 1.0))
    total_size = min(6.5, (cell_w - 1) / stringWidth(f"{busiest_hour:,}", f.bold, 1.0))
    for r, row in enumerate(matrix):
        y = top - (r + 1) * cell_h
        drawing.add(String(name_w - 5, y + cell_h / 2 - 2.5, row_names[r], fontName=f.regular,
                           fontSize=LABEL_SIZE, fillColor=st.INK, textAnchor="end"))
        for hour, n in enumerate(row):
            x = name_w + hour * cell_w
            fill, ink = shade(n)
            drawing.add(Rect(x, y, cell_w, cell_h, fillColor=fill, strokeColor=st.GRID,
                             strokeWidth=0.4))
            if n:
                drawing.add(String(x + cell_w / 2, y + cell_h / 2 - 2.2, str(n),
                                   fontName=f.regular, fontSize=number_size, fillColor=ink,
                                   textAnchor="middle"))
        drawing.add(String(width - total_w / 2, y + cell_h / 2 - 2.5, f"{sum(row):,}",
                           fontName=f.bold, fontSize=LABEL_SIZE, fillColor=st.INK,
                           textAnchor="middle"))
    bottom = top - grid_h
    drawing.add(Rect(name_w, bottom, cell_w * columns, grid_h, fillColor=None,
                     strokeColor=st.RULE, strokeWidth=0.6))
    # The six-hour marks, so a reader finds 18:00 without counting squares.
    for hour in range(6, columns, 6):
        x = name_w + hour * cell_w
        drawing.add(Line(x, bottom, x, top, strokeColor=st.RULE, strokeWidth=0.9))
    for hour in range(columns):
        total = sum(row[hour] for row in matrix)
        drawing.add(String(name_w + hour * cell_w + cell_w / 2, bottom - 9, f"{total:,}",
                           fontName=f.bold, fontSize=total_size,
                           fillColor=st.MUTED if total else st.RULE, textAnchor="middle"))
    drawing.add(String(name_w - 5, bottom - 9, "Total", fontName=f.bold, fontSize=6.5,
                       fillColor=st.MUTED, textAnchor="end"))

    # The legend: what each shade stands for.
    y = 4.0
    x = name_w
    drawing.add(String(x, y + 2, legend_title + ":", fontName=f.regular,
                       fontSize=LABEL_SIZE, fillColor=st.INK))
    x += stringWidth(legend_title + ":", f.regular, LABEL_SIZE) + 8
    for low, high, fill in [(0, 0, colors.white),
                            *((lo, hi, shade(lo)[0]) for lo, hi in bins)]:
        drawing.add(Rect(x, y, 14, 9, fillColor=fill, strokeColor=st.GRID, strokeWidth=0.4))
        text = _range_text(low, high)
        drawing.add(String(x + 17, y + 2, text, fontName=f.regular, fontSize=LABEL_SIZE,
                           fillColor=st.INK))
        x += 17 + stringWidth(text, f.regular, LABEL_SIZE) + 10
    return drawing
