"""Realistic Telegram Desktop exports (result.json) of any size, written to disk as they are generated.

    facts = write_channel_export(path, messages=10_000)          # a channel: posts, media, polls, reactions
    facts = write_group_export(path, messages=10_000)            # a supergroup: authors, replies, joins, leaves
    facts = write_account_export(path, [channel_chat(...), group_chat(...)])   # "Export Telegram data"

The layout follows Telegram Desktop's JSON export: a single-chat export is the chat object itself (name, type,
id, messages); a full-account export has about, personal_information, contacts, frequent_contacts,
chats {about, list}, left_chats {about, list}. Each message is written with one-space indentation as Desktop
does, so sizes are realistic. Every kind the importer reads appears: text as a string and as a list of entity
parts, photos, videos, files, stickers, polls, replies, forwards, edits, reactions (emoji, custom, paid),
service messages (create, pin, joins by link and by invitation, leaves) and, on request, message types no
importer knows. The returned ``ExportFacts`` say what an import must count.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

START = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
EMOJI = ["👍", "❤", "🔥", "😁", "👎", "🎉", "🤔"]
WORDS = [
    "coffee",
    "beans",
    "roast",
    "morning",
    "espresso",
    "latte",
    "order",
    "shop",
    "new",
    "menu",
    "discount",
    "friday",
    "opening",
    "hours",
    "price",
    "delivery",
    "taste",
    "cup",
    "milk",
    "sugar",
    "filter",
    "grinder",
    "barista",
    "event",
    "tasting",
    "today",
    "tomorrow",
    "thanks",
    "great",
]


@dataclass
class ExportFacts:
    """What the generated chat holds, for an import to be checked against."""

    chat_id: int
    name: str
    chat_type: str
    messages: int = 0  # ordinary messages (posts or comments)
    service: int = 0
    unknown: int = 0
    joins: int = 0
    leaves: int = 0
    reactions: int = 0  # the sum of every reaction count
    poll_votes: int = 0
    replies: int = 0  # replies to a message that is in the export
    edited: int = 0
    authors: set[str] = field(default_factory=set)
    kinds: Counter = field(default_factory=Counter)
    joins_by_day: Counter = field(default_factory=Counter)  # UTC date → joins
    leaves_by_day: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.messages + self.service + self.unknown


def _stamp(moment: datetime) -> dict:
    # Desktop writes the exporting machine's local time; here the machine runs on UTC.
    return {"date": moment.strftime("%Y-%m-%dT%H:%M:%S"), "date_unixtime": str(int(moment.timestamp()))}


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _text_with_entities(rng: random.Random) -> tuple[list, list]:
    """A text as Desktop writes it when it has formatting: plain strings and entity parts."""
    parts: list = [_sentence(rng, 6) + " ", {"type": "bold", "text": "Open today"}, " — see "]
    parts.append({"type": "text_link", "text": "our menu", "href": "https://example.com/menu"})
    parts += [" ", {"type": "hashtag", "text": "#coffee"}]
    entities = [{"type": "plain", "text": p} if isinstance(p, str) else p for p in parts]
    return parts, entities


def _reactions(rng: random.Random, moment: datetime, authors: list[str]) -> tuple[list, int]:
    reactions = []
    for emoji in rng.sample(EMOJI, rng.randint(1, 3)):
        count = rng.randint(1, 40)
        recent = [
            {"from": f"Person {a}", "from_id": f"user{a}", **_stamp(moment + timedelta(minutes=5))}
            for a in authors[: min(count, 3)]
        ]
        reactions.append({"type": "emoji", "count": count, "emoji": emoji, "recent": recent})
    if rng.random() < 0.2:
        reactions.append({"type": "custom_emoji", "count": 2, "document_id": "5368324170671202286"})
    if rng.random() < 0.05:
        reactions.append({"type": "paid", "count": 3})
    return reactions, sum(r["count"] for r in reactions)


class _ChatWriter:
    """Writes one chat object, its messages one at a time (never the whole list in memory)."""

    def __init__(self, out: IO[str], facts: ExportFacts, indent: int | None):
        self.out, self.facts, self.indent, self.first = out, facts, indent, True
        self.out.write(
            "{\n"
            f' "name": {json.dumps(facts.name, ensure_ascii=False)},\n'
            f' "type": "{facts.chat_type}",\n'
            f' "id": {facts.chat_id},\n'
            ' "messages": [\n'
        )

    def message(self, message: dict) -> None:
        text = json.dumps(message, ensure_ascii=False, indent=self.indent)
        self.out.write(("" if self.first else ",\n") + text)
        self.first = False

    def close(self) -> None:
        self.out.write("\n ]\n}")


def _media(rng: random.Random, message: dict, facts: ExportFacts, index: int) -> None:
    choice = index % 9
    if choice == 2:
        message |= {"photo": "(File not included. Change data exporting settings to download.)"}
        message |= {"width": 1280, "height": 960}
        facts.kinds["photo"] += 1
    elif choice == 3:
        message |= {
            "file": "(File not included. Change data exporting settings to download.)",
            "media_type": "video_file",
            "mime_type": "video/mp4",
            "duration_seconds": rng.randint(5, 300),
        }
        facts.kinds["video"] += 1
    elif choice == 4:
        message |= {"file": "menu.pdf", "mime_type": "application/pdf"}
        facts.kinds["document"] += 1
    elif choice == 5:
        message |= {"file": "sticker.webp", "media_type": "sticker", "sticker_emoji": "☕"}
        facts.kinds["sticker"] += 1
    elif choice == 6:
        message |= {"file": "voice.ogg", "media_type": "voice_message", "duration_seconds": 7}
        facts.kinds["voice"] += 1
    else:
        facts.kinds["text"] += 1


def _poll(rng: random.Random, facts: ExportFacts) -> dict:
    answers = [{"text": t, "voters": rng.randint(0, 30), "chosen": False} for t in ("Latte", "Espresso")]
    total = sum(a["voters"] for a in answers)
    facts.poll_votes += total
    facts.kinds["poll"] += 1
    return {"question": "Which do you order?", "closed": False, "total_voters": total, "answers": answers}


def _text(rng: random.Random, message: dict, index: int) -> None:
    if index % 4 == 1:
        message["text"], message["text_entities"] = _text_with_entities(rng)
    else:
        message["text"] = _sentence(rng, rng.randint(3, 25))
        message["text_entities"] = [{"type": "plain", "text": message["text"]}]


def _service(moment: datetime, ident: int, action: str, actor: int | None, **extra) -> dict:
    message = {"id": ident, "type": "service", **_stamp(moment)}
    if actor is not None:
        message |= {"actor": f"Person {actor}", "actor_id": f"user{actor}"}
    message |= {"action": action, **extra, "text": "", "text_entities": []}
    return message


def channel_chat(
    messages: int = 1000,
    chat_id: int = 1234567890,
    name: str = "Acme Coffee News",
    chat_type: str = "public_channel",
    seed: int = 1,
    unknown: int = 0,
) -> tuple[dict, callable]:
    """A channel's header and a function that writes its messages through a _ChatWriter."""
    facts = ExportFacts(chat_id=chat_id, name=name, chat_type=chat_type)

    def write(writer: _ChatWriter) -> None:
        rng = random.Random(seed)
        moment, ident = START, 1
        writer.message(_service(moment, ident, "create_channel", None, title=name))
        facts.service += 1
        for index in range(messages):
            ident += 1
            moment += timedelta(minutes=rng.randint(30, 600))
            message = {"id": ident, "type": "message", **_stamp(moment)}
            message |= {"from": name, "from_id": f"channel{chat_id}"}
            if index % 7 == 0:
                message["author"] = "Maria"  # a signed post
            if index % 11 == 0:
                edited = moment + timedelta(minutes=3)
                message |= {
                    "edited": _stamp(edited)["date"],
                    "edited_unixtime": _stamp(edited)["date_unixtime"],
                }
                facts.edited += 1
            if index % 13 == 0:
                message["forwarded_from"] = "Coffee Weekly"
            if index % 9 == 8:
                message["poll"] = _poll(rng, facts)
                message["text"], message["text_entities"] = "", []
            else:
                _media(rng, message, facts, index)
                _text(rng, message, index)
            if index % 3 != 2:
                message["reactions"], total = _reactions(rng, moment, [1, 2, 3])
                facts.reactions += total
            writer.message(message)
            facts.messages += 1
            if index % 50 == 49:
                ident += 1
                pin = _service(moment, ident, "pin_message", None, message_id=ident - 1)
                pin |= {"actor": name, "actor_id": f"channel{chat_id}"}
                writer.message(pin)
                facts.service += 1
        for _ in range(unknown):
            ident += 1
            writer.message({"id": ident, "type": "hologram", **_stamp(moment), "text": ""})
            facts.unknown += 1

    return facts, write


def group_chat(
    messages: int = 1000,
    chat_id: int = 1987654321,
    name: str = "Acme Coffee Chat",
    chat_type: str = "public_supergroup",
    seed: int = 2,
    people: int = 200,
    unknown: int = 0,
) -> tuple[dict, callable]:
    """A supergroup (e.g. a channel's discussion group): people talk, reply, join and leave."""
    facts = ExportFacts(chat_id=chat_id, name=name, chat_type=chat_type)

    def write(writer: _ChatWriter) -> None:
        rng = random.Random(seed)
        moment, ident = START, 1
        writer.message(_service(moment, ident, "create_group", 1, title=name, members=["Person 1"]))
        facts.service += 1
        sent: list[int] = []
        for index in range(messages):
            ident += 1
            moment += timedelta(minutes=rng.randint(1, 120))
            person = rng.randint(1, people)
            if index % 17 == 5:  # someone joins by link, then says hello below
                writer.message(_service(moment, ident, "join_group_by_link", person, inviter="Group"))
                facts.service += 1
                facts.joins += 1
                facts.joins_by_day[moment.date()] += 1
                ident += 1
            elif index % 29 == 7:
                newcomers = [rng.randint(1, people), rng.randint(1, people)]
                names = [f"Person {n}" for n in newcomers]
                writer.message(_service(moment, ident, "invite_members", person, members=names))
                facts.service += 1
                facts.joins += 2
                facts.joins_by_day[moment.date()] += 2
                ident += 1
            elif index % 31 == 11:
                writer.message(
                    _service(moment, ident, "remove_members", person, members=[f"Person {person}"])
                )
                facts.service += 1
                facts.leaves += 1
                facts.leaves_by_day[moment.date()] += 1
                ident += 1
            message = {"id": ident, "type": "message", **_stamp(moment)}
            if index % 97 == 3:  # an anonymous administrator writes as the group itself
                message |= {"from": name, "from_id": f"channel{chat_id}"}
            else:
                message |= {"from": f"Person {person}", "from_id": f"user{person}"}
                facts.authors.add(f"user{person}")
            if sent and index % 3 == 0:
                message["reply_to_message_id"] = rng.choice(sent[-50:])
                facts.replies += 1
            elif index % 37 == 0:
                message["reply_to_message_id"] = 999_999_999  # answers a message deleted before the export
            if index % 19 == 0:
                message["forwarded_from"] = "Somebody Else"
            if index % 23 == 0:
                edited = moment + timedelta(minutes=1)
                message |= {
                    "edited": _stamp(edited)["date"],
                    "edited_unixtime": _stamp(edited)["date_unixtime"],
                }
                facts.edited += 1
            _media(rng, message, facts, index)
            _text(rng, message, index)
            if index % 5 == 0:
                message["reactions"], total = _reactions(rng, moment, [person])
                facts.reactions += total
            writer.message(message)
            facts.messages += 1
            sent.append(ident)
        for _ in range(unknown):
            ident += 1
            writer.message({"id": ident, "type": "hologram", **_stamp(moment), "text": ""})
            facts.unknown += 1

    return facts, write


def _open(target: str | Path | IO[str]):
    if isinstance(target, str | Path):
        return open(target, "w", encoding="utf-8")
    return _Borrowed(target)


class _Borrowed:
    def __init__(self, out):
        self.out = out

    def __enter__(self):
        return self.out

    def __exit__(self, *exc):
        return False


def _write_chat(out: IO[str], chat: tuple[ExportFacts, callable], indent: int | None) -> ExportFacts:
    facts, write = chat
    writer = _ChatWriter(out, facts, indent)
    write(writer)
    writer.close()
    return facts


def write_channel_export(target, messages: int = 1000, indent: int | None = 1, **options) -> ExportFacts:
    with _open(target) as out:
        return _write_chat(out, channel_chat(messages, **options), indent)


def write_group_export(target, messages: int = 1000, indent: int | None = 1, **options) -> ExportFacts:
    with _open(target) as out:
        return _write_chat(out, group_chat(messages, **options), indent)


def write_account_export(target, chats: list, indent: int | None = 1) -> list[ExportFacts]:
    """A full-account export ("Export Telegram data") holding ``chats`` (from channel_chat / group_chat)
    plus a personal chat and saved messages, which an importer of channels and groups passes over."""
    personal = ExportFacts(chat_id=5550001, name="Mum", chat_type="personal_chat")

    def write_personal(writer):
        writer.message({"id": 1, "type": "message", **_stamp(START), "from": "Mum", "from_id": "user5550001",
                        "text": "Call me"})  # fmt: skip
        personal.messages += 1

    saved = ExportFacts(chat_id=5550002, name="", chat_type="saved_messages")
    with _open(target) as out:
        out.write(
            '{\n "about": "Here is the data you requested. Remember: Telegram is ad free...",\n'
            ' "personal_information": {"user_id": 5550002, "first_name": "Ann", "last_name": "", '
            '"phone_number": "+44 0000 000000", "username": "@ann", "bio": ""},\n'
            ' "contacts": {"about": "This is your contact list.", "list": [{"first_name": "Mum", '
            '"last_name": "", "phone_number": "+44 0000 000001", "date": "2024-01-01T10:00:00", '
            '"date_unixtime": "1704103200"}]},\n'
            ' "frequent_contacts": {"about": "Frequent contacts.", "list": [{"id": 5550001, '
            '"category": "people", "type": "user", "name": "Mum", "rating": 0.9}]},\n'
            ' "chats": {\n  "about": "This page lists all chats from this export.",\n  "list": [\n'
        )
        written = []
        for number, chat in enumerate([(personal, write_personal), *chats, (saved, lambda writer: None)]):
            if number:
                out.write(",\n")
            written.append(_write_chat(out, chat, indent))
        out.write(
            '\n  ]\n },\n "left_chats": {"about": "Chats you left.", "list": []},\n'
            ' "other_data": {"about": "Other data", "changes_log": []}\n}\n'
        )
    return written


def write_export(target, kind: str = "public_channel", messages: int = 1000, **options) -> ExportFacts:
    """A single-chat export of a chat of ``kind`` (a Telegram chat type): a channel's posts or a group's talk."""
    if kind in ("public_channel", "private_channel"):
        return write_channel_export(target, messages, chat_type=kind, **options)
    return write_group_export(target, messages, chat_type=kind, **options)
