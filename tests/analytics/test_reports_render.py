"""Reports rendered from the real sections of a workspace with history (the demo's 30 days): every section
in every format, numbers kept as numbers."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from django.urls import reverse

from tandem.analytics import demo, report_services
from tandem.analytics.models import ReportSection
from tandem.analytics.report_render import render_csv, render_pdf, render_xlsx
from tandem.channels import services as channel_services
from tests.analytics.report_data import make_report
from tests.analytics.test_reports import pdf_pages


@pytest.fixture
def full_report(team):
    channel_services.connect_sandbox(team.membership("manager"), "Acme news")
    assert demo.fill_history(team.workspace, days=30) > 0
    return make_report(team, title="Everything", sections=ReportSection.values, period_days=30)


def test_every_section_renders_in_every_format(team, full_report):
    period = report_services.report_period(full_report)
    content = report_services.report_content(full_report, period)
    assert [section.key for section in content.sections] == list(ReportSection.values)

    assert pdf_pages(render_pdf(content)) >= 2

    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(content)))
    assert workbook.sheetnames == [*(str(section.title)[:31] for section in content.sections), "Notes"]
    for section in content.sections:
        rows = list(workbook[str(section.title)[:31]].iter_rows(values_only=True))
        by_label = {row[0]: row for row in rows if row}
        for figure in section.figures:
            value = by_label[figure.label][1]
            assert not isinstance(value, str), (section.key, figure.label)
            assert value == (pytest.approx(figure.value) if figure.value is not None else None)
    every_value = [value for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row]
    assert any(isinstance(value, int | float) and not isinstance(value, bool) for value in every_value)
    assert any(isinstance(value, datetime | date) for value in every_value)

    rows = list(csv.DictReader(io.StringIO(render_csv(content).decode("utf-8-sig"))))
    assert {row["section"] for row in rows} == set(ReportSection.values)


def test_the_report_page_and_share_page_show_the_real_sections(team, client_as, full_report):
    page = (
        client_as(team.client)
        .get(reverse("analytics:report", args=["acme", full_report.pk]))
        .content.decode()
    )
    for key in ReportSection.values:
        assert f'data-testid="section-{key}"' in page
    assert 'data-testid="heatmap"' in page
