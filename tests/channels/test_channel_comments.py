"""The channel page's comments card: where comments come from, the bot's missing rights, webhook or polling."""

import pytest

from tandem.channels import services
from tandem.community.webhooks import webhook_secret


@pytest.fixture
def telegram(telegram_server, settings):
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    return telegram_server


@pytest.fixture
def linked_channel(team, telegram):
    bot = telegram.add_bot(username="acme_publisher_bot")
    channel = telegram.add_chat("channel", "Acme News", username="acme_news")
    group = telegram.add_chat("supergroup", "Acme News Chat")
    telegram.set_member(bot, channel, "administrator")
    telegram.set_member(bot, group, "member")
    telegram.link_discussion(channel, group)
    connected = services.connect_telegram(team.membership("manager"), bot.token, "@acme_news")
    return bot, group, connected


def test_the_page_names_the_discussion_group_and_the_rights_the_bot_lacks(team, client_as, linked_channel):
    _bot, group, channel = linked_channel
    page = client_as(team.administrator).get(f"/w/acme/channels/{channel.pk}/")
    text = page.content.decode()
    assert str(group.id) in text
    assert "Delete messages" in text and "Ban users" in text
    assert 'data-testid="webhook-form"' not in text  # only channel managers switch it


def test_a_manager_switches_between_webhook_and_polling(team, client_as, linked_channel, telegram):
    bot, _group, channel = linked_channel
    manager = client_as(team.manager)
    response = manager.post(f"/w/acme/channels/{channel.pk}/webhook/", {"webhook": "on"})
    assert response.status_code == 302
    info = telegram.state.call(bot, "getWebhookInfo", {}, {})
    assert info["url"].endswith(f"/hooks/telegram/{bot.id}/")
    channel.refresh_from_db()
    assert channel.details["webhook"] is True
    assert "webhook" in manager.get(f"/w/acme/channels/{channel.pk}/").content.decode()
    manager.post(f"/w/acme/channels/{channel.pk}/recheck/")
    channel.refresh_from_db()
    assert channel.details["webhook"] is True  # a recheck keeps Tandem's own keys

    manager.post(f"/w/acme/channels/{channel.pk}/webhook/", {"webhook": "off"})
    assert telegram.state.call(bot, "getWebhookInfo", {}, {})["url"] == ""
    channel.refresh_from_db()
    assert channel.details["webhook"] is False
    assert len(webhook_secret(bot.id)) == 64


def test_an_administrator_cannot_switch_the_webhook(team, client_as, linked_channel):
    _bot, _group, channel = linked_channel
    assert (
        client_as(team.administrator)
        .post(f"/w/acme/channels/{channel.pk}/webhook/", {"webhook": "on"})
        .status_code
        == 403
    )
