"""The data of each dashboard and report section: figures with their formulas, tables of raw values and
charts. The dashboards, the PDF, the XLSX and the CSV all render these same Sections, so every format shows
the same numbers.

A value None means "unavailable" and comes with the reason (``Figure.unavailable``), never a 0 in disguise
(METRICS.md)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import gettext as _

from .models import DailyRollup, ReportSection
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
class Section:
    key: str  # a ReportSection value
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    empty: str = ""  # why the period has no data, shown instead of the figures


def _summary(workspace, channels, period: Period) -> Section:
    def totals(of: Period) -> dict:
        rows = DailyRollup.objects.filter(workspace=workspace, date__range=(of.start, of.end))
        if channels is not None:
            rows = rows.filter(channel__in=channels)
        return rows.aggregate(posts=Sum("posts"), interactions=Sum("interactions"))

    now, before = totals(period), totals(period.previous())
    section = Section(ReportSection.SUMMARY, str(ReportSection.SUMMARY.label))
    section.figures = [
        Figure(
            _("Posts"), now["posts"] or 0, before["posts"] or 0, formula=_("posts published in the period")
        ),
        Figure(
            _("Interactions"),
            now["interactions"] or 0,
            before["interactions"] or 0,
            formula=_("reactions + comments + shares + poll votes of the period's posts"),
        ),
    ]
    if not now["posts"]:
        section.empty = _("No posts were published in this period.")
    return section


BUILDERS = {ReportSection.SUMMARY: _summary}


def build_sections(workspace, channels, period: Period, keys: list[str]) -> list[Section]:
    """The sections ``keys`` (ReportSection values, in that order) for ``channels`` (None = every channel of
    the workspace) over ``period``, each compared with the previous period of the same length."""
    sections = []
    for key in keys:
        builder = BUILDERS.get(key)
        if builder is None:
            section = Section(key, str(ReportSection(key).label) if key in ReportSection.values else key)
            section.empty = _("This section is not available yet.")
        else:
            section = builder(workspace, channels, period)
        sections.append(section)
    return sections
