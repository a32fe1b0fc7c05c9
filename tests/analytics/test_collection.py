"""Collecting a Telegram channel's analytics against the fake Bot API: posts from deliveries, reactions from
message_reaction_count, joins and leaves from chat_member, subscribers from getChatMemberCount with back-off,
comments per post, and views that stay unavailable."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.analytics import collection, tasks
from tandem.analytics.models import ChannelDay, ChannelPost, DailyRollup, PostSnapshot, Source
from tandem.community.ingest import process_update, receive_update
from tandem.community.models import Author, Comment, CommentStatus, PlatformUpdate
from tandem.community.webhooks import poll_updates
from tandem.content.models import Delivery, DeliveryState, Post, Variant
from tandem.core.aio import run
from tandem.platforms import pacing
from tandem.platforms.base import OutgoingPost
from tandem.platforms.telegram.connector import TelegramConnector
from tests.community.conftest import telegram_channel
from tests.fakes import telegram_audience

PAYLOADS = Path(__file__).parents[1] / "fakes" / "payloads" / "telegram"
# The chat ids of the stored payloads (tests/fakes/payloads/telegram).
PAYLOAD_CHANNEL = -1001234567890


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def fresh_pacing():
    pacing.reset()
    yield
    pacing.reset()


@pytest.fixture(autouse=True)
def fresh_queue_store():
    HUEY.storage.flush_results()


@pytest.fixture
def telegram(telegram_server, settings):
    """The fake Bot API with a bot administering a channel and its discussion group."""
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    server = telegram_server
    server.bot = server.add_bot()
    server.channel = server.add_chat("channel", "Acme News", username="acme_news")
    server.group = server.add_chat("supergroup", "Acme Chat")
    server.set_member(server.bot, server.channel, "administrator", can_post_messages=True)
    server.set_member(server.bot, server.group, "administrator")
    server.link_discussion(server.channel, server.group)
    return server


@pytest.fixture
def tg_channel(team, telegram):
    return telegram_channel(team.workspace, telegram, telegram.channel, linked_chat_id=telegram.group.id)


@pytest.fixture
def delivered(team):
    """``delivered(channel, message_id, text=…, state=SENT)``: a delivery of a post to the channel."""

    def make(channel, message_id, text="Fresh roast on Friday", state=DeliveryState.SENT, **fields):
        post = Post.objects.create(workspace=team.workspace, author=team.manager, text=text)
        return Delivery.objects.create(
            post=post, channel=channel, due_at=timezone.now(), state=state,
            sent_at=timezone.now() if state == DeliveryState.SENT else None, external_id=str(message_id), **fields,
        )  # fmt: skip

    return make


def ingest(bot_id, data) -> PlatformUpdate | None:
    """Receive and process one update as the webhook and the worker do; None for a repeated delivery."""
    update = receive_update("telegram", str(bot_id), data)
    if update is None:
        return None
    process_update(update.pk)
    update.refresh_from_db()
    return update


def reaction_count(chat_id, message_id, reactions: dict, update_id=500, date=None) -> dict:
    return {"update_id": update_id, "message_reaction_count": {
        "chat": {"id": chat_id, "title": "Acme News", "username": "acme_news", "type": "channel"},
        "message_id": message_id, "date": date or int(timezone.now().timestamp()),
        "reactions": [{"type": {"type": "emoji", "emoji": emoji}, "total_count": count}
                      for emoji, count in reactions.items()],
    }}  # fmt: skip


# --- posts ---------------------------------------------------------------------------------------------------


def test_every_published_delivery_becomes_one_channel_post(team, tg_channel, delivered):
    sent = delivered(tg_channel, 17, "Fresh roast on Friday")
    album = delivered(tg_channel, 18, extra={"kind": "album", "message_ids": [18, 19]})
    Variant.objects.create(post=album.post, channel=tg_channel, text="Our beans, in pictures")
    delivered(tg_channel, "", state=DeliveryState.FAILED)
    delivered(tg_channel, "", state=DeliveryState.SCHEDULED)

    assert collection.sync_channel_posts(tg_channel) == 2
    assert collection.sync_channel_posts(tg_channel) == 0  # idempotent
    first, second = ChannelPost.objects.order_by("external_id")
    assert (first.delivery, first.external_id, first.text, first.kind) == (
        sent,
        "17",
        "Fresh roast on Friday",
        "text",
    )
    assert first.published_at == sent.sent_at and first.workspace == team.workspace
    assert first.source == Source.COLLECTED
    assert (second.text, second.kind) == ("Our beans, in pictures", "photo")
    # The Bot API gives no views, reach or forwards: unavailable, not zero.
    assert (first.views, first.reach, first.shares) == (None, None, None)


def test_an_imported_post_is_linked_to_its_delivery_not_counted_twice(team, tg_channel, delivered):
    imported = ChannelPost.objects.create(
        workspace=team.workspace, channel=tg_channel, external_id="17", published_at=timezone.now(),
        source=Source.IMPORTED, views=120,
    )  # fmt: skip
    sent = delivered(tg_channel, 17)
    assert collection.sync_channel_posts(tg_channel) == 0
    imported.refresh_from_db()
    assert (imported.delivery, imported.views, imported.source) == (sent, 120, Source.IMPORTED)
    assert ChannelPost.objects.count() == 1


# --- reactions -----------------------------------------------------------------------------------------------


def test_reaction_counts_arrive_through_the_bots_updates(telegram, tg_channel):
    """The whole path on the wire: Tandem publishes, asks getUpdates for reaction counts by name, Telegram
    reports the post's reactions, and the post's figures follow."""
    sent = run(tg_channel.connector().publish(OutgoingPost(text="Fresh roast on Friday")))
    post = Post.objects.create(workspace=tg_channel.workspace, text="Fresh roast on Friday")
    Delivery.objects.create(post=post, channel=tg_channel, due_at=timezone.now(), state=DeliveryState.SENT,
                            sent_at=timezone.now(), external_id=sent.external_id)  # fmt: skip
    poll_updates(tg_channel)  # the first getUpdates names the kinds Tandem wants (allowed_updates)
    message_id = int(sent.external_id)

    telegram_audience.react(telegram, telegram.channel, message_id, {"👍": 5, "❤": 2})
    telegram_audience.react(telegram, telegram.channel, message_id, {"👍": 6, "❤": 2, "paid": 3})
    assert poll_updates(tg_channel) == 2

    channel_post = ChannelPost.objects.get(channel=tg_channel, external_id=sent.external_id)
    assert channel_post.reactions == {"👍": 6, "❤": 2, "paid": 3}
    assert (channel_post.reactions_total, channel_post.interactions) == (11, 11)
    assert channel_post.views is None
    assert [s.reactions_total for s in channel_post.snapshots.all()] == [7, 11]

    # Everyone takes their reaction back: Telegram sends an empty list (which python-telegram-bot drops).
    telegram_audience.react(telegram, telegram.channel, message_id, {})
    poll_updates(tg_channel)
    channel_post.refresh_from_db()
    assert (channel_post.reactions, channel_post.reactions_total, channel_post.interactions) == ({}, 0, 0)
    assert set(PlatformUpdate.objects.values_list("kind", flat=True)) >= {"reaction_count"}


def test_a_reaction_update_before_the_periodic_sync_makes_the_post_from_its_delivery(
    telegram, tg_channel, delivered
):
    delivery = delivered(tg_channel, 17)
    update = ingest(telegram.bot.id, reaction_count(telegram.channel.id, 17, {"🔥": 4}))
    assert (update.kind, update.error) == ("reaction_count", "")
    post = ChannelPost.objects.get()
    assert (post.delivery, post.reactions, post.reactions_total, post.interactions) == (
        delivery,
        {"🔥": 4},
        4,
        4,
    )
    snapshot = PostSnapshot.objects.get()
    assert (snapshot.post, snapshot.reactions, snapshot.views) == (post, {"🔥": 4}, None)


def test_custom_emoji_and_paid_reactions_are_kept_apart(telegram, team, delivered):
    channel = telegram_channel(team.workspace, telegram, telegram.channel)
    channel.external_id = str(PAYLOAD_CHANNEL)  # the stored payload's chat
    channel.save()
    delivered(channel, 18)
    ingest(telegram.bot.id, payload("message_reaction_count_custom"))
    post = ChannelPost.objects.get()
    assert post.reactions == {"🔥": 11, "custom:5368324170671202286": 3, "paid": 7}
    assert post.reactions_total == 21
    assert post.snapshots.get().collected_at == datetime.fromtimestamp(1764139000, tz=UTC)


def test_the_same_update_delivered_twice_counts_once(telegram, tg_channel, delivered):
    delivered(tg_channel, 17)
    data = reaction_count(telegram.channel.id, 17, {"👍": 5}, update_id=700)
    assert ingest(telegram.bot.id, data) is not None
    assert ingest(telegram.bot.id, data) is None  # Telegram repeated the webhook delivery
    assert PostSnapshot.objects.count() == 1
    # Processing the stored row again (a lost task swept up) changes nothing either.
    assert process_update(PlatformUpdate.objects.get().pk) is False
    assert ChannelPost.objects.get().reactions_total == 5


def test_the_same_counts_again_add_no_snapshot(telegram, tg_channel, delivered):
    delivered(tg_channel, 17)
    ingest(telegram.bot.id, reaction_count(telegram.channel.id, 17, {"👍": 5}, update_id=1))
    ingest(telegram.bot.id, reaction_count(telegram.channel.id, 17, {"👍": 5}, update_id=2))
    ingest(telegram.bot.id, reaction_count(telegram.channel.id, 17, {}, update_id=3))  # all taken back
    post = ChannelPost.objects.get()
    assert (post.reactions, post.reactions_total) == ({}, 0)
    assert [s.reactions_total for s in post.snapshots.all()] == [5, 0]


def test_reactions_on_an_unknown_message_make_nothing_up(telegram, tg_channel, delivered):
    """A message posted in the channel outside Tandem (and never imported): no post is invented for it; the
    raw update stays stored."""
    delivered(tg_channel, 17, state=DeliveryState.FAILED)  # never published: no message 17 of Tandem's
    update = ingest(telegram.bot.id, reaction_count(telegram.channel.id, 17, {"👍": 5}))
    assert (update.kind, update.error, update.processed_at is not None) == ("reaction_count", "", True)
    assert not ChannelPost.objects.exists() and not PostSnapshot.objects.exists()
    assert update.payload["message_reaction_count"]["message_id"] == 17


def test_reactions_in_the_discussion_group_are_not_the_posts(telegram, tg_channel, delivered):
    delivered(tg_channel, 17)
    ingest(telegram.bot.id, reaction_count(telegram.group.id, 17, {"👍": 5}))
    assert not ChannelPost.objects.exists()


def test_another_bots_update_does_not_touch_the_channel(telegram, tg_channel, delivered):
    delivered(tg_channel, 17)
    ingest(9999, reaction_count(telegram.channel.id, 17, {"👍": 5}))
    assert not ChannelPost.objects.exists()


# --- comments ------------------------------------------------------------------------------------------------


def test_a_post_counts_the_publics_comments_not_the_teams_nor_deleted_ones(team, tg_channel, delivered):
    delivery = delivered(tg_channel, 17)
    other = delivered(tg_channel, 18)
    collection.sync_channel_posts(tg_channel)
    now = timezone.now()
    anna = Author.objects.create(workspace=team.workspace, platform="telegram", external_id="1", first_seen=now,
                                 last_seen=now)  # fmt: skip

    def comment(number, **fields):
        return Comment.objects.create(workspace=team.workspace, channel=tg_channel, author=anna, chat_id="-5",
                                      external_id=str(number), sent_at=now, **fields)  # fmt: skip

    comment(1, delivery=delivery)
    comment(2, delivery=delivery, status=CommentStatus.HIDDEN)
    comment(3, delivery=delivery, status=CommentStatus.HELD)
    comment(4, delivery=delivery, status=CommentStatus.DELETED)
    comment(5, delivery=delivery, from_team=True)
    comment(6)  # a group message under no post
    assert collection.count_comments(tg_channel, now) == 1
    post = ChannelPost.objects.get(delivery=delivery)
    assert (post.comments, post.interactions) == (3, 3)
    assert ChannelPost.objects.get(delivery=other).comments == 0
    assert collection.count_comments(tg_channel, now) == 0  # unchanged: no new snapshot
    assert post.snapshots.count() == 1

    Comment.objects.filter(external_id="1").update(status=CommentStatus.DELETED)
    assert collection.count_comments(tg_channel, now + timedelta(minutes=10)) == 1
    post.refresh_from_db()
    assert (post.comments, post.snapshots.count()) == (2, 2)


def test_an_imported_posts_comment_count_is_never_lowered(team, tg_channel, delivered):
    delivery = delivered(tg_channel, 17)
    ChannelPost.objects.create(workspace=team.workspace, channel=tg_channel, external_id="17", delivery=delivery,
                               published_at=timezone.now(), source=Source.IMPORTED, comments=12)  # fmt: skip
    assert collection.count_comments(tg_channel) == 0
    assert ChannelPost.objects.get().comments == 12


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


def test_in_a_group_each_persons_reactions_add_up(team, telegram, tg_channel):
    """A group connected as a channel: reactions are not anonymous there, so Telegram reports each person's
    change (message_reaction) and Tandem keeps the sum. Reactions to comments in a channel's discussion group
    are not a post's."""
    club = telegram.add_chat("supergroup", "Acme Club")
    telegram.set_member(telegram.bot, club, "administrator")
    group_channel = telegram_channel(team.workspace, telegram, club)
    sent = run(group_channel.connector().publish(OutgoingPost(text="Tasting on Saturday")))
    post = Post.objects.create(workspace=team.workspace, text="Tasting on Saturday")
    Delivery.objects.create(post=post, channel=group_channel, due_at=timezone.now(), state=DeliveryState.SENT,
                            sent_at=timezone.now(), external_id=sent.external_id)  # fmt: skip
    comment = telegram.user_says(telegram.group, 424242, "Anna", "Nice")
    poll_updates(group_channel)

    message_id = int(sent.external_id)
    telegram_audience.react_as(telegram, club, message_id, 501, [], ["👍"])
    telegram_audience.react_as(telegram, club, message_id, 502, [], ["👍", "❤"])
    telegram_audience.react_as(telegram, club, message_id, 501, ["👍"], ["🔥"])
    telegram_audience.react_as(telegram, telegram.group, comment["message_id"], 503, [], ["👍"])
    poll_updates(group_channel)

    channel_post = ChannelPost.objects.get()
    assert channel_post.channel == group_channel
    assert channel_post.reactions == {"👍": 1, "❤": 1, "🔥": 1}
    assert channel_post.reactions_total == 3
    assert channel_post.snapshots.count() == 3
    assert PlatformUpdate.objects.filter(kind="reaction").count() == 4


def test_broken_reaction_and_member_updates_are_ignored_not_errors(telegram, tg_channel, delivered):
    delivered(tg_channel, 17)
    broken = [
        {"message_reaction_count": {"chat": {"id": telegram.channel.id}, "message_id": 17, "reactions": []}},
        {"message_reaction_count": {"chat": {"id": telegram.channel.id}, "message_id": 17, "date": 1,
                                    "reactions": "many"}},
        {"message_reaction": {"chat": {"id": telegram.channel.id}, "message_id": "17", "date": 1}},
        {"message_reaction": {"chat": {"id": telegram.channel.id}, "message_id": 17, "date": 1, "new_reaction": {}}},
        {"chat_member": {"chat": {"id": telegram.channel.id}, "date": 1, "old_chat_member": {"status": "left"}}},
    ]  # fmt: skip
    for number, data in enumerate(broken, start=900):
        update = ingest(telegram.bot.id, {"update_id": number, **data})
        assert (update.kind, update.error) == ("ignored", "")
    assert not ChannelPost.objects.exists() and not ChannelDay.objects.exists()


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


# --- posts published outside Tandem --------------------------------------------------------------------------


def test_a_post_written_in_the_channel_outside_tandem_is_counted_too(team, telegram, tg_channel):
    """Another bot (or a person in the Telegram app) posts in the channel: the channel_post update makes its
    ChannelPost, with no delivery. Tandem's own posts never arrive this way (bots get no updates about their
    own messages), so nothing is counted twice."""
    other_bot = telegram.add_bot()
    telegram.set_member(other_bot, telegram.channel, "administrator", can_post_messages=True)
    other = TelegramConnector(other_bot.token, str(telegram.channel.id), api_url=telegram.url)
    outside = run(other.publish(OutgoingPost(text="Posted from another tool")))
    run(other.close())
    ours = run(tg_channel.connector().publish(OutgoingPost(text="Posted by Tandem")))
    poll_updates(tg_channel)

    post = ChannelPost.objects.get()
    assert (post.external_id, post.delivery, post.text, post.kind) == (
        outside.external_id,
        None,
        "Posted from another tool",
        "text",
    )
    assert post.source == Source.COLLECTED and post.views is None
    assert ours.external_id != post.external_id

    telegram_audience.react(telegram, telegram.channel, int(outside.external_id), {"👍": 2})
    poll_updates(tg_channel)
    post.refresh_from_db()
    assert post.reactions_total == 2


def test_an_album_posted_outside_tandem_is_one_post_and_an_edit_changes_its_text(team, telegram):
    channel = telegram_channel(team.workspace, telegram, telegram.channel)
    channel.external_id = str(PAYLOAD_CHANNEL)
    channel.save()
    first = payload("channel_post")
    photo = [{"file_id": "AgAC1", "file_unique_id": "AQAD1", "width": 90, "height": 90, "file_size": 1200}]
    first["channel_post"].update(photo=photo, caption="Our new mugs", media_group_id="13848104951")
    del first["channel_post"]["text"]
    second = {
        "update_id": first["update_id"] + 1,
        "channel_post": {**first["channel_post"], "message_id": 19},
    }
    del second["channel_post"]["caption"]
    ingest(telegram.bot.id, first)
    ingest(telegram.bot.id, second)
    post = ChannelPost.objects.get()
    assert (post.external_id, post.text, post.kind) == ("18", "Our new mugs", "photo")

    edited = {
        "update_id": first["update_id"] + 2,
        "edited_channel_post": {
            **first["channel_post"],
            "caption": "Our new mugs, in blue",
            "edit_date": 1764138100,
        },
    }
    ingest(telegram.bot.id, edited)
    post.refresh_from_db()
    assert post.text == "Our new mugs, in blue" and post.edited_at is not None
