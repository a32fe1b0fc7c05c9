"""Comments to act on: a sandbox channel of the ``team`` workspace and a factory of comments by authors."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.channels.models import Channel, Platform
from tandem.community.models import Author, Comment
from tandem.content.models import Delivery, DeliveryState, Post
from tandem.platforms import pacing

_ids = itertools.count(1000)


@pytest.fixture
def sandbox_channel(team) -> Channel:
    return Channel.objects.create(
        workspace=team.workspace, platform="sandbox", name="Sandbox", external_id="sb"
    )


@pytest.fixture
def make_comment(team, sandbox_channel):
    """``make_comment(text, author="anna", channel=None, **fields)`` stores a comment as ingest would."""

    def make(text="Hello!", author="anna", channel=None, **fields) -> Comment:
        channel = channel or sandbox_channel
        now = timezone.now()
        person, _created = Author.objects.get_or_create(
            workspace=channel.workspace,
            platform=channel.platform,
            external_id=author,
            defaults={"display_name": author.title(), "username": author, "first_seen": now - timedelta(days=30),
                      "last_seen": now},
        )  # fmt: skip
        values = {"chat_id": channel.external_id, "external_id": str(next(_ids)), "sent_at": now, **fields}
        return Comment.objects.create(
            workspace=channel.workspace, channel=channel, author=person, text=text, **values
        )

    return make


@pytest.fixture(autouse=True)
def fresh_pacing():
    """Connectors space their calls per process; each test starts with no one waiting."""
    pacing.reset()
    yield
    pacing.reset()


@pytest.fixture
def telegram(telegram_server, settings):
    """The fake Bot API with a bot administering a channel and the channel's discussion group."""
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    server = telegram_server
    server.bot = server.add_bot()
    server.channel = server.add_chat("channel", "Acme News", username="acme_news")
    server.group = server.add_chat("supergroup", "Acme Chat")
    server.set_member(server.bot, server.channel, "administrator")
    server.set_member(server.bot, server.group, "administrator")
    return server


def telegram_channel(workspace, server, chat, **details) -> Channel:
    channel = Channel(
        workspace=workspace,
        platform=Platform.TELEGRAM,
        name=chat.title,
        external_id=str(chat.id),
        details={"type": chat.type, "bot_id": server.bot.id, **details},
    )
    channel.secret_values = {"token": server.bot.token}
    channel.save()
    return channel


@pytest.fixture
def tg_channel(team, telegram) -> Channel:
    """The Telegram channel, linked to its discussion group."""
    return telegram_channel(team.workspace, telegram, telegram.channel, linked_chat_id=telegram.group.id)


@pytest.fixture
def published(team, tg_channel):
    """``published(message_id)``: a delivery of the channel, sent as that message."""

    def publish(message_id: int, text: str = "Fresh roast on Friday") -> Delivery:
        post = Post.objects.create(workspace=team.workspace, author=team.manager, text=text)
        return Delivery.objects.create(
            post=post,
            channel=tg_channel,
            due_at=timezone.now(),
            state=DeliveryState.SENT,
            sent_at=timezone.now(),
            external_id=str(message_id),
        )

    return publish
