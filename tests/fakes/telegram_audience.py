"""The fake Bot API's audience: people subscribing to a channel (or joining a group), leaving it, and reacting
to its posts, with the updates Telegram sends about it.

Facts from the Bot API docs (core.telegram.org/bots/api#chatmemberupdated, #messagereactioncountupdated):
administrator bots get ``chat_member`` {chat, from, date, old_chat_member, new_chat_member} when someone's
status changes (left → member on joining, member → left on leaving, → kicked when banned),
``message_reaction_count`` {chat, message_id, date, reactions: [{type, total_count}]} with the whole current
set when anonymous reactions (a channel's) change, and ``message_reaction`` {chat, message_id, user, date,
old_reaction, new_reaction} when a person changes theirs in a group; all only when asked for in
allowed_updates. Each join or
leave changes what getChatMemberCount answers. Simpler than the real API: reaction updates are sent at once
(Telegram batches them over a few seconds or minutes).
"""

from tests.fakes.telegram import FakeTelegramServer
from tests.fakes.telegram_objects import FakeChat, Membership


def _member_json(user: dict, status: str) -> dict:
    return {"user": user, "status": status, **({"until_date": 0} if status == "kicked" else {})}


def _change(server: FakeTelegramServer, chat: FakeChat, user_id: int, first_name: str, status: str) -> dict:
    state = server.state
    with state.lock:
        user = state.add_user(user_id, first_name).user_json()
        old = state.membership(chat, user_id).status
        chat.members[user_id] = Membership(status)
        in_chat = ("creator", "administrator", "member", "restricted")
        chat.member_count += (status in in_chat) - (old in in_chat)
        update = {
            "chat": chat.short_json(),
            "from": user,
            "date": int(state.clock()),
            "old_chat_member": _member_json(user, old),
            "new_chat_member": _member_json(user, status),
        }
        state.broadcast(chat, "chat_member", update)
        return update


def subscribe(server: FakeTelegramServer, chat: FakeChat, user_id: int, first_name: str = "Vera") -> dict:
    """The person subscribes to the channel (joins the group); the chat_member update sent."""
    return _change(server, chat, user_id, first_name, "member")


def unsubscribe(server: FakeTelegramServer, chat: FakeChat, user_id: int, first_name: str = "Vera") -> dict:
    return _change(server, chat, user_id, first_name, "left")


def react(server: FakeTelegramServer, chat: FakeChat, message_id: int, reactions: dict[str, int]) -> dict:
    """The post's anonymous reactions are now ``reactions`` ({"👍": 5, "custom:5368…": 1, "paid": 2}); the
    message_reaction_count update sent."""

    def reaction_type(key: str) -> dict:
        if key == "paid":
            return {"type": "paid"}
        if key.startswith("custom:"):
            return {"type": "custom_emoji", "custom_emoji_id": key.removeprefix("custom:")}
        return {"type": "emoji", "emoji": key}

    state = server.state
    with state.lock:
        if message_id not in chat.messages:
            raise KeyError(f"no message {message_id} in {chat.title!r}")
        update = {
            "chat": chat.short_json(),
            "message_id": message_id,
            "date": int(state.clock()),
            "reactions": [
                {"type": reaction_type(key), "total_count": count}
                for key, count in reactions.items()
                if count
            ],
        }
        state.broadcast(chat, "message_reaction_count", update)
        return update


def react_as(server: FakeTelegramServer, chat: FakeChat, message_id: int, user_id: int, old: list[str],
             new: list[str], first_name: str = "Vera") -> dict:  # fmt: skip
    """A person in a group changes their reactions to a message from ``old`` to ``new`` (emoji); the
    message_reaction update sent (group reactions are not anonymous, so Telegram reports each person's)."""
    state = server.state
    with state.lock:
        if message_id not in chat.messages:
            raise KeyError(f"no message {message_id} in {chat.title!r}")
        update = {
            "chat": chat.short_json(),
            "message_id": message_id,
            "user": state.add_user(user_id, first_name).user_json(),
            "date": int(state.clock()),
            "old_reaction": [{"type": "emoji", "emoji": emoji} for emoji in old],
            "new_reaction": [{"type": "emoji", "emoji": emoji} for emoji in new],
        }
        state.broadcast(chat, "message_reaction", update)
        return update
