"""Reading Telegram's raw updates (webhook bodies, getUpdates results) into ParsedUpdate.

A pure function on the JSON dict, so an update stored raw can be read again later. Comments on a channel post
are ordinary messages in the channel's discussion supergroup: the post arrives there as an automatic copy
(``is_automatic_forward``, ``forward_origin`` naming the channel and the post), and each comment carries
``message_thread_id`` = that copy's message_id, plus ``reply_to_message`` (the copy itself for a top-level
comment, another comment for a nested reply). Anything Tandem does not use is "ignored", not an error:
Telegram adds update types and fields over time.
"""

from datetime import UTC, datetime

from tandem.platforms.base import (
    UPDATE_CHANNEL_POST,
    UPDATE_EDITED_MESSAGE,
    UPDATE_IGNORED,
    UPDATE_MEMBER,
    UPDATE_MESSAGE,
    UPDATE_POST_COPY,
    UPDATE_REACTION,
    UPDATE_REACTION_COUNT,
    IncomingMessage,
    MemberChange,
    ParsedUpdate,
    PostCopy,
    ReactionChange,
    ReactionCount,
    Sender,
)

GROUP_TYPES = ("group", "supergroup")
# Message fields that carry content other than text; a message with none of these and no text is a service
# message (members joined or left, title changed, pinned, …).
MEDIA_FIELDS = (
    "photo", "video", "animation", "audio", "document", "sticker", "voice", "video_note", "poll", "location",
    "venue", "contact", "dice", "story", "paid_media",
)  # fmt: skip


def parse_update(data: dict) -> ParsedUpdate:
    """The update as Tandem uses it. ValueError only when ``data`` is no update at all (not a dict, or no
    integer update_id); an update Tandem cannot use, or cannot read, is kind "ignored"."""
    if not isinstance(data, dict):
        raise ValueError(f"a Telegram update is a JSON object, not {type(data).__name__}")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValueError("a Telegram update needs an integer update_id")
    ignored = ParsedUpdate(update_id, UPDATE_IGNORED)

    for field, edited in (("message", False), ("edited_message", True)):
        message = data.get(field)
        if isinstance(message, dict):
            return _group_message(update_id, message, edited) or ignored
    for field, edited in (("channel_post", False), ("edited_channel_post", True)):
        post = data.get(field)
        if isinstance(post, dict):
            incoming = _incoming(post, edited)
            if incoming is None or _chat(post).get("type") != "channel":
                return ignored
            return ParsedUpdate(update_id, UPDATE_CHANNEL_POST, message=incoming)
    if isinstance(data.get("message_reaction_count"), dict):
        counted = _reaction_count(data["message_reaction_count"])
        return ParsedUpdate(update_id, UPDATE_REACTION_COUNT, reaction_count=counted) if counted else ignored
    if isinstance(data.get("message_reaction"), dict):
        change = _reaction_change(data["message_reaction"])
        return ParsedUpdate(update_id, UPDATE_REACTION, reaction_change=change) if change else ignored
    if isinstance(data.get("chat_member"), dict):
        change = _member_change(data["chat_member"])
        return ParsedUpdate(update_id, UPDATE_MEMBER, member_change=change) if change else ignored
    return ignored


def _reaction_count(data: dict) -> ReactionCount | None:
    """message_reaction_count: {chat, message_id, date, reactions: [{type: ReactionType, total_count}]}, the
    whole current set (a reaction whose count fell to zero is simply absent). An empty list may be missing
    altogether: python-telegram-bot's to_dict() drops empty lists from the updates it fetched."""
    chat_id, message_id, date = _int(_chat(data).get("id")), _int(data.get("message_id")), _date(data)
    listed = data.get("reactions", [])
    if chat_id is None or message_id is None or date is None or not isinstance(listed, list):
        return None
    reactions: dict[str, int] = {}
    for item in listed:
        kind = item.get("type") if isinstance(item, dict) else None
        count = _int(item.get("total_count")) if isinstance(item, dict) else None
        if count is None or count < 0:
            continue
        key = _reaction_key(kind)
        if key:
            reactions[key] = reactions.get(key, 0) + count
    return ReactionCount(str(chat_id), str(message_id), date, reactions)


def _reaction_key(kind) -> str:
    """A ReactionType as a key: the emoji, "custom:<custom_emoji_id>", "paid" ("" for none readable)."""
    if not isinstance(kind, dict):
        return ""
    if kind.get("type") == "emoji" and isinstance(kind.get("emoji"), str):
        return kind["emoji"]
    if kind.get("type") == "custom_emoji" and isinstance(kind.get("custom_emoji_id"), str):
        return "custom:" + kind["custom_emoji_id"]
    return kind["type"] if isinstance(kind.get("type"), str) else ""  # "paid", or a type added later


def _reaction_change(data: dict) -> ReactionChange | None:
    """message_reaction: {chat, message_id, user | actor_chat, date, old_reaction, new_reaction}, each a list
    of ReactionType: what one person's reactions were and are (an empty list may be missing, as above)."""
    chat_id, message_id, date = _int(_chat(data).get("id")), _int(data.get("message_id")), _date(data)
    old, new = data.get("old_reaction", []), data.get("new_reaction", [])
    if (
        chat_id is None
        or message_id is None
        or date is None
        or not isinstance(old, list)
        or not isinstance(new, list)
    ):
        return None
    before = [key for key in map(_reaction_key, old) if key]
    after = [key for key in map(_reaction_key, new) if key]
    removed = tuple(key for key in before if key not in after)
    added = tuple(key for key in after if key not in before)
    return ReactionChange(str(chat_id), str(message_id), date, removed, added)


# ChatMember statuses of people in the chat; "restricted" counts when its is_member is true.
MEMBER_STATUSES = ("creator", "administrator", "member")


def _member_change(data: dict) -> MemberChange | None:
    """chat_member: {chat, from, date, old_chat_member, new_chat_member}, each ChatMember with status and
    user. Joining is left/kicked → member (or any other in-chat status), leaving the reverse."""
    old, new = data.get("old_chat_member"), data.get("new_chat_member")
    if not isinstance(old, dict) or not isinstance(new, dict) or not isinstance(new.get("user"), dict):
        return None
    chat_id, user_id, date = _int(_chat(data).get("id")), _int(new["user"].get("id")), _date(data)
    if chat_id is None or user_id is None or date is None:
        return None
    return MemberChange(str(chat_id), str(user_id), _in_chat(old), _in_chat(new), date)


def _in_chat(member: dict) -> bool:
    status = member.get("status")
    return status in MEMBER_STATUSES or (status == "restricted" and member.get("is_member") is True)


def _date(data: dict) -> datetime | None:
    value = data.get("date")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _group_message(update_id: int, message: dict, edited: bool) -> ParsedUpdate | None:
    if _chat(message).get("type") not in GROUP_TYPES:
        return None
    copy = _post_copy(message)
    if copy is not None:
        # An edited copy (the channel post was edited) says nothing new about where comments belong.
        return ParsedUpdate(update_id, UPDATE_POST_COPY, post_copy=copy)
    incoming = _incoming(message, edited)
    if incoming is None:
        return None
    return ParsedUpdate(update_id, UPDATE_EDITED_MESSAGE if edited else UPDATE_MESSAGE, message=incoming)


def _incoming(message: dict, edited: bool) -> IncomingMessage | None:
    """The message, or None when it has no content (a service message) or lacks what every message has."""
    chat_id, message_id, date = _int(_chat(message).get("id")), _int(message.get("message_id")), None
    if isinstance(message.get("date"), int | float):
        date = datetime.fromtimestamp(message["date"], tz=UTC)
    if chat_id is None or message_id is None or date is None:
        return None
    text = message.get("text") or message.get("caption") or ""
    media_kind = next((name for name in MEDIA_FIELDS if message.get(name)), "")
    has_media = bool(media_kind)
    if not isinstance(text, str) or not (text or has_media):
        return None
    reply_to = message.get("reply_to_message")
    reply_to = reply_to if isinstance(reply_to, dict) else {}
    answered_post = _post_copy(reply_to)
    thread_id = _int(message.get("message_thread_id"))
    reply_to_id = _int(reply_to.get("message_id"))
    return IncomingMessage(
        chat_id=str(chat_id),
        message_id=str(message_id),
        sender=_sender(message),
        text=text,
        sent_at=date,
        thread_id="" if thread_id is None else str(thread_id),
        reply_to_message_id="" if reply_to_id is None else str(reply_to_id),
        post_chat_id=answered_post.post_chat_id if answered_post else "",
        post_message_id=answered_post.post_message_id if answered_post else "",
        edited=edited,
        has_media=has_media,
        media_kind=media_kind,
        media_group_id=message["media_group_id"] if isinstance(message.get("media_group_id"), str) else "",
    )


def _post_copy(message: dict) -> PostCopy | None:
    """The channel post this message is the automatic copy of, if it is one."""
    origin = message.get("forward_origin")
    if message.get("is_automatic_forward") is not True or not isinstance(origin, dict):
        return None
    if origin.get("type") != "channel" or not isinstance(origin.get("chat"), dict):
        return None
    ids = (
        _int(_chat(message).get("id")),
        _int(message.get("message_id")),
        _int(origin["chat"].get("id")),
        _int(origin.get("message_id")),
    )
    if None in ids:
        return None
    chat_id, message_id, post_chat_id, post_message_id = map(str, ids)
    return PostCopy(chat_id, message_id, post_chat_id, post_message_id)


def _sender(message: dict) -> Sender | None:
    # An anonymous group admin or a channel writes as a chat; ``from`` then holds a placeholder bot
    # (GroupAnonymousBot, Channel_Bot), so the chat is the real author.
    chat = message.get("sender_chat")
    if isinstance(chat, dict) and _int(chat.get("id")) is not None:
        return Sender(
            external_id=str(chat["id"]),
            display_name=str(chat.get("title") or chat.get("username") or chat["id"]),
            username=str(chat.get("username") or ""),
        )
    user = message.get("from")
    if isinstance(user, dict) and _int(user.get("id")) is not None:
        name = " ".join(str(part) for part in (user.get("first_name"), user.get("last_name")) if part)
        return Sender(
            external_id=str(user["id"]),
            display_name=name or str(user.get("username") or user["id"]),
            username=str(user.get("username") or ""),
            is_bot=user.get("is_bot") is True,
        )
    return None


def _chat(message: dict) -> dict:
    chat = message.get("chat")
    return chat if isinstance(chat, dict) else {}


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
