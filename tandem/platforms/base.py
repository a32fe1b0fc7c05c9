"""The one protocol every platform connector speaks, its typed values and its errors.

Connectors are async (the platform SDKs are); sync code calls them through ``tandem.core.aio.run``. A
connector never touches Tandem's models except the sandbox, whose "network" is Tandem's database.
"""

from dataclasses import dataclass, field
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

    async def close(self) -> None: ...
