"""The report builder, who may do what with reports, the report page and its PDF, XLSX and CSV downloads."""

import csv
import io
import re
import zlib
from datetime import date, datetime

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tandem.analytics import report_services
from tandem.analytics.models import Report, ReportSection
from tandem.analytics.report_services import ReportSpec
from tandem.channels import services as channel_services
from tests.analytics.report_data import FORMULA_TEXT, make_report, sample_sections_patched


@pytest.fixture(autouse=True)
def sections():
    with sample_sections_patched() as patched:
        yield patched


def builder_post(**fields):
    data = {
        "title": "Weekly for the client",
        "period_kind": "rolling",
        "period_days": "7",
        "sections": ["posts", "summary"],
        "schedule": "",
    }
    data.update(fields)
    return data


def test_manager_builds_a_report_of_chosen_channels_and_sections(team, client_as):
    news = channel_services.connect_sandbox(team.membership("manager"), "News")
    channel_services.connect_sandbox(team.membership("manager"), "Other")
    response = client_as(team.manager).post(
        reverse("analytics:report_new", args=["acme"]), builder_post(channels=[news.pk])
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "analytics:report", args=["acme", report.pk]
    )
    assert report.title == "Weekly for the client" and report.period_days == 7
    assert report.sections == ["summary", "posts"]  # in the order the pages show them
    assert list(report.channels.all()) == [news]
    assert report.created_by == team.manager and report.workspace == team.workspace


def test_a_fixed_period_is_kept_and_edited_in_place(team, client_as):
    client = client_as(team.administrator)
    client.post(
        reverse("analytics:report_new", args=["acme"]),
        builder_post(period_kind="fixed", start="2026-03-01", end="2026-03-31", period_days=""),
    )
    report = Report.objects.get()
    assert (report.start, report.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert report_services.report_period(report).days == 31
    client.post(reverse("analytics:report_edit", args=["acme", report.pk]), builder_post(title="Renamed"))
    report.refresh_from_db()
    assert report.title == "Renamed" and report.start is None and report.end is None
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"title": " "}, "title", "This field is required."),
        ({"sections": []}, "sections", "This field is required."),
        ({"sections": ["summary", "gossip"]}, "sections", "Select a valid choice."),
        ({"period_days": "0"}, "period_days", "greater than or equal to 1"),
        ({"period_days": "many"}, "period_days", "Enter a whole number."),
        ({"period_days": ""}, "period_days", "Say how many days"),
        ({"period_kind": "fixed", "start": "2026-03-10", "end": ""}, "end", "first and last day"),
        ({"period_kind": "fixed", "start": "2026-03-10", "end": "2026-03-01"}, "end", "before its first day"),
        ({"period_kind": "fixed", "start": "2020-01-01", "end": "2026-03-01"}, "end", "at most three years"),
        (
            {"period_kind": "fixed", "start": "2026-13-45", "end": "2026-03-12"},
            "start",
            "Enter a valid date.",
        ),
        ({"schedule": "weekly"}, "recipients", "Choose who receives"),
        ({"schedule": "daily"}, "schedule", "Select a valid choice."),
    ],
)
def test_the_builder_says_what_is_wrong_and_saves_nothing(team, client_as, fields, field, message):
    response = client_as(team.manager).post(
        reverse("analytics:report_new", args=["acme"]), builder_post(**fields)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Report.objects.exists()


def test_channels_and_recipients_of_another_workspace_are_refused(team, client_as):
    outsider_membership = team.other_workspace.memberships.get()
    theirs = channel_services.connect_sandbox(outsider_membership, "Rival news")
    client = client_as(team.manager)
    response = client.post(reverse("analytics:report_new", args=["acme"]), builder_post(channels=[theirs.pk]))
    assert response.status_code == 400 and "channels" in response.context["form"].errors
    response = client.post(
        reverse("analytics:report_new", args=["acme"]),
        builder_post(schedule="weekly", recipients=[team.outsider.pk]),
    )
    assert response.status_code == 400 and "recipients" in response.context["form"].errors
    assert not Report.objects.exists()
    # The service checks too, for callers other than the form.
    with pytest.raises(ValidationError) as refused:
        report_services.save_report(
            team.membership("manager"),
            None,
            ReportSpec(
                title="x",
                sections=["summary"],
                channels=[theirs],
                schedule="monthly",
                recipients=[team.outsider],
            ),
        )
    assert set(refused.value.message_dict) == {"channels", "recipients"}
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["owner", "manager", "administrator"])
def test_staff_build_edit_share_and_delete(team, client_as, role):
    report = make_report(team)
    client = client_as(team.user(role))
    assert client.get(reverse("analytics:report_new", args=["acme"])).status_code == 200
    assert client.get(reverse("analytics:report_edit", args=["acme", report.pk])).status_code == 200
    page = client.get(reverse("analytics:report", args=["acme", report.pk])).content.decode()
    assert 'data-testid="share-form"' in page and 'data-testid="edit-report"' in page
    assert (
        client.post(reverse("analytics:report_share", args=["acme", report.pk]), {"days": "7"}).status_code
        == 302
    )
    assert report.share_links.count() == 1
    assert client.post(reverse("analytics:report_delete", args=["acme", report.pk])).status_code == 302
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["guest", "client"])
def test_guest_and_client_read_and_download_but_change_nothing(team, client_as, role):
    report = make_report(team)
    client = client_as(team.user(role))
    listing = client.get(reverse("analytics:reports", args=["acme"]))
    assert listing.status_code == 200 and "Monthly results" in listing.content.decode()
    assert 'data-testid="new-report"' not in listing.content.decode()
    page = client.get(reverse("analytics:report", args=["acme", report.pk])).content.decode()
    assert 'data-testid="section-summary"' in page
    assert 'data-testid="share-form"' not in page and 'data-testid="edit-report"' not in page
    assert (
        client.get(reverse("analytics:report_download", args=["acme", report.pk, "csv"])).status_code == 200
    )
    for name, method in [
        ("analytics:report_new", "get"),
        ("analytics:report_edit", "get"),
        ("analytics:report_delete", "post"),
        ("analytics:report_share", "post"),
    ]:
        args = ["acme"] if name == "analytics:report_new" else ["acme", report.pk]
        assert getattr(client, method)(reverse(name, args=args)).status_code == 403, name
    assert Report.objects.filter(pk=report.pk).exists() and not report.share_links.exists()


def test_the_client_finds_reports_in_the_navigation(team, client_as):
    page = client_as(team.client).get(reverse("workspaces:dashboard", args=["acme"])).content.decode()
    nav = page.split('data-testid="workspace-nav"')[1].split("</nav>")[0]
    assert reverse("analytics:reports", args=["acme"]) in nav


def test_an_outsider_gets_404_for_every_report_address(team, client_as):
    report = make_report(team)
    client = client_as(team.outsider)
    for url in [
        reverse("analytics:reports", args=["acme"]),
        reverse("analytics:report", args=["acme", report.pk]),
        reverse("analytics:report_download", args=["acme", report.pk, "pdf"]),
    ]:
        assert client.get(url).status_code == 404, url
    # Nor does the owner of another workspace reach it through their own.
    assert client.get(reverse("analytics:report", args=["rival", report.pk])).status_code == 404


def test_the_report_page_shows_the_sections_and_escapes_their_text(team, client_as, sections):
    news = channel_services.connect_sandbox(team.membership("manager"), "News")
    report = make_report(team, channels=[news], period_days=7)
    page = client_as(team.client).get(reverse("analytics:report", args=["acme", report.pk])).content.decode()
    assert "Spring menu &lt;b&gt;new&lt;/b&gt;" in page and "<b>new</b>" not in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert "Views unavailable" in page and "posts published in the period" in page
    assert "No posts were published in this period." in page
    workspace, channels, period, keys = sections.call_args.args
    assert workspace == team.workspace and channels == [news] and keys == ["summary", "posts"]
    assert period.days == 7


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF, counted in its objects (WeasyPrint compresses them into streams)."""
    objects = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            objects.append(zlib.decompress(stream))
        except zlib.error:
            continue  # an image or font, not objects
    return sum(len(re.findall(rb"/Type\s*/Page\b", part)) for part in objects)


def test_the_pdf_download_is_a_named_pdf_with_pages(team, client_as):
    report = make_report(team, start=date(2026, 3, 1), end=date(2026, 3, 31))
    response = client_as(team.manager).get(
        reverse("analytics:report_download", args=["acme", report.pk, "pdf"])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == 'attachment; filename="monthly-results-2026-03-01-2026-03-31.pdf"'
    )
    assert response.content.startswith(b"%PDF") and pdf_pages(response.content) >= 1


def test_the_xlsx_has_one_sheet_per_section_with_raw_values(team, client_as):
    report = make_report(team, start=date(2026, 3, 1), end=date(2026, 3, 31))
    response = client_as(team.guest).get(
        reverse("analytics:report_download", args=["acme", report.pk, "xlsx"])
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "Section posts", "Notes"]
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    figures = {row[0]: row for row in rows if row and row[0] in {"Posts", "ER by views", "First response"}}
    assert figures["Posts"][1:4] == (12, 10, 20.0)
    assert figures["ER by views"][1] is None and figures["ER by views"][6] == "Views unavailable"
    header = rows.index(("Published", "Text", "Views", "Interactions", None, None, None))
    first, second = rows[header + 1], rows[header + 2]
    assert first[0] == datetime(2026, 3, 2) and first[2:4] == (1200, 45)
    assert second[1] == FORMULA_TEXT and second[2] is None  # unavailable: empty, not 0
    formula_cell = workbook["Summary"].cell(row=header + 3, column=2)
    assert formula_cell.data_type == "s"  # stored as text, never run as a formula
    assert workbook["Summary"].cell(row=header + 2, column=1).is_date
    notes = [row for row in workbook["Notes"].iter_rows(values_only=True)]
    assert ("First day", datetime(2026, 3, 1)) == notes[2][:2]
    flat = " ".join(str(value) for row in notes for value in row if value)
    assert "Views: unavailable for Telegram unless imported" in flat and "interactions / views × 100" in flat
    assert "No posts were published in this period." in flat


def test_the_csv_is_one_long_table(team, client_as):
    report = make_report(team)
    response = client_as(team.client).get(
        reverse("analytics:report_download", args=["acme", report.pk, "csv"])
    )
    assert response["Content-Type"].startswith("text/csv") and response["Content-Disposition"].endswith(
        '.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert set(rows[0]) == {"section", "block", "row", "column", "value", "unit", "note"}
    posts = {row["column"]: row for row in rows if row["row"] == "Posts"}
    assert posts["value"]["value"] == "12" and posts["previous"]["value"] == "10"
    assert posts["value"]["note"] == "posts published in the period"
    views = [row for row in rows if row["block"] == "Top posts" and row["column"] == "Views"]
    assert [row["value"] for row in views] == ["1200", ""] and views[1]["note"] == "unavailable"
    text = [row["value"] for row in rows if row["block"] == "Top posts" and row["column"] == "Text"]
    assert text[1] == "'" + FORMULA_TEXT  # a spreadsheet shows it as text
    assert any(row["section"] == "posts" and "No posts" in row["note"] for row in rows)


def test_an_unknown_format_is_404(team, client_as, sections):
    report = make_report(team)
    response = client_as(team.manager).get(
        reverse("analytics:report_download", args=["acme", report.pk, "docx"])
    )
    assert response.status_code == 404
    assert not sections.called  # refused before the report is built


def test_the_dashboard_downloads_its_period_and_channel(team, client_as, sections):
    news = channel_services.connect_sandbox(team.membership("manager"), "News")
    url = reverse("analytics:dashboard_download", args=["acme", "xlsx"])
    response = client_as(team.guest).get(
        url, {"start": "2026-03-01", "end": "2026-03-07", "channel": news.pk}
    )
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="analytics-of-news-2026-03-01-2026-03-07.xlsx"'
    )
    _workspace, channels, period, keys = sections.call_args.args
    assert channels == [news] and (period.start, period.end) == (date(2026, 3, 1), date(2026, 3, 7))
    assert keys == list(ReportSection.values)
    client_as(team.manager).get(url, {"days": "7"})
    assert sections.call_args.args[1] == [news]  # every connected channel


def test_the_dashboard_download_refuses_bad_input(team, client_as):
    theirs = channel_services.connect_sandbox(team.other_workspace.memberships.get(), "Rival news")
    url = reverse("analytics:dashboard_download", args=["acme", "pdf"])
    manager = client_as(team.manager)
    response = manager.get(url, {"start": "2026-03-07", "end": "2026-03-01"})
    assert response.status_code == 400 and "before its first day" in response.content.decode()
    assert manager.get(url, {"days": "11"}).status_code == 400
    assert manager.get(url, {"channel": theirs.pk}).status_code == 404
    assert manager.get(url, {"channel": "news"}).status_code == 404
    assert manager.get(reverse("analytics:dashboard_download", args=["acme", "html"])).status_code == 404
    # The client reads reports, not the dashboards.
    assert client_as(team.client).get(url).status_code == 403


def test_the_report_page_tells_the_staff_when_and_to_whom_it_is_e_mailed(team, client_as):
    report = make_report(team, schedule="weekly", recipients=[team.client])
    page = (
        client_as(team.administrator)
        .get(reverse("analytics:report", args=["acme", report.pk]))
        .content.decode()
    )
    assert "E-mailed: Weekly (Mondays, for the last 7 days), to Client." in page
    page = client_as(team.client).get(reverse("analytics:report", args=["acme", report.pk])).content.decode()
    assert 'data-testid="report-schedule"' not in page
