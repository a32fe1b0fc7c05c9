# ruff: noqa: F811  (the telegram_server fixture is imported, then requested by name)
"""TelegramConnector: the real python-telegram-bot client against the loopback fake, over real HTTP.

Every error-mapping row is provoked on the fake, and the fake's own record of messages proves what was
really posted (a lost or doubled post shows there)."""

import asyncio
import itertools
import time

import pytest
from PIL import Image

from tandem.core import aio
from tandem.platforms import pacing
from tandem.platforms.base import ErrorKind, Feature, MediaFile, OutgoingPost, Published
from tandem.platforms.telegram import bots, connector
from tandem.platforms.telegram.connector import TelegramConnector
from tests.fakes.telegram import telegram_server  # noqa: F401
from tests.platforms.helpers import failure

REAL_INTERVALS = {
    "BOT_INTERVAL": TelegramConnector.BOT_INTERVAL,
    "CHAT_INTERVAL": TelegramConnector.CHAT_INTERVAL,
    "GROUP_CHAT_INTERVAL": TelegramConnector.GROUP_CHAT_INTERVAL,
}


@pytest.fixture(autouse=True)
def quick_pacing(monkeypatch):
    """Pacing at Telegram's real 1 s per chat would make this module slow; the tests that check pacing set
    their own intervals. Reservations and learned chats are per process, so each test starts clean."""
    monkeypatch.setattr(TelegramConnector, "CHAT_INTERVAL", 0.0)
    monkeypatch.setattr(TelegramConnector, "GROUP_CHAT_INTERVAL", 0.0)
    monkeypatch.setattr(TelegramConnector, "BOT_INTERVAL", 0.0)
    pacing.reset()
    connector.forget_known_chats()
    yield
    pacing.reset()
    connector.forget_known_chats()


@pytest.fixture
def connect(telegram_server):
    """``connect(bot, chat_ref)`` makes a connector to the fake; all are closed before the server stops."""
    made = []

    def make(bot, chat_ref) -> TelegramConnector:
        made.append(TelegramConnector(bot.token, str(chat_ref), api_url=telegram_server.url))
        return made[-1]

    yield make
    for each in made:
        aio.run(each.close())


@pytest.fixture
def channel(telegram_server):
    """A public channel where the bot is an administrator that may post, edit and delete."""
    bot = telegram_server.add_bot(username="acme_poster_bot")
    chat = telegram_server.add_chat("channel", "Acme News", username="acme_news")
    telegram_server.set_member(bot, chat, "administrator")
    return bot, chat


def image(tmp_path, name: str, fmt: str, color: str = "red") -> MediaFile:
    path = tmp_path / name
    Image.new("RGB", (64, 48), color).save(path, fmt)
    return MediaFile(path=path, mime=f"image/{fmt.lower()}", name=name)


# --- verify --------------------------------------------------------------------------------------------


def test_verify_returns_the_channel_and_the_bots_rights(channel, connect):
    bot, chat = channel
    info = aio.run(connect(bot, "@acme_news").verify())
    assert info.external_id == str(chat.id)
    assert (info.title, info.username) == ("Acme News", "acme_news")
    assert info.extra == {
        "type": "channel",
        "bot_username": "acme_poster_bot",
        "bot_id": bot.id,
        "can_delete_messages": True,
        "can_edit_messages": True,
        "linked_chat_id": None,
    }


def test_verify_refuses_a_token_telegram_does_not_accept(telegram_server, channel, connect):
    bot, chat = channel
    telegram_server.revoke_token(bot)
    error = failure(connect(bot, chat.id).verify())
    assert error.kind == ErrorKind.PERMANENT and error.channel_broken
    assert error.message == "Telegram does not accept this bot token. Copy it again from @BotFather."
    assert bot.token not in str(error)


def test_verify_says_telegram_does_not_know_the_chat(telegram_server, channel, connect):
    bot, chat = channel
    telegram_server.delete_chat(chat)
    error = failure(connect(bot, chat.id).verify())
    assert error.kind == ErrorKind.PERMANENT and error.channel_broken
    assert error.message == (
        "Telegram does not know this chat. Check the chat id or @username, and that the bot was added to it."
    )


def test_verify_names_the_missing_right_to_post(telegram_server, channel, connect):
    bot, chat = channel
    telegram_server.set_member(bot, chat, "administrator", can_post_messages=False)
    error = failure(connect(bot, chat.id).verify())
    assert error.channel_broken
    assert "Make the bot an administrator of the channel with the right to post messages." in error.message
    assert "may not post" in error.message


def test_verify_refuses_a_channel_where_the_bot_is_no_administrator(telegram_server, channel, connect):
    bot, chat = channel
    telegram_server.remove_bot(bot, chat)
    error = failure(connect(bot, "@acme_news").verify())  # a public channel stays visible by @username
    assert error.channel_broken
    assert "is not an administrator" in error.message


def test_verify_accepts_a_group_member_and_refuses_a_group_the_bot_left(telegram_server, connect):
    bot = telegram_server.add_bot()
    group = telegram_server.add_chat("supergroup", "Acme Chat", username="acme_chat")
    telegram_server.set_member(bot, group, "member")
    info = aio.run(connect(bot, group.id).verify())
    assert info.extra["type"] == "supergroup" and info.extra["can_delete_messages"] is False
    assert info.extra["can_restrict_members"] is False and info.extra["linked_chat_id"] is None
    telegram_server.remove_bot(bot, group)
    error = failure(connect(bot, group.id).verify())
    assert error.channel_broken and "not a member of this group" in error.message


# --- publish, edit, delete -----------------------------------------------------------------------------


def test_publish_text_posts_one_message_with_its_link(telegram_server, channel, connect):
    bot, chat = channel
    published = aio.run(connect(bot, "@acme_news").publish(OutgoingPost(text="Fresh beans <b>today</b> ☕")))
    [message] = telegram_server.messages(chat)
    assert message["text"] == "Fresh beans <b>today</b> ☕"  # sent as plain text, not markup
    assert published.external_id == str(message["message_id"])
    assert published.url == f"https://t.me/acme_news/{message['message_id']}"
    assert published.extra == {"kind": "text", "chat_id": chat.id, "message_ids": [message["message_id"]]}


def test_a_private_channel_links_by_its_id(telegram_server, connect):
    bot = telegram_server.add_bot()
    chat = telegram_server.add_chat("channel", "Team only")
    telegram_server.set_member(bot, chat, "administrator")
    published = aio.run(connect(bot, chat.id).publish(OutgoingPost(text="hello")))
    assert published.url == f"https://t.me/c/{str(chat.id).removeprefix('-100')}/1"


def test_publish_one_image_sends_a_photo_with_the_caption(telegram_server, channel, connect, tmp_path):
    bot, chat = channel
    post = OutgoingPost(text="New mugs", media=(image(tmp_path, "mug.png", "PNG"),))
    published = aio.run(connect(bot, chat.id).publish(post))
    [message] = telegram_server.messages(chat)
    assert message["caption"] == "New mugs"
    assert (message["photo"][-1]["width"], message["photo"][-1]["height"]) == (64, 48)
    assert published.extra["kind"] == "photo"
    assert telegram_server.stats.by_method["sendphoto"] == 1


def test_publish_three_images_sends_one_album_with_the_caption_first(
    telegram_server, channel, connect, tmp_path
):
    bot, chat = channel
    media = (
        image(tmp_path, "a.jpg", "JPEG", "red"),
        image(tmp_path, "b.png", "PNG", "green"),
        image(tmp_path, "c.jpg", "JPEG", "blue"),
    )
    published = aio.run(connect(bot, chat.id).publish(OutgoingPost(text="Our shop", media=media)))
    messages = telegram_server.messages(chat)
    assert [m.get("caption") for m in messages] == ["Our shop", None, None]
    assert len({m["media_group_id"] for m in messages}) == 1
    assert published.extra["message_ids"] == [m["message_id"] for m in messages]
    assert published.extra["kind"] == "album" and published.external_id == str(messages[0]["message_id"])
    assert telegram_server.stats.by_method["sendmediagroup"] == 1


def test_a_caption_over_1024_is_refused_before_anything_is_sent(telegram_server, channel, connect, tmp_path):
    bot, chat = channel
    post = OutgoingPost(text="😀" * 513, media=(image(tmp_path, "a.png", "PNG"),))  # 1026 UTF-16 units
    error = failure(connect(bot, chat.id).publish(post))
    assert error.kind == ErrorKind.PERMANENT and not error.channel_broken
    assert error.message == "The text is too long for a caption (1024)."
    assert telegram_server.stats.by_method["sendphoto"] == 0


def test_edit_changes_text_and_caption_and_an_unchanged_edit_succeeds(
    telegram_server, channel, connect, tmp_path
):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    text_post = aio.run(telegram.publish(OutgoingPost(text="Opening at 9")))
    photo_post = aio.run(
        telegram.publish(OutgoingPost(text="Look", media=(image(tmp_path, "a.png", "PNG"),)))
    )
    aio.run(telegram.edit(text_post, OutgoingPost(text="Opening at 10")))
    aio.run(telegram.edit(photo_post, OutgoingPost(text="Look again")))
    assert aio.run(telegram.edit(text_post, OutgoingPost(text="Opening at 10"))) == text_post  # not modified
    first, second = telegram_server.messages(chat)
    assert (first["text"], second["caption"]) == ("Opening at 10", "Look again")
    assert "edit_date" in first and "edit_date" in second


def test_delete_removes_every_message_of_an_album_and_tolerates_gone_ones(
    telegram_server, channel, connect, tmp_path
):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    media = (image(tmp_path, "a.png", "PNG"), image(tmp_path, "b.png", "PNG"))
    album = aio.run(telegram.publish(OutgoingPost(text="two", media=media)))
    aio.run(telegram.delete(album))
    assert telegram_server.messages(chat) == []
    aio.run(telegram.delete(album))  # "message to delete not found" counts as done


def test_delete_of_a_message_older_than_48_hours_is_refused_with_a_reason(telegram_server, channel, connect):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    published = aio.run(telegram.publish(OutgoingPost(text="old news")))
    telegram_server.set_message_date(chat, int(published.external_id), time.time() - 49 * 3600)
    error = failure(telegram.delete(published))
    assert error.kind == ErrorKind.PERMANENT and not error.channel_broken
    assert "only lets bots delete messages younger than 48 hours" in error.message
    assert len(telegram_server.messages(chat)) == 1


def test_find_published_is_not_supported(channel, connect):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    assert Feature.RECONCILE not in telegram.features and Feature.HIDE_COMMENT not in telegram.features
    with pytest.raises(NotImplementedError):
        aio.run(telegram.find_published("delivery-1"))


# --- error mapping -------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # raised inside PTB itself
def test_429_is_rate_limited_with_retry_after_and_holds_back_other_sends(telegram_server, channel, connect):
    bot, chat = channel
    telegram_server.fail_next(status=429, retry_after=3, method="sendMessage")
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="hi")))
    assert (error.kind, error.retry_after) == (ErrorKind.RATE_LIMITED, 3.0)
    assert telegram_server.messages(chat) == []
    # Other sends through this bot or to this chat wait out the retry_after too.
    assert pacing.reserve(f"telegram-chat:{chat.id}", 0) > 2.5
    assert pacing.reserve(f"telegram-bot:{bot.id}", 0) > 2.5


@pytest.mark.parametrize("status", [500, 502])
def test_a_telegram_server_error_is_transient(telegram_server, channel, connect, status):
    bot, chat = channel
    telegram_server.fail_next(status=status, method="sendMessage")
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="hi")))
    assert error.kind == ErrorKind.TRANSIENT and not error.channel_broken
    assert telegram_server.messages(chat) == []


def test_a_revoked_token_breaks_the_channel(telegram_server, channel, connect):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    aio.run(telegram.publish(OutgoingPost(text="before")))
    telegram_server.revoke_token(bot)
    error = failure(telegram.publish(OutgoingPost(text="after")))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, True)
    assert "@BotFather" in error.message


@pytest.mark.parametrize("kind", ["removed", "banned"])
def test_a_bot_removed_from_the_channel_breaks_it(telegram_server, channel, connect, kind):
    bot, chat = channel
    telegram_server.remove_bot(bot, chat, banned=kind == "banned")
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="hi")))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, True)
    assert "not a member of the channel" in error.detail


def test_a_deleted_chat_breaks_the_channel(telegram_server, channel, connect):
    bot, chat = channel
    telegram_server.delete_chat(chat)
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="hi")))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, True)
    assert error.message.startswith("Telegram does not know this chat.")


def test_a_group_upgraded_to_a_supergroup_names_the_new_chat_id(telegram_server, connect):
    bot = telegram_server.add_bot()
    group = telegram_server.add_chat("group", "Old group")
    telegram_server.set_member(bot, group, "member")
    supergroup = telegram_server.migrate_group(group)
    error = failure(connect(bot, group.id).publish(OutgoingPost(text="hi")))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, True)
    assert str(supergroup.id) in error.message


def test_a_text_telegram_finds_too_long_is_refused_without_breaking_the_channel(
    telegram_server, channel, connect
):
    bot, chat = channel
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="x" * 4097)))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
    assert "too long" in error.detail.lower()


def test_a_connection_dropped_after_the_request_is_ambiguous_and_the_post_is_there(
    telegram_server, channel, connect
):
    bot, chat = channel
    telegram_server.drop_after_read(method="sendMessage")
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="did it go out?")))
    assert error.kind == ErrorKind.AMBIGUOUS
    assert "RemoteProtocolError" in error.detail
    assert [m["text"] for m in telegram_server.messages(chat)] == ["did it go out?"]


def test_a_read_timeout_after_the_request_is_ambiguous(telegram_server, channel, connect, monkeypatch):
    bot, chat = channel
    monkeypatch.setattr(TelegramConnector, "READ_TIMEOUT", 0.3)
    telegram_server.hang(method="sendMessage", seconds=2)
    error = failure(connect(bot, chat.id).publish(OutgoingPost(text="slow")))
    assert error.kind == ErrorKind.AMBIGUOUS and "ReadTimeout" in error.detail
    assert len(telegram_server.messages(chat)) == 1


def test_a_dropped_edit_is_transient_because_editing_again_is_harmless(telegram_server, channel, connect):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    published = aio.run(telegram.publish(OutgoingPost(text="v1")))
    telegram_server.drop_after_read(method="editMessageText")
    error = failure(telegram.edit(published, OutgoingPost(text="v2")))
    assert error.kind == ErrorKind.TRANSIENT


def test_a_refused_connection_is_transient_and_nothing_is_posted(telegram_server, channel, connect):
    bot, chat = channel
    telegram = connect(bot, chat.id)
    aio.run(telegram.publish(OutgoingPost(text="first")))  # a keep-alive connection is now pooled
    telegram_server.stop()
    error = failure(telegram.publish(OutgoingPost(text="second")))
    assert error.kind == ErrorKind.TRANSIENT and "ConnectError" in error.detail
    fresh = failure(connect(bot, chat.id).publish(OutgoingPost(text="third")))  # refused at getMe already
    assert fresh.kind == ErrorKind.TRANSIENT
    telegram_server.start()
    assert [m["text"] for m in telegram_server.messages(chat)] == ["first"]
    aio.run(telegram.publish(OutgoingPost(text="back")))  # the same connector recovers on the same port
    assert len(telegram_server.messages(chat)) == 2


# --- pacing and sharing --------------------------------------------------------------------------------


def test_sends_to_one_chat_are_spaced_by_the_chat_interval(telegram_server, channel, connect, monkeypatch):
    bot, chat = channel
    monkeypatch.setattr(TelegramConnector, "CHAT_INTERVAL", 0.05)
    telegram = connect(bot, chat.id)

    async def five():
        await asyncio.gather(*(telegram.publish(OutgoingPost(text=f"#{n}")) for n in range(5)))

    aio.run(five())
    sent = [call.received_at for call in telegram_server.calls if call.method == "sendmessage"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert len(sent) == 5 and min(gaps) >= 0.04, gaps


def test_sixty_concurrent_sends_through_one_bot_stay_under_telegrams_limits(
    telegram_server, connect, monkeypatch
):
    for name, value in REAL_INTERVALS.items():
        monkeypatch.setattr(TelegramConnector, name, value)
    telegram_server.rate_limits = True
    bot = telegram_server.add_bot()
    chats = [telegram_server.add_chat("channel", f"Chat {n}") for n in range(60)]
    for chat in chats:
        telegram_server.set_member(bot, chat, "administrator")
    connectors = [connect(bot, chat.id) for chat in chats]

    async def send_all():
        return await asyncio.gather(*(c.publish(OutgoingPost(text="launch day")) for c in connectors))

    started = time.monotonic()
    published = aio.run(send_all())
    assert all(isinstance(p, Published) for p in published)
    assert telegram_server.stats.rate_limited == 0 and telegram_server.stats.by_status[429] == 0
    assert all(len(telegram_server.messages(chat)) == 1 for chat in chats)
    assert time.monotonic() - started >= 59 / 30 - 0.1  # paced at 30/s, not in one burst


def test_connectors_on_one_loop_share_one_bot_until_the_last_closes(telegram_server, channel, connect):
    bot, chat = channel
    first, second = connect(bot, chat.id), connect(bot, "@acme_news")

    async def both():
        await asyncio.gather(first.publish(OutgoingPost(text="a")), second.publish(OutgoingPost(text="b")))
        return bots.shared_bots()

    shared = aio.run(both())
    assert len([key for key in shared if key[0] == bot.token]) == 1
    assert telegram_server.stats.by_method["getme"] == 1  # initialized once
    aio.run(first.close())
    aio.run(second.publish(OutgoingPost(text="c")))  # still open for the other connector
    aio.run(second.close())
    assert not [key for key in aio.run(_shared_now()) if key[0] == bot.token]


async def _shared_now():
    return bots.shared_bots()


def test_groups_are_paced_at_twenty_messages_a_minute(telegram_server, connect, monkeypatch):
    monkeypatch.setattr(TelegramConnector, "GROUP_CHAT_INTERVAL", 0.1)
    bot = telegram_server.add_bot()
    group = telegram_server.add_chat("supergroup", "Acme Chat")
    telegram_server.set_member(bot, group, "member")
    telegram = connect(bot, group.id)
    aio.run(telegram.verify())  # now the connector knows the chat is a group

    async def three():
        await asyncio.gather(*(telegram.publish(OutgoingPost(text=f"#{n}")) for n in range(3)))

    aio.run(three())
    sent = [call.received_at for call in telegram_server.calls if call.method == "sendmessage"]
    assert min(later - earlier for earlier, later in itertools.pairwise(sent)) >= 0.09
