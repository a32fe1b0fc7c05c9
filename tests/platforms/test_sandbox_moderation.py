"""The sandbox's community calls: replies are stored like posts, moderation succeeds without effect, and
webhooks are not offered."""

from datetime import UTC, datetime

import pytest

from tandem.channels.models import Channel
from tandem.core import aio
from tandem.platforms.base import Feature
from tandem.platforms.sandbox.connector import SandboxConnector
from tandem.platforms.sandbox.models import SandboxMessage


@pytest.fixture
def sandbox(team) -> SandboxConnector:
    channel = Channel.objects.create(workspace=team.workspace, platform="sandbox", name="Sandbox")
    return SandboxConnector(channel.pk)


def test_the_sandbox_offers_every_community_feature_but_webhooks():
    community = {
        Feature.READ_COMMENTS,
        Feature.REPLY,
        Feature.DELETE_COMMENT,
        Feature.HIDE_COMMENT,
        Feature.BAN,
        Feature.MUTE,
        Feature.PRIVATE_MESSAGE,
    }
    assert community <= SandboxConnector.features
    assert Feature.WEBHOOK not in SandboxConnector.features


@pytest.mark.django_db(transaction=True)
def test_each_reply_is_stored_as_its_own_message(sandbox):
    first = aio.run(sandbox.reply("sandbox-1", "17", "Thanks for asking!"))
    second = aio.run(sandbox.reply("sandbox-1", "17", "Thanks for asking!"))
    assert first != second  # the same words twice are two replies, not one reconciled post
    stored = SandboxMessage.objects.filter(channel_id=sandbox.channel_id).order_by("id")
    assert [m.text for m in stored] == ["Thanks for asking!"] * 2
    assert all(m.key.startswith("reply-") for m in stored)
    assert first.external_id == str(stored[0].pk) and first.url == f"sandbox:{stored[0].pk}"


def test_moderation_succeeds_without_effect(sandbox):
    until = datetime(2030, 1, 1, tzinfo=UTC)
    calls = [
        sandbox.delete_comment("sandbox-1", "42"),
        sandbox.hide_comment("sandbox-1", "42"),
        sandbox.unhide_comment("sandbox-1", "42"),
        sandbox.ban("sandbox-1", "7", until=until, revoke_messages=True),
        sandbox.ban("sandbox-1", "7"),
        sandbox.unban("sandbox-1", "7"),
        sandbox.mute("sandbox-1", "7", until),
        sandbox.unmute("sandbox-1", "7"),
    ]
    for call in calls:
        assert aio.run(call) is None


@pytest.mark.django_db(transaction=True)
def test_a_private_message_succeeds_and_is_not_posted_in_the_channel(sandbox):
    first = aio.run(sandbox.send_private("7", "Please be kind."))
    second = aio.run(sandbox.send_private("7", "Please be kind."))
    assert first.external_id.startswith("private-7-") and first != second
    assert not SandboxMessage.objects.filter(channel_id=sandbox.channel_id).exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda sandbox: sandbox.set_webhook("https://tandem.test/hook", "secret"),
        lambda sandbox: sandbox.delete_webhook(),
        lambda sandbox: sandbox.get_updates(None),
    ],
)
def test_webhooks_and_updates_are_not_offered(sandbox, call):
    with pytest.raises(NotImplementedError):
        aio.run(call(sandbox))
