"""The engine with the real Telegram connector against the loopback Bot API: the faults of PLATFORMS.md."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.channels.models import Channel, ChannelStatus, Platform
from tandem.content import publishing, services
from tandem.content.models import Delivery, DeliveryState


@pytest.fixture
def telegram(telegram_server, settings):
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    bot = telegram_server.add_bot()
    chat = telegram_server.add_chat("channel", "Acme News", username="acme_news")
    telegram_server.set_member(bot, chat, "administrator")
    telegram_server.bot, telegram_server.chat = bot, chat
    return telegram_server


@pytest.fixture
def channel(team, telegram):
    channel = Channel(
        workspace=team.workspace,
        platform=Platform.TELEGRAM,
        name="Acme News",
        external_id=str(telegram.chat.id),
    )
    channel.secret_values = {"token": telegram.bot.token}
    channel.save()
    return channel


def plan(team, channel, count=1, text="Post"):
    manager = team.membership("manager")
    when = timezone.now() + timedelta(minutes=5)
    deliveries = []
    for n in range(count):
        post = services.save_post(
            manager, None, text=f"{text} {n}", rubric=None, tags=[], channels=[channel], variants={}
        )
        services.schedule(manager, post, at=when + timedelta(seconds=n))
        deliveries.append(Delivery.objects.get(post=post))
    return deliveries, when + timedelta(seconds=count)


def states(deliveries):
    return [Delivery.objects.get(pk=d.pk).state for d in deliveries]


def test_a_post_goes_out_once_with_its_link(team, channel, telegram):
    (delivery,), when = plan(team, channel)
    publishing.dispatch_due(now=when)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.url == f"https://t.me/acme_news/{delivery.external_id}"
    assert [m["text"] for m in telegram.messages(telegram.chat)] == ["Post 0"]


def test_token_revoked_mid_queue_fails_the_rest_with_the_reason(team, channel, telegram):
    deliveries, when = plan(team, channel, count=3)
    publishing.dispatch_due(now=when, limit=1)
    telegram.revoke_token(telegram.bot)
    publishing.dispatch_due(now=when, limit=1)
    publishing.dispatch_due(now=when, limit=1)
    assert states(deliveries) == [DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.FAILED]
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "bot token" in Delivery.objects.get(pk=deliveries[2].pk).error
    assert len(telegram.messages(telegram.chat)) == 1


def test_chat_deleted_fails_with_the_reason(team, channel, telegram):
    (delivery,), when = plan(team, channel)
    telegram.delete_chat(telegram.chat)
    publishing.dispatch_due(now=when)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and "does not know this chat" in delivery.error


def test_429_waits_and_then_sends_once(team, channel, telegram):
    (delivery,), when = plan(team, channel)
    telegram.fail_next(status=429, retry_after=3, method="sendMessage")
    publishing.dispatch_due(now=when)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRY_WAIT
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=2)
    publishing.dispatch_due(now=delivery.next_attempt_at + timedelta(seconds=1))
    assert states([delivery]) == [DeliveryState.SENT]
    assert len(telegram.messages(telegram.chat)) == 1


def test_server_error_is_retried_later(team, channel, telegram):
    (delivery,), when = plan(team, channel)
    telegram.fail_next(status=500, method="sendMessage")
    publishing.dispatch_due(now=when)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRY_WAIT and delivery.transient_failures == 1
    publishing.dispatch_due(now=delivery.next_attempt_at + timedelta(seconds=1))
    assert states([delivery]) == [DeliveryState.SENT]


def test_connection_dropped_after_sending_is_unconfirmed_never_resent(team, channel, telegram):
    (delivery,), when = plan(team, channel)
    telegram.drop_after_read(method="sendMessage")
    publishing.dispatch_due(now=when)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.UNCONFIRMED
    assert publishing.dispatch_due(now=when + timedelta(days=1)) == 0
    assert len(telegram.messages(telegram.chat)) == 1
