"""Connecting a Telegram channel through the real client against the loopback Bot API."""

import pytest
from django.db import connection

from tandem.channels import services
from tandem.channels.models import Channel, ChannelStatus
from tandem.core.errors import ServiceError


@pytest.fixture
def telegram(telegram_server, settings):
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    return telegram_server


def test_connect_checks_the_bot_and_stores_the_token_encrypted(team, telegram):
    bot = telegram.add_bot(username="acme_publisher_bot")
    chat = telegram.add_chat("channel", "Acme News", username="acme_news")
    telegram.set_member(bot, chat, "administrator")
    channel = services.connect_telegram(team.membership("manager"), bot.token, "@acme_news")
    assert (channel.name, channel.external_id, channel.details["type"]) == (
        "Acme News",
        str(chat.id),
        "channel",
    )
    assert channel.queue_slots.count() == 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM channels_channel WHERE id = %s", [channel.pk])
        assert bot.token not in cursor.fetchone()[0]
    assert Channel.objects.get(pk=channel.pk).secret_values["token"] == bot.token


@pytest.mark.parametrize(
    "problem,sentence",
    [
        ("bad_token", "does not accept this bot token"),
        ("unknown_chat", "does not know this chat"),
        ("not_admin", "administrator"),
    ],
)
def test_connect_says_what_is_wrong_and_saves_nothing(team, telegram, problem, sentence):
    bot = telegram.add_bot()
    chat = telegram.add_chat("channel", "Acme News", username="acme_news")
    if problem != "not_admin":
        telegram.set_member(bot, chat, "administrator")
    else:
        telegram.set_member(bot, chat, "member")
    token = bot.token if problem != "bad_token" else bot.token[:-3] + "xyz"
    target = "@acme_news" if problem != "unknown_chat" else "@nobody_here"
    with pytest.raises(ServiceError, match=sentence):
        services.connect_telegram(team.membership("manager"), token, target)
    assert not Channel.objects.exists()


def test_connecting_the_same_chat_twice_is_refused(team, telegram):
    bot = telegram.add_bot()
    chat = telegram.add_chat("channel", "Acme News", username="acme_news")
    telegram.set_member(bot, chat, "administrator")
    services.connect_telegram(team.membership("manager"), bot.token, "@acme_news")
    with pytest.raises(ServiceError, match="already connected"):
        services.connect_telegram(team.membership("manager"), bot.token, str(chat.id))


def test_a_revoked_token_flags_the_channel_on_recheck_and_a_new_token_clears_it(team, telegram):
    bot = telegram.add_bot()
    chat = telegram.add_chat("channel", "Acme News", username="acme_news")
    telegram.set_member(bot, chat, "administrator")
    channel = services.connect_telegram(team.membership("manager"), bot.token, "@acme_news")
    telegram.revoke_token(bot)
    with pytest.raises(ServiceError):
        services.recheck(channel)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION and "bot token" in channel.status_reason
    with pytest.raises(ServiceError):
        services.update_token(channel, "   ")
    assert (
        Channel.objects.get(pk=channel.pk).secret_values["token"] == bot.token
    )  # never overwritten with empty
    new_bot = telegram.add_bot()
    telegram.set_member(new_bot, chat, "administrator")
    services.update_token(channel, new_bot.token)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE and channel.secret_values["token"] == new_bot.token
