"""Telegram through the Bot API, on python-telegram-bot 22 (httpx).

Posts go to a channel or group as the bot. Text is sent as plain text (no parse_mode), so nothing in a post
is read as markup. The connector never retries: the engine decides, from the ConnectorError's kind, whether
and when to try again (see errors.py for the rule that tells a failed send from an ambiguous one). PTB does
not retry by itself, and httpx's transport makes no retries by default.

Pacing: before every call that sends or edits a message, ``pacing.wait`` reserves a slot of the chat's key
(1 s apart, 3 s in groups: 20 per minute) and then of the bot's (1/30 s apart), process-wide, so concurrent
deliveries through one bot stay under Telegram's limits instead of collecting 429s. A 429 pushes both keys
back by its retry_after, since the answer does not say which limit was hit.
"""

import asyncio
import functools
import ssl
import weakref

import certifi
import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from telegram import Bot, Chat, ChatMember, InputMediaPhoto, Message
from telegram import error as tg
from telegram.request import HTTPXRequest

from tandem.platforms import pacing
from tandem.platforms.base import (
    ChannelInfo,
    ConnectorError,
    ErrorKind,
    Feature,
    Limits,
    OutgoingPost,
    Published,
    utf16_length,
)
from tandem.platforms.telegram import bots, errors
from tandem.platforms.telegram.community import CommunityCalls

DEFAULT_API_URL = "https://api.telegram.org"
# What we learned about a chat (from verify or a sent message), by the reference the user gave:
# {"@acme_news": (-1001234567890, "channel")}. Shared by connectors so pacing uses one key per chat.
_known_chats: dict[str, tuple[int, str]] = {}


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def message_url(chat: Chat, message_id: int) -> str:
    """The t.me link of a message: by username for public chats, by id for private channels/supergroups."""
    if chat.username:
        return f"https://t.me/{chat.username}/{message_id}"
    text = str(chat.id)
    if text.startswith("-100"):
        return f"https://t.me/c/{text.removeprefix('-100')}/{message_id}"
    return ""  # basic groups and private chats have no message links


class TelegramConnector(CommunityCalls):
    platform = "telegram"
    # Telegram has no "hide" for a message, and the Bot API cannot look messages up (no RECONCILE). METRICS:
    # subscribers (getChatMemberCount) and reactions (updates), but no views and no post_metrics.
    features = frozenset({
        Feature.PUBLISH, Feature.EDIT, Feature.DELETE, Feature.MEDIA, Feature.MEDIA_GROUP,
        Feature.READ_COMMENTS, Feature.REPLY, Feature.DELETE_COMMENT, Feature.BAN, Feature.MUTE, Feature.WEBHOOK,
        Feature.PRIVATE_MESSAGE, Feature.METRICS,
    })  # fmt: skip
    # Telegram sends photos in these types; a GIF would go as an animation (not supported yet).
    limits = Limits(
        text_max=4096,
        caption_max=1024,
        media_max=10,
        media_max_bytes=10 * 1024 * 1024,
        media_types=frozenset({"image/jpeg", "image/png", "image/webp"}),
        count_unit="UTF-16 code units",
    )

    # HTTP client settings of the shared Bot (class attributes so tests can shorten them).
    CONNECTION_POOL_SIZE = 64
    CONNECT_TIMEOUT = 5.0
    READ_TIMEOUT = 20.0
    WRITE_TIMEOUT = 20.0
    POOL_TIMEOUT = 10.0
    # Seconds between sends: per bot overall, per channel or private chat, per group (20 a minute).
    # Telegram allows about 30 messages a second per bot; pacing at 25 leaves room for the jitter of several
    # workers whose sends drift from their reserved slots, so the limit is not hit in a burst.
    BOT_INTERVAL = 1 / 25
    CHAT_INTERVAL = 1.0
    GROUP_CHAT_INTERVAL = 3.0

    def __init__(self, token: str, chat_id: str, api_url: str | None = None, chat_type: str = ""):
        self.token = token.strip()
        # "channel", "group", "supergroup" as verification found it; groups allow fewer messages per minute.
        self.chat_type = chat_type
        # False when the caller already reserved send slots across processes (the publishing engine).
        self.self_paced = True
        self.bot_id = self.token.partition(":")[0]
        chat = str(chat_id).strip()
        if not chat.lstrip("-").isdigit():
            # A public chat's username, with or without the "@".
            chat = "@" + chat.removeprefix("https://t.me/").removeprefix("@").lower()
        self.chat_ref = chat
        if api_url is None:
            api_url = getattr(settings, "TANDEM_TELEGRAM_API_URL", None) if settings.configured else None
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self._shares: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, bots.SharedBot] = (
            weakref.WeakKeyDictionary()
        )

    # --- the shared Bot ---------------------------------------------------------------------------------

    def _bot_key(self) -> tuple:
        timeouts = (self.CONNECT_TIMEOUT, self.READ_TIMEOUT, self.WRITE_TIMEOUT, self.POOL_TIMEOUT)
        return (self.token, self.api_url, self.CONNECTION_POOL_SIZE, timeouts)

    def _make_bot(self) -> Bot:
        def request(pool_size: int) -> HTTPXRequest:
            return HTTPXRequest(
                connection_pool_size=pool_size,
                connect_timeout=self.CONNECT_TIMEOUT,
                read_timeout=self.READ_TIMEOUT,
                write_timeout=self.WRITE_TIMEOUT,
                media_write_timeout=self.WRITE_TIMEOUT,
                pool_timeout=self.POOL_TIMEOUT,
                # httpx keeps only 20 idle connections by default: keep the whole pool alive.
                httpx_kwargs={
                    "limits": httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
                    # Loading the CA bundle costs ~15 ms per client; every Bot shares one context.
                    "verify": _tls_context(),
                },
            )

        return Bot(
            self.token,
            base_url=f"{self.api_url}/bot",
            base_file_url=f"{self.api_url}/file/bot",
            request=request(self.CONNECTION_POOL_SIZE),
            get_updates_request=request(1),
        )

    async def _shared_bot(self) -> bots.SharedBot:
        loop = asyncio.get_running_loop()
        shared = self._shares.get(loop)
        if shared is None:
            shared = self._shares[loop] = bots.take_share(self._bot_key(), self._make_bot)
        try:
            await shared.ready()
        except tg.TelegramError as exc:
            raise errors.connector_error(exc, sends=False, token=self.token) from exc
        return shared

    async def close(self) -> None:
        """Give back this connector's share of the Bot on the current loop (the last share shuts it down)."""
        shared = self._shares.pop(asyncio.get_running_loop(), None)
        if shared is not None:
            await bots.give_back(self._bot_key(), shared)

    # --- one API call -----------------------------------------------------------------------------------

    @property
    def chat_id(self) -> int | str:
        """What PTB gets as chat_id: the numeric id once known, else the id or @username as configured."""
        known = _known_chats.get(self.chat_ref)
        if known:
            return known[0]
        return int(self.chat_ref) if self.chat_ref.lstrip("-").isdigit() else self.chat_ref

    def _learn(self, chat: Chat, *, own: bool = True) -> None:
        """Remember a chat's id and type; ``own``: it is the channel's chat (not e.g. its discussion group)."""
        if own:
            _known_chats[self.chat_ref] = (chat.id, chat.type)
        _known_chats[str(chat.id)] = (chat.id, chat.type)

    def _pace_keys(self, chat_ref: str | None = None) -> tuple[str, float]:
        """The pace key and interval of ``chat_ref`` (by default the channel's own chat). Another chat, such as
        the discussion group a reply goes to, counts as a group until Telegram said otherwise; a positive id
        is a person's private chat (groups and channels have negative ids)."""
        ref = self.chat_ref if chat_ref is None else chat_ref
        known = _known_chats.get(ref)
        chat_key = f"telegram-chat:{known[0] if known else ref}"
        other = Chat.PRIVATE if ref.isdigit() else Chat.SUPERGROUP
        chat_type = known[1] if known else (self.chat_type if chat_ref is None else other)
        is_group = chat_type in (Chat.GROUP, Chat.SUPERGROUP)
        return chat_key, self.GROUP_CHAT_INTERVAL if is_group else self.CHAT_INTERVAL

    def pace_keys(self) -> list[tuple[str, float]]:
        """The limits shared by many channels that a post counts against: (key, seconds between two sends).
        Only the bot's: a chat's own limit is kept here, per process (a chat rarely gets two posts at once)."""
        return [(f"telegram-bot:{self.bot_id}", self.BOT_INTERVAL)]

    async def _call(
        self,
        method: str,
        *,
        sends: bool,
        paced: bool,
        tolerate: tuple[str, ...] = (),
        pace_chat: str | None = None,
        refusals: dict[str, str] | None = None,
        **kwargs,
    ):
        """Call ``bot.<method>(**kwargs)``; Telegram refusals whose description contains one of ``tolerate``
        count as done (returns None), those containing a key of ``refusals`` raise PERMANENT with its
        sentence. ``paced`` calls wait for the next slot of the bot and of the chat (``pace_chat``, by
        default the channel's own)."""
        shared = await self._shared_bot()
        chat_key, chat_interval = self._pace_keys(pace_chat)
        bot_key = f"telegram-bot:{self.bot_id}"
        if paced:
            # The chat first: its slot is the rarer one, so the bot's slot is taken only when it can be used.
            await pacing.wait(chat_key, chat_interval)
        if self.self_paced:
            await pacing.wait(bot_key, self.BOT_INTERVAL)
        try:
            return await getattr(shared.bot, method)(**kwargs)
        except tg.TelegramError as exc:
            if isinstance(exc, tg.BadRequest) and any(text in str(exc).lower() for text in tolerate):
                return None
            error = errors.connector_error(exc, sends=sends, token=self.token, refusals=refusals)
            if error.kind == ErrorKind.RATE_LIMITED:
                pacing.push_back(chat_key, error.retry_after)
                pacing.push_back(bot_key, error.retry_after)
            raise error from exc

    # --- the Connector protocol -------------------------------------------------------------------------

    async def verify(self) -> ChannelInfo:
        """Check the token (getMe), the chat (getChat) and the bot's right to post there (getChatMember)."""
        bot = (await self._shared_bot()).bot
        chat = await self._call("get_chat", sends=False, paced=False, chat_id=self.chat_id)
        member = await self._call(
            "get_chat_member", sends=False, paced=False, chat_id=chat.id, user_id=bot.bot.id
        )
        self._check_rights(chat, member)
        self._learn(chat)
        is_owner = member.status == ChatMember.OWNER

        def has_right(name: str) -> bool:
            return is_owner or bool(getattr(member, name, False))

        extra = {
            "type": chat.type,
            "bot_username": bot.bot.username,
            "bot_id": bot.bot.id,
            "can_delete_messages": has_right("can_delete_messages"),
            "can_edit_messages": has_right("can_edit_messages"),
            # A channel's comments live in its linked discussion group.
            "linked_chat_id": chat.linked_chat_id if chat.type == Chat.CHANNEL else None,
        }
        if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
            extra["can_restrict_members"] = has_right("can_restrict_members")
        if extra["linked_chat_id"]:
            extra["discussion"] = await self._discussion_rights(extra["linked_chat_id"], bot.bot.id)
        return ChannelInfo(
            external_id=str(chat.id),
            title=chat.title or chat.full_name or "",
            username=chat.username or "",
            extra=extra,
        )

    async def _discussion_rights(self, group_id: int, bot_user_id: int) -> dict:
        """What the bot may do in the channel's discussion group, where comments are moderated. A problem
        there does not stop publishing, so it is reported, not raised."""
        try:
            member = await self._call(
                "get_chat_member", sends=False, paced=False, chat_id=group_id, user_id=bot_user_id
            )
        except ConnectorError:
            return {"member": False, "can_delete_messages": False, "can_restrict_members": False}
        is_owner = member.status == ChatMember.OWNER
        return {
            "member": member.status not in (ChatMember.LEFT, ChatMember.BANNED),
            "can_delete_messages": is_owner or bool(getattr(member, "can_delete_messages", False)),
            "can_restrict_members": is_owner or bool(getattr(member, "can_restrict_members", False)),
        }

    def _check_rights(self, chat, member: ChatMember) -> None:
        def refuse(message: str) -> ConnectorError:
            return ConnectorError(
                ErrorKind.PERMANENT, message, detail=f"status={member.status}", channel_broken=True
            )

        status = member.status
        if status == ChatMember.OWNER:
            return
        if chat.type == Chat.CHANNEL:
            if status == ChatMember.ADMINISTRATOR and member.can_post_messages:
                return
            if status == ChatMember.ADMINISTRATOR:
                raise refuse(
                    _("The bot may not post messages in this channel.") + " " + errors.needs_post_right()
                )
            raise refuse(
                _("The bot is not an administrator of the channel.") + " " + errors.needs_post_right()
            )
        if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
            members_may_send = chat.permissions is None or chat.permissions.can_send_messages is not False
            if status == ChatMember.ADMINISTRATOR or (status == ChatMember.MEMBER and members_may_send):
                return
            if status == ChatMember.RESTRICTED and member.is_member and member.can_send_messages:
                return
            if status in (ChatMember.LEFT, ChatMember.BANNED):
                raise refuse(_("The bot is not a member of this group. Add the bot to the group."))
            raise refuse(
                _(
                    "The bot may not send messages in this group. Let it send messages or make it an administrator."
                )
            )

    async def publish(self, post: OutgoingPost) -> Published:
        """Text → sendMessage; one image → sendPhoto with the text as caption; 2–10 → sendMediaGroup with the
        caption on the first item."""
        if not post.media:
            message = await self._call(
                "send_message", sends=True, paced=True, chat_id=self.chat_id, text=post.text
            )
            return self._published([message], "text")
        self._check_media(post)
        contents = [await self._read(media) for media in post.media]
        caption = post.text or None
        if len(post.media) == 1:
            message = await self._call(
                "send_photo", sends=True, paced=True, chat_id=self.chat_id,
                photo=contents[0], filename=post.media[0].name, caption=caption,
            )  # fmt: skip
            return self._published([message], "photo")
        album = [
            InputMediaPhoto(media=content, filename=media.name, caption=caption if index == 0 else None)
            for index, (media, content) in enumerate(zip(post.media, contents, strict=True))
        ]
        messages = await self._call(
            "send_media_group", sends=True, paced=True, chat_id=self.chat_id, media=album
        )
        return self._published(list(messages), "album")

    def _published(self, messages: list[Message], kind: str, *, own_chat: bool = True) -> Published:
        first = messages[0]
        self._learn(first.chat, own=own_chat)
        return Published(
            external_id=str(first.message_id),
            url=message_url(first.chat, first.message_id),
            extra={"kind": kind, "chat_id": first.chat.id, "message_ids": [m.message_id for m in messages]},
        )

    def _check_media(self, post: OutgoingPost) -> None:
        """Refuse what Telegram would refuse anyway, before anything is uploaded."""

        def refuse(message: str) -> ConnectorError:
            return ConnectorError(ErrorKind.PERMANENT, message)

        if len(post.media) > self.limits.media_max:
            raise refuse(_("Telegram takes at most 10 images in one post."))
        if utf16_length(post.text) > self.limits.caption_max:
            raise refuse(errors.caption_too_long(self.limits.caption_max))
        for media in post.media:
            if media.mime not in self.limits.media_types:
                raise refuse(
                    _("Telegram does not take %(type)s images as photos; use JPEG, PNG or WebP.")
                    % {"type": media.mime}
                )

    async def _read(self, media) -> bytes:
        try:
            content = await asyncio.to_thread(media.path.read_bytes)
        except OSError as exc:
            raise ConnectorError(
                ErrorKind.PERMANENT, _("An image of this post is missing: %(name)s.") % {"name": media.name},
                detail=str(exc),
            ) from exc  # fmt: skip
        if len(content) > self.limits.media_max_bytes:
            raise ConnectorError(ErrorKind.PERMANENT, _("An image is larger than the 10 MB Telegram allows."))
        return content

    async def edit(self, published: Published, post: OutgoingPost) -> Published:
        """editMessageText for a text post, editMessageCaption (on the first message) for one with images.
        Telegram's "message is not modified" means the post already reads so: success."""
        kind = published.extra.get("kind", "text")
        chat_id = published.extra.get("chat_id") or self.chat_id
        message_id = int(published.external_id)
        not_modified = ("message is not modified",)
        if kind == "text":
            if post.media:
                raise ConnectorError(
                    ErrorKind.PERMANENT,
                    _("Telegram cannot add images to a message sent as text. Delete it and publish again."),
                )
            await self._call(
                "edit_message_text", sends=False, paced=True, tolerate=not_modified,
                chat_id=chat_id, message_id=message_id, text=post.text,
            )  # fmt: skip
        else:
            if utf16_length(post.text) > self.limits.caption_max:
                raise ConnectorError(ErrorKind.PERMANENT, errors.caption_too_long(self.limits.caption_max))
            await self._call(
                "edit_message_caption", sends=False, paced=True, tolerate=not_modified,
                chat_id=chat_id, message_id=message_id, caption=post.text or None,
            )  # fmt: skip
        return published

    async def delete(self, published: Published) -> None:
        """deleteMessage for every message of the post; one already gone counts as deleted."""
        chat_id = published.extra.get("chat_id") or self.chat_id
        for message_id in published.extra.get("message_ids") or [published.external_id]:
            await self._call(
                "delete_message", sends=False, paced=False, tolerate=("message to delete not found",),
                chat_id=chat_id, message_id=int(message_id),
            )  # fmt: skip

    async def follower_count(self) -> int:
        """getChatMemberCount: a channel's subscribers or a group's members (bots and admins included)."""
        return await self._call("get_chat_member_count", sends=False, paced=False, chat_id=self.chat_id)

    async def find_published(self, key: str) -> Published | None:
        raise NotImplementedError(
            "The Bot API cannot look up a channel's messages, so Telegram cannot reconcile."
        )


def forget_known_chats() -> None:
    """Forget every chat id and type learned so far (tests)."""
    _known_chats.clear()
