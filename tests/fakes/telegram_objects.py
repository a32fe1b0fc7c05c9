"""The fake Bot API's values: its records of bots, chats and messages, and the JSON objects built from them
(ChatMember, PhotoSize, text as Telegram counts it). Used by tests.fakes.telegram_api."""

import io
import itertools
import json
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from PIL import Image, UnidentifiedImageError

TEXT_MAX = 4096
CAPTION_MAX = 1024
ALBUM_MAX = 10
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# Telegram lets a bot delete a message only while it is younger than 48 hours.
DELETE_WINDOW_SECONDS = 48 * 3600
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# The sizes Telegram scales an uploaded photo to (the longest side), smallest first.
PHOTO_SIDES = (90, 320, 800, 1280, 2560)
# Values that arrive as JSON text inside form fields (and as objects in a JSON body).
JSON_FIELDS = frozenset(
    {"media", "reply_markup", "reply_parameters", "allowed_updates", "permissions", "entities",
     "caption_entities", "link_preview_options", "options"}
)  # fmt: skip


class ApiError(Exception):
    """An answer ``{"ok": false, ...}`` with HTTP status = ``code``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters or {}


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class FakeBot:
    id: int
    token: str
    username: str
    first_name: str
    revoked: bool = False

    def user_json(self) -> dict:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}


@dataclass
class FakeUser:
    """A person (not a bot) who writes in the fake's groups."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None

    def user_json(self) -> dict:
        data = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


# Who Telegram names as the sender of a channel post's automatic copy in the discussion group.
TELEGRAM_SERVICE_USER = {"id": 777000, "is_bot": False, "first_name": "Telegram"}


@dataclass
class Membership:
    """A bot's or person's place in a chat: creator, administrator (with rights), member, restricted (with
    permissions), left, kicked. ``until_date`` (unix time, 0 = for good) ends a restriction or a ban."""

    status: str
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0


@dataclass
class FakeMessage:
    message_id: int
    date: int
    sender_bot_id: int  # 0 when a person wrote it (sender_user_id) or it is an automatic copy
    text: str | None = None
    caption: str | None = None
    photo: list[dict] | None = None
    media_group_id: str | None = None
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    sender_user_id: int | None = None
    thread_id: int | None = None
    # For the automatic copy of a channel post in its discussion group: {type: "channel", chat, message_id, date}.
    forward_origin: dict | None = None


@dataclass
class FakeChat:
    id: int
    type: str  # channel | supergroup | group | private
    title: str
    username: str | None = None
    member_count: int = 1
    # Group members may send unless the chat's default permissions forbid it.
    members_can_send: bool = True
    # A private chat whose user blocked the bot.
    blocked: bool = False
    migrated_to: int | None = None
    # A channel's discussion group, or the channel a discussion group belongs to.
    linked_chat_id: int | None = None
    members: dict[int, Membership] = field(default_factory=dict)
    messages: dict[int, FakeMessage] = field(default_factory=dict)
    last_message_id: int = 0

    def short_json(self) -> dict:
        if self.type == "private":
            data = {"id": self.id, "type": "private", "first_name": self.title}
        else:
            data = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


CHANNEL_ADMIN_RIGHTS = {"can_post_messages": True, "can_edit_messages": True, "can_delete_messages": True}
GROUP_ADMIN_RIGHTS = {"can_delete_messages": True, "can_restrict_members": True, "can_pin_messages": True}
ADMIN_FLAGS = [
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
]
RESTRICTED_FLAGS = [
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
]


# ChatPermissions: a group's defaults for its members, and what a restricted member keeps.
PERMISSION_FLAGS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
    "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
    "can_add_web_page_previews", "can_change_info", "can_invite_users", "can_pin_messages",
    "can_manage_topics", "can_edit_tag", "can_react_to_messages",
)  # fmt: skip
SEND_FLAGS = tuple(
    flag for flag in PERMISSION_FLAGS if flag.startswith(("can_send_", "can_add_", "can_react"))
)


def default_permissions(chat: FakeChat) -> dict[str, bool]:
    """What every member of the group may do: send anything unless the chat forbids it, invite people."""
    return {flag: chat.members_can_send if flag in SEND_FLAGS else flag == "can_invite_users"
            for flag in PERMISSION_FLAGS}  # fmt: skip


def utf16_len(text: str) -> int:
    """Telegram counts text in UTF-16 code units: an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


class _HTMLText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as Telegram stores it: entities parsed out (HTML only), surrounding whitespace trimmed."""
    if (parse_mode or "").lower() == "html":
        parser = _HTMLText()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    return text.strip()


def json_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
    return value


def int_param(params: dict, name: str, missing: str) -> int:
    value = params.get(name)
    if value in (None, ""):
        raise bad_request(missing)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f'invalid parameter "{name}"') from exc


def member_json(user: dict, membership: Membership | None, chat: FakeChat) -> dict:
    """A ChatMember object with every field the real API sends for its status (PTB requires them)."""
    status = membership.status if membership else "left"
    rights = membership.rights if membership else {}
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        data = {"status": status, "user": user, **{flag: bool(rights.get(flag)) for flag in ADMIN_FLAGS}}
        data["can_manage_chat"] = True
        extra = (
            ("can_post_messages", "can_edit_messages") if chat.type == "channel" else ("can_pin_messages",)
        )
        data.update({flag: bool(rights.get(flag)) for flag in extra})
        return data
    if status == "restricted":
        flags = {flag: bool(rights.get(flag)) for flag in RESTRICTED_FLAGS}
        return {
            "status": status,
            "user": user,
            "is_member": True,
            "until_date": membership.until_date,
            **flags,
        }
    if status == "kicked":
        return {"status": status, "user": user, "until_date": membership.until_date}
    return {"status": status, "user": user}


class PhotoStore:
    """Uploaded photos, each as the PhotoSize list Telegram returns, findable by any of its file_ids."""

    def __init__(self):
        self.files: dict[str, list[dict]] = {}
        self._ids = itertools.count(1)

    def store_upload(self, upload: Upload) -> list[dict]:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > PHOTO_MAX_BYTES:
            raise bad_request("file is too big")
        try:
            with Image.open(io.BytesIO(upload.data)) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError) as exc:
            raise bad_request("IMAGE_PROCESS_FAILED") from exc
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        return self.new_photo(width, height, len(upload.data))

    def new_photo(self, width: int, height: int, size: int) -> list[dict]:
        longest = max(width, height)
        sides = [side for side in PHOTO_SIDES if side < longest] + [min(longest, PHOTO_SIDES[-1])]
        photo = []
        for side in sides:
            scale = side / longest
            number = next(self._ids)
            photo.append({
                "file_id": f"AgAC{number:010d}{secrets.token_hex(8)}",
                "file_unique_id": f"AQAD{number:08d}",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": max(1, round(size * scale * scale)),
            })  # fmt: skip
        for size_json in photo:
            self.files[size_json["file_id"]] = photo
        return photo
