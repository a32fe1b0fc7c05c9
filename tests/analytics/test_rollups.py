"""rollups.refresh: per channel per workspace-local day, from posts, audience days, comments and audit rows."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from tandem.analytics import rollup_tasks, rollups
from tandem.analytics.models import VIEW_FIGURES, AuthorDay, DailyRollup, FirstResponse, VerdictDay

from . import dash_data

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = zoneinfo.ZoneInfo("UTC")


@pytest.fixture
def workspace(team):
    team.workspace.time_zone = "America/New_York"
    team.workspace.save()
    return team.workspace


def rollup(channel, on) -> DailyRollup:
    return DailyRollup.objects.get(channel=channel, date=on)


def test_posts_are_summed_on_their_local_publication_day(workspace):
    news = dash_data.channel(workspace)
    dash_data.post(
        news, datetime(2026, 11, 10, 9, tzinfo=NEW_YORK), views=100, reactions=5, comments=2, shares=1
    )
    dash_data.post(news, datetime(2026, 11, 10, 20, tzinfo=NEW_YORK), views=None, reactions=3)
    rollups.refresh(workspace, date(2026, 11, 9), date(2026, 11, 11))

    tenth = rollup(news, date(2026, 11, 10))
    assert (tenth.posts, tenth.posts_with_views, tenth.views) == (2, 1, 100)
    assert (tenth.reactions, tenth.comments, tenth.shares, tenth.interactions) == (8, 2, 1, 11)
    assert rollup(news, date(2026, 11, 9)).posts == 0  # a row for every day, zeros where nothing happened
    assert DailyRollup.objects.filter(channel=news).count() == 3


def test_a_comment_at_2330_local_counts_on_the_local_day_not_the_utc_one(workspace):
    news = dash_data.channel(workspace)
    late = datetime(2026, 11, 10, 23, 30, tzinfo=NEW_YORK)  # 04:30 UTC on the 11th
    assert late.astimezone(UTC).date() == date(2026, 11, 11)
    dash_data.comment(news, late, "ann")
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 11))

    assert rollup(news, date(2026, 11, 10)).public_comments == 1
    assert rollup(news, date(2026, 11, 11)).public_comments == 0


def test_utc_workspace_counts_the_same_moment_on_the_utc_day(team):
    news = dash_data.channel(team.workspace)
    dash_data.comment(news, datetime(2026, 11, 11, 4, 30, tzinfo=UTC), "ann")
    rollups.refresh(team.workspace, date(2026, 11, 10), date(2026, 11, 11))
    assert rollup(news, date(2026, 11, 11)).public_comments == 1


def test_comments_commenters_and_team_replies(workspace):
    news = dash_data.channel(workspace)
    noon = datetime(2026, 11, 10, 12, tzinfo=NEW_YORK)
    first = dash_data.comment(news, noon, "ann")
    dash_data.comment(news, noon + timedelta(minutes=5), "ann")
    dash_data.comment(news, noon + timedelta(minutes=6), "bob", imported=True)  # imported history counts
    dash_data.comment(news, noon + timedelta(minutes=9), from_team=True, parent=first)
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 10))

    day = rollup(news, date(2026, 11, 10))
    assert (day.public_comments, day.commenters, day.team_replies) == (3, 2, 1)


def test_audience_days_are_copied_and_unread_days_stay_null(workspace):
    news = dash_data.channel(workspace)
    dash_data.day(news, date(2026, 11, 10), followers=1200, joins=30, leaves=4)
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 11))

    assert (rollup(news, date(2026, 11, 10)).followers, rollup(news, date(2026, 11, 10)).joins) == (1200, 30)
    assert rollup(news, date(2026, 11, 11)).followers is None


def test_moderation_load_and_reversals(workspace):
    news = dash_data.channel(workspace)
    at = datetime(2026, 11, 10, 15, tzinfo=NEW_YORK)
    spam, rude, fine, kept = (dash_data.comment(news, at, name) for name in ("s", "r", "f", "k"))
    dash_data.audit(spam, "delete", at, rule_name="links")
    hidden = dash_data.audit(rude, "hide", at, rule_name="insults")
    dash_data.audit(rude, "unhide", at, source="team", undoes=hidden)  # the team reversed the engine
    dash_data.audit(fine, "hold", at, source="model")
    dash_data.audit(fine, "approve", at, source="team")  # approved from the review queue: reversed too
    dash_data.audit(kept, "ban", at, source="team")  # the team's own ban is no reversal
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 10))

    day = rollup(news, date(2026, 11, 10))
    assert (day.held, day.hidden, day.deleted, day.banned, day.reversed) == (1, 1, 1, 1, 2)


def test_refresh_twice_changes_nothing_and_clears_figures_whose_rows_went_away(workspace):
    news = dash_data.channel(workspace)
    gone = dash_data.post(news, datetime(2026, 11, 10, 9, tzinfo=NEW_YORK), reactions=4)
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 10))
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 10))
    assert DailyRollup.objects.filter(channel=news).count() == 1
    gone.delete()
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 10))
    assert rollup(news, date(2026, 11, 10)).posts == 0


def test_full_refresh_starts_at_the_first_data(workspace):
    news = dash_data.channel(workspace)
    start = datetime.now(NEW_YORK) - timedelta(days=5)
    dash_data.post(news, start, reactions=1)
    written = rollups.refresh(workspace)
    assert written == 6  # five days ago to today
    assert DailyRollup.objects.filter(channel=news, posts=1).count() == 1


def test_refresh_only_touches_its_workspace(workspace, team):
    ours, theirs = dash_data.channel(workspace), dash_data.channel(team.other_workspace)
    dash_data.post(theirs, datetime(2026, 11, 10, 9, tzinfo=UTC), reactions=1)
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 10))
    assert list(DailyRollup.objects.values_list("channel", flat=True)) == [ours.pk]


def test_periodic_task_refreshes_recent_days_of_every_workspace(workspace, team):
    news = dash_data.channel(workspace)
    dash_data.comment(news, datetime.now(NEW_YORK), "ann")
    rollup_tasks.refresh_recent_rollups()
    today = datetime.now(NEW_YORK).date()
    assert rollup(news, today).public_comments == 1
    assert DailyRollup.objects.filter(channel=news, date=today - timedelta(days=1)).exists()


def test_author_days_count_public_comments_per_author_on_the_local_day(workspace):
    news = dash_data.channel(workspace)
    late = datetime(2026, 11, 10, 23, 30, tzinfo=NEW_YORK)  # 04:30 UTC on the 11th
    dash_data.comment(news, late, "ann")
    dash_data.comment(news, datetime(2026, 11, 10, 9, tzinfo=NEW_YORK), "ann")
    dash_data.comment(news, datetime(2026, 11, 11, 0, 30, tzinfo=NEW_YORK), "ann")
    dash_data.comment(news, late, "bob")
    dash_data.comment(news, late, "team", from_team=True)  # the team's replies are not counted
    dash_data.comment(news, late, None)  # nor comments without an author
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 11))
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 11))  # twice changes nothing

    rows = AuthorDay.objects.filter(channel=news).values_list("date", "author__display_name", "comments")
    assert sorted(rows) == [
        (date(2026, 11, 10), "ann", 2),
        (date(2026, 11, 10), "bob", 1),
        (date(2026, 11, 11), "ann", 1),
    ]


def verdict_rows(channel):
    return sorted(
        VerdictDay.objects.filter(channel=channel).values_list(
            "date", "source", "rule_name", "verdicts", "held", "hidden", "deleted", "banned", "reversed"
        )
    )


def test_verdict_days_per_rule_on_the_local_day_with_reversals(workspace):
    news = dash_data.channel(workspace)
    late = datetime(2026, 11, 10, 23, 30, tzinfo=NEW_YORK)  # 04:30 UTC on the 11th
    spam, rude, fine, kept, warned = (dash_data.comment(news, late, name) for name in "srfkw")
    dash_data.audit(spam, "delete", late, rule_name="links")
    dash_data.audit(warned, "warn", late, rule_name="links")
    hidden = dash_data.audit(rude, "hide", late, rule_name="insults")
    dash_data.audit(rude, "unhide", late, source="team", undoes=hidden)
    dash_data.audit(fine, "hold", late, source="model")
    dash_data.audit(fine, "approve", late, source="team")
    dash_data.audit(kept, "ban", late, source="team")  # the team's own verdicts are not the engine's
    rollups.refresh(workspace, date(2026, 11, 10), date(2026, 11, 11))

    assert verdict_rows(news) == [
        (date(2026, 11, 10), "model", "", 1, 1, 0, 0, 0, 1),
        (date(2026, 11, 10), "rule", "insults", 1, 0, 1, 0, 0, 1),
        (date(2026, 11, 10), "rule", "links", 2, 0, 0, 2, 0, 0),
    ]


def test_a_later_reversal_recounts_the_verdicts_day_on_the_periodic_refresh(workspace):
    news = dash_data.channel(workspace)
    today = datetime.now(NEW_YORK).date()
    then = datetime.combine(today - timedelta(days=10), datetime.min.time(), NEW_YORK) + timedelta(hours=23)
    rude, fine = dash_data.comment(news, then, "r"), dash_data.comment(news, then, "f")
    hidden = dash_data.audit(rude, "hide", then, rule_name="insults")
    dash_data.audit(fine, "hold", then, rule_name="insults")
    rollups.refresh(workspace, then.date(), today)
    assert verdict_rows(news)[0][-1] == 0

    now = datetime.now(NEW_YORK)
    dash_data.audit(rude, "unhide", now, source="team", undoes=hidden)
    dash_data.audit(fine, "approve", now, source="team")
    rollups.refresh_recent(workspace)  # yesterday and today: re-counts the verdicts' day too
    assert verdict_rows(news) == [(then.date(), "rule", "insults", 2, 1, 1, 0, 0, 2)]


def test_first_responses_on_the_comments_local_day_and_a_late_answer_recounts_it(workspace):
    news = dash_data.channel(workspace)
    today = datetime.now(NEW_YORK).date()
    then = datetime.combine(today - timedelta(days=10), datetime.min.time(), NEW_YORK) + timedelta(hours=23)
    asked, later = dash_data.comment(news, then, "ann"), dash_data.comment(news, then, "bob")
    dash_data.comment(news, then + timedelta(minutes=90), from_team=True, parent=asked)  # next local day
    dash_data.comment(news, then + timedelta(hours=3), from_team=True, parent=asked)  # not the first
    rollups.refresh(workspace, then.date(), today)
    rows = FirstResponse.objects.values_list("comment_id", "date", "seconds")
    assert list(rows) == [(asked.pk, then.date(), 5400.0)]

    dash_data.comment(news, datetime.now(NEW_YORK), from_team=True, parent=later)
    rollups.refresh_recent(workspace)
    assert sorted(FirstResponse.objects.values_list("comment_id", "date")) == [
        (asked.pk, then.date()),
        (later.pk, then.date()),
    ]


def test_demo_history_fills_90_days_once_and_the_dashboard_shows_it(db, client_as):
    from django.urls import reverse

    from tandem.analytics.demo import fill_history
    from tandem.analytics.models import ChannelDay, ChannelPost
    from tandem.workspaces.demo import DEMO_USERS, load_demo

    workspace = load_demo()
    made = fill_history(workspace)
    assert made > 40
    channel = workspace.channels.get()
    days = list(
        ChannelDay.objects.filter(channel=channel).order_by("date").values_list("followers", flat=True)
    )
    assert len(days) == 89 and days == sorted(days)  # growing up to the day the channel was connected
    assert ChannelPost.objects.filter(channel=channel, delivery__post__rubric__isnull=False).count() == made
    assert fill_history(workspace) == 0  # idempotent
    assert DailyRollup.objects.filter(channel=channel, posts__gt=0).exists()

    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(email=DEMO_USERS[1][0])
    page = client_as(manager).get(reverse("analytics:dashboard", args=[workspace.slug]) + "?days=90")
    assert page.status_code == 200
    summary = page.context["sections"][0]
    assert next(f for f in summary.figures if f.label == "ER by views (rate of sums)").value > 0
    community = next(s for s in page.context["sections"] if s.key == "community")
    assert next(f for f in community.figures if f.label == "Median first response").value > 0


def test_the_view_figures_of_days_rolled_up_before_they_existed_are_filled_from_the_posts(workspace):
    news = dash_data.channel(workspace)
    dash_data.post(news, datetime(2026, 11, 3, 9, tzinfo=UTC), views=200, reactions=10, shares=2, reach=100)
    dash_data.post(news, datetime(2026, 11, 3, 18, tzinfo=UTC), views=100, reactions=4)
    rollups.refresh(workspace, date(2026, 11, 3), date(2026, 11, 3))
    refreshed = DailyRollup.objects.filter(date=date(2026, 11, 3)).values(*VIEW_FIGURES).get()
    assert refreshed["viewed_posts"] == 2 and refreshed["viewed_rate_sum"] == pytest.approx(6.0 + 4.0)
    assert (refreshed["viewed_shares"], refreshed["viewed_views_with_shares"]) == (2, 200)
    assert (refreshed["reached_posts"], refreshed["reach"]) == (1, 100)
    DailyRollup.objects.update(**dict.fromkeys(VIEW_FIGURES, 0))  # as the migration finds them

    assert rollups.fill_view_figures(workspace.pk, workspace.time_zone) == 1
    assert DailyRollup.objects.filter(date=date(2026, 11, 3)).values(*VIEW_FIGURES).get() == refreshed
