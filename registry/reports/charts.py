"""Charts of a report, drawn on the server as SVG and embedded in the page
and the PDF: no script and nothing fetched to draw them. Each chart repeats
the figures of a table printed beside it, which stays the accessible form of
the data; the chart's title and description say what it shows.

These compute the geometry; the templates in registry/includes/charts/
write the SVG (escaping every label)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .areas import Count, Month

# Bars drawn before the rest are summed into one "all others" bar.
BARS_SHOWN = 8
# Months labelled at most on the time axis.
MONTH_LABELS_SHOWN = 8


def grouped(number: int) -> str:
    """A count in the reader's format, thousands grouped: 50,773."""
    return number_format(number, force_grouping=True)


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # formatted for the reader
    label_y: float  # baseline of the label, above its bar
    bar_y: float
    width: float

    @property
    def value_x(self) -> float:
        return round(self.width + 6, 1)

    @property
    def value_y(self) -> float:
        return self.bar_y + 11


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, each labelled above, with its value at its end; the
    labels sit above the bars so that long names need no room beside them
    on a phone."""

    title: str
    description: str
    bars: list[Bar]
    width: int = 400
    row_height: int = 36
    bar_height: int = 12
    # Room at the end of the longest bar for its value.
    value_room: int = 70

    @property
    def height(self) -> int:
        return len(self.bars) * self.row_height + 4


def bar_chart(rows: list[Count], *, title: str) -> BarChart | None:
    """Bars of `rows`' camera counts, the largest BARS_SHOWN then the rest
    as one; None when there is nothing to draw."""
    items = [(row.label, row.cameras) for row in rows if row.cameras]
    if not items:
        return None
    if len(items) > BARS_SHOWN + 1:
        rest = items[BARS_SHOWN:]
        others = _("all others (%(count)s)") % {"count": grouped(len(rest))}
        items = [*items[:BARS_SHOWN], (others, sum(value for _label, value in rest))]
    chart = BarChart(title=title, description="", bars=[])
    longest = max(value for _label, value in items)
    room = chart.width - chart.value_room
    bars = [
        Bar(
            label,
            grouped(value),
            label_y=index * chart.row_height + 14,
            bar_y=index * chart.row_height + 19,
            width=round(max(room * value / longest, 1), 1),
        )
        for index, (label, value) in enumerate(items)
    ]
    description = "; ".join(f"{label}: {grouped(value)}" for label, value in items)
    return BarChart(title=title, description=description, bars=bars)


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    dash: str  # SVG stroke-dasharray: the series differ by more than colour
    points: str  # "x,y x,y ..." for a polyline
    dots: list[tuple[float, float]]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    description: str
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = 640
    height: int = 260
    left: int = 48
    right: int = 32  # half a month's label beyond the last month
    top: int = 12
    bottom: int = 40

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


# Colours at least 3:1 against white (WCAG 1.4.11), told apart by dashes too.
SERIES_STYLES = {
    "added": ("#0b5cad", ""),
    "removed": ("#8a1c1c", "7 4"),
    "confirmed": ("#0b5a2a", "2 3"),
}
# Dots mark each month while there are few enough to tell apart.
DOTS_UP_TO_MONTHS = 36


def monthly_chart(months: list[Month]) -> LineChart | None:
    if not months:
        return None
    frame = LineChart(title="", description="", series=[], x_ticks=[], y_ticks=[])
    ticks = axis_ticks(max(max(m.added, m.removed, m.confirmed) for m in months))
    top = ticks[-1]
    plot_width = frame.plot_right - frame.left
    plot_height = frame.plot_bottom - frame.top

    def x(index: int) -> float:
        if len(months) == 1:
            return frame.left + plot_width / 2
        return round(frame.left + plot_width * index / (len(months) - 1), 1)

    def y(value: int) -> float:
        return round(frame.plot_bottom - plot_height * value / top, 1)

    labels = {"added": _("added"), "removed": _("removed"), "confirmed": _("confirmed")}
    series = []
    for key, (colour, dash) in SERIES_STYLES.items():
        coordinates = [(x(i), y(getattr(month, key))) for i, month in enumerate(months)]
        series.append(
            Series(
                key=key,
                label=labels[key],
                colour=colour,
                dash=dash,
                points=" ".join(f"{px},{py}" for px, py in coordinates),
                dots=coordinates if len(months) <= DOTS_UP_TO_MONTHS else [],
            )
        )
    step = math.ceil(len(months) / MONTH_LABELS_SHOWN)
    x_ticks = [
        Tick(x(i), date_format(month.month, "M Y"))
        for i, month in enumerate(months)
        if i % step == 0
    ]
    y_ticks = [Tick(y(value), grouped(value)) for value in ticks]
    description = _(
        "From %(first)s to %(last)s: %(added)s added, %(removed)s removed and "
        "%(confirmed)s confirmed. The table that follows gives each month."
    ) % {
        "first": date_format(months[0].month, "YEAR_MONTH_FORMAT"),
        "last": date_format(months[-1].month, "YEAR_MONTH_FORMAT"),
        "added": grouped(sum(m.added for m in months)),
        "removed": grouped(sum(m.removed for m in months)),
        "confirmed": grouped(sum(m.confirmed for m in months)),
    }
    return LineChart(
        title=_("Cameras added, removed and confirmed per month"),
        description=description,
        series=series,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )


def axis_ticks(value: int) -> list[int]:
    """Ticks from 0 to at least `value`, by the smallest step of 1, 2, 5,
    10, 20, 50... that needs at most five intervals."""
    step = 1
    while math.ceil(value / step) > 5:
        step = _next_step(step)
    intervals = max(math.ceil(value / step), 1)
    return [step * n for n in range(intervals + 1)]


def _next_step(step: int) -> int:
    magnitude = 10 ** math.floor(math.log10(step))
    factor = step // magnitude
    return {1: 2, 2: 5}.get(factor, 10) * magnitude
