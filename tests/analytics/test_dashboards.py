"""The workspace and channel dashboards: who may open them, the period picker, empty states, and speed."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.analytics import rollups

from . import dash_data

TEAM_ROLES = ["owner", "manager", "administrator", "guest"]


@pytest.fixture
def news(team):
    channel = dash_data.channel(team.workspace, name="Acme news")
    now = timezone.now()
    dash_data.day(channel, (now - timedelta(days=40)).date(), followers=900)
    dash_data.day(channel, (now - timedelta(days=2)).date(), followers=1000, joins=120, leaves=20)
    dash_data.post(
        channel, now - timedelta(days=3), views=400, reactions=20, comments=4, text="Our new roast"
    )
    dash_data.post(channel, now - timedelta(days=35), views=300, reactions=9, text="Last month's post")
    dash_data.comment(channel, now - timedelta(days=3), "ann")
    rollups.refresh(team.workspace)
    return channel


def dashboard_url(team, **query):
    url = reverse("analytics:dashboard", args=[team.workspace.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("role", TEAM_ROLES)
def test_every_team_role_sees_the_workspace_and_channel_dashboards(team, client_as, news, role):
    client = client_as(team.user(role))
    page = client.get(dashboard_url(team))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="section-summary"' in html and 'data-testid="heatmap"' in html
    assert "Our new roast" in html
    assert "data:image/svg+xml;base64," in html
    channel_page = client.get(reverse("analytics:channel", args=[team.workspace.slug, news.pk]))
    assert channel_page.status_code == 200
    assert "Analytics of Acme news" in channel_page.content.decode()


def test_the_client_role_gets_403_and_an_outsider_404(team, client_as, news):
    assert client_as(team.client).get(dashboard_url(team)).status_code == 403
    assert client_as(team.outsider).get(dashboard_url(team)).status_code == 404


def test_a_channel_of_another_workspace_is_404(team, client_as, news):
    theirs = dash_data.channel(team.other_workspace)
    page = client_as(team.manager).get(reverse("analytics:channel", args=[team.workspace.slug, theirs.pk]))
    assert page.status_code == 404


def test_nav_has_analytics_for_the_team_not_the_client(team, client_as, news):
    url = dashboard_url(team)
    assert f'href="{url}"' in client_as(team.guest).get(url).content.decode()
    workspace_page = client_as(team.client).get(reverse("workspaces:dashboard", args=[team.workspace.slug]))
    assert f'href="{url}"' not in workspace_page.content.decode()


def test_figures_name_their_formula_on_hover_and_in_a_footnote(team, client_as, news):
    html = client_as(team.manager).get(dashboard_url(team)).content.decode()
    assert 'title="ER by followers = interactions ÷ followers on the day of publication × 100' in html
    assert 'data-testid="formulas"' in html
    assert "median ER" in html  # the best-time method is said


def test_changing_the_period_compares_with_the_previous_one(team, client_as, news):
    client = client_as(team.manager)
    week = client.get(dashboard_url(team, days=7))
    assert week.context["period"].days == 7
    summary = week.context["sections"][0]
    posts = next(f for f in summary.figures if f.label == "Posts")
    assert (posts.value, posts.previous) == (1, 0)
    quarter = client.get(dashboard_url(team, days=90)).context["sections"][0]
    assert next(f for f in quarter.figures if f.label == "Posts").value == 2
    today = timezone.localdate()
    custom = client.get(
        dashboard_url(team, start=(today - timedelta(days=40)).isoformat(), end=today.isoformat())
    )
    assert custom.context["period"].days == 41


@pytest.mark.parametrize(
    "query",
    [{"days": "13"}, {"days": "abc"}, {"start": "2026-13-01", "end": "2026-12-01"}, {"start": "2026-05-02", "end": "2026-05-01"},
     {"start": "2020-01-01", "end": "2026-01-01"}, {"start": "2026-05-01"}],
)  # fmt: skip
def test_a_bad_period_says_why_and_shows_the_default(team, client_as, news, query):
    page = client_as(team.manager).get(dashboard_url(team, **query))
    assert page.status_code == 200
    assert 'data-testid="period-error"' in page.content.decode()
    assert page.context["period"].days == 30


def test_no_channels_says_so(team, client_as):
    page = client_as(team.manager).get(dashboard_url(team))
    assert page.status_code == 200
    assert "No channels are connected yet" in page.content.decode()


def test_a_period_without_posts_says_why(team, client_as):
    dash_data.channel(team.workspace)
    html = client_as(team.manager).get(dashboard_url(team)).content.decode()
    assert "No posts were published in this period." in html
    assert "No follower readings yet" in html
    assert "the heatmap shows the platform&#x27;s typical pattern" in html


def test_telegram_views_are_unavailable_with_the_reason(team, client_as):
    channel = dash_data.channel(team.workspace, platform="telegram")
    dash_data.post(channel, timezone.now() - timedelta(days=1), reactions=3)
    rollups.refresh(team.workspace)
    html = client_as(team.manager).get(dashboard_url(team)).content.decode()
    assert "Telegram gives bots no view counts" in html


def test_no_inline_styles_or_scripts_in_the_page(team, client_as, news):
    html = client_as(team.manager).get(dashboard_url(team)).content.decode()
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html
    assert "analytics.css" in html


def test_the_dashboard_runs_a_handful_of_queries(team, client_as, news, django_assert_max_num_queries):
    client = client_as(team.manager)
    client.get(dashboard_url(team))  # warm the session and caches
    with django_assert_max_num_queries(30):
        client.get(dashboard_url(team))


def test_charts_are_standalone_svg_without_scripts_and_weekly_over_long_periods():
    from datetime import date

    from tandem.analytics import charts

    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(90)]
    chart = charts.bars("Posts per day", days, {"Posts": [1] * 90})
    assert chart.svg.startswith("<?xml") and "<script" not in chart.svg
    assert not re.search(r"(href|src)=\"(https?:|file:|//)", chart.svg)
    assert chart.title == "Posts per day (sums per week)"  # 13 bars of 7 days, not 90
    assert chart.data_uri.startswith("data:image/svg+xml;base64,")
    assert charts.bars("Posts per day", days, {"Posts": [1] * 90}).svg == chart.svg  # cached
    line = charts.line("Followers", days[:10], {"Followers": [None, 5, 6, None, 8, 9, 9, 10, 12, 13]})
    assert "<script" not in line.svg


@pytest.mark.parametrize(("role", "offered"), [("administrator", True), ("manager", True), ("guest", False)])
def test_the_dashboard_offers_the_history_import_to_those_who_may_import(team, client_as, role, offered):
    page = client_as(team.user(role)).get(dashboard_url(team)).content.decode()
    assert (reverse("analytics:imports", args=[team.workspace.slug]) in page) is offered
