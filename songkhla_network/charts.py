"""Bar charts as numbers an inline SVG template draws: no script, so they show on a cheap phone,
print, and come out as vector graphics in WeasyPrint's PDFs."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

# Colours every chart uses for the same meaning.
RED, GREEN, GREY, BLUE = "#b02a37", "#198754", "#adb5bd", "#0b5d4b"


@dataclass
class Series:
    label: str
    colour: str
    values: list[Decimal]


@dataclass
class BarChart:
    title: str
    series: list[Series]
    groups: list["BarGroup"] = field(default_factory=list)
    width: int = 0
    height: int = 215
    top: Decimal = Decimal("0")


class Bar(TypedDict):
    x: int
    y: float
    h: float
    value: Decimal
    colour: str
    series: str


class BarGroup(TypedDict):
    """The bars of one label (a month, a community), side by side."""

    label: str
    label_x: float
    bars: list[Bar]


PLOT_HEIGHT, BASELINE, LEFT, BAR = 160, 180, 44, 12


def bar_chart(title: str, labels: Sequence[str], series: list[Series]) -> BarChart:
    """Bars side by side for each label (a month, a community), one per series, on one scale."""
    top = max([v for s in series for v in s.values] + [Decimal("0")]) or Decimal("1")
    step = BAR * len(series) + 10
    chart = BarChart(title=title, series=series, width=LEFT + step * len(labels) + 10, top=top)
    for index, label in enumerate(labels):
        x = LEFT + index * step
        bars: list[Bar] = []
        for offset, s in enumerate(series):
            value = s.values[index]
            h = round(float(Decimal(value) / Decimal(top)) * PLOT_HEIGHT, 1) if value > 0 else 0
            bars.append(
                {
                    "x": x + offset * BAR,
                    "y": BASELINE - h,
                    "h": h,
                    "value": value,
                    "colour": s.colour,
                    "series": s.label,
                }
            )
        chart.groups.append({"label": label, "label_x": x + BAR * len(series) / 2, "bars": bars})
    return chart
