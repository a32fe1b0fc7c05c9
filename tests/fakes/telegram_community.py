"""The fake Bot API's community side: people who write in groups, channels linked to their discussion groups,
updates (getUpdates, webhooks) and moderation (bans, restrictions). A mixin of
tests.fakes.telegram_api.TelegramState, whose ``lock`` it shares.

Facts from the Bot API docs and PLATFORMS.md: a channel post is copied into the channel's linked discussion
group as a message from Telegram (user 777000) with sender_chat = the channel, is_automatic_forward and
forward_origin {type: "channel", chat, message_id, date}; a comment carries message_thread_id = the copy's
message_id and reply_to_message (whose own reply_to_message is left out); bots do not get updates about their
own messages; banChatMember's until_date under 30 s or over 366 days away means for good; restrictChatMember
works only in supergroups, takes permissions as JSON and, without use_independent_chat_permissions, lets
can_send_other_messages / can_add_web_page_previews imply the other send rights and can_send_polls imply
can_send_messages; a restriction back to the chat's defaults makes the person a plain member again;
setWebhook wants HTTPS on port 443, 80, 88 or 8443 and a secret_token of 1–256 of A-Z, a-z, 0-9, _ and -.
The refusals "not enough rights to restrict/unrestrict chat member", "user is an administrator of the chat",
"can't remove chat owner", "method is available only for supergroups", "user not found",
"PARTICIPANT_ID_INVALID" and "bad webhook: …" are the strings clients quote; "secret token contains
unallowed characters" is a guess. Simpler than the real API: every bot in a group sees every message (as
with privacy mode off), plain http webhooks are accepted on loopback addresses (any port), and
revoke_messages deletes the person's messages at once.

Private chats: a person's private chat with a bot has the person's id; a bot may send there only after the
person started it (a "/start" message), else sendMessage answers 403 "Forbidden: bot can't initiate
conversation with a user" (the envelope clients and bug reports quote, e.g. TelegramBotAPI/errors#2); a
person who blocked the bot gets 403 "Forbidden: bot was blocked by the user" (PLATFORMS.md). Simpler than
the real API: one private chat per person shared by every bot (each bot must be started on its own; message
ids are shared), and a person the fake never saw answers 400 "chat not found".
"""

import re
from urllib.parse import urlsplit

from tests.fakes.telegram_objects import (
    PERMISSION_FLAGS,
    SEND_FLAGS,
    TELEGRAM_SERVICE_USER,
    FakeBot,
    FakeChat,
    FakeMessage,
    FakeUser,
    Membership,
    bad_request,
    default_permissions,
    int_param,
    json_value,
)
from tests.fakes.telegram_updates import UpdateQueue

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_PORTS = (443, 80, 88, 8443)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
BAN_FOREVER_BELOW, BAN_FOREVER_ABOVE = 30, 366 * 24 * 3600
# What can_send_other_messages or can_add_web_page_previews imply without use_independent_chat_permissions.
IMPLIED_BY_OTHER = [flag for flag in SEND_FLAGS if flag not in ("can_send_polls", "can_react_to_messages")]
NO_RESTRICT_RIGHT = "not enough rights to restrict/unrestrict chat member"


def truthy(value) -> bool:
    return value is True or str(value).lower() in ("true", "1")


class CommunityState:
    """People, discussion groups, updates and moderation; see the module docstring."""

    users: dict[int, FakeUser]
    queues: dict[int, UpdateQueue]

    # --- set-up, for tests ------------------------------------------------------------------------------

    def add_user(self, user_id: int, first_name: str, last_name=None, username=None) -> FakeUser:
        """A person, with their private chat (whose id is theirs): no bot may write there until the person
        starts it (``user_starts_bot``)."""
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                user = self.users[user_id] = FakeUser(user_id, first_name, last_name, username)
                self.chats[user_id] = FakeChat(user_id, "private", first_name, username)
            return user

    def user_starts_bot(self, bot: FakeBot, user_id: int, first_name: str = "Anna", **user_fields) -> dict:
        """The person opens the bot and presses Start: the bot may write to them from now on, and gets the
        "/start" message as an update."""
        with self.lock:
            user = self.add_user(user_id, first_name, **user_fields)
            chat = self.chats[user.id]
            chat.members[bot.id] = Membership("member")
            message = self.new_message(chat, text="/start", sender_user_id=user.id)
            data = self.message_json(chat, message)
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
            self.queue(bot).push("message", data)
            return data

    def user_blocks_bot(self, bot: FakeBot, user_id: int) -> None:
        """The person blocks the bot in their private chat: its messages are refused with 403."""
        with self.lock:
            self.chats[user_id].members[bot.id] = Membership("kicked")

    def private_messages(self, bot: FakeBot, user_id: int) -> list[dict]:
        """What the bot wrote to the person in their private chat."""
        with self.lock:
            chat = self.chats.get(user_id)
            mine = [m for m in chat.messages.values() if m.sender_bot_id == bot.id] if chat else []
            return [self.message_json(chat, m) for m in sorted(mine, key=lambda m: m.message_id)]

    def link_discussion(self, channel: FakeChat, group: FakeChat) -> None:
        """Make ``group`` the channel's discussion group: every channel post is copied into it."""
        if (channel.type, group.type) != ("channel", "supergroup"):
            raise ValueError("a channel's discussion group is a supergroup")
        with self.lock:
            channel.linked_chat_id, group.linked_chat_id = group.id, channel.id

    def user_says(self, chat, user_id: int, first_name: str, text: str, reply_to=None, thread_id=None,
                  **user_fields) -> dict:  # fmt: skip
        """A person writes in a group; bots in it get a "message" update. Answering a post's copy (or a
        comment under it) puts the message in that post's thread, as Telegram does. PermissionError when
        the person is banned or muted there."""
        with self.lock:
            chat = self.find_chat(chat)
            user = self.add_user(user_id, first_name, **user_fields)
            if not self.may_write(chat, user.id):
                raise PermissionError(f"user {user.id} may not write in {chat.title!r}")
            if self.membership(chat, user.id).status == "left":
                chat.members[user.id] = Membership("member")  # writing in a public group joins it
            if thread_id is None:
                thread_id = self.thread_of(chat, None if reply_to is None else int(reply_to))
            message = self.new_message(chat, text=text, sender_user_id=user.id, thread_id=thread_id,
                                       reply_to_message_id=None if reply_to is None else int(reply_to))  # fmt: skip
            data = self.message_json(chat, message)
            self.broadcast(chat, "message", data)
            return data

    def user_edits(self, chat, message_id: int, text: str) -> dict:
        """A person edits what they wrote; bots in the group get an "edited_message" update."""
        with self.lock:
            chat = self.find_chat(chat)
            message = chat.messages[message_id]
            message.text, message.edit_date = text, int(self.clock())
            data = self.message_json(chat, message)
            self.broadcast(chat, "edited_message", data)
            return data

    def thread_of(self, chat: FakeChat, reply_to: int | None) -> int | None:
        """The thread a reply joins: the post copy it answers, or the thread of the comment it answers."""
        target = chat.messages.get(reply_to) if reply_to is not None else None
        if target is None:
            return None
        return target.message_id if target.forward_origin else target.thread_id

    def copy_of(self, channel, post_id: int) -> int | None:
        """The message_id of a channel post's automatic copy in the discussion group."""
        with self.lock:
            channel = self.find_chat(channel)
            group = self.chats.get(channel.linked_chat_id)
            for message in group.messages.values() if group else ():
                if (message.forward_origin or {}).get("message_id") == post_id:
                    return message.message_id
            return None

    def push_update(self, chat, kind: str, payload: dict) -> None:
        """Queue any update (e.g. message_reaction_count) for the bots in ``chat``."""
        with self.lock:
            self.broadcast(self.find_chat(chat), kind, payload)

    def may_write(self, chat: FakeChat, user_id: int) -> bool:
        membership = self.membership(chat, user_id)
        if membership.status in ("creator", "administrator"):
            return True
        if membership.status == "kicked":
            return False
        rights = membership.rights if membership.status == "restricted" else default_permissions(chat)
        return rights.get("can_send_messages", False)

    def membership(self, chat: FakeChat, user_id: int) -> Membership:
        """The person's place in the chat now: a ban or restriction whose until_date passed has ended."""
        membership = chat.members.get(user_id) or Membership("left")
        if membership.until_date and membership.until_date <= self.clock():
            if membership.status == "kicked":
                membership = chat.members[user_id] = Membership("left")
            elif membership.status == "restricted":
                membership = chat.members[user_id] = Membership("member")
        return membership

    # --- what happens after a message is posted ---------------------------------------------------------

    def new_message(self, chat: FakeChat, sender_bot_id: int = 0, **content) -> FakeMessage:
        chat.last_message_id += 1
        message = FakeMessage(chat.last_message_id, int(self.clock()), sender_bot_id, **content)
        chat.messages[message.message_id] = message
        return message

    def announce(self, chat: FakeChat, message: FakeMessage, sender: FakeBot | None, edited=False) -> None:
        """Updates for what a bot posted or edited: to the other bots in the chat; a channel post is copied
        into (or, when edited, edited in) the linked discussion group."""
        if chat.type == "channel":
            self.broadcast(chat, "edited_channel_post" if edited else "channel_post",
                           self.message_json(chat, message), sender)  # fmt: skip
            group = self.chats.get(chat.linked_chat_id)
            if group is not None:
                self.copy_post(chat, message, group, edited)
        elif chat.type != "private":
            self.broadcast(
                chat, "edited_message" if edited else "message", self.message_json(chat, message), sender
            )

    def copy_post(self, channel: FakeChat, post: FakeMessage, group: FakeChat, edited: bool) -> None:
        copy_id = self.copy_of(channel, post.message_id)
        if copy_id is None:
            origin = {"type": "channel", "chat": channel.short_json(), "message_id": post.message_id,
                      "date": post.date}  # fmt: skip
            copy = self.new_message(group, text=post.text, caption=post.caption, photo=post.photo,
                                    media_group_id=post.media_group_id, forward_origin=origin)  # fmt: skip
        else:
            copy = group.messages[copy_id]
            copy.text, copy.caption, copy.edit_date = post.text, post.caption, int(self.clock())
        self.broadcast(
            group, "edited_message" if edited and copy_id else "message", self.message_json(group, copy)
        )

    def broadcast(self, chat: FakeChat, kind: str, payload: dict, sender: FakeBot | None = None) -> None:
        """Queue an update for every bot present in the chat except the one whose action it reports."""
        for bot in self.bots.values():
            membership = chat.members.get(bot.id)
            if bot is not sender and membership and membership.status not in ("left", "kicked"):
                self.queue(bot).push(kind, payload)

    def queue(self, bot: FakeBot) -> UpdateQueue:
        if bot.id not in self.queues:
            self.queues[bot.id] = UpdateQueue(first_update_id=(bot.id % 1000) * 10_000_000 + 1)
        return self.queues[bot.id]

    def sender_json(self, chat: FakeChat, message: FakeMessage) -> dict:
        """``from`` and ``sender_chat`` of a message as Telegram fills them."""
        if message.forward_origin:
            return {"from": TELEGRAM_SERVICE_USER, "sender_chat": message.forward_origin["chat"]}
        if chat.type == "channel":
            return {"sender_chat": chat.short_json()}
        if message.sender_user_id is not None:
            return {"from": self.users[message.sender_user_id].user_json()}
        return {
            "from": next(bot for bot in self.bots.values() if bot.id == message.sender_bot_id).user_json()
        }

    # --- the API: updates -------------------------------------------------------------------------------

    def api_getupdates(self, bot, params, uploads):
        """Runs without the state lock: a long poll waits on the bot's queue alone."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = json_value(params["allowed_updates"]) if params.get("allowed_updates") else None
        with self.lock:
            queue = self.queue(bot)
        return queue.get(offset, limit, timeout, allowed)

    def api_setwebhook(self, bot, params, uploads):
        if "url" not in params:
            raise bad_request('parameter "url" is required')
        url, secret = str(params["url"]), str(params.get("secret_token") or "")
        if url:
            parts = urlsplit(url)
            loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
            if parts.scheme != "https" and not loopback:
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if not loopback and (parts.port or 443) not in WEBHOOK_PORTS:
                raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        if "secret_token" in params and not SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = json_value(params["allowed_updates"]) if params.get("allowed_updates") else None
        self.queue(bot).set_webhook(url, secret, allowed, truthy(params.get("drop_pending_updates")))
        return True

    def api_deletewebhook(self, bot, params, uploads):
        self.queue(bot).delete_webhook(truthy(params.get("drop_pending_updates")))
        return True

    def api_getwebhookinfo(self, bot, params, uploads):
        return self.queue(bot).info()

    # --- the API: moderation ----------------------------------------------------------------------------

    def api_banchatmember(self, bot, params, uploads):
        chat, user_id = self.restriction_target(bot, params, unknown="PARTICIPANT_ID_INVALID")
        chat.members[user_id] = Membership("kicked", until_date=self.until_date(params))
        if truthy(params.get("revoke_messages")):
            for message_id in [m.message_id for m in chat.messages.values() if m.sender_user_id == user_id]:
                del chat.messages[message_id]
        return True

    def api_unbanchatmember(self, bot, params, uploads):
        chat, user_id = self.restriction_target(bot, params, unknown="PARTICIPANT_ID_INVALID")
        status = self.membership(chat, user_id).status
        if status == "kicked" or (
            status in ("member", "restricted") and not truthy(params.get("only_if_banned"))
        ):
            chat.members[user_id] = Membership("left")  # unbanning a member removes them, as Telegram does
        return True

    def api_restrictchatmember(self, bot, params, uploads):
        chat, user_id = self.restriction_target(bot, params, unknown="user not found")
        if chat.type != "supergroup":
            raise bad_request("method is available only for supergroups")
        if params.get("permissions") in (None, ""):
            raise bad_request('parameter "permissions" is required')
        given = json_value(params["permissions"])
        if not isinstance(given, dict):
            raise bad_request("can't parse permissions JSON object")
        permissions = {flag: given.get(flag) is True for flag in PERMISSION_FLAGS}
        if not truthy(params.get("use_independent_chat_permissions")):
            if permissions["can_send_other_messages"] or permissions["can_add_web_page_previews"]:
                permissions.update(dict.fromkeys(IMPLIED_BY_OTHER, True))
            if permissions["can_send_polls"]:
                permissions["can_send_messages"] = True
        defaults = default_permissions(chat)
        if all(permissions[flag] for flag, allowed in defaults.items() if allowed):
            chat.members[user_id] = Membership("member")
        else:
            chat.members[user_id] = Membership("restricted", permissions, self.until_date(params))
        return True

    def restriction_target(self, bot: FakeBot, params: dict, unknown: str) -> tuple[FakeChat, int]:
        """The chat and person to ban or restrict, once the bot's right and the person's rank allow it."""
        chat = self.chat_param(params)
        membership = self.check_present(bot, chat)
        user_id = int_param(params, "user_id", 'parameter "user_id" is required')
        if membership.status != "creator" and not (
            membership.status == "administrator" and membership.rights.get("can_restrict_members")
        ):
            raise bad_request(NO_RESTRICT_RIGHT)
        if user_id not in self.users:
            raise bad_request(unknown)
        target = self.membership(chat, user_id).status
        if target == "creator":
            raise bad_request("can't remove chat owner")
        if target == "administrator":
            raise bad_request("user is an administrator of the chat")
        return chat, user_id

    def until_date(self, params: dict) -> int:
        until = int(params.get("until_date") or 0)
        ahead = until - self.clock()
        return 0 if until and not BAN_FOREVER_BELOW <= ahead <= BAN_FOREVER_ABOVE else until
