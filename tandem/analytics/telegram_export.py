"""Reading a Telegram Desktop export (result.json) as a stream: one chat at a time, one message at a time.

Two layouts exist. "Export chat history" writes the chat object itself (name, type, id, messages: […]);
"Export Telegram data" writes the whole account (about, personal_information, contacts, chats {about,
list: [chat, …]}, left_chats, …). Desktop writes a chat's name, type and id before its messages, which is
what lets a chat be read without holding it in memory.

Speed: a single-chat export's messages are built by ijson's C backend straight from the file
(``ijson.items(file, "messages.item")``); an account export goes through the event stream so each message
is still built one at a time while the reader notices where one chat ends and the next begins (slower per
message, equally bounded in memory). Errors (``ExportError``) carry the byte position the parser had reached:
the parser reads 64 KiB at a time, so it is the end of the block where the problem is.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

import ijson
from django.utils.translation import gettext as _

CHANNEL_TYPES = frozenset({"public_channel", "private_channel"})
SUPERGROUP_TYPES = frozenset({"public_supergroup", "private_supergroup"})
GROUP_TYPES = SUPERGROUP_TYPES | {"private_group"}
# Chats an account export also holds, which Tandem has nothing to do with.
PERSONAL_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "private_chat"})
CHAT_TYPES = CHANNEL_TYPES | GROUP_TYPES | PERSONAL_TYPES

ACCOUNT_CHATS = "chats.list.item"
ACCOUNT_MESSAGES = ACCOUNT_CHATS + ".messages"


class ExportError(ValueError):
    """The file cannot be imported; the message says why and where, for the person who chose it."""


@dataclass(frozen=True)
class Chat:
    """A chat of the export: its bare Telegram id (as Desktop writes it), name and type."""

    id: int
    name: str
    type: str

    @property
    def is_channel(self) -> bool:
        return self.type in CHANNEL_TYPES

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES

    @property
    def importable(self) -> bool:
        return self.is_channel or self.is_group

    @property
    def bot_api_id(self) -> str:
        """The id the Bot API (and so Tandem's Channel.external_id) uses: -100<id> for channels and
        supergroups, -<id> for a basic group."""
        if self.id < 0:
            return str(self.id)
        if self.type == "private_group":
            return f"-{self.id}"
        return f"-100{self.id}" if self.importable else str(self.id)

    def id_forms(self) -> set[str]:
        """Every way the chat's id may be written: bare, Bot API, and the bare form of a Bot API id."""
        bare = str(self.id)
        if bare.startswith("-100"):
            bare = bare[4:]
        elif bare.startswith("-"):
            bare = bare[1:]
        return {bare, self.bot_api_id, f"-100{bare}", f"-{bare}"}

    def matches(self, wanted: str) -> bool:
        """Whether ``--chat`` (a name, any case, or an id in either form) names this chat."""
        wanted = wanted.strip()
        return wanted.casefold() == self.name.casefold() or wanted in self.id_forms()


def _chat(header: dict, position: int) -> Chat:
    """The chat described by the keys read before its messages, or an ExportError saying what is missing."""
    kind, ident = header.get("type"), header.get("id")
    if kind not in CHAT_TYPES or isinstance(ident, bool) or not isinstance(ident, int):
        found = ", ".join(sorted(header)) or _("none")
        raise ExportError(
            _(
                "This is not a Telegram Desktop export: the chat before byte %(position)s has no Telegram "
                "chat type and id (keys found: %(keys)s)."
            )
            % {"position": f"{position:,}", "keys": found}
        )
    name = header.get("name")
    return Chat(id=ident, name=name if isinstance(name, str) else "", type=kind)


class ExportReader:
    """``for chat, messages in ExportReader(file).chats(): …`` — each chat with an iterator of its messages
    (plain dicts as in the file). The messages of one chat must be read before the next chat is asked for
    (the reader skips what is left). JSON errors become ExportError with the position."""

    def __init__(self, file: IO[bytes]):
        self.file = file
        self.layout = ""  # "chat" or "account", once known

    @property
    def position(self) -> int:
        try:
            return self.file.tell()
        except (OSError, ValueError):
            return 0

    def _failure(self, error: Exception) -> ExportError:
        problem = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if isinstance(error, ijson.IncompleteJSONError) and "premature EOF" in problem:
            return ExportError(
                _("The file ends too early, at byte %(position)s: it is cut short (an incomplete download?).")
                % {"position": f"{self.position:,}"}
            )
        return ExportError(
            _("The file is not valid JSON near byte %(position)s: %(problem)s.")
            % {"position": f"{self.position:,}", "problem": problem}
        )

    def chats(self) -> Iterator[tuple[Chat, Iterator[dict]]]:
        try:
            yield from self._chats()
        except ijson.JSONError as error:
            raise self._failure(error) from None
        except UnicodeDecodeError:
            raise ExportError(
                _("The file is not UTF-8 text near byte %(position)s.") % {"position": f"{self.position:,}"}
            ) from None

    def _chats(self) -> Iterator[tuple[Chat, Iterator[dict]]]:
        start = self.position
        if not self.file.read(4096).strip():
            raise ExportError(_("The file is empty."))
        self.file.seek(start)
        events = ijson.parse(self.file, use_float=True)
        first = next(events)
        if first[1] != "start_map":
            raise ExportError(
                _("This is not a Telegram Desktop export: it holds a JSON %(kind)s, not an object.")
                % {"kind": first[1].removeprefix("start_")}
            )
        header: dict = {}
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                if value == "messages":
                    break
                if value == "chats":
                    self.layout = "account"
                    self.file.seek(start)  # both parsers of an account export read from the top
                    yield from self._account_chats()
                    return
            elif "." not in prefix and prefix in ("name", "type", "id"):
                header[prefix] = value
            elif prefix == "" and event == "end_map":
                raise ExportError(
                    _(
                        "This is not a Telegram Desktop export: it has neither a chat's messages nor an "
                        "account's chats (top-level keys: %(keys)s)."
                    )
                    % {"keys": ", ".join(sorted(header)) or _("none")}
                )
        self.layout = "chat"
        chat = _chat(header, self.position)
        # Start again from the top so the C backend builds each message directly from the file.
        self.file.seek(start)
        yield chat, self._items(ijson.items(self.file, "messages.item", use_float=True))

    def _items(self, messages: Iterator) -> Iterator[dict]:
        try:
            for message in messages:
                if isinstance(message, dict):
                    yield message
                else:
                    yield {"type": None}  # not a message object: skipped and counted by the importer
        except ijson.JSONError as error:
            raise self._failure(error) from None

    def _account_chats(self) -> Iterator[tuple[Chat, Iterator[dict]]]:
        stream = self._account_stream()
        following = next(stream, None)
        while following is not None:
            chat, after = following[1], []

            def messages(after=after):
                for tag, value in stream:
                    if tag == "chat":
                        after.append((tag, value))
                        return
                    yield value

            inner = self._items(messages())
            yield chat, inner
            for _unread in inner:  # the caller did not want this chat: skip the rest of it
                pass
            following = after[0] if after else None

    def _account_stream(self) -> Iterator[tuple[str, object]]:
        """("chat", Chat) and ("message", dict) in the order of the file, with two C parsers fed the same
        blocks: one builds the messages, the other lists the block's events, in which list.index and
        list.count (C speed, no Python per event) find where a chat starts and how many messages end before
        it. Only a chat's few header events are looked at one by one."""
        events, built = ijson.sendable_list(), ijson.sendable_list()
        structure = ijson.parse_coro(events, use_float=True)
        builder = ijson.items_coro(built, ACCOUNT_MESSAGES + ".item", use_float=True)
        header: dict | None = None  # while a chat's name, type and id are being read
        while chunk := self.file.read(CHUNK):
            structure.send(chunk)
            builder.send(chunk)
            at, handed = 0, 0
            while True:
                if header is not None:
                    at = _read_header(events, at, header)
                    if at is None:
                        break  # the header goes on in the next block
                    yield "chat", _chat(header, self.position)
                    header = None
                try:
                    start = events.index(CHAT_START, at)
                except ValueError:
                    start = len(events)
                segment = events if (at, start) == (0, len(events)) else events[at:start]
                ended = segment.count(MESSAGE_END)
                for message in built[handed : handed + ended]:
                    yield "message", message
                handed += ended
                if start == len(events):
                    break
                header, at = {}, start + 1
            for message in built[handed:]:  # items that are not objects: no end_map was counted for them
                yield "message", message
            del events[:], built[:]
        structure.close()
        builder.close()


CHUNK = 64 * 1024
CHAT_START = (ACCOUNT_CHATS, "start_map", None)
MESSAGES_START = (ACCOUNT_MESSAGES, "start_array", None)
MESSAGE_END = (ACCOUNT_MESSAGES + ".item", "end_map", None)
HEADER_KEYS = {f"{ACCOUNT_CHATS}.{key}": key for key in ("name", "type", "id")}


def _read_header(events: list, at: int, header: dict) -> int | None:
    """Collect a chat's name, type and id from ``events[at:]`` up to the start of its messages; the index
    after that start, or None when the block ends first."""
    for index in range(at, len(events)):
        event = events[index]
        key = HEADER_KEYS.get(event[0])
        if key is not None:
            header[key] = event[2]
        elif event == MESSAGES_START:
            return index + 1
    return None


# --- one message --------------------------------------------------------------------------------------


def plain_text(text) -> str:
    """A message's text: Desktop writes a string, or a list of strings and entity parts {type, text, …}."""
    if text.__class__ is str:
        return text
    if isinstance(text, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
            for part in text
        )
    return ""


def _seconds(value) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def moment(message: dict, field: str, zone: zoneinfo.ZoneInfo, position) -> datetime | None:
    """``date`` or ``edited`` of a message as an aware datetime. ``<field>_unixtime`` (UTC seconds) wins;
    otherwise the local date Desktop writes, in ``zone`` (the exporting machine's zone is not recorded).
    A value in any other format is an ExportError naming the message and the position (``position``: a
    byte offset, or the ExportReader, asked only then)."""
    unixtime = message.get(field + "_unixtime")
    if unixtime is not None:
        seconds = _seconds(unixtime)
        if seconds is not None:
            try:
                return datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError):
                pass
        raise _bad_date(message, field + "_unixtime", unixtime, position)
    value = message.get(field)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    raise _bad_date(message, field, value, position)


def _bad_date(message: dict, field: str, value, position) -> ExportError:
    if not isinstance(position, int):
        position = position.position
    return ExportError(
        _(
            'Message %(id)s (near byte %(position)s) has %(field)s "%(value)s", which is not a date Telegram '
            "writes (YYYY-MM-DDTHH:MM:SS, or unix seconds in %(field)s_unixtime)."
        )
        % {"id": message.get("id"), "position": f"{position:,}", "field": field, "value": str(value)[:60]}
    )


# media_type as Desktop writes it → ChannelPost.kind
MEDIA_KINDS = {
    "animation": "animation",
    "video_file": "video",
    "video_message": "video",
    "voice_message": "voice",
    "audio_file": "audio",
    "sticker": "sticker",
}


def kind(message: dict) -> str:
    """What the message is: text, photo, video, animation, audio, voice, document, sticker, poll or other."""
    media = message.get("media_type")
    if media:
        return MEDIA_KINDS.get(media, "other")
    if "photo" in message:
        return "photo"
    if "poll" in message:
        return "poll"
    if "file" in message:
        return "document"
    if "location_information" in message or "contact_information" in message or "game_title" in message:
        return "other"
    return "text"


def reactions(message: dict) -> dict[str, int]:
    """Reactions by type, as ChannelPost stores them: {"👍": 12, "custom:<document_id>": 3, "paid": 1}."""
    found: dict[str, int] = {}
    for reaction in message.get("reactions") or ():
        if not isinstance(reaction, dict):
            continue
        count = reaction.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            continue
        kind_ = reaction.get("type")
        if kind_ == "emoji" or (kind_ is None and reaction.get("emoji")):
            key = str(reaction.get("emoji", ""))
        elif kind_ == "custom_emoji":
            key = f"custom:{reaction.get('document_id', '')}"
        else:
            key = str(kind_ or "other")
        found[key] = found.get(key, 0) + count
    return found


def poll_votes(message: dict) -> int | None:
    poll = message.get("poll")
    if not isinstance(poll, dict):
        return None
    total = poll.get("total_voters")
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


def sender_id(from_id) -> str:
    """A sender as Tandem's Author.external_id names it (as live updates do): "user123" → "123",
    "channel123" → "-100123" (a channel, or the group speaking as itself)."""
    if not isinstance(from_id, str):
        return "" if from_id is None else str(from_id)
    if from_id.startswith("user"):
        return from_id[4:]
    if from_id.startswith("channel"):
        return "-100" + from_id[7:]
    if from_id.startswith("chat"):
        return "-" + from_id[4:]
    return from_id
