"""The SMM manager reads the analytics dashboard for a chosen period and downloads it; a report shared with a
client opens by its link and shows that report only."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.analytics import demo, report_services
from tandem.analytics.models import Report, ShareLink
from tandem.channels.services import connect_sandbox
from tests.browser.test_roles_in_browser import nav_link, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def history(live_team):
    """A sandbox channel with the demo's last 30 days of posts, followers and comments."""
    channel = connect_sandbox(live_team.membership("manager"), "Acme news")
    demo.fill_history(live_team.workspace, days=30)
    return channel


def downloaded(page, link) -> tuple[str, bytes]:
    with page.expect_download() as started:
        link.click()
    download = started.value
    with open(download.path(), "rb") as file:
        return download.suggested_filename, file.read()


def test_manager_changes_the_dashboard_period_and_downloads_pdf_and_xlsx(live_team, history, page):
    sign_in(page, "manager@acme.test")
    nav_link(page, "Analytics").click()
    expect(page).to_have_url(re.compile(r"/w/acme/analytics/$"))
    expect(page.get_by_test_id("section-summary")).to_be_visible()

    today = timezone.localdate()
    first = today - timedelta(days=13)
    picker = page.get_by_test_id("period-picker")
    picker.get_by_label("From").fill(first.isoformat())
    picker.get_by_label("to", exact=True).fill(today.isoformat())
    picker.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"start={first.isoformat()}&end={today.isoformat()}"))
    expect(page.get_by_test_id("period")).to_contain_text(str(today.year))
    expect(page.get_by_test_id("heatmap")).to_be_visible()

    span = f"{first.isoformat()}-{today.isoformat()}"
    name, pdf = downloaded(page, page.get_by_test_id("dashboard-download-pdf"))
    assert name == f"analytics-of-acme-coffee-{span}.pdf"
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")

    name, xlsx = downloaded(page, page.get_by_test_id("dashboard-download-xlsx"))
    assert name == f"analytics-of-acme-coffee-{span}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert workbook.sheetnames[0] == "Summary" and workbook.sheetnames[-1] == "Notes"
    about = {row[0]: row[1] for row in workbook["Notes"].iter_rows(max_row=8, values_only=True) if row[0]}
    assert about["First day"].date() == first and about["Last day"].date() == today
    posts = next(row for row in workbook["Summary"].iter_rows(values_only=True) if row[0] == "Posts")
    assert isinstance(posts[1], int) and posts[1] > 0


def test_manager_shares_a_report_and_the_client_sees_only_that_report(live_team, history, page, context):
    report_services.save_report(
        live_team.membership("manager"),
        None,
        report_services.ReportSpec(title="Internal numbers", sections=["moderation"], channels=[]),
    )
    sign_in(page, "manager@acme.test")
    nav_link(page, "Reports").click()
    page.get_by_test_id("new-report").click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("Title").fill("March for the client")
    form.get_by_label("Number of days").fill("30")
    for section in ["Summary", "Followers and growth", "Top and bottom posts"]:
        form.get_by_test_id("report-sections").get_by_label(section).check()
    form.get_by_test_id("save-report").click()

    expect(page.get_by_test_id("report-title")).to_have_text("March for the client")
    expect(page.get_by_test_id("section-audience")).to_be_visible()
    report = Report.objects.get(title="March for the client")
    assert report.sections == ["summary", "audience", "posts"]

    sharing = page.get_by_test_id("sharing")
    sharing.locator("summary").click()
    sharing.get_by_label("The link stays open for").select_option("30")
    sharing.get_by_test_id("create-share-link").click()
    link = page.get_by_test_id("new-share-url").input_value()
    assert re.search(r"/share/[\w-]{40,}/$", link)
    assert ShareLink.objects.get().report == report

    # The client, signed in to the workspace, opens the link in a browser of their own.
    client_page = context.browser.new_context(base_url=page.url.split("/w/")[0]).new_page()
    sign_in(client_page, "client@acme.test")
    client_page.goto(link)
    expect(client_page.get_by_test_id("report-title")).to_have_text("March for the client")
    expect(client_page.get_by_test_id("section-posts")).to_be_visible()
    expect(client_page.get_by_test_id("workspace-nav")).to_have_count(0)
    expect(client_page.get_by_text("Internal numbers")).to_have_count(0)
    assert client_page.locator("a[href*='/w/']").count() == 0
    expect(client_page.locator("meta[name='robots']")).to_have_attribute("content", "noindex, nofollow")
    name, pdf = downloaded(client_page, client_page.get_by_test_id("download-pdf"))
    assert name.startswith("march-for-the-client-") and pdf.startswith(b"%PDF")

    # Revoked, the same link says so. (The sharing box is still open with the new link.)
    page.get_by_test_id("revoke-share-link").click()
    expect(page.get_by_role("status")).to_contain_text("The link is revoked")
    response = client_page.goto(link)
    assert response.status == 410
    expect(client_page.get_by_test_id("share-closed")).to_contain_text("revoked")
    client_page.context.close()
