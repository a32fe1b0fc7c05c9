"""The Telegram connector's community calls: replies, private messages, deleting comments, bans, mutes and
receiving updates.

A mixin of TelegramConnector (it uses the connector's ``_call`` and shared Bot). Every call names its chat:
a channel's comments live in its linked discussion supergroup, not in the channel the connector publishes to.
Bans and mutes are idempotent on Telegram, so none of these calls is ever AMBIGUOUS except ``reply``.
"""

from datetime import datetime

from django.utils.translation import gettext as _
from telegram import ChatMember, ChatPermissions, ReplyParameters
from telegram import error as tg

from tandem.platforms.base import ConnectorError, ErrorKind, Published

# What Tandem listens to: comments and group messages, channel posts (to find their copies), reactions (counts
# in channels, each person's in groups), membership changes, polls. message_reaction_count, message_reaction
# and chat_member arrive only when asked for by name.
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "message_reaction_count",
    "message_reaction",
    "my_chat_member",
    "chat_member",
    "poll",
)
UPDATES_LIMIT = 100


def comment_gone() -> str:
    return _("Telegram no longer lets bots delete this message (older than 48 hours or already deleted).")


def needs_delete_right() -> str:
    return _('Give the bot the "Delete messages" right in the group (make it an administrator).')


def needs_ban_right() -> str:
    return _('Give the bot the "Ban users" right in the group (make it an administrator).')


def private_refusals() -> dict[str, str]:
    """Telegram's reasons not to deliver a private message, as sentences for the user. A bot may write to a
    person only after the person started a conversation with it (pressed Start), and not once they blocked it."""
    return {
        "bot can't initiate conversation": _(
            "The person has not started a conversation with the bot, so Telegram does not let it write to them "
            "privately."
        ),
        "bot was blocked by the user": _("The person blocked the bot."),
        "user is deactivated": _("The person's Telegram account was deleted."),
        "chat not found": _("Telegram does not let the bot write to this person privately."),
        "peer_id_invalid": _("Telegram does not let the bot write to this person privately."),
    }


def restriction_refusals() -> dict[str, str]:
    """Telegram's reasons to refuse a ban or a mute, as sentences for the user."""
    return {
        "not enough rights": needs_ban_right(),
        "need administrator rights": needs_ban_right(),
        "chat_admin_required": needs_ban_right(),
        "user is an administrator": _(
            "Telegram does not let bots ban or mute an administrator of the group."
        ),
        "can't remove chat owner": _("Telegram does not let bots ban or mute the owner of the group."),
        "can't restrict self": _("The bot cannot ban or mute itself."),
        "available only for supergroups": _("Telegram lets bots mute people only in supergroups."),
        "user not found": _("Telegram does not know this person."),
        "participant_id_invalid": _("Telegram does not know this person."),
    }


class CommunityCalls:
    """Connector methods for Feature.REPLY, DELETE_COMMENT, BAN, MUTE and WEBHOOK (READ_COMMENTS is
    get_updates plus tandem.platforms.telegram.updates.parse_update)."""

    async def reply(self, chat_id: str, to_message_id: str, text: str) -> Published:
        """sendMessage in the message's thread. Refused when the message is gone rather than sent unthreaded."""
        message = await self._call(
            "send_message", sends=True, paced=True, pace_chat=str(chat_id),
            refusals={
                "message to be replied not found": _("The message to answer is no longer in the chat."),
                "not enough rights to send": _(
                    "The bot may not send messages in this group. Let it send messages or make it an "
                    "administrator."
                ),
            },
            chat_id=int(chat_id), text=text,
            reply_parameters=ReplyParameters(message_id=int(to_message_id), allow_sending_without_reply=False),
        )  # fmt: skip
        return self._published([message], "text", own_chat=False)

    async def send_private(self, user_id: str, text: str) -> Published:
        """sendMessage to the person's private chat with the bot (its id is the person's id). A refusal is
        about the person, never the channel: a 403 here does not mean the bot lost its chat."""
        refusals = private_refusals()
        try:
            message = await self._call(
                "send_message", sends=True, paced=True, pace_chat=str(user_id), refusals=refusals,
                chat_id=int(user_id), text=text,
            )  # fmt: skip
        except ConnectorError as error:
            # A 403 would otherwise read as the bot being thrown out of the channel's own chat.
            if not isinstance(error.__cause__, tg.Forbidden):
                raise
            described = error.detail.lower()
            sentence = next((said for part, said in refusals.items() if part in described), None)
            raise ConnectorError(
                ErrorKind.PERMANENT, sentence or refusals["chat not found"], detail=error.detail
            ) from error
        return self._published([message], "text", own_chat=False)

    async def delete_comment(self, chat_id: str, message_id: str) -> None:
        """deleteMessage. Telegram answers "message can't be deleted" both when the message is older than
        48 hours and when the bot lacks the right, so the bot's rights tell the two apart."""
        try:
            await self._call(
                "delete_message", sends=False, paced=False,
                refusals={"message can't be deleted": comment_gone(), "message to delete not found": comment_gone(),
                          "not enough rights": needs_delete_right()},
                chat_id=int(chat_id), message_id=int(message_id),
            )  # fmt: skip
        except ConnectorError as error:
            if "message can't be deleted" in error.detail.lower() and not await self._may_delete(chat_id):
                raise ConnectorError(
                    ErrorKind.PERMANENT, needs_delete_right(), detail=error.detail
                ) from error
            raise

    async def _may_delete(self, chat_id: str) -> bool:
        """Whether the bot may delete others' messages in the chat; True when Telegram will not say."""
        bot = (await self._shared_bot()).bot
        try:
            member = await self._call(
                "get_chat_member", sends=False, paced=False, chat_id=int(chat_id), user_id=bot.bot.id
            )
        except ConnectorError:
            return True
        return member.status == ChatMember.OWNER or bool(getattr(member, "can_delete_messages", False))

    async def ban(
        self, chat_id: str, user_id: str, until: datetime | None = None, revoke_messages: bool = False
    ) -> None:
        """banChatMember; Telegram bans for good when ``until`` is under 30 s or over 366 days away."""
        await self._call(
            "ban_chat_member", sends=False, paced=False, refusals=restriction_refusals(),
            chat_id=int(chat_id), user_id=int(user_id), until_date=until, revoke_messages=revoke_messages,
        )  # fmt: skip

    async def unban(self, chat_id: str, user_id: str) -> None:
        """unbanChatMember with only_if_banned, so a member who is not banned is not removed from the chat."""
        await self._call(
            "unban_chat_member", sends=False, paced=False, refusals=restriction_refusals(),
            chat_id=int(chat_id), user_id=int(user_id), only_if_banned=True,
        )  # fmt: skip

    async def mute(self, chat_id: str, user_id: str, until: datetime) -> None:
        """restrictChatMember with every permission off until ``until``."""
        await self._restrict(chat_id, user_id, ChatPermissions.no_permissions(), until)

    async def unmute(self, chat_id: str, user_id: str) -> None:
        """restrictChatMember back to the chat's default permissions (all, when the chat has none)."""
        chat = await self._call("get_chat", sends=False, paced=False, chat_id=int(chat_id))
        await self._restrict(chat_id, user_id, chat.permissions or ChatPermissions.all_permissions(), None)

    async def _restrict(self, chat_id: str, user_id: str, permissions: ChatPermissions, until) -> None:
        await self._call(
            "restrict_chat_member", sends=False, paced=False, refusals=restriction_refusals(),
            chat_id=int(chat_id), user_id=int(user_id), permissions=permissions, until_date=until,
            use_independent_chat_permissions=True,
        )  # fmt: skip

    async def set_webhook(self, url: str, secret: str) -> None:
        """setWebhook for ALLOWED_UPDATES; Telegram signs every delivery with ``secret`` in the
        X-Telegram-Bot-Api-Secret-Token header. Pending updates are kept and delivered."""
        await self._call(
            "set_webhook", sends=False, paced=False,
            refusals={"bad webhook": _("Telegram refused the webhook address; it must be a public HTTPS URL."),
                      "secret token": _("Telegram refused the webhook secret.")},
            url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES),
        )  # fmt: skip

    async def delete_webhook(self) -> None:
        """deleteWebhook; updates wait for get_updates from now on."""
        await self._call("delete_webhook", sends=False, paced=False)

    async def get_updates(self, offset: int | None, timeout: int = 0) -> list[dict]:
        """getUpdates, each update as Telegram's JSON object (PTB's to_dict keeps fields it does not know).
        A long poll (``timeout`` seconds) waits that much longer for the answer."""
        updates = await self._call(
            "get_updates", sends=False, paced=False,
            offset=offset, limit=UPDATES_LIMIT, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES),
        )  # fmt: skip
        return [update.to_dict() for update in updates]
