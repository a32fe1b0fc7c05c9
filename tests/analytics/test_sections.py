"""build_sections: the figures the dashboards and reports show, from rollups and the bounded base queries."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from tandem.analytics import rollups
from tandem.analytics.models import ReportSection
from tandem.analytics.periods import Period
from tandem.analytics.sections import build_sections
from tandem.content.models import Delivery, Post, Rubric

from . import dash_data

UTC = zoneinfo.ZoneInfo("UTC")
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 10), "UTC")  # previous: Oct 22 – Oct 31


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def figures(section) -> dict:
    return {figure.label: figure for figure in section.figures}


@pytest.fixture
def news(team):
    return dash_data.channel(team.workspace)


def sections(team, *keys, channels=None):
    rollups.refresh(team.workspace, PERIOD.previous().start, PERIOD.end)
    return build_sections(team.workspace, channels, PERIOD, list(keys))


def test_summary_er_by_followers_both_averages_and_comparison(team, news):
    dash_data.day(news, date(2026, 10, 25), followers=500)  # carried forward into the period
    dash_data.day(news, date(2026, 11, 5), followers=1000)
    dash_data.post(news, at(2), reactions=10)  # 10 ÷ 500 = 2 %
    dash_data.post(news, at(6), reactions=30)  # 30 ÷ 1,000 = 3 %
    dash_data.post(news, at(6, 18), reactions=10)  # 1 %
    dash_data.post(news, at(28, month=10), reactions=5)  # previous period: 5 ÷ 500 = 1 %
    (summary,) = sections(team, ReportSection.SUMMARY)
    shown = figures(summary)
    assert (shown["Posts"].value, shown["Posts"].previous) == (3, 1)
    assert shown["Posts"].change == pytest.approx(200.0)
    assert shown["Interactions"].value == 50
    assert shown["ER by followers (mean of posts)"].value == pytest.approx(2.0)
    assert shown["ER by followers (rate of sums)"].value == pytest.approx(50 / 2500 * 100)
    assert shown["ER by followers (mean of posts)"].previous == pytest.approx(1.0)
    assert "followers on the day of publication" in shown["ER by followers (rate of sums)"].formula
    assert summary.charts and summary.charts[0].svg.startswith("<?xml")


def test_telegram_without_views_says_why_instead_of_zero(team):
    channel = dash_data.channel(team.workspace, platform="telegram")
    dash_data.post(channel, at(3), reactions=4)
    (summary,) = sections(team, ReportSection.SUMMARY)
    er_views = figures(summary)["ER by views (rate of sums)"]
    assert er_views.value is None
    assert er_views.unavailable.startswith("Telegram gives bots no view counts")
    assert (
        figures(summary)["ER by reach (rate of sums)"].unavailable
        == "The platform does not report reach for these posts."
    )


def test_summary_er_by_views_mean_and_sums(team, news):
    dash_data.post(news, at(2), views=100, reactions=10, reach=80)
    dash_data.post(news, at(3), views=1000, reactions=10, shares=5)
    dash_data.post(news, at(4), reactions=3, reach=30)  # reach without views
    shown = figures(sections(team, ReportSection.SUMMARY)[0])
    # 10 ÷ 100 = 10 %, (10 + 5 shares) ÷ 1,000 = 1.5 %
    assert shown["ER by views (mean of posts)"].value == pytest.approx(5.75)
    # reach: 10 ÷ 80 = 12.5 %, 3 ÷ 30 = 10 %
    assert shown["ER by reach (mean of posts)"].value == pytest.approx(11.25)
    assert shown["ER by reach (rate of sums)"].value == pytest.approx(13 / 110 * 100)
    assert shown["ER by views (rate of sums)"].value == pytest.approx(25 / 1100 * 100)
    assert shown["Virality"].value == pytest.approx(0.5)
    assert shown["ERR (Telegram sense)"].value is None  # no subscribers read
    assert shown["ER by followers (mean of posts)"].value is None  # no follower readings


def test_err_telegram_sense_is_average_views_over_subscribers(team, news):
    dash_data.day(news, date(2026, 11, 9), followers=2000)
    dash_data.post(news, at(2), views=300, reactions=1)
    dash_data.post(news, at(3), views=500, reactions=1)
    shown = figures(sections(team, ReportSection.SUMMARY)[0])
    assert shown["ERR (Telegram sense)"].value == pytest.approx(20.0)


def test_empty_period_says_why(team, news):
    summary, audience, posts = sections(
        team, ReportSection.SUMMARY, ReportSection.AUDIENCE, ReportSection.POSTS
    )
    assert summary.empty == "No posts were published in this period."
    assert "No follower readings yet" in audience.empty
    assert posts.empty and not posts.tables


def test_audience_growth_with_joins_and_leaves(team, news):
    dash_data.day(news, date(2026, 10, 31), followers=1000)
    dash_data.day(news, date(2026, 11, 4), followers=1080, joins=100, leaves=20)
    dash_data.day(news, date(2026, 11, 9), followers=1100, joins=30, leaves=10)
    shown = figures(sections(team, ReportSection.AUDIENCE)[0])
    assert shown["Followers at the end"].value == 1100
    assert shown["Growth"].value == pytest.approx(10.0)
    assert (shown["Joined"].value, shown["Left"].value, shown["Net change"].value) == (130, 30, 100)


def test_top_and_bottom_posts(team, news):
    for number in range(12):
        dash_data.post(news, at(1 + number % 9), reactions=number, text=f"post {number}")
    (posts,) = sections(team, ReportSection.POSTS)
    top, bottom = posts.tables
    assert [row[2] for row in top.rows] == ["post 11", "post 10", "post 9", "post 8", "post 7"]
    assert [row[2] for row in bottom.rows][:2] == ["post 0", "post 1"]
    assert top.rows[0][9] is None  # no views: unavailable, not 0


def test_best_time_heatmap_from_the_last_16_weeks(team, news):
    dash_data.day(news, date(2026, 8, 1), followers=1000)
    monday_evening = datetime(2026, 11, 2, 19, tzinfo=UTC)
    for week in range(20):
        dash_data.post(news, monday_evening - timedelta(weeks=week), reactions=50)
        dash_data.post(news, monday_evening - timedelta(weeks=week, hours=12), reactions=5)
    (best,) = sections(team, ReportSection.BEST_TIME)
    assert figures(best)["Posts in the last 16 weeks"].value == 30  # from 16 weeks before Nov 10: 15 Mondays
    assert best.heatmap.rows[0][1][19].bucket == 4
    assert best.tables[0].rows[0][:2] == ["Mon", "19:00"]
    assert "median ER" in best.heatmap.method


def test_best_time_slots_are_in_the_workspace_time_zone(team, news):
    team.workspace.time_zone = "Asia/Tokyo"  # UTC+9
    team.workspace.save()
    for week in range(3):
        dash_data.post(news, datetime(2026, 11, 2, 10, tzinfo=UTC) - timedelta(weeks=week), reactions=50)
    rollups.refresh(team.workspace, date(2026, 10, 1), date(2026, 11, 10))
    (best,) = build_sections(
        team.workspace, None, Period(date(2026, 11, 1), date(2026, 11, 10), "Asia/Tokyo"), ["best_time"]
    )
    assert best.heatmap.rows[0][1][19].posts == 3  # Monday 10:00 UTC is Monday 19:00 in Tokyo
    assert best.heatmap.rows[0][1][10].posts == 0


def test_rubrics_actual_against_target_share(team, news):
    tips = Rubric.objects.create(workspace=team.workspace, name="Tips", target_share=50)
    Rubric.objects.create(workspace=team.workspace, name="News", target_share=50)
    dash_data.day(news, date(2026, 10, 30), followers=200)
    for number in range(4):
        post = Post.objects.create(workspace=team.workspace, rubric=tips if number < 2 else None, text="x")
        delivery = Delivery.objects.create(post=post, channel=news, due_at=at(2))
        views = 100 if number == 0 else None
        dash_data.post(news, at(2 + number), reactions=4 * (number + 1), views=views, delivery=delivery)
    (rubrics,) = sections(team, ReportSection.RUBRICS)
    rows = {row[0]: row for row in rubrics.tables[0].rows}
    assert rows["Tips"][1:3] == [2, 50.0]
    assert rows["Tips"][4:6] == [50, 0.0]
    # Tips: 4 and 8 interactions with 200 followers: 2 % and 4 %
    assert rows["Tips"][6:9] == [6.0, pytest.approx(3.0), pytest.approx(3.0)]
    assert rows["Tips"][9] == pytest.approx(4.0)  # the one post with views: 4 ÷ 100
    assert rows["News"][1] == 0
    assert rows["No rubric"][1] == 2 and rows["No rubric"][9] is None


def test_a_published_posts_new_rubric_and_a_deleted_rubric_show_without_a_full_refresh(
    team, news, django_capture_on_commit_callbacks
):
    tips = Rubric.objects.create(workspace=team.workspace, name="Tips", target_share=50)
    offers = Rubric.objects.create(workspace=team.workspace, name="Offers", target_share=50)
    posts = []
    for number in range(3):
        post = Post.objects.create(workspace=team.workspace, rubric=tips if number == 0 else None, text="x")
        delivery = Delivery.objects.create(post=post, channel=news, due_at=at(2))
        dash_data.post(news, at(2, 9 + number), reactions=2, delivery=delivery)
        posts.append(post)
    sections(team, ReportSection.RUBRICS)

    def shown():
        (rubrics,) = build_sections(team.workspace, None, PERIOD, [ReportSection.RUBRICS])
        return {row[0]: row[1] for row in rubrics.tables[0].rows}

    with django_capture_on_commit_callbacks(execute=True):
        posts[1].rubric = offers
        posts[1].save()
    assert shown() == {"Tips": 1, "Offers": 1, "No rubric": 1}
    tips.delete()  # its post has no rubric now
    assert shown() == {"Offers": 1, "No rubric": 2}


def test_the_migration_fills_the_rubric_days_of_posts_published_before_it(team, news):
    from importlib import import_module

    from django.apps import apps

    from tandem.analytics.models import RubricDay

    dash_data.post(news, at(2), reactions=3)
    dash_data.post(news, at(5), reactions=1, views=10)
    assert not RubricDay.objects.exists()
    import_module("tandem.analytics.migrations.0009_rubric_day").fill_rubric_days(apps, None)
    assert sorted(RubricDay.objects.values_list("date", "rubric", "posts", "viewed_posts")) == [
        (date(2026, 11, 2), None, 1, 0),
        (date(2026, 11, 5), None, 1, 1),
    ]


def test_community_figures(team, news):
    first = dash_data.comment(news, at(2, 10), "ann")
    dash_data.comment(news, at(2, 10, month=10), "bob")  # bob commented before the period
    dash_data.comment(news, at(3), "bob")
    dash_data.comment(news, at(4), "bob", imported=True)
    dash_data.comment(news, at(2, 11), from_team=True, parent=first)  # answered in an hour
    (community,) = sections(team, ReportSection.COMMUNITY)
    shown = figures(community)
    assert shown["Public comments"].value == 3
    assert shown["Comments per day"].value == pytest.approx(0.3)
    assert (shown["Unique commenters"].value, shown["New commenters"].value) == (2, 1)
    assert shown["Returning commenters"].value == 1
    assert shown["Share answered"].value == pytest.approx(100 / 3)
    assert shown["Median first response"].value == 3600
    assert community.tables[0].rows[0] == ["bob", 2]


def test_moderation_load_by_rule_and_false_positives(team, news):
    comments = [dash_data.comment(news, at(3), f"p{n}") for n in range(4)]
    dash_data.audit(comments[0], "delete", at(3), rule_name="links")
    dash_data.audit(comments[1], "hold", at(3), source="model")
    dash_data.audit(comments[1], "approve", at(3, 13), source="team")
    hidden = dash_data.audit(comments[2], "hide", at(3), rule_name="links")
    dash_data.audit(comments[2], "unhide", at(3, 14), source="team", undoes=hidden)
    dash_data.audit(comments[3], "hide", at(4), rule_name="links")
    (moderation,) = sections(team, ReportSection.MODERATION)
    shown = figures(moderation)
    assert shown["False-positive rate"].value == pytest.approx(50.0)
    assert shown["Held per day"].value == pytest.approx(0.1)
    assert shown["Hidden per day"].value == pytest.approx(0.2)
    rows = {row[0]: row for row in moderation.tables[0].rows}
    assert rows["links"][2] == 3 and rows["links"][7] == 1
    assert rows["links"][8] == pytest.approx(100 / 3)


def test_sections_only_count_the_chosen_channels(team, news):
    other = dash_data.channel(team.workspace, name="Other")
    dash_data.post(news, at(2), reactions=3)
    dash_data.post(other, at(2), reactions=7)
    (summary,) = sections(team, ReportSection.SUMMARY, channels=[other])
    assert figures(summary)["Interactions"].value == 7
