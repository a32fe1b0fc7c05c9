"""The Bot API's behaviour over in-memory state: bots, chats, the bot's rights in each chat, and messages.

``TelegramState`` holds everything under one lock; ``TelegramState.call(bot, method, params, uploads)`` runs
one API method and returns its ``result`` or raises ``ApiError`` with Telegram's own code and description.
The HTTP side (URLs, bodies, injected faults, flood control) is in ``tests.fakes.telegram``, whose docstring
says where the facts come from and where this fake is simpler than the real API.
"""

import itertools
import secrets
import threading
import time
from typing import Any

from tests.fakes.telegram_community import CommunityState
from tests.fakes.telegram_objects import (
    ALBUM_MAX,
    CAPTION_MAX,
    CHANNEL_ADMIN_RIGHTS,
    DELETE_WINDOW_SECONDS,
    GROUP_ADMIN_RIGHTS,
    NOT_MODIFIED,
    TEXT_MAX,
    ApiError,
    FakeBot,
    FakeChat,
    FakeMessage,
    FakeUser,
    Membership,
    PhotoStore,
    Upload,
    bad_request,
    default_permissions,
    int_param,
    json_value,
    member_json,
    utf16_len,
    visible_text,
)


class TelegramState(CommunityState):
    """Every bot, chat, person and message of one fake server; thread-safe under ``lock``."""

    # Methods that take the lock themselves, because they wait (a long poll must not block everyone).
    UNLOCKED_METHODS = frozenset({"getupdates"})

    def __init__(self, clock=time.time):
        self.clock = clock
        self.lock = threading.RLock()
        self.bots: dict[str, FakeBot] = {}
        self.chats: dict[int, FakeChat] = {}
        self.photos = PhotoStore()
        self.users: dict[int, FakeUser] = {}
        self.queues = {}
        self._ids = itertools.count(1)

    # --- set-up, used by tests through the server -------------------------------------------------------

    def add_bot(self, username: str = "", first_name: str = "Tandem Test Bot") -> FakeBot:
        with self.lock:
            number = next(self._ids)
            bot_id = 7_000_000_000 + number
            token = f"{bot_id}:AA{secrets.token_urlsafe(24)}"
            bot = FakeBot(bot_id, token, username or f"tandem_test_{number}_bot", first_name)
            self.bots[token] = bot
            return bot

    def add_chat(
        self, type: str = "channel", title: str = "Test channel", username: str | None = None
    ) -> FakeChat:
        if type not in ("channel", "supergroup", "group", "private"):
            raise ValueError(type)
        with self.lock:
            number = next(self._ids)
            chat_id = {
                "channel": -1_001_000_000_000 - number,
                "supergroup": -1_001_000_000_000 - number,
                "group": -4_000_000_000 - number,
                "private": 5_000_000_000 + number,
            }[type]
            chat = FakeChat(chat_id, type, title, username)
            self.chats[chat_id] = chat
            return chat

    def set_member(self, bot: FakeBot, chat: FakeChat, status: str = "administrator", **rights: bool) -> None:
        """Give ``bot`` a place in ``chat``; an administrator gets the usual rights for the chat's type."""
        if status == "administrator":
            rights = {**(CHANNEL_ADMIN_RIGHTS if chat.type == "channel" else GROUP_ADMIN_RIGHTS), **rights}
        with self.lock:
            chat.members[bot.id] = Membership(status, rights)

    def migrate_group(self, chat: FakeChat) -> FakeChat:
        """Upgrade a group to a supergroup: the old id answers 400 with ``migrate_to_chat_id``."""
        with self.lock:
            new = self.add_chat("supergroup", chat.title, chat.username)
            new.members = dict(chat.members)
            chat.migrated_to = new.id
            return new

    def find_chat(self, ref) -> FakeChat | None:
        """A chat by FakeChat, id (int or text) or "@username"."""
        if isinstance(ref, FakeChat):
            return ref if self.chats.get(ref.id) is ref else None
        with self.lock:
            text = str(ref).strip()
            if text.startswith("@"):
                name = text[1:].lower()
                return next((c for c in self.chats.values() if (c.username or "").lower() == name), None)
            try:
                return self.chats.get(int(text))
            except ValueError:
                return None

    # --- the API ----------------------------------------------------------------------------------------

    def call(self, bot: FakeBot, method: str, params: dict, uploads: dict[str, Upload]) -> Any:
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        if method.lower() in self.UNLOCKED_METHODS:
            return handler(bot, params, uploads)
        with self.lock:
            return handler(bot, params, uploads)

    def chat_param(self, params: dict) -> FakeChat:
        raw = params.get("chat_id")
        if raw in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self.find_chat(raw)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def api_getme(self, bot, params, uploads):
        return {**bot.user_json(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    def api_getchat(self, bot, params, uploads):
        chat = self.chat_param(params)
        membership = chat.members.get(bot.id)
        if not chat.username and (membership is None or membership.status in ("left", "kicked")):
            # A private chat is invisible to a bot that is not in it.
            raise bad_request("chat not found")
        gifts = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        data = {**chat.short_json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": dict.fromkeys(gifts, False)}  # fmt: skip
        if chat.type in ("group", "supergroup"):
            data["permissions"] = default_permissions(chat)
        if chat.linked_chat_id:
            data["linked_chat_id"] = chat.linked_chat_id
        return data

    def api_getchatmember(self, bot, params, uploads):
        chat = self.chat_param(params)
        user_id = int_param(params, "user_id", 'parameter "user_id" is required')
        if user_id == bot.id:
            return member_json(bot.user_json(), chat.members.get(bot.id), chat)
        if user_id not in self.users:
            raise bad_request("user not found")
        return member_json(self.users[user_id].user_json(), self.membership(chat, user_id), chat)

    def api_getchatadministrators(self, bot, params, uploads):
        chat = self.chat_param(params)
        membership = chat.members.get(bot.id)
        if membership and membership.status in ("creator", "administrator"):
            return [member_json(bot.user_json(), membership, chat)]
        return []

    def api_getchatmembercount(self, bot, params, uploads):
        return self.chat_param(params).member_count

    def api_sendmessage(self, bot, params, uploads):
        chat = self.chat_param(params)
        self.check_can_send(bot, chat)
        text = visible_text(str(params.get("text") or ""), params.get("parse_mode"))
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > TEXT_MAX:
            raise bad_request("message is too long")
        reply_to = self.reply_target(chat, params)
        message = self.post(
            bot, chat, text=text, reply_to_message_id=reply_to, thread_id=self.thread_of(chat, reply_to)
        )
        return self.message_json(chat, message)

    def api_sendphoto(self, bot, params, uploads):
        chat = self.chat_param(params)
        self.check_can_send(bot, chat, what="photos")
        caption = self.caption(params.get("caption"), params.get("parse_mode"))
        photo = self.photo_sizes(params.get("photo"), uploads, field_name="photo")
        reply_to = self.reply_target(chat, params)
        message = self.post(bot, chat, caption=caption, photo=photo, reply_to_message_id=reply_to)
        return self.message_json(chat, message)

    def api_sendmediagroup(self, bot, params, uploads):
        chat = self.chat_param(params)
        self.check_can_send(bot, chat, what="photos")
        if params.get("media") in (None, ""):
            raise bad_request('parameter "media" is required')
        media = json_value(params["media"])
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not media:
            raise bad_request("there are no messages to send")
        if len(media) > ALBUM_MAX:
            raise bad_request("too many messages to send as an album")
        items = []  # everything is checked before anything is posted: a refused album posts nothing
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind != "photo":
                raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
            caption = self.caption(item.get("caption"), item.get("parse_mode"))
            items.append((caption, self.photo_sizes(item.get("media"), uploads, field_name=None)))
        # The official server sends a single item as one message outside any album.
        group_id = str(10**17 + next(self._ids)) if len(items) > 1 else None
        reply_to = self.reply_target(chat, params)
        messages = [
            self.post(
                bot, chat, caption=caption, photo=photo, media_group_id=group_id, reply_to_message_id=reply_to
            )
            for caption, photo in items
        ]
        return [self.message_json(chat, message) for message in messages]

    def api_editmessagetext(self, bot, params, uploads):
        chat, message = self.message_to_edit(bot, params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text = visible_text(str(params.get("text") or ""), params.get("parse_mode"))
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > TEXT_MAX:
            raise bad_request("MESSAGE_TOO_LONG")
        if text == message.text:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.edit_date = text, int(self.clock())
        self.announce(chat, message, bot, edited=True)
        return self.message_json(chat, message)

    def api_editmessagecaption(self, bot, params, uploads):
        chat, message = self.message_to_edit(bot, params)
        if message.photo is None:
            raise bad_request("there is no caption in the message to edit")
        caption = self.caption(params.get("caption"), params.get("parse_mode"))
        if caption == message.caption:
            raise ApiError(400, NOT_MODIFIED)
        message.caption, message.edit_date = caption, int(self.clock())
        self.announce(chat, message, bot, edited=True)
        return self.message_json(chat, message)

    def api_deletemessage(self, bot, params, uploads):
        chat = self.chat_param(params)
        membership = self.check_present(bot, chat)
        message_id = int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        if self.clock() - message.date >= DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted")
        rights = membership.rights
        own = message.sender_bot_id == bot.id
        if chat.type == "channel":
            allowed = (
                membership.status == "creator"
                or rights.get("can_delete_messages")
                or (own and rights.get("can_post_messages"))
            )
        else:
            # Any administrator of a basic group may delete; in a supergroup it takes can_delete_messages.
            allowed = (
                own
                or membership.status == "creator"
                or rights.get("can_delete_messages")
                or (chat.type == "group" and membership.status == "administrator")
            )
        if not allowed:
            raise bad_request("message can't be deleted")
        del chat.messages[message_id]
        return True

    # --- helpers ----------------------------------------------------------------------------------------

    def check_present(self, bot: FakeBot, chat: FakeChat) -> Membership:
        """The bot's membership, or the 403 Telegram gives a bot that was removed from the chat."""
        if chat.migrated_to:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        membership = chat.members.get(bot.id) or Membership("left")
        if chat.type == "private":
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id in self.users:
                # A person's own chat with bots: only a bot the person started may write there.
                status = membership.status
                if status == "kicked":
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if status != "member":
                    raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return Membership("member")
        if membership.status == "kicked" and chat.type != "channel":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if membership.status in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return membership

    def check_can_send(self, bot: FakeBot, chat: FakeChat, what: str = "text messages") -> None:
        membership = self.check_present(bot, chat)
        status, rights = membership.status, membership.rights
        if chat.type == "channel":
            if status != "creator" and not (status == "administrator" and rights.get("can_post_messages")):
                raise bad_request("need administrator rights in the channel chat")
        elif chat.type != "private":
            may_send = status in ("creator", "administrator") or (
                rights.get("can_send_messages", False) if status == "restricted" else chat.members_can_send
            )
            if not may_send:
                raise bad_request(f"not enough rights to send {what} to the chat")

    def message_to_edit(self, bot: FakeBot, params: dict) -> tuple[FakeChat, FakeMessage]:
        chat = self.chat_param(params)
        membership = self.check_present(bot, chat)
        message_id = int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.sender_bot_id != bot.id and not membership.rights.get("can_edit_messages"):
            raise bad_request("message can't be edited")
        return chat, message

    def reply_target(self, chat: FakeChat, params: dict) -> int | None:
        reply = json_value(params.get("reply_parameters")) if params.get("reply_parameters") else None
        message_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if message_id in (None, ""):
            return None
        if int(message_id) not in chat.messages:
            if isinstance(reply, dict) and reply.get("allow_sending_without_reply") is True:
                return None
            raise bad_request("message to be replied not found")
        return int(message_id)

    def caption(self, value, parse_mode) -> str | None:
        caption = visible_text(str(value), parse_mode) if value else ""
        if utf16_len(caption) > CAPTION_MAX:
            raise bad_request("message caption is too long")
        return caption or None

    def photo_sizes(self, value, uploads: dict[str, Upload], field_name: str | None) -> list[dict]:
        """PhotoSize list for an upload (a part named like the field, or attach://<part>), file_id or URL."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("can't parse InputMedia: media not found")
            return self.photos.store_upload(upload)
        if value in (None, "") and field_name and field_name in uploads:
            return self.photos.store_upload(uploads[field_name])
        if value in (None, ""):
            raise bad_request("there is no photo in the request")
        if str(value).startswith(("http://", "https://")):
            # The fake downloads nothing: a URL stands for an 800×600 photo.
            return self.photos.new_photo(800, 600, 60_000)
        if str(value) not in self.photos.files:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return self.photos.files[str(value)]

    def post(self, bot: FakeBot, chat: FakeChat, **content) -> FakeMessage:
        """A message from the bot, announced to the chat's other bots (and copied to a discussion group)."""
        message = self.new_message(chat, bot.id, **content)
        self.announce(chat, message, bot)
        return message

    def message_json(self, chat: FakeChat, message: FakeMessage, nested: bool = False) -> dict:
        data = {"message_id": message.message_id, **self.sender_json(chat, message), "chat": chat.short_json(),
                "date": message.date}  # fmt: skip
        if message.thread_id is not None:
            data["message_thread_id"] = message.thread_id
        if message.forward_origin:
            data["forward_origin"], data["is_automatic_forward"] = message.forward_origin, True
        # The message answered comes along, but without what it answered in turn.
        if not nested and message.reply_to_message_id in chat.messages:
            data["reply_to_message"] = self.message_json(
                chat, chat.messages[message.reply_to_message_id], True
            )
        for name in ("text", "caption", "photo", "media_group_id", "edit_date"):
            if getattr(message, name) is not None:
                data[name] = getattr(message, name)
        return data
