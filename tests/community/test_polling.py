"""getUpdates polling for installs Telegram cannot reach: offsets confirm what was stored, bots with a
webhook are left alone, lost tasks are swept, and `tandem listen` loops until stopped."""

import threading
from datetime import timedelta

from django.utils import timezone

from tandem.community import tasks, webhooks
from tandem.community.ingest import receive_update
from tandem.community.management.commands.listen import Command as Listen
from tandem.community.models import Comment, CommentStatus, PlatformUpdate
from tests.community import payloads


def test_polling_stores_processes_and_confirms_with_the_next_offset(telegram, tg_channel, fake_post):
    bot = str(telegram.bot.id)
    assert webhooks.next_offset(bot) is None
    telegram.user_says(telegram.group, 1, "Anna", "Спасибо, очень вкусный кофе!", reply_to=fake_post.copy_id)
    telegram.user_says(telegram.group, 2, "Ivan", "Иди на х у й", reply_to=fake_post.copy_id)
    assert webhooks.poll_updates(tg_channel) >= 3  # the post's copy and two comments
    last = PlatformUpdate.objects.order_by("-update_id").first().update_id
    assert webhooks.next_offset(bot) == last + 1
    assert {c.text: c.status for c in Comment.objects.all()} == {
        "Спасибо, очень вкусный кофе!": "visible",
        "Иди на х у й": "deleted",
    }
    assert all(c.delivery == fake_post for c in Comment.objects.all())
    # Nothing new: the next poll asks from last + 1, which confirms everything to Telegram.
    assert webhooks.poll_updates(tg_channel) == 0
    assert telegram.pending_updates(telegram.bot) == []
    telegram.user_says(telegram.group, 3, "Olga", "Спасибо!", reply_to=fake_post.copy_id)
    assert webhooks.poll_updates(tg_channel) == 1
    assert Comment.objects.count() == 3


def test_the_minute_tick_polls_bots_without_a_webhook(team, telegram, tg_channel, fake_post):
    telegram.user_says(telegram.group, 1, "Anna", "Спасибо, очень вкусный кофе!", reply_to=fake_post.copy_id)
    assert tasks.listen_tick.call_local()["polled"] >= 2
    assert Comment.objects.get().text == "Спасибо, очень вкусный кофе!"


def test_a_bot_with_a_webhook_is_not_polled(team, telegram, tg_channel, settings):
    settings.BASE_URL = "http://127.0.0.1:9"
    webhooks.enable_webhook(team.membership("manager"), tg_channel)
    assert webhooks.polled_bots() == {}
    assert tasks.poll_all_bots() == 0
    assert not any(call.method == "getupdates" for call in telegram.calls)


def test_a_refused_poll_is_logged_not_raised(team, telegram, tg_channel, settings, caplog):
    settings.BASE_URL = "http://127.0.0.1:9"
    webhooks.enable_webhook(team.membership("manager"), tg_channel)
    # A re-check replaced the channel's details (or another install set the webhook): Tandem believes it polls.
    tg_channel.details = {**tg_channel.details, "webhook": False}
    tg_channel.save()
    assert tasks.poll_all_bots() == 0
    assert "polling bot" in caplog.text
    tg_channel.refresh_from_db()
    assert tg_channel.details["webhook"] is True  # so the next minute does not ask again
    assert webhooks.polled_bots() == {}


def test_updates_whose_task_was_lost_are_swept(telegram, tg_channel):
    message = payloads.comment_message(
        telegram.group.id, 41, "Во сколько вы открываетесь в субботу?", thread_id=40
    )
    update = receive_update("telegram", str(telegram.bot.id), payloads.update(7, message))
    assert tasks.sweep_stale_updates() == 0  # too fresh: its task may still come
    PlatformUpdate.objects.filter(pk=update.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep_stale_updates() == 1
    assert Comment.objects.get().status == CommentStatus.VISIBLE


def test_the_minute_tick_leaves_bots_to_a_running_listen(telegram, tg_channel, fake_post):
    bot = str(telegram.bot.id)
    webhooks.mark_listening(bot)
    assert webhooks.has_listener(bot)
    assert tasks.poll_all_bots() == 0
    assert not any(call.method == "getupdates" for call in telegram.calls)


def test_listen_loops_until_stopped(telegram, tg_channel, fake_post, monkeypatch):
    stop = threading.Event()
    polled = []

    def poll_once(channel, timeout):
        polled.append(timeout)
        stop.set()
        return 0

    monkeypatch.setattr(webhooks, "poll_updates", poll_once)
    Listen().listen(str(telegram.bot.id), 25, stop)
    assert polled == [25]
    assert webhooks.has_listener(str(telegram.bot.id))
