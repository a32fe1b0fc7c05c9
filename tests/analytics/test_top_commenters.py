"""Top commenters from the kept lists of settled days plus the recent days: always the live sum's answer."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from tandem.analytics import rollups, top_commenters
from tandem.analytics.models import TopCommenters
from tandem.analytics.periods import Period
from tandem.analytics.scope import Scope

from . import dash_data

TODAY = timezone.now().astimezone(UTC).date()


def days_ago(days: int, hour: int = 12) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days), time(hour), UTC)


def write(channel, who: str, count: int, days: int) -> None:
    for _ in range(count):
        dash_data.comment(channel, days_ago(days), who)


def live(scope: Scope, limit: int) -> list[tuple]:
    """The reference: every author's comments of the period summed from the comments themselves."""
    counts: dict[str, int] = {}
    low, high = scope.period.bounds()
    for comment in dash_data.Comment.objects.filter(
        channel_id__in=scope.channel_ids, sent_at__gte=low, sent_at__lt=high, from_team=False
    ).select_related("author"):
        counts[comment.author.display_name] = counts.get(comment.author.display_name, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [(name, "", name, comments) for name, comments in ranked]


@pytest.fixture
def news(team):
    team.workspace.time_zone = "UTC"
    team.workspace.save()
    return dash_data.channel(team.workspace)


@pytest.fixture
def small_lists(monkeypatch):
    monkeypatch.setattr(top_commenters, "TOP_KEPT", 3)


def scope_of(workspace, channels=None, days=30) -> Scope:
    return Scope(workspace, channels, Period.last_days(days, "UTC"))


def test_a_recent_only_commenter_overtakes_the_kept_list_exactly(team, news, small_lists):
    write(news, "ann", 5, days=10)
    write(news, "bob", 4, days=10)
    write(news, "cat", 3, days=10)
    write(news, "dan", 2, days=10)  # not kept: outside the three
    write(news, "dan", 4, days=1)  # recent: 6 in all, first
    write(news, "eve", 1, days=0)  # recent only, can never reach the top two
    rollups.refresh(team.workspace)
    scope = scope_of(team.workspace)

    shown = top_commenters.top_commenters(scope, 2)

    assert shown == live(scope, 2) == [("dan", "", "dan", 6), ("ann", "", "ann", 5)]
    (kept,) = TopCommenters.objects.all()
    assert (kept.channel_id, kept.start, kept.end) == (news.pk, scope.period.start, TODAY - timedelta(days=2))
    assert kept.authors[0][1] == 5 and not kept.complete
    assert top_commenters.top_commenters(scope_of(team.workspace), 2) == shown  # read from the kept list
    assert TopCommenters.objects.count() == 1


def test_ties_at_the_foot_of_the_kept_list_fall_back_to_the_live_sum(team, news, small_lists):
    for who in ("ann", "bob", "cat", "dan", "eve"):
        write(news, who, 2, days=5)
    write(news, "eve", 1, days=0)
    rollups.refresh(team.workspace)
    scope = scope_of(team.workspace)
    assert top_commenters.top_commenters(scope, 3) == live(scope, 3)
    assert top_commenters.top_commenters(scope, 3)[0] == ("eve", "", "eve", 3)


def test_a_complete_kept_list_counts_recent_newcomers_and_ties_sort_by_name(team, news):
    write(news, "zed", 2, days=20)
    write(news, "amy", 1, days=20)
    write(news, "amy", 1, days=0)
    rollups.refresh(team.workspace)
    scope = scope_of(team.workspace)
    assert (
        top_commenters.top_commenters(scope, 10)
        == live(scope, 10)
        == [
            ("amy", "", "amy", 2),
            ("zed", "", "zed", 2),
        ]
    )
    assert TopCommenters.objects.get().complete


def test_every_channel_together_and_a_selection_of_some(team, news, small_lists):
    other = dash_data.channel(team.workspace, "Acme chat")
    third = dash_data.channel(team.workspace, "Acme offers")
    write(news, "ann", 3, days=9)
    write(other, "bob", 2, days=9)
    write(other, "ann", 1, days=0)
    write(third, "cat", 5, days=9)
    rollups.refresh(team.workspace)

    everything = scope_of(team.workspace)
    assert top_commenters.top_commenters(everything, 2) == live(everything, 2)
    assert TopCommenters.objects.get().channel_id is None  # the workspace's list

    some = scope_of(team.workspace, [news, other])
    assert (
        top_commenters.top_commenters(some, 2)
        == live(some, 2)
        == [
            ("ann", "", "ann", 4),
            ("bob", "", "bob", 2),
        ]
    )
    assert TopCommenters.objects.count() == 1  # nothing is kept for a selection


def test_an_author_deleted_after_the_list_was_kept_leaves_no_gap(team, news, small_lists):
    for who, count in (("ann", 5), ("bob", 4), ("cat", 3), ("dan", 2)):
        write(news, who, count, days=10)
    rollups.refresh(team.workspace)
    assert [row[0] for row in top_commenters.top_commenters(scope_of(team.workspace), 3)] == [
        "ann",
        "bob",
        "cat",
    ]
    dash_data.Author.objects.filter(display_name="bob").delete()  # their AuthorDay rows go with them
    shown = top_commenters.top_commenters(scope_of(team.workspace), 3)
    assert [row[0] for row in shown] == ["ann", "cat", "dan"]


def test_a_short_recent_period_is_summed_live(team, news):
    write(news, "ann", 1, days=0)
    rollups.refresh(team.workspace)
    scope = Scope(team.workspace, None, Period(TODAY - timedelta(days=1), TODAY, "UTC"))
    assert top_commenters.top_commenters(scope, 10) == [("ann", "", "ann", 1)]
    assert not TopCommenters.objects.exists()


def test_a_refresh_that_changes_settled_days_drops_their_lists_and_one_that_does_not_keeps_them(team, news):
    write(news, "ann", 2, days=10)
    rollups.refresh(team.workspace)
    scope = scope_of(team.workspace)
    assert top_commenters.top_commenters(scope, 10) == [("ann", "", "ann", 2)]

    rollups.refresh(team.workspace, TODAY - timedelta(days=12), TODAY - timedelta(days=8))  # nothing new
    assert TopCommenters.objects.count() == 1

    write(news, "bob", 3, days=10)  # say, an import of older history
    rollups.refresh(team.workspace, TODAY - timedelta(days=12), TODAY - timedelta(days=8))
    assert not TopCommenters.objects.exists()
    assert top_commenters.top_commenters(scope_of(team.workspace), 10) == [
        ("bob", "", "bob", 3),
        ("ann", "", "ann", 2),
    ]


def test_the_periodic_refresh_keeps_the_preset_lists_and_forgets_old_ones(team, news):
    other = dash_data.channel(team.workspace, "Acme chat")
    write(news, "ann", 2, days=3)
    stale = TopCommenters.objects.create(
        workspace=team.workspace,
        channel=news,
        start=TODAY - timedelta(days=40),
        end=TODAY - timedelta(days=35),
        authors=[],
        complete=True,
        computed_at=timezone.now() - timedelta(days=8),
    )
    from tandem.analytics import rollup_tasks

    rollup_tasks.refresh_recent_rollups()

    lists = TopCommenters.objects.all()
    assert stale.pk not in {top.pk for top in lists}
    # 7, 30, 90 and 365 days for each channel and for both together, each up to the day before yesterday
    assert len(lists) == 4 * 3
    assert {top.end for top in lists} == {TODAY - timedelta(days=2)}
    assert {top.channel_id for top in lists} == {news.pk, other.pk, None}
    assert top_commenters.warm(team.workspace) == 0  # already there: nothing computed again
