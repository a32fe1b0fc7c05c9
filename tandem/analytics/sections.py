"""The data of each dashboard and report section: figures with their formulas, tables of raw values and
charts. The dashboards, the PDF, the XLSX and the CSV all render these same Sections, so every format shows
the same numbers.

A value None means "unavailable" and comes with the reason (``Figure.unavailable``), never a 0 in disguise
(METRICS.md)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from .periods import Period


@dataclass
class Figure:
    """One number with its formula; value None = unavailable, with the reason in ``unavailable``."""

    label: str
    value: float | int | None
    previous: float | int | None
    unit: str = ""  # "", "%", "s"
    formula: str = ""
    unavailable: str = ""

    @property
    def change(self) -> float | None:
        """% change against the previous period; None when either is unavailable or the previous is 0."""
        if self.value is None or self.previous in (None, 0):
            return None
        return (self.value - self.previous) / abs(self.previous) * 100


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]  # raw numbers / str / date / None (unavailable)
    notes: list[str] = field(default_factory=list)  # formulas, methods


@dataclass
class Chart:
    title: str
    svg: str  # a standalone SVG document (no scripts, no external resources)

    @property
    def data_uri(self) -> str:
        """For <img src>: the page's CSP allows data: images, and WeasyPrint renders them in PDFs."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


@dataclass
class HeatmapCell:
    score: float
    bucket: int  # 0 (lowest) … 4 (highest): the CSS class of the cell
    posts: int


@dataclass
class Heatmap:
    """The weekday × hour grid of the best-time section, ready for a table whose cells are coloured by CSS
    classes (the CSP forbids inline styles)."""

    hours: list[int]
    rows: list[tuple[str, list[HeatmapCell]]]  # (weekday, 24 cells)
    method: str

    @classmethod
    def of(cls, grid, weekdays: list[str], method: str) -> Heatmap:
        rows = [
            (
                weekdays[day],
                [
                    HeatmapCell(grid.scores[day][hour], grid.bucket(day, hour), grid.counts[day][hour])
                    for hour in range(24)
                ],
            )
            for day in range(7)
        ]
        return cls(list(range(24)), rows, method)


@dataclass
class Section:
    key: str  # a ReportSection value
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    empty: str = ""  # why the period has no data, shown instead of the figures
    heatmap: Heatmap | None = None  # best time to post: the grid with colour buckets (dashboards)


def build_sections(workspace, channels, period: Period, keys: list[str]) -> list[Section]:
    """The sections ``keys`` (ReportSection values, in that order) for ``channels`` (None = every channel of
    the workspace) over ``period``, each figure compared with the previous period of the same length."""
    # The builders import this module's dataclasses, so they are imported when first used.
    from .scope import Scope
    from .sections_community import BUILDERS as COMMUNITY
    from .sections_content import BUILDERS as CONTENT
    from .sections_posts import BUILDERS as POSTS

    builders = CONTENT | POSTS | COMMUNITY
    scope = Scope(workspace, channels, period)
    sections = []
    for key in keys:
        if key not in builders:
            raise ValueError(f"unknown report section {key!r}")
        sections.append(builders[key](scope))
    return sections
