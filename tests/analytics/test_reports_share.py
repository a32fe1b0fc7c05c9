"""Share links: a read-only link to one report that shows that report only, expires, and can be revoked."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.analytics import report_services
from tandem.analytics.models import ShareLink
from tests.analytics.report_data import make_report, sample_sections_patched


@pytest.fixture(autouse=True)
def sections():
    with sample_sections_patched() as patched:
        yield patched


def share(team, report, days=7, role="manager") -> str:
    """Share the report through the page as ``role``; the link's address as the page shows it."""
    client = Client()
    client.force_login(team.user(role))
    response = client.post(reverse("analytics:report_share", args=["acme", report.pk]), {"days": str(days)})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    return re.search(r'value="([^"]+)"[^>]*data-testid="new-share-url"', page)[1]


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_the_new_link_is_shown_once_and_only_its_hash_is_kept(team, client_as):
    report = make_report(team)
    client = client_as(team.manager)
    response = client.post(reverse("analytics:report_share", args=["acme", report.pk]), {"days": "30"})
    page = client.get(response.url).content.decode()
    url = re.search(r'value="(http://testserver/share/[^"]+/)"', page)[1]
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = ShareLink.objects.get()
    assert link.token_hash == ShareLink.hash_token(token) and token not in link.token_hash
    assert timedelta(days=29, hours=23) < link.expires_at - timezone.now() <= timedelta(days=30)
    assert link.created_by == team.manager
    again = client.get(reverse("analytics:report", args=["acme", report.pk])).content.decode()
    assert token not in again and 'data-testid="share-link-' in again


def test_anyone_with_the_link_sees_that_report_only(team, client_as):
    report = make_report(team, title="For the client")
    make_report(team, title="Internal numbers")
    url = path_of(share(team, report))
    response = Client().get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "For the client" in page and 'data-testid="section-summary"' in page
    assert "Internal numbers" not in page
    assert 'data-testid="workspace-nav"' not in page and "/w/acme/" not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "no-referrer"
    assert ShareLink.objects.get().last_opened_at is not None
    # Signed in as the workspace's client, the page is the same: nothing of the workspace around it.
    page = client_as(team.client).get(url).content.decode()
    assert 'data-testid="workspace-nav"' not in page and "/w/acme/" not in page


def test_the_shared_report_downloads_as_pdf_and_xlsx_only(team):
    url = path_of(share(team, make_report(team)))
    visitor = Client()
    pdf = visitor.get(f"{url}download/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment; filename=")
    xlsx = visitor.get(f"{url}download/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert visitor.get(f"{url}download/csv/").status_code == 404
    assert visitor.get(f"{url}download/exe/").status_code == 404


def test_an_expired_link_says_so(team):
    report = make_report(team)
    url = path_of(share(team, report, days=1))
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(url)
    assert response.status_code == 410 and "This link has expired." in response.content.decode()
    assert Client().get(f"{url}download/pdf/").status_code == 410
    assert ShareLink.objects.get().last_opened_at is None


@pytest.mark.parametrize("role", ["owner", "administrator"])
def test_a_revoked_link_stops_working(team, client_as, role):
    report = make_report(team)
    url = path_of(share(team, report))
    link = ShareLink.objects.get()
    response = client_as(team.user(role)).post(reverse("analytics:share_revoke", args=["acme", link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    closed = Client().get(url)
    assert closed.status_code == 410 and "revoked" in closed.content.decode()
    assert Client().get(f"{url}download/xlsx/").status_code == 410


def test_guests_and_clients_cannot_share_or_revoke(team, client_as):
    report = make_report(team)
    share(team, report)
    link = ShareLink.objects.get()
    for role in ["guest", "client"]:
        client = client_as(team.user(role))
        assert client.post(reverse("analytics:share_revoke", args=["acme", link.pk])).status_code == 403
        assert (
            client.post(
                reverse("analytics:report_share", args=["acme", report.pk]), {"days": "7"}
            ).status_code
            == 403
        )
    assert ShareLink.objects.get().revoked_at is None and ShareLink.objects.count() == 1


def test_a_link_of_another_workspace_cannot_be_revoked(team, client_as):
    report = make_report(team)
    share(team, report)
    link = ShareLink.objects.get()
    outsider = client_as(team.outsider)
    assert outsider.post(reverse("analytics:share_revoke", args=["rival", link.pk])).status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_an_unknown_or_deleted_report_link_is_404(team):
    assert Client().get(reverse("shared_report", args=["not-a-token"])).status_code == 404
    report = make_report(team)
    url = path_of(share(team, report))
    report_services.delete_report(team.membership("manager"), report)
    response = Client().get(url)
    assert response.status_code == 404 and "There is no report at this address." in response.content.decode()


@pytest.mark.parametrize("days", ["2", "365", "", "seven"])
def test_only_the_offered_lifetimes_are_accepted(team, client_as, days):
    report = make_report(team)
    response = client_as(team.manager).post(
        reverse("analytics:report_share", args=["acme", report.pk]), {"days": days}
    )
    assert response.status_code == 302 and not ShareLink.objects.exists()
    page = client_as(team.manager).get(response.url).content.decode()
    assert "Choose how long the link stays open" in page
