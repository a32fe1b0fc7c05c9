"""The sandbox: a real connector whose network is Tandem's own database, for rehearsing the whole flow.

It has every feature but webhooks, including reconciliation: a post is stored under the delivery's key, so
an interrupted send can be looked up and is never stored twice. Replies are stored like posts; moderation
(delete, hide, ban, mute) succeeds without effect, since the comments themselves live in Tandem's community
app. It is the one connector that can hide a comment (Feature.HIDE_COMMENT), so the pipeline's hide path can
be rehearsed. Its metrics are simulated (simulation.py), so a demo workspace has figures that grow.
"""

import uuid
from datetime import datetime

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.platforms.base import (
    ChannelInfo,
    ConnectorError,
    ErrorKind,
    Feature,
    Limits,
    OutgoingPost,
    PostFigures,
    Published,
)

from . import simulation
from .models import SandboxMessage


def _published(message: SandboxMessage) -> Published:
    return Published(external_id=str(message.pk), url=f"sandbox:{message.pk}")


class SandboxConnector:
    platform = "sandbox"
    # No WEBHOOK: nothing outside Tandem sends the sandbox's events.
    features = frozenset({
        Feature.PUBLISH, Feature.EDIT, Feature.DELETE, Feature.MEDIA, Feature.MEDIA_GROUP, Feature.RECONCILE,
        Feature.READ_COMMENTS, Feature.REPLY, Feature.DELETE_COMMENT, Feature.HIDE_COMMENT, Feature.BAN,
        Feature.MUTE, Feature.PRIVATE_MESSAGE, Feature.METRICS,
    })  # fmt: skip
    limits = Limits(
        text_max=4096,
        caption_max=1024,
        media_max=10,
        media_max_bytes=10 * 1024 * 1024,
        media_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    )

    def __init__(self, channel_id: int):
        self.channel_id = channel_id
        self.self_paced = True

    def pace_keys(self) -> list[tuple[str, float]]:
        return []

    async def verify(self) -> ChannelInfo:
        return ChannelInfo(external_id=f"sandbox-{self.channel_id}", title="Sandbox")

    async def publish(self, post: OutgoingPost) -> Published:
        return await sync_to_async(self._publish, thread_sensitive=False)(post)

    def _publish(self, post: OutgoingPost) -> Published:
        try:
            with transaction.atomic():
                message = SandboxMessage.objects.create(
                    channel_id=self.channel_id,
                    key=post.key,
                    text=post.text,
                    media=[m.name for m in post.media],
                )
        except IntegrityError:
            # The same key again: the platform's idempotency answers with the original post.
            message = SandboxMessage.objects.get(channel_id=self.channel_id, key=post.key)
        return _published(message)

    async def edit(self, published: Published, post: OutgoingPost) -> Published:
        return await sync_to_async(self._edit, thread_sensitive=False)(published, post)

    def _edit(self, published: Published, post: OutgoingPost) -> Published:
        updated = SandboxMessage.objects.filter(
            channel_id=self.channel_id, pk=published.external_id, deleted_at=None
        ).update(text=post.text, media=[m.name for m in post.media], edited_at=timezone.now())
        if not updated:
            raise ConnectorError(ErrorKind.PERMANENT, "This post no longer exists in the sandbox.")
        return published

    async def delete(self, published: Published) -> None:
        await sync_to_async(self._delete, thread_sensitive=False)(published)

    def _delete(self, published: Published) -> None:
        SandboxMessage.objects.filter(
            channel_id=self.channel_id, pk=published.external_id, deleted_at=None
        ).update(deleted_at=timezone.now())

    async def find_published(self, key: str) -> Published | None:
        return await sync_to_async(self._find, thread_sensitive=False)(key)

    def _find(self, key: str) -> Published | None:
        message = SandboxMessage.objects.filter(channel_id=self.channel_id, key=key).first()
        return _published(message) if message else None

    # --- community ----------------------------------------------------------------------------------------

    async def reply(self, chat_id: str, to_message_id: str, text: str) -> Published:
        """A reply is stored like a post; each gets its own key, since replies are not reconciled."""
        return await self.publish(OutgoingPost(text=text, key=f"reply-{uuid.uuid4().hex}"))

    async def send_private(self, user_id: str, text: str) -> Published:
        """A private message reaches the simulated person at once; it is not stored, since the sandbox's
        feed shows the channel, not people's private chats."""
        return Published(external_id=f"private-{user_id}-{uuid.uuid4().hex[:12]}")

    async def delete_comment(self, chat_id: str, message_id: str) -> None:
        return None

    async def hide_comment(self, chat_id: str, message_id: str) -> None:
        return None

    async def unhide_comment(self, chat_id: str, message_id: str) -> None:
        return None

    async def ban(
        self, chat_id: str, user_id: str, until: datetime | None = None, revoke_messages: bool = False
    ) -> None:
        return None

    async def unban(self, chat_id: str, user_id: str) -> None:
        return None

    async def mute(self, chat_id: str, user_id: str, until: datetime) -> None:
        return None

    async def unmute(self, chat_id: str, user_id: str) -> None:
        return None

    # --- analytics -----------------------------------------------------------------------------------------

    def _connected_at(self) -> datetime:
        from tandem.channels.models import Channel

        return Channel.objects.values_list("created_at", flat=True).get(pk=self.channel_id)

    async def follower_count(self) -> int:
        return await sync_to_async(self._follower_count, thread_sensitive=False)()

    def _follower_count(self) -> int:
        return simulation.followers_at(self.channel_id, self._connected_at(), timezone.now())

    async def post_metrics(self, external_ids: list[str]) -> dict[str, PostFigures]:
        return await sync_to_async(self._post_metrics, thread_sensitive=False)(external_ids)

    def _post_metrics(self, external_ids: list[str]) -> dict[str, PostFigures]:
        """Simulated figures of the posts still in the sandbox, as of now."""
        since, now = self._connected_at(), timezone.now()
        ids = [int(value) for value in external_ids if str(value).isdigit()]
        messages = SandboxMessage.objects.filter(channel_id=self.channel_id, pk__in=ids, deleted_at=None)
        figures = {}
        for message in messages:
            followers = simulation.followers_at(self.channel_id, since, message.published_at)
            figures[str(message.pk)] = simulation.post_figures(
                message.pk, followers, message.published_at, now
            )
        return figures

    async def set_webhook(self, url: str, secret: str) -> None:
        raise NotImplementedError("The sandbox has no webhooks (no Feature.WEBHOOK).")

    async def delete_webhook(self) -> None:
        raise NotImplementedError("The sandbox has no webhooks (no Feature.WEBHOOK).")

    async def get_updates(self, offset: int | None, timeout: int = 0) -> list[dict]:
        raise NotImplementedError("The sandbox has no updates to fetch (no Feature.WEBHOOK).")

    async def close(self) -> None:
        return None
