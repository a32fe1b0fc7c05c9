# ruff: noqa: F811  (the telegram_server fixture is imported, then requested by name)
"""The fake Bot API's community side, spoken to with plain httpx: the JSON of post copies and comments,
getUpdates' offsets, limits, long polls and conflicts, setWebhook's checks, and moderation state."""

import json
import threading
import time

import httpx
import pytest

from tests.fakes.telegram import telegram_server  # noqa: F401
from tests.fakes.telegram_updates import TERMINATED, WEBHOOK_ACTIVE
from tests.platforms.helpers import eventually

ANNA = 1001


@pytest.fixture
def api(telegram_server):
    """``api(method, **form)`` POSTs a form to the fake as the bot and returns the decoded body; the bot
    administers a channel and its discussion group."""
    bot = telegram_server.add_bot(username="fake_test_bot")
    channel = telegram_server.add_chat("channel", "Acme News", username="acme_news")
    group = telegram_server.add_chat("supergroup", "Acme News Chat", username="acme_news_chat")
    for chat in (channel, group):
        telegram_server.set_member(bot, chat, "administrator")
    telegram_server.link_discussion(channel, group)
    client = httpx.Client(base_url=f"{telegram_server.url}/bot{bot.token}/", timeout=10)

    def call(method: str, **form):
        return client.post(method, data=form).json()

    call.bot, call.channel, call.group, call.server = bot, channel, group, telegram_server
    yield call
    client.close()


def human_post(api, text: str = "Fresh beans") -> int:
    """A post by a person in the channel (the bot gets its channel_post) and the id of its copy."""
    other = api.server.add_bot()
    api.server.set_member(other, api.channel, "administrator")
    post = httpx.post(
        f"{api.server.url}/bot{other.token}/sendMessage", data={"chat_id": api.channel.id, "text": text}
    )
    return api.server.copy_of(api.channel, post.json()["result"]["message_id"])


def test_a_post_its_copy_and_a_comment_have_telegrams_shapes(api):
    copy_id = human_post(api)
    comment = api.server.user_says(api.group, ANNA, "Anna", "Nice!", reply_to=copy_id, username="anna_p")
    channel_post, copy, message = (update for update in api("getUpdates")["result"])
    channel = {"id": api.channel.id, "type": "channel", "title": "Acme News", "username": "acme_news"}
    assert channel_post["channel_post"]["sender_chat"] == channel
    post_id = channel_post["channel_post"]["message_id"]
    copied = copy["message"]
    assert copied["from"] == {"id": 777000, "is_bot": False, "first_name": "Telegram"}
    assert copied["sender_chat"] == channel and copied["is_automatic_forward"] is True
    assert copied["forward_origin"] == {
        "type": "channel",
        "chat": channel,
        "message_id": post_id,
        "date": channel_post["channel_post"]["date"],
    }
    assert "message_thread_id" not in copied and "is_topic_message" not in copied
    assert message["message"] == comment
    assert comment["from"] == {"id": ANNA, "is_bot": False, "first_name": "Anna", "username": "anna_p"}
    assert comment["message_thread_id"] == copy_id and "is_topic_message" not in comment
    assert comment["reply_to_message"]["forward_origin"]["message_id"] == post_id
    assert [u["update_id"] for u in (channel_post, copy, message)] == list(
        range(channel_post["update_id"], channel_post["update_id"] + 3)
    )


def test_a_nested_reply_stays_in_the_thread_and_nests_one_level(api):
    copy_id = human_post(api)
    first = api.server.user_says(api.group, ANNA, "Anna", "Where?", reply_to=copy_id)
    second = api.server.user_says(api.group, 1002, "Boris", "Main Street", reply_to=first["message_id"])
    assert second["message_thread_id"] == copy_id
    assert second["reply_to_message"]["message_id"] == first["message_id"]
    assert "reply_to_message" not in second["reply_to_message"]


def test_the_linked_chat_is_in_get_chat_and_people_have_memberships(api):
    assert api("getChat", chat_id=api.channel.id)["result"]["linked_chat_id"] == api.group.id
    group = api("getChat", chat_id=api.group.id)["result"]
    assert group["linked_chat_id"] == api.channel.id and group["permissions"]["can_send_messages"] is True
    assert (
        api("getChatMember", chat_id=api.group.id, user_id=ANNA)["description"]
        == "Bad Request: user not found"
    )
    api.server.user_says(api.group, ANNA, "Anna", "hi")
    assert api("getChatMember", chat_id=api.group.id, user_id=ANNA)["result"]["status"] == "member"


def test_offsets_confirm_negative_offsets_keep_the_last_and_limit_caps(api):
    for n in range(5):
        api.server.user_says(api.group, ANNA, "Anna", f"#{n}")
    everything = api("getUpdates")["result"]
    assert [u["message"]["text"] for u in everything] == [f"#{n}" for n in range(5)]
    assert len(api("getUpdates", limit=2)["result"]) == 2
    assert api("getUpdates", offset=everything[2]["update_id"])["result"] == everything[2:]
    assert api("getUpdates", offset=-1)["result"] == everything[-1:]
    assert api.server.pending_updates(api.bot) == everything[-1:]  # the rest is forgotten


def test_allowed_updates_filters_what_comes_after_and_reaction_counts_need_asking(api):
    api.server.push_update(
        api.channel, "message_reaction_count", {"chat": {"id": api.channel.id}, "message_id": 1}
    )
    assert api("getUpdates")["result"] == []  # not sent by default
    assert api("getUpdates", allowed_updates=json.dumps(["message_reaction_count"]))["result"] == []
    api.server.push_update(
        api.channel, "message_reaction_count", {"chat": {"id": api.channel.id}, "message_id": 1}
    )
    api.server.user_says(api.group, ANNA, "Anna", "not asked for")
    [update] = api("getUpdates")["result"]
    assert "message_reaction_count" in update


def test_a_second_long_poll_ends_the_first_with_a_conflict(api):
    answers = []
    first = threading.Thread(target=lambda: answers.append(api("getUpdates", timeout=5)))
    first.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert api("getUpdates")["result"] == []
    first.join()
    assert time.monotonic() - started < 2
    assert (answers[0]["error_code"], answers[0]["description"]) == (409, TERMINATED)


def test_set_webhook_checks_the_address_and_secret_and_blocks_get_updates(api):
    def refused(**form):
        return api("setWebhook", **form)["description"]

    assert refused(url="http://example.com/hook") == (
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert refused(url="https://example.com:9000/hook") == (
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    assert refused(url="https://example.com/hook", secret_token="x" * 257).endswith("unallowed characters")
    assert refused(url="https://example.com/hook", secret_token="").endswith("unallowed characters")
    assert api("setWebhook", url="https://example.com/hook", secret_token="A-z_09")["result"] is True
    api.server.user_says(api.group, ANNA, "Anna", "queued")
    info = api("getWebhookInfo")["result"]
    assert info["url"] == "https://example.com/hook" and info["pending_update_count"] == 1
    conflict = api("getUpdates")
    assert (conflict["error_code"], conflict["description"]) == (409, WEBHOOK_ACTIVE)
    assert api("deleteWebhook", drop_pending_updates="true")["result"] is True
    assert api("getWebhookInfo")["result"] == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 0,
    }


def test_restrict_reads_permissions_as_json_and_derives_implied_rights(api):
    api.server.user_says(api.group, ANNA, "Anna", "hi")
    permissions = json.dumps({"can_send_polls": True})
    assert api("restrictChatMember", chat_id=api.group.id, user_id=ANNA, permissions=permissions)["result"]
    member = api("getChatMember", chat_id=api.group.id, user_id=ANNA)["result"]
    assert member["status"] == "restricted"
    assert (member["can_send_polls"], member["can_send_messages"], member["can_send_photos"]) == (
        True,
        True,
        False,
    )
    everything = json.dumps(api("getChat", chat_id=api.group.id)["result"]["permissions"])
    api("restrictChatMember", chat_id=api.group.id, user_id=ANNA, permissions=everything)
    assert api.server.member(api.group, ANNA).status == "member"
    broken = api("restrictChatMember", chat_id=api.group.id, user_id=ANNA, permissions="{nope")
    assert broken["description"] == "Bad Request: can't parse permissions JSON object"


def test_bans_need_the_right_and_spare_owners(api):
    api.server.user_says(api.group, ANNA, "Anna", "hi")
    api.server.set_member(api.bot, api.group, "member")
    refused = api("banChatMember", chat_id=api.group.id, user_id=ANNA)
    assert refused["description"] == "Bad Request: not enough rights to restrict/unrestrict chat member"
    api.server.set_member(api.bot, api.group, "administrator")
    assert api("banChatMember", chat_id=api.group.id, user_id=424242)["description"] == (
        "Bad Request: PARTICIPANT_ID_INVALID"
    )
    api.group.members[ANNA].status = "creator"
    assert api("banChatMember", chat_id=api.group.id, user_id=ANNA)["description"] == (
        "Bad Request: can't remove chat owner"
    )


def test_an_unreachable_webhook_is_tried_a_few_times_then_given_up(api):
    api("setWebhook", url="http://127.0.0.1:9/hook")  # nothing listens on the discard port
    api.server.user_says(api.group, ANNA, "Anna", "hello")
    assert eventually(lambda: len(api.server.webhook_deliveries(api.bot)) == 4)
    deliveries = api.server.webhook_deliveries(api.bot)
    assert [(d.attempt, d.status) for d in deliveries] == [(1, None), (2, None), (3, None), (4, None)]
    assert deliveries[0].error.startswith("Connection failed") and deliveries[0].secret_header is None
    assert api.server.pending_updates(api.bot) == []


def test_a_stopped_server_delivers_nothing_until_it_starts_again(api):
    api("setWebhook", url="http://127.0.0.1:9/hook")
    api.server.stop()
    api.server.user_says(api.group, ANNA, "Anna", "while down")
    time.sleep(0.2)
    assert api.server.webhook_deliveries(api.bot) == []
    api.server.start()
    assert eventually(lambda: len(api.server.webhook_deliveries(api.bot)) == 4)


def test_an_edit_by_a_person_reaches_the_bot_as_edited_message(api):
    comment = api.server.user_says(api.group, ANNA, "Anna", "teh typo")
    api.server.user_edits(api.group, comment["message_id"], "the typo")
    first, edited = api("getUpdates")["result"]
    assert edited["edited_message"]["text"] == "the typo" and "edit_date" in edited["edited_message"]
    assert edited["update_id"] == first["update_id"] + 1


def test_a_bot_writes_privately_only_to_people_who_started_it(api):
    api.server.user_says(api.group, ANNA, "Anna", "Hi all", username="anna_p")
    api("getUpdates", offset=-1)  # the group message, confirmed below
    refused = api("sendMessage", chat_id=ANNA, text="Please be kind.")
    assert refused == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot can't initiate conversation with a user",
    }
    unknown = api("sendMessage", chat_id=987654, text="Hello")
    assert (unknown["error_code"], unknown["description"]) == (400, "Bad Request: chat not found")

    start = api.server.user_starts_bot(api.bot, ANNA)
    updates = api("getUpdates", offset=api("getUpdates")["result"][0]["update_id"] + 1)["result"]
    assert [update["message"]["text"] for update in updates] == ["/start"]
    assert updates[0]["message"]["chat"] == {"id": ANNA, "type": "private", "first_name": "Anna",
                                             "username": "anna_p"}  # fmt: skip
    assert updates[0]["message"]["from"]["id"] == ANNA and start["message_id"] == 1
    sent = api("sendMessage", chat_id=ANNA, text="Please be kind.")["result"]
    assert sent["chat"]["id"] == ANNA and sent["from"]["id"] == api.bot.id
    assert [m["text"] for m in api.server.private_messages(api.bot, ANNA)] == ["Please be kind."]

    other = api.server.add_bot()  # each bot must be started on its own
    answer = httpx.post(f"{api.server.url}/bot{other.token}/sendMessage", data={"chat_id": ANNA, "text": "x"})
    assert answer.status_code == 403

    api.server.user_blocks_bot(api.bot, ANNA)
    blocked = api("sendMessage", chat_id=ANNA, text="Again")
    assert (blocked["error_code"], blocked["description"]) == (403, "Forbidden: bot was blocked by the user")
