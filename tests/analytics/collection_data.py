# ruff: noqa: F811 - fixtures imported from the community tests are used by the fixtures here
"""What the collection tests share: the fake Bot API with a bot administering a channel and its discussion
group, deliveries, stored payloads, and receiving an update as the webhook and the worker do."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from tandem.community.ingest import process_update, receive_update
from tandem.community.models import PlatformUpdate
from tandem.content.models import Delivery, DeliveryState, Post
from tests.community.conftest import fresh_pacing, fresh_queue_store, telegram, telegram_channel  # noqa: F401

PAYLOADS = Path(__file__).parents[1] / "fakes" / "payloads" / "telegram"
# The chat ids of the stored payloads (tests/fakes/payloads/telegram).
PAYLOAD_CHANNEL = -1001234567890


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


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
