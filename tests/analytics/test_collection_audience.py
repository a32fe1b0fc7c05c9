"""Collecting a Telegram channel's audience against the fake Bot API: joins and leaves from chat_member,
subscribers from getChatMemberCount with back-off, and the periodic round."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.analytics import collection, tasks
from tandem.analytics.models import ChannelDay, ChannelPost, DailyRollup, Source
from tandem.community.webhooks import poll_updates
from tandem.content.models import Delivery
from tandem.platforms import pacing

# The fixtures below are imported by name (pytest finds them in the module); test arguments shadow them.
# ruff: noqa: F811
from tests.analytics.collection_data import (  # noqa: F401
    PAYLOAD_CHANNEL,
    delivered,
    fresh_pacing,
    fresh_queue_store,
    ingest,
    payload,
    reaction_count,
    telegram,
    tg_channel,
)
from tests.community.conftest import telegram_channel
from tests.fakes import telegram_audience

# --- members and followers -----------------------------------------------------------------------------------


def test_joins_and_leaves_from_chat_member_updates_count_on_the_workspaces_day(team, telegram, tg_channel):
    team.workspace.time_zone = "Asia/Vladivostok"  # UTC+10
    team.workspace.save()
    tg_channel.refresh_from_db()
    poll_updates(tg_channel)  # asks for chat_member updates

    telegram_audience.subscribe(telegram, telegram.channel, 501, "Vera")
    telegram_audience.subscribe(telegram, telegram.channel, 502, "Oleg")
    telegram_audience.unsubscribe(telegram, telegram.channel, 501, "Vera")
    telegram_audience.subscribe(telegram, telegram.group, 503, "Ivan")  # the discussion group: not followers
    assert poll_updates(tg_channel) == 4

    day = ChannelDay.objects.get(channel=tg_channel)
    assert (day.joins, day.leaves, day.followers, day.source) == (2, 1, None, Source.COLLECTED)
    assert day.date == collection.local_date(tg_channel, timezone.now())
    # Each join and leave changed what getChatMemberCount answers.
    assert collection.read_followers(tg_channel) == 1 + 2 - 1


def test_a_join_just_before_utc_midnight_is_the_next_day_in_the_workspaces_zone(team, telegram):
    team.workspace.time_zone = "Asia/Vladivostok"
    team.workspace.save()
    channel = telegram_channel(team.workspace, telegram, telegram.channel)
    channel.external_id = str(PAYLOAD_CHANNEL)
    channel.save()
    joined = payload("chat_member_joined")
    joined["chat_member"]["date"] = int(datetime(2025, 11, 25, 23, 30, tzinfo=UTC).timestamp())
    ingest(telegram.bot.id, joined)
    kicked = payload("chat_member_kicked")  # a ban is a leave
    ingest(telegram.bot.id, kicked)
    days = {day.date.isoformat(): (day.joins, day.leaves) for day in ChannelDay.objects.all()}
    assert days == {"2025-11-26": (1, 1)}  # 23:30 UTC is 09:30 in Vladivostok; the ban came at 07:25 UTC


def test_a_promotion_is_neither_a_join_nor_a_leave(team, telegram):
    channel = telegram_channel(team.workspace, telegram, telegram.channel)
    channel.external_id = str(PAYLOAD_CHANNEL)
    channel.save()
    promoted = payload("chat_member_joined")
    promoted["chat_member"]["old_chat_member"]["status"] = "member"
    promoted["chat_member"]["new_chat_member"].update(status="administrator", can_post_messages=True)
    update = ingest(telegram.bot.id, promoted)
    assert (update.kind, update.error) == ("chat_member", "")
    assert not ChannelDay.objects.exists()


def test_followers_are_read_with_get_chat_member_count(team, telegram, tg_channel):
    telegram.channel.member_count = 1234
    assert collection.followers_due(tg_channel)
    assert collection.read_followers(tg_channel) == 1234
    day = ChannelDay.objects.get()
    assert (day.date, day.followers) == (collection.local_date(tg_channel, timezone.now()), 1234)
    assert not collection.followers_due(tg_channel)
    assert telegram.stats.by_method["getchatmembercount"] == 1


def test_a_rate_limit_backs_off_for_its_retry_after_and_loses_nothing(team, telegram, tg_channel):
    telegram.channel.member_count = 800
    telegram.fail_next(status=429, retry_after=30, method="getChatMemberCount")
    now = timezone.now()
    assert collection.read_followers(tg_channel, now) is None
    tg_channel.refresh_from_db()
    retry_at = datetime.fromisoformat(tg_channel.details[collection.RETRY_AT])
    assert timedelta(seconds=29) <= retry_at - now <= timedelta(seconds=31)
    assert not ChannelDay.objects.filter(followers__isnull=False).exists()
    assert tg_channel.details["bot_id"] == telegram.bot.id  # the channel's other details stay

    # The next rounds inside the back-off do not call Telegram at all.
    assert collection.collect_channel(tg_channel, now + timedelta(seconds=10))["followers"] is None
    assert telegram.stats.by_method["getchatmembercount"] == 1

    pacing.reset()  # the connector's own spacing also waits out the 30 s; this test skips the wait
    assert collection.collect_channel(tg_channel, now + timedelta(seconds=40))["followers"] == 800
    assert ChannelDay.objects.get().followers == 800


def test_a_transient_failure_is_tried_again_next_round(team, telegram, tg_channel):
    telegram.channel.member_count = 42
    telegram.fail_next(status=502, method="getChatMemberCount")
    assert collection.read_followers(tg_channel) is None
    tg_channel.refresh_from_db()
    assert collection.RETRY_AT not in tg_channel.details
    assert collection.read_followers(tg_channel) == 42


def test_a_lost_chat_backs_off_for_an_hour(team, telegram, tg_channel):
    telegram.delete_chat(telegram.channel)
    now = timezone.now()
    assert collection.read_followers(tg_channel, now) is None
    tg_channel.refresh_from_db()
    assert (
        datetime.fromisoformat(tg_channel.details[collection.RETRY_AT]) == now + collection.PERMANENT_BACK_OFF
    )


# --- the periodic round --------------------------------------------------------------------------------------


def test_a_round_collects_each_active_channel_and_one_failure_stops_no_other(team, telegram, tg_channel, delivered,
                                                                            monkeypatch):  # fmt: skip
    second = telegram.add_chat("channel", "Acme Deals", username="acme_deals")
    telegram.set_member(telegram.bot, second, "administrator", can_post_messages=True)
    second.member_count = 77
    other = telegram_channel(team.workspace, telegram, second)
    broken = telegram_channel(
        team.workspace, telegram, telegram.add_chat("channel", "Broken", username="broken")
    )
    delivered(tg_channel, 17)
    real = collection.collect_channel

    def collect(channel, now=None):
        if channel.pk == broken.pk:
            raise RuntimeError("boom")
        return real(channel, now)

    monkeypatch.setattr(collection, "collect_channel", collect)
    results = tasks.collect_all()
    assert results[broken.pk] is None
    assert results[tg_channel.pk]["posts"] == 1
    assert results[other.pk]["followers"] == 77
    assert ChannelPost.objects.filter(channel=tg_channel).count() == 1
    # Followers are read once a day: the next round does not ask again.
    assert tasks.collect_all()[other.pk] == {"posts": 0, "comments": 0, "figures": 0}


def test_reactions_on_an_older_post_rebuild_that_days_rollup(team, telegram, tg_channel, delivered):
    """A post's figures count on its publication day, which the rollups' own round (yesterday and today) no
    longer covers a few days later: the collection round rebuilds it."""
    five_days_ago = timezone.now() - timedelta(days=5)
    old = delivered(tg_channel, 17)
    Delivery.objects.filter(pk=old.pk).update(sent_at=five_days_ago)
    since = timezone.now()
    ingest(telegram.bot.id, reaction_count(telegram.channel.id, 17, {"👍": 4}))

    assert tasks.refresh_changed_days(since) > 0
    rollup = DailyRollup.objects.get(
        channel=tg_channel, date=collection.local_date(tg_channel, five_days_ago)
    )
    assert (rollup.posts, rollup.reactions, rollup.interactions, rollup.views) == (1, 4, 4, 0)
    assert tasks.refresh_changed_days(timezone.now()) == 0  # nothing changed since


def test_the_periodic_task_runs_a_round_and_remembers_when(team, telegram, tg_channel, delivered):
    telegram.channel.member_count = 321
    delivered(tg_channel, 17)
    summary = tasks.collect_tick.call_local()
    assert summary == {"channels": 1, "failed": 0, "rollups": 0}
    assert ChannelPost.objects.count() == 1 and ChannelDay.objects.get().followers == 321
    assert HUEY.get(tasks.LAST_ROUND, peek=True) <= timezone.now()
