"""Comments to act on: a sandbox channel of the ``team`` workspace and a factory of comments by authors."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.channels.models import Channel, Platform
from tandem.community.models import Author, Comment
from tandem.community.webhooks import poll_updates
from tandem.content.models import Delivery, DeliveryState, Post
from tandem.core.aio import run
from tandem.platforms import pacing
from tandem.platforms.base import OutgoingPost

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


@pytest.fixture(autouse=True)
def fresh_queue_store():
    """The (in-memory, in tests) queue's key-value store outlives a test: e.g. a `tandem listen` stamp."""
    HUEY.storage.flush_results()


@pytest.fixture
def telegram(telegram_server, settings):
    """The fake Bot API with a bot administering a channel and the channel's discussion group."""
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    server = telegram_server
    server.bot = server.add_bot()
    server.channel = server.add_chat("channel", "Acme News", username="acme_news")
    server.group = server.add_chat("supergroup", "Acme Chat")
    server.set_member(server.bot, server.channel, "administrator", can_post_messages=True)
    server.set_member(server.bot, server.group, "administrator")
    server.link_discussion(server.channel, server.group)
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


@pytest.fixture
def fake_post(telegram, tg_channel, published) -> Delivery:
    """A post the bot published in the channel (so Telegram copied it into the discussion group), with its
    delivery; ``copy_id`` is the copy's message id in the group."""
    sent = run(tg_channel.connector().publish(OutgoingPost(text="Fresh roast on Friday")))
    delivery = published(int(sent.external_id))
    delivery.copy_id = telegram.copy_of(telegram.channel, int(sent.external_id))
    return delivery


@pytest.fixture
def says(telegram, tg_channel, fake_post):
    """``says(text, user_id=…, name=…, reply_to=…)``: a person comments under the post on Telegram and Tandem
    polls the bot's updates (ingest, then moderation); returns the stored comment."""

    def say(text: str, user_id: int = 424242, name: str = "Anna", reply_to: int | None = None) -> Comment:
        data = telegram.user_says(telegram.group, user_id, name, text, reply_to=reply_to or fake_post.copy_id)
        poll_updates(tg_channel)
        return Comment.objects.get(chat_id=str(telegram.group.id), external_id=str(data["message_id"]))

    return say


def on_telegram(server, chat, message_id) -> bool:
    """Whether the message is still in the fake chat."""
    return any(m["message_id"] == int(message_id) for m in server.messages(chat))
