"""The one protocol every platform connector speaks, its typed values and its errors.

Connectors are async (the platform SDKs are); sync code calls them through ``tandem.core.aio.run``. A
connector never touches Tandem's models except the sandbox, whose "network" is Tandem's database.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from django.utils.translation import gettext_lazy as _


class Feature(StrEnum):
    """What a platform lets Tandem do; the UI offers only what the channel's platform has."""

    PUBLISH = "publish"
    EDIT = "edit"
    DELETE = "delete"
    MEDIA = "media"
    MEDIA_GROUP = "media_group"
    POLLS = "polls"
    READ_COMMENTS = "read_comments"
    REPLY = "reply"
    DELETE_COMMENT = "delete_comment"
    HIDE_COMMENT = "hide_comment"
    BAN = "ban"
    MUTE = "mute"
    PRIVATE_MESSAGE = "private_message"
    METRICS = "metrics"
    WEBHOOK = "webhook"
    RECONCILE = "reconcile"


FEATURE_LABELS = {
    Feature.PUBLISH: _("publish posts"),
    Feature.EDIT: _("edit published posts"),
    Feature.DELETE: _("delete published posts"),
    Feature.MEDIA: _("attach images"),
    Feature.MEDIA_GROUP: _("publish several images in one post"),
    Feature.POLLS: _("publish polls"),
    Feature.READ_COMMENTS: _("read comments"),
    Feature.REPLY: _("reply to comments"),
    Feature.DELETE_COMMENT: _("delete comments"),
    Feature.HIDE_COMMENT: _("hide comments"),
    Feature.BAN: _("ban people"),
    Feature.MUTE: _("mute people"),
    Feature.PRIVATE_MESSAGE: _("message people privately"),
    Feature.METRICS: _("collect metrics"),
    Feature.WEBHOOK: _("receive events instantly"),
    Feature.RECONCILE: _("check whether an interrupted post went out"),
}


def utf16_length(text: str) -> int:
    """Telegram counts text in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Limits:
    """A platform's limits on one post, checked while composing and again before sending."""

    text_max: int
    caption_max: int
    media_max: int
    media_max_bytes: int
    media_types: frozenset[str]
    # Whether the text is counted in characters (UTF-16 code units on Telegram) or graphemes.
    count_unit: str = "characters"


@dataclass(frozen=True)
class MediaFile:
    path: Path
    mime: str
    name: str


@dataclass(frozen=True)
class OutgoingPost:
    text: str
    media: tuple[MediaFile, ...] = ()
    # Stable across retries of one delivery; platforms with idempotency keys use it, the sandbox looks it up.
    key: str = ""


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str = ""
    # Platform details worth keeping, e.g. every message id of a Telegram media group.
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelInfo:
    """What verification learned about the account or chat."""

    external_id: str
    title: str
    username: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Sender:
    """Who wrote an incoming message."""

    # The user's id, or the sender_chat's id when an anonymous admin or a channel speaks.
    external_id: str
    display_name: str
    username: str = ""
    is_bot: bool = False


@dataclass(frozen=True)
class IncomingMessage:
    """A message someone wrote in a chat Tandem listens to (a comment, a reply, a group message)."""

    chat_id: str  # the chat it was said in (a channel's discussion supergroup, or a group)
    message_id: str
    sender: Sender | None
    text: str  # the text or the caption ("" for media without a caption)
    sent_at: datetime  # aware, UTC
    # Telegram's message_thread_id: the id of the post's auto-forwarded copy in the discussion group.
    thread_id: str = ""
    reply_to_message_id: str = ""
    # Known from the update itself when the message answers a post's auto-forwarded copy: the channel and
    # the post's id there. Otherwise the caller finds the post through thread_id and its stored PostCopy.
    post_chat_id: str = ""
    post_message_id: str = ""
    edited: bool = False
    has_media: bool = False
    # What the media is (Telegram's field name: "photo", "video", "poll" …), and the album it belongs to.
    media_kind: str = ""
    media_group_id: str = ""


@dataclass(frozen=True)
class PostCopy:
    """The automatic copy of a channel post in the channel's discussion group: comments thread under it."""

    chat_id: str
    message_id: str
    post_chat_id: str
    post_message_id: str


@dataclass(frozen=True)
class ReactionCount:
    """The reactions a message has now, by type: Telegram's message_reaction_count (anonymous reactions, as
    in channels). Keys: the emoji itself, "custom:<custom_emoji_id>", "paid"."""

    chat_id: str
    message_id: str
    counted_at: datetime  # aware, UTC
    reactions: dict[str, int]


@dataclass(frozen=True)
class ReactionChange:
    """One person changed their reactions to a message (Telegram's message_reaction, in groups, where
    reactions are not anonymous): the reaction keys (as in ReactionCount) taken back and given."""

    chat_id: str
    message_id: str
    changed_at: datetime  # aware, UTC
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class MemberChange:
    """Someone's membership of a chat changed (Telegram's chat_member): joins and leaves of the audience."""

    chat_id: str
    user_id: str
    was_member: bool
    is_member: bool
    changed_at: datetime  # aware, UTC

    @property
    def joined(self) -> bool:
        return self.is_member and not self.was_member

    @property
    def left(self) -> bool:
        return self.was_member and not self.is_member


@dataclass(frozen=True)
class PostFigures:
    """A published post's figures as the platform counts them now; None = the platform does not give it
    (never 0 for "unknown", METRICS.md)."""

    views: int | None = None
    reach: int | None = None
    reactions: dict[str, int] = field(default_factory=dict)
    shares: int | None = None
    poll_votes: int | None = None


@dataclass(frozen=True)
class ParsedUpdate:
    """One platform event, read. ``kind`` is one of the UPDATE_* names; "ignored" updates are valid too
    (service messages, anything Tandem does not use)."""

    update_id: int
    kind: str
    message: IncomingMessage | None = None
    post_copy: PostCopy | None = None
    reaction_count: ReactionCount | None = None
    reaction_change: ReactionChange | None = None
    member_change: MemberChange | None = None


UPDATE_MESSAGE = "message"
UPDATE_EDITED_MESSAGE = "edited_message"
UPDATE_POST_COPY = "post_copy"
UPDATE_CHANNEL_POST = "channel_post"
UPDATE_REACTION_COUNT = "reaction_count"
UPDATE_REACTION = "reaction"
UPDATE_MEMBER = "chat_member"
UPDATE_IGNORED = "ignored"


class ErrorKind(StrEnum):
    TRANSIENT = "transient"  # try again later (5xx, connection refused before sending)
    RATE_LIMITED = "rate_limited"  # try again after retry_after
    PERMANENT = "permanent"  # no retry will help (revoked token, chat gone, content refused)
    AMBIGUOUS = "ambiguous"  # the request may have reached the platform: never re-send blindly


class ConnectorError(Exception):
    """A platform refused or failed; ``message`` is a sentence for the user, ``detail`` the platform's own."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        detail: str = "",
        retry_after: float | None = None,
        channel_broken: bool = False,
    ):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail
        self.retry_after = retry_after
        # True when the channel itself needs the user's attention (token revoked, bot removed, chat gone).
        self.channel_broken = channel_broken

    def __str__(self):
        return f"{self.message} ({self.detail})" if self.detail else self.message


class Connector(Protocol):
    platform: str
    features: frozenset[Feature]
    limits: Limits
    # True: the connector spaces its calls against the limits of pace_keys within this process. The
    # publishing engine reserves those slots for every process in the database and turns this off.
    self_paced: bool

    def pace_keys(self) -> list[tuple[str, float]]:
        """The rate limits shared by several channels that one post counts against: (key, minimum seconds
        between two posts), e.g. a bot's overall limit."""
        ...

    async def verify(self) -> ChannelInfo: ...

    async def publish(self, post: OutgoingPost) -> Published: ...

    async def edit(self, published: Published, post: OutgoingPost) -> Published: ...

    async def delete(self, published: Published) -> None: ...

    async def find_published(self, key: str) -> Published | None:
        """Reconcile an ambiguous send: the post published under ``key``, or None if it never arrived.
        Only connectors with Feature.RECONCILE implement it."""
        ...

    # --- community: only what ``features`` lists; each raises ConnectorError like the calls above ---------

    async def reply(self, chat_id: str, to_message_id: str, text: str) -> Published:
        """Answer a message in its thread (Feature.REPLY); paced like every other send."""
        ...

    async def delete_comment(self, chat_id: str, message_id: str) -> None:
        """Delete someone's message (Feature.DELETE_COMMENT). PERMANENT when the platform no longer allows it
        (too old, already gone) or the account lacks the right, with a sentence saying which."""
        ...

    async def ban(
        self, chat_id: str, user_id: str, until: datetime | None = None, revoke_messages: bool = False
    ) -> None:
        """Ban a person from the chat until ``until`` (None: for good), optionally deleting everything they
        wrote there (Feature.BAN)."""
        ...

    async def unban(self, chat_id: str, user_id: str) -> None:
        """Lift a ban; a person who is not banned stays as they are."""
        ...

    async def mute(self, chat_id: str, user_id: str, until: datetime) -> None:
        """Take away a person's right to write in the chat until ``until`` (Feature.MUTE)."""
        ...

    async def unmute(self, chat_id: str, user_id: str) -> None:
        """Give a muted person back the chat's default rights."""
        ...

    async def send_private(self, user_id: str, text: str) -> Published:
        """Write to a person directly, outside the group (Feature.PRIVATE_MESSAGE). PERMANENT when the platform
        does not let the account start the conversation (on Telegram: the person never started the bot)."""
        ...

    # Hiding (Feature.HIDE_COMMENT): only platforms that can hide implement
    # ``hide_comment(chat_id, message_id)`` and ``unhide_comment(chat_id, message_id)``; the moderation
    # pipeline checks the feature before calling them.

    async def set_webhook(self, url: str, secret: str) -> None:
        """Have the platform POST events to ``url``, signed with ``secret`` (Feature.WEBHOOK)."""
        ...

    async def delete_webhook(self) -> None:
        """Stop webhook deliveries (events queue up for get_updates instead)."""
        ...

    # --- analytics (Feature.METRICS) ----------------------------------------------------------------------

    async def follower_count(self) -> int | None:
        """How many people follow the channel now (subscribers, members); None when the platform will not
        say. Raises ConnectorError like the calls above (RATE_LIMITED carries retry_after)."""
        ...

    # Per-post figures: only platforms that report them implement
    # ``post_metrics(external_ids: list[str]) -> dict[str, PostFigures]`` (posts the platform no longer has
    # are left out). The Telegram Bot API reports none: reactions arrive as updates, views not at all.

    async def get_updates(self, offset: int | None, timeout: int = 0) -> list[dict]:
        """Events after ``offset`` as the platform's raw JSON objects, for storing as they came; asking with
        offset = last update_id + 1 confirms everything before. ``timeout`` > 0 long-polls. Feature.WEBHOOK
        platforms only; refused (PERMANENT) while a webhook is set."""
        ...

    async def close(self) -> None: ...
