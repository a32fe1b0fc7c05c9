"""The sandbox's simulated analytics: figures that grow like a real channel's, the same for the same post and
moment, stored as "simulated"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tandem.analytics import collection
from tandem.analytics.models import ChannelDay, ChannelPost, PostSnapshot, Source
from tandem.channels.models import Channel
from tandem.content.models import Delivery, DeliveryState, Post
from tandem.core.aio import run
from tandem.platforms.base import OutgoingPost
from tandem.platforms.sandbox import simulation
from tandem.platforms.sandbox.models import SandboxMessage

PUBLISHED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The sandbox connector reads and writes from a thread of its own, which sees only committed rows.
committed = pytest.mark.django_db(transaction=True)


def test_a_posts_views_grow_fast_then_saturate():
    views = [
        simulation.post_figures(7, 1000, PUBLISHED, PUBLISHED + timedelta(hours=hours)).views
        for hours in (0, 1, 6, 24, 72, 14 * 24, 30 * 24)
    ]
    assert views[0] == 0
    assert views == sorted(views) and views[1] < views[2] < views[3]
    assert views[-1] - views[-2] <= 1  # settled after two weeks
    assert views[-1] <= 1000 * 0.75  # at most three quarters of the followers see it
    first_day, later = views[3] - views[0], views[-1] - views[3]
    assert first_day > later  # most views come in the first day


@pytest.mark.parametrize("seed", range(1, 30))
def test_reactions_and_forwards_are_a_few_percent_of_views(seed):
    figures = simulation.post_figures(seed, 5000, PUBLISHED, PUBLISHED + timedelta(days=3))
    reactions = sum(figures.reactions.values())
    assert 0.005 * figures.views <= reactions <= 0.05 * figures.views
    assert figures.shares <= 0.012 * figures.views
    assert figures.reach <= figures.views
    assert set(figures.reactions) <= set(simulation.REACTIONS) and all(figures.reactions.values())
    assert figures.poll_votes is None


def test_the_same_post_and_moment_give_the_same_figures():
    at = PUBLISHED + timedelta(hours=5)
    assert simulation.post_figures(3, 900, PUBLISHED, at) == simulation.post_figures(3, 900, PUBLISHED, at)
    assert simulation.post_figures(3, 900, PUBLISHED, at) != simulation.post_figures(4, 900, PUBLISHED, at)


def test_followers_grow_by_joins_minus_leaves():
    since = PUBLISHED
    for day in range(1, 10):
        start, end = since + timedelta(days=day), since + timedelta(days=day + 1)
        joins, leaves = simulation.day_flow(11, since, start, end)
        net = simulation.followers_at(11, since, end) - simulation.followers_at(11, since, start)
        assert joins - leaves == net and net >= 2 and leaves >= 0
    assert simulation.followers_at(11, since, since - timedelta(days=3)) == simulation.followers_at(
        11, since, since
    )


@pytest.fixture
def sandbox(team) -> Channel:
    return Channel.objects.create(
        workspace=team.workspace, platform="sandbox", name="Sandbox", external_id="sb"
    )


def publish(channel: Channel, team, hours_ago: float) -> Delivery:
    """A post published to the sandbox ``hours_ago``, through the sandbox connector."""
    sent = run(channel.connector().publish(OutgoingPost(text="Fresh roast", key=f"k{hours_ago}")))
    at = timezone.now() - timedelta(hours=hours_ago)
    SandboxMessage.objects.filter(pk=sent.external_id).update(published_at=at)
    post = Post.objects.create(workspace=team.workspace, author=team.manager, text="Fresh roast")
    return Delivery.objects.create(post=post, channel=channel, due_at=at, state=DeliveryState.SENT, sent_at=at,
                                   external_id=sent.external_id)  # fmt: skip


@committed
def test_a_sandbox_round_stores_simulated_figures_that_grow(team, sandbox):
    delivery = publish(sandbox, team, hours_ago=2)
    summary = collection.collect_channel(sandbox)
    assert (summary["posts"], summary["figures"]) == (1, 1)
    post = ChannelPost.objects.get()
    assert (post.delivery, post.source) == (delivery, Source.SIMULATED)
    assert post.views > 0 and post.reach <= post.views
    assert post.interactions == post.reactions_total + post.comments + post.shares
    first_views = post.views

    # Two days later (the post backdated instead of the clock moved forward).
    earlier = timezone.now() - timedelta(days=2)
    SandboxMessage.objects.filter(pk=post.external_id).update(published_at=earlier)
    collection.collect_channel(sandbox)
    post.refresh_from_db()
    assert post.views > first_views
    assert PostSnapshot.objects.filter(post=post).count() == 2


@committed
def test_a_deleted_or_old_sandbox_post_is_no_longer_simulated(team, sandbox):
    deleted = publish(sandbox, team, hours_ago=3)
    old = publish(sandbox, team, hours_ago=24 * (collection.METRICS_DAYS + 1))
    Delivery.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    collection.collect_channel(sandbox)
    assert ChannelPost.objects.count() == 2
    assert not PostSnapshot.objects.exists()
    assert ChannelPost.objects.get(delivery=old).views is None


@committed
def test_the_sandbox_audience_has_followers_joins_and_leaves_per_day(team, sandbox):
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    created = timezone.now() - timedelta(days=3)
    Channel.objects.filter(pk=sandbox.pk).update(created_at=created)
    sandbox.refresh_from_db()
    now = timezone.now()
    collection.collect_channel(sandbox, now)
    today, yesterday = ChannelDay.objects.order_by("-date")
    assert today.date == collection.local_date(sandbox, now)
    assert yesterday.date == today.date - timedelta(days=1)
    assert today.followers == simulation.followers_at(sandbox.pk, created, now)
    assert today.source == yesterday.source == Source.SIMULATED
    assert today.followers - yesterday.followers == today.joins - today.leaves
    assert yesterday.joins > yesterday.leaves > 0

    collection.collect_channel(sandbox, now)  # the same moment again changes nothing
    assert [(d.followers, d.joins, d.leaves) for d in ChannelDay.objects.order_by("-date")] == [
        (today.followers, today.joins, today.leaves),
        (yesterday.followers, yesterday.joins, yesterday.leaves),
    ]


@committed
def test_the_sandbox_connector_reports_followers_and_post_figures(team, sandbox):
    delivery = publish(sandbox, team, hours_ago=5)
    connector = sandbox.connector()
    assert run(connector.follower_count()) >= 300
    figures = run(connector.post_metrics([delivery.external_id, "999999", "not-a-number"]))
    assert list(figures) == [delivery.external_id]
    assert figures[delivery.external_id].views > 0
