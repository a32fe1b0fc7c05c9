"""Charts as standalone SVG (pygal) without scripts or external resources: shown in the page as a data: URI
<img> (the CSP allows data: images, not inline styles), and the same SVG renders in WeasyPrint's PDF."""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import date

import pygal
from django.core.cache import cache
from django.utils.translation import gettext as _
from pygal.style import Style

from .sections import Chart

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#888888",
    colors=("#3b6fd8", "#e0803a", "#3aa76d", "#c94c4c", "#8a5cc2"),
    font_family="DejaVu Sans, Arial, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
CACHE_SECONDS = 3600
# Longer periods get a bar per week instead of per day.
MAX_DAILY_BARS = 62
# At most this many labels on the date axis, so a year stays readable.
DATE_LABELS = 10


def _config(title: str) -> dict:
    return {
        "title": title,
        "style": STYLE,
        "js": [],  # no <script>: the SVG is an image, and nothing is fetched from the network
        "width": 800,
        "height": 300,
        "explicit_size": True,
        "show_minor_x_labels": False,
        "x_label_rotation": 0,
        "legend_at_bottom": True,
        "print_values": False,
        "no_data_text": "",
        "truncate_legend": 40,
    }


def _render(chart, title: str) -> Chart:
    """pygal writes its config as a <script> even with js=[]; an image needs none, so it goes."""
    return Chart(title, SCRIPT.sub("", chart.render(is_unicode=True)))


def _cached(draw):
    """pygal takes a good part of a dashboard's time; the same data draws the same SVG, so it is cached
    under a hash of the chart's kind and data (the language is part of the title and legend)."""

    @functools.wraps(draw)
    def cached(*args, **kwargs) -> Chart:
        key = (
            "analytics-chart:"
            + hashlib.sha256(repr((draw.__name__, args, sorted(kwargs.items()))).encode()).hexdigest()
        )
        found = cache.get(key)
        if found is None:
            chart = draw(*args, **kwargs)
            cache.set(key, (chart.title, chart.svg), CACHE_SECONDS)
            return chart
        return Chart(*found)

    return cached


def _date_axis(chart, days: list[date]) -> None:
    chart.x_labels = [day.strftime("%d %b") for day in days]
    chart.x_labels_major_every = max(1, len(days) // DATE_LABELS)


@_cached
def line(title: str, days: list[date], series: dict[str, list[float | None]]) -> Chart:
    """One line per series over the days; None leaves a gap (a day without a reading)."""
    chart = pygal.Line(**_config(title), show_dots=len(days) <= 31, allow_interruptions=True)
    _date_axis(chart, days)
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, title)


def _weekly(values: list[float]) -> list[float]:
    """Sums per 7 days from the first day (the last group may be shorter)."""
    return [sum(values[i : i + 7]) for i in range(0, len(values), 7)]


@_cached
def bars(title: str, days: list[date], series: dict[str, list[float]], stacked: bool = False) -> Chart:
    """Bars per day (stacked when the series are parts of one whole); over a long period, per week, so a
    year stays readable and renders fast."""
    if len(days) > MAX_DAILY_BARS:
        days = days[::7]
        series = {name: _weekly(values) for name, values in series.items()}
        title = _("%(title)s (sums per week)") % {"title": title}
    kind = pygal.StackedBar if stacked else pygal.Bar
    chart = kind(**_config(title))
    _date_axis(chart, days)
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, title)


@_cached
def horizontal_bars(title: str, values: dict[str, float | None]) -> Chart:
    """One bar per label (rubrics, rules)."""
    chart = pygal.HorizontalBar(**_config(title))
    for name, value in values.items():
        chart.add(name, [value])
    return _render(chart, title)
