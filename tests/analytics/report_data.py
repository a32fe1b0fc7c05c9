"""Sections with every kind of content (figures, an unavailable one, a chart, tables with dates, text that
looks like a spreadsheet formula, an empty section) for the report tests, which check the rendering and
not the figures: those are the section tests' business."""

from datetime import UTC, date, datetime
from unittest import mock

from tandem.analytics import report_services
from tandem.analytics.sections import Chart, Figure, Section, Table

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect x="10" y="10" width="50" height="80" fill="#3b6fd8"/></svg>'
)
FORMULA_TEXT = '=HYPERLINK("http://evil.test","click")'


def sample_sections(workspace, channels, period, keys):
    """What build_sections returns, for any keys: one full section first, then empty ones."""
    built = []
    for key in keys:
        if not built:
            built.append(
                Section(
                    key=key,
                    title="Summary",
                    figures=[
                        Figure("Posts", 12, 10, "", "posts published in the period"),
                        Figure(
                            "ER by views", None, 3.5, "%", "interactions / views × 100", "Views unavailable"
                        ),
                        Figure("First response", 95.0, None, "s", "median of the team's first replies"),
                    ],
                    tables=[
                        Table(
                            "Top posts",
                            ["Published", "Text", "Views", "Interactions"],
                            [
                                [date(2026, 3, 2), "Spring menu <b>new</b>", 1200, 45],
                                [datetime(2026, 3, 3, 9, 30, tzinfo=UTC), FORMULA_TEXT, None, 7],
                            ],
                            ["Views: unavailable for Telegram unless imported"],
                        )
                    ],
                    charts=[Chart("Followers", SVG)],
                )
            )
        else:
            built.append(
                Section(key=key, title=f"Section {key}", empty="No posts were published in this period.")
            )
    return built


def sample_sections_patched():
    """Reports built from ``sample_sections`` while the context lasts."""
    return mock.patch.object(report_services, "build_sections", side_effect=sample_sections)


def make_report(team, title="Monthly results", sections=("summary", "posts"), **spec):
    return report_services.save_report(
        team.membership("manager"),
        None,
        report_services.ReportSpec(
            title=title, sections=list(sections), channels=spec.pop("channels", []), **spec
        ),
    )
