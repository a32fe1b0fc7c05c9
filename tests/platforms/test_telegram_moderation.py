# ruff: noqa: F811  (the telegram_server fixture is imported, then requested by name)
"""TelegramConnector's community calls against the loopback fake over real HTTP: replies in a post's thread,
deleting comments, bans and mutes, webhooks and getUpdates. A channel with a linked discussion group, where
the bot is an administrator, is the stage; the fake's own records show what really happened."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tandem.core import aio
from tandem.platforms import pacing
from tandem.platforms.base import ErrorKind, Feature, OutgoingPost
from tandem.platforms.telegram import connector
from tandem.platforms.telegram.connector import TelegramConnector
from tandem.platforms.telegram.updates import parse_update
from tests.fakes.telegram import telegram_server  # noqa: F401
from tests.fakes.telegram_objects import Membership
from tests.platforms.helpers import eventually, failure

ANNA, BORIS = 1001, 1002


@pytest.fixture(autouse=True)
def quick_pacing(monkeypatch):
    for name in ("CHAT_INTERVAL", "GROUP_CHAT_INTERVAL", "BOT_INTERVAL"):
        monkeypatch.setattr(TelegramConnector, name, 0.0)
    pacing.reset()
    connector.forget_known_chats()
    yield
    pacing.reset()
    connector.forget_known_chats()


class Stage:
    """A channel, its discussion group and a connector for the channel; ``post()`` publishes through the
    connector and returns the id of the post's copy in the group, where comments go."""

    def __init__(self, server):
        self.server = server
        self.bot = server.add_bot(username="acme_poster_bot")
        self.channel = server.add_chat("channel", "Acme News", username="acme_news")
        self.group = server.add_chat("supergroup", "Acme News Chat")
        server.set_member(self.bot, self.channel, "administrator")
        server.set_member(self.bot, self.group, "administrator")
        server.link_discussion(self.channel, self.group)
        self.telegram = TelegramConnector(self.bot.token, str(self.channel.id), api_url=server.url)

    def post(self, text: str = "Fresh beans today") -> int:
        published = aio.run(self.telegram.publish(OutgoingPost(text=text)))
        return self.server.copy_of(self.channel, int(published.external_id))

    def comment(self, user_id: int, text: str, reply_to: int, name: str = "Anna") -> int:
        return self.server.user_says(self.group, user_id, name, text, reply_to=reply_to)["message_id"]


@pytest.fixture
def stage(telegram_server):
    made = Stage(telegram_server)
    yield made
    aio.run(made.telegram.close())


def test_telegram_offers_comments_and_moderation_but_no_hiding():
    wanted = {
        Feature.READ_COMMENTS,
        Feature.REPLY,
        Feature.DELETE_COMMENT,
        Feature.BAN,
        Feature.MUTE,
        Feature.WEBHOOK,
        Feature.PRIVATE_MESSAGE,
    }
    assert wanted <= TelegramConnector.features and Feature.HIDE_COMMENT not in TelegramConnector.features


def test_verify_names_the_bot_and_the_channels_discussion_group(stage, telegram_server):
    info = aio.run(stage.telegram.verify())
    assert (info.extra["bot_id"], info.extra["linked_chat_id"]) == (stage.bot.id, stage.group.id)
    assert info.extra["discussion"] == {
        "member": True,
        "can_delete_messages": True,
        "can_restrict_members": True,
    }
    group = TelegramConnector(stage.bot.token, str(stage.group.id), api_url=telegram_server.url)
    extra = aio.run(group.verify()).extra
    assert extra["can_restrict_members"] is True and extra["linked_chat_id"] is None
    aio.run(group.close())


def test_verify_reports_what_the_bot_may_not_do_in_the_discussion_group(stage, telegram_server):
    telegram_server.set_member(stage.bot, stage.group, "member")
    assert aio.run(stage.telegram.verify()).extra["discussion"] == {
        "member": True,
        "can_delete_messages": False,
        "can_restrict_members": False,
    }
    telegram_server.set_member(stage.bot, stage.group, "left")
    assert aio.run(stage.telegram.verify()).extra["discussion"]["member"] is False


# --- reply ---------------------------------------------------------------------------------------------


def test_a_reply_goes_into_the_posts_thread_under_the_comment(stage, telegram_server):
    copy_id = stage.post()
    comment_id = stage.comment(ANNA, "Where can I buy them?", reply_to=copy_id)
    published = aio.run(
        stage.telegram.reply(str(stage.group.id), str(comment_id), "At the shop on Main Street")
    )
    reply = telegram_server.messages(stage.group)[-1]
    assert reply["text"] == "At the shop on Main Street" and reply["from"]["id"] == stage.bot.id
    assert reply["reply_to_message"]["message_id"] == comment_id and reply["message_thread_id"] == copy_id
    assert published.external_id == str(reply["message_id"]) and published.extra["chat_id"] == stage.group.id
    # The group was not mistaken for the channel: the next post still goes to the channel.
    aio.run(stage.telegram.publish(OutgoingPost(text="Next post")))
    assert telegram_server.messages(stage.channel)[-1]["text"] == "Next post"


def test_a_reply_to_a_message_that_is_gone_is_refused_and_not_sent_unthreaded(stage, telegram_server):
    stage.post()
    before = len(telegram_server.messages(stage.group))
    error = failure(stage.telegram.reply(str(stage.group.id), "999", "Hello?"))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
    assert error.message == "The message to answer is no longer in the chat."
    assert len(telegram_server.messages(stage.group)) == before


# --- send_private --------------------------------------------------------------------------------------


def test_a_private_message_reaches_a_person_who_started_the_bot(stage, telegram_server):
    stage.comment(ANNA, "Hi", reply_to=stage.post())
    telegram_server.user_starts_bot(stage.bot, ANNA)
    published = aio.run(stage.telegram.send_private(str(ANNA), "Please be kind."))
    sent = telegram_server.private_messages(stage.bot, ANNA)
    assert [m["text"] for m in sent] == ["Please be kind."] and sent[0]["chat"]["type"] == "private"
    assert published.external_id == str(sent[0]["message_id"]) and published.extra["chat_id"] == ANNA
    assert published.url == ""  # private chats have no message links
    # The person's chat was not mistaken for the channel: the next post still goes to the channel.
    aio.run(stage.telegram.publish(OutgoingPost(text="Next post")))
    assert telegram_server.messages(stage.channel)[-1]["text"] == "Next post"


@pytest.mark.parametrize(
    "setup,message,detail",
    [
        (
            lambda server, bot: None,
            "The person has not started a conversation with the bot",
            "Forbidden: bot can't initiate conversation with a user",
        ),
        (
            lambda server, bot: (server.user_starts_bot(bot, ANNA), server.user_blocks_bot(bot, ANNA)),
            "The person blocked the bot.",
            "Forbidden: bot was blocked by the user",
        ),
    ],
)
def test_a_refused_private_message_is_about_the_person_not_the_channel(
    stage, telegram_server, setup, message, detail
):
    stage.comment(ANNA, "Hi", reply_to=stage.post())
    setup(telegram_server, stage.bot)
    error = failure(stage.telegram.send_private(str(ANNA), "Please be kind."))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
    assert error.message.startswith(message) and error.detail == detail
    assert telegram_server.private_messages(stage.bot, ANNA) == []


def test_a_person_telegram_does_not_know_is_refused_without_breaking_the_channel(stage):
    error = failure(stage.telegram.send_private("31337", "Hello"))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
    assert error.message == "Telegram does not let the bot write to this person privately."


# --- delete_comment ------------------------------------------------------------------------------------


def test_delete_comment_removes_the_comment(stage, telegram_server):
    comment_id = stage.comment(ANNA, "spam spam", reply_to=stage.post())
    aio.run(stage.telegram.delete_comment(str(stage.group.id), str(comment_id)))
    assert comment_id not in [m["message_id"] for m in telegram_server.messages(stage.group)]


@pytest.mark.parametrize("why", ["too old", "already deleted"])
def test_a_comment_telegram_no_longer_lets_go_is_refused_with_the_reason(stage, telegram_server, why):
    comment_id = stage.comment(ANNA, "old words", reply_to=stage.post())
    if why == "too old":
        telegram_server.set_message_date(stage.group, comment_id, time.time() - 49 * 3600)
    else:
        aio.run(stage.telegram.delete_comment(str(stage.group.id), str(comment_id)))
    error = failure(stage.telegram.delete_comment(str(stage.group.id), str(comment_id)))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
    assert error.message == (
        "Telegram no longer lets bots delete this message (older than 48 hours or already deleted)."
    )


def test_without_the_delete_right_the_error_says_which_right_to_give(stage, telegram_server):
    comment_id = stage.comment(ANNA, "rude words", reply_to=stage.post())
    telegram_server.set_member(stage.bot, stage.group, "administrator", can_delete_messages=False)
    error = failure(stage.telegram.delete_comment(str(stage.group.id), str(comment_id)))
    assert error.kind == ErrorKind.PERMANENT and not error.channel_broken
    assert (
        error.message == 'Give the bot the "Delete messages" right in the group (make it an administrator).'
    )
    assert "message can't be deleted" in error.detail.lower()
    assert len([m for m in telegram_server.messages(stage.group) if m["message_id"] == comment_id]) == 1


# --- ban and mute --------------------------------------------------------------------------------------


def test_ban_until_a_date_keeps_the_person_out_and_unban_lets_them_back(stage, telegram_server):
    copy_id = stage.post()
    stage.comment(ANNA, "first", reply_to=copy_id)
    until = datetime.now(UTC) + timedelta(days=1)
    aio.run(stage.telegram.ban(str(stage.group.id), str(ANNA), until=until))
    member = telegram_server.member(stage.group, ANNA)
    assert (member.status, member.until_date) == ("kicked", int(until.timestamp()))
    with pytest.raises(PermissionError):
        stage.comment(ANNA, "I'm back", reply_to=copy_id)
    assert len(telegram_server.messages(stage.group)) == 2  # her earlier comment stays
    aio.run(stage.telegram.unban(str(stage.group.id), str(ANNA)))
    assert telegram_server.member(stage.group, ANNA).status == "left"
    stage.comment(ANNA, "sorry", reply_to=copy_id)


def test_ban_for_good_can_delete_everything_the_person_wrote(stage, telegram_server):
    copy_id = stage.post()
    stage.comment(BORIS, "buy crypto", reply_to=copy_id, name="Boris")
    stage.comment(BORIS, "buy more crypto", reply_to=copy_id, name="Boris")
    aio.run(stage.telegram.ban(str(stage.group.id), str(BORIS), revoke_messages=True))
    assert telegram_server.member(stage.group, BORIS).until_date == 0
    assert [m["message_id"] for m in telegram_server.messages(stage.group)] == [copy_id]


def test_unban_leaves_a_person_who_is_not_banned_in_the_group(stage, telegram_server):
    stage.comment(ANNA, "hello", reply_to=stage.post())
    aio.run(stage.telegram.unban(str(stage.group.id), str(ANNA)))
    assert telegram_server.member(stage.group, ANNA).status == "member"


def test_mute_takes_the_voice_until_the_date_and_unmute_gives_it_back(stage, telegram_server):
    copy_id = stage.post()
    stage.comment(ANNA, "loud", reply_to=copy_id)
    until = datetime.now(UTC) + timedelta(hours=1)
    aio.run(stage.telegram.mute(str(stage.group.id), str(ANNA), until))
    member = telegram_server.member(stage.group, ANNA)
    assert (member.status, member.until_date) == ("restricted", int(until.timestamp()))
    assert not any(member.rights.values())
    with pytest.raises(PermissionError):
        stage.comment(ANNA, "still loud", reply_to=copy_id)
    aio.run(stage.telegram.unmute(str(stage.group.id), str(ANNA)))
    assert telegram_server.member(stage.group, ANNA).status == "member"
    stage.comment(ANNA, "quieter now", reply_to=copy_id)


def test_a_mute_ends_by_itself_at_its_until_date(stage, telegram_server):
    copy_id = stage.post()
    stage.comment(ANNA, "loud", reply_to=copy_id)
    aio.run(stage.telegram.mute(str(stage.group.id), str(ANNA), datetime.now(UTC) + timedelta(hours=1)))
    telegram_server.state.clock = lambda: time.time() + 2 * 3600
    stage.comment(ANNA, "two hours later", reply_to=copy_id)


def test_ban_and_mute_without_the_right_say_which_right_to_give(stage, telegram_server):
    stage.comment(ANNA, "hi", reply_to=stage.post())
    telegram_server.set_member(stage.bot, stage.group, "administrator", can_restrict_members=False)
    until = datetime.now(UTC) + timedelta(hours=1)
    for call in (
        stage.telegram.ban(str(stage.group.id), str(ANNA)),
        stage.telegram.mute(str(stage.group.id), str(ANNA), until),
    ):
        error = failure(call)
        assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
        assert error.message == 'Give the bot the "Ban users" right in the group (make it an administrator).'
    assert telegram_server.member(stage.group, ANNA).status == "member"


def test_administrators_cannot_be_banned_and_basic_groups_cannot_mute(stage, telegram_server):
    telegram_server.state.add_user(ANNA, "Anna")
    stage.group.members[ANNA] = Membership("administrator")
    error = failure(stage.telegram.ban(str(stage.group.id), str(ANNA)))
    assert error.message == "Telegram does not let bots ban or mute an administrator of the group."
    basic = telegram_server.add_chat("group", "Old group")
    telegram_server.set_member(stage.bot, basic, "administrator")
    telegram_server.user_says(basic, BORIS, "Boris", "hi")
    error = failure(stage.telegram.mute(str(basic.id), str(BORIS), datetime.now(UTC) + timedelta(hours=1)))
    assert error.message == "Telegram lets bots mute people only in supergroups."


# --- updates -------------------------------------------------------------------------------------------


def test_get_updates_returns_raw_updates_until_an_offset_confirms_them(stage, telegram_server):
    copy_id = stage.post()
    comment_id = stage.comment(ANNA, "Where can I buy them?", reply_to=copy_id)
    updates = aio.run(stage.telegram.get_updates(None))
    assert json.loads(json.dumps(updates)) == updates  # storable as they are
    copy, comment = (parse_update(update) for update in updates)
    assert copy.kind == "post_copy" and copy.post_copy.message_id == str(copy_id)
    assert copy.post_copy.post_chat_id == str(stage.channel.id)
    assert comment.kind == "message" and comment.message.message_id == str(comment_id)
    assert (comment.message.thread_id, comment.message.post_chat_id) == (str(copy_id), str(stage.channel.id))
    assert comment.message.sender.display_name == "Anna"
    assert aio.run(stage.telegram.get_updates(None)) == updates  # not confirmed yet
    second = aio.run(stage.telegram.get_updates(updates[0]["update_id"] + 1))
    assert second == updates[1:]
    assert aio.run(stage.telegram.get_updates(updates[1]["update_id"] + 1)) == []
    assert telegram_server.pending_updates(stage.bot) == []


def test_a_long_poll_returns_as_soon_as_someone_writes(stage, telegram_server):
    copy_id = stage.post()
    [copy] = aio.run(stage.telegram.get_updates(None))
    offset = copy["update_id"] + 1
    threading.Timer(0.3, stage.comment, (ANNA, "late comment", copy_id)).start()
    started = time.monotonic()
    [update] = aio.run(stage.telegram.get_updates(offset, timeout=5))
    assert 0.2 < time.monotonic() - started < 3
    assert update["message"]["text"] == "late comment"


def test_get_updates_is_refused_while_a_webhook_is_set(stage, telegram_server):
    aio.run(stage.telegram.set_webhook("https://tandem.example/telegram/hook", "s3cret_-token"))
    assert telegram_server.state.queue(stage.bot).info()["url"] == "https://tandem.example/telegram/hook"
    error = failure(stage.telegram.get_updates(None))
    assert (error.kind, error.channel_broken) == (ErrorKind.PERMANENT, False)
    assert "webhook is set" in error.message and "webhook is active" in error.detail
    aio.run(stage.telegram.delete_webhook())
    assert aio.run(stage.telegram.get_updates(None)) == []


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        (
            "http://tandem.example/hook",
            "secret",
            "Telegram refused the webhook address; it must be a public HTTPS URL.",
        ),
        ("https://tandem.example/hook", "no spaces allowed", "Telegram refused the webhook secret."),
    ],
)
def test_a_webhook_telegram_refuses_is_permanent(stage, url, secret, message):
    error = failure(stage.telegram.set_webhook(url, secret))
    assert (error.kind, error.message) == (ErrorKind.PERMANENT, message)


class Receiver:
    """A tiny HTTP server standing in for Tandem's webhook view: records each POST, answers ``statuses``
    in turn (then 200)."""

    def __init__(self):
        self.received: list[tuple[str | None, dict]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    (self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body))
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/telegram/hook"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.httpd.shutdown()
    made.httpd.server_close()


def test_the_webhook_gets_each_update_with_the_secret_and_failures_are_retried(
    stage, telegram_server, receiver
):
    aio.run(stage.telegram.set_webhook(receiver.url, "s3cret"))
    receiver.statuses = [500, 503]
    copy_id = stage.post()
    comment_id = stage.comment(ANNA, "Lovely", reply_to=copy_id)
    assert eventually(lambda: len(telegram_server.webhook_deliveries(stage.bot)) == 4)
    secrets = {secret for secret, _ in receiver.received}
    bodies = [body for _, body in receiver.received]
    assert secrets == {"s3cret"}
    assert [body["message"]["message_id"] for body in bodies] == [copy_id, copy_id, copy_id, comment_id]
    deliveries = telegram_server.webhook_deliveries(stage.bot)
    assert [(d.attempt, d.status) for d in deliveries] == [(1, 500), (2, 503), (3, 200), (1, 200)]
    assert telegram_server.pending_updates(stage.bot) == []
    info = telegram_server.state.queue(stage.bot).info()
    assert info["pending_update_count"] == 0 and "503" in info["last_error_message"]


def test_a_second_reader_of_the_same_bot_ends_the_first_with_a_transient_error(stage):
    outcome = []

    def long_poll():
        try:
            outcome.append(aio.run(stage.telegram.get_updates(None, timeout=5)))
        except Exception as error:  # the error is the outcome under test
            outcome.append(error)
        finally:
            aio.run(stage.telegram.close())  # this thread's loop has its own share of the Bot

    reader = threading.Thread(target=long_poll)
    reader.start()
    assert eventually(lambda: stage.server.state.queue(stage.bot).polls == 1)
    assert aio.run(stage.telegram.get_updates(None)) == []
    reader.join(timeout=5)
    [error] = outcome
    assert error.kind == ErrorKind.TRANSIENT
    assert error.message == "Another program is reading this bot's updates at the same time. Only one may."


def test_editing_a_post_edits_its_copy_which_still_reads_as_the_copy(stage, telegram_server):
    published = aio.run(stage.telegram.publish(OutgoingPost(text="v1")))
    copy_id = telegram_server.copy_of(stage.channel, int(published.external_id))
    aio.run(stage.telegram.edit(published, OutgoingPost(text="v2")))
    first, edited = aio.run(stage.telegram.get_updates(None))
    assert edited["edited_message"]["text"] == "v2" and edited["edited_message"]["message_id"] == copy_id
    assert parse_update(edited).post_copy == parse_update(first).post_copy
