"""Collecting a Telegram channel's posts and their figures against the fake Bot API: posts from deliveries and
from channel_post updates, reactions from message_reaction_count and message_reaction, comments per post,
and views that stay unavailable."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tandem.analytics import collection
from tandem.analytics.models import ChannelDay, ChannelPost, PostSnapshot, Source
from tandem.community.ingest import process_update
from tandem.community.models import Author, Comment, CommentStatus, PlatformUpdate
from tandem.community.webhooks import poll_updates
from tandem.content.models import Delivery, DeliveryState, Post, Variant
from tandem.core.aio import run
from tandem.platforms.base import OutgoingPost
from tandem.platforms.telegram.connector import TelegramConnector

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


def test_the_round_recounts_young_posts_and_the_days_first_round_every_post(team, tg_channel, delivered):
    old, young = delivered(tg_channel, 17), delivered(tg_channel, 18)
    long_ago = timezone.now() - timedelta(days=collection.COMMENTS_DAYS + 10)
    Delivery.objects.filter(pk=old.pk).update(sent_at=long_ago)
    collection.sync_channel_posts(tg_channel)
    for number, delivery in enumerate((old, young)):
        Comment.objects.create(workspace=team.workspace, channel=tg_channel, delivery=delivery, chat_id="-5",
                               external_id=str(number), sent_at=timezone.now())  # fmt: skip

    assert collection.count_comments(tg_channel) == 1  # the young post only
    assert ChannelPost.objects.get(delivery=old).comments == 0
    assert collection.count_comments(tg_channel, recent_days=None) == 1  # now the old one
    assert ChannelPost.objects.get(delivery=old).comments == 1

    ChannelDay.objects.create(
        channel=tg_channel, date=collection.local_date(tg_channel, timezone.now()), followers=5
    )
    Comment.objects.filter(delivery=old).update(status=CommentStatus.DELETED)
    assert collection.collect_channel(tg_channel)["comments"] == 0  # not the day's first round
    assert ChannelPost.objects.get(delivery=old).comments == 1


def test_an_imported_posts_comment_count_is_never_lowered(team, tg_channel, delivered):
    delivery = delivered(tg_channel, 17)
    ChannelPost.objects.create(workspace=team.workspace, channel=tg_channel, external_id="17", delivery=delivery,
                               published_at=timezone.now(), source=Source.IMPORTED, comments=12)  # fmt: skip
    assert collection.count_comments(tg_channel) == 0
    assert ChannelPost.objects.get().comments == 12


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
