# ruff: noqa: F811  (the telegram_server fixture is imported, then requested by name)
"""The fake Bot API itself, spoken to with plain httpx as any client would: body formats, envelopes, the
exact error strings, injected faults and flood control."""

import io
import json
import time

import httpx
import pytest
from PIL import Image

from tests.fakes.telegram import FakeTelegramServer, telegram_server  # noqa: F401


@pytest.fixture
def api(telegram_server):
    """``api(method, **httpx_kwargs)`` POSTs to the fake as the channel's bot and returns the decoded body."""
    bot = telegram_server.add_bot(username="fake_test_bot")
    channel = telegram_server.add_chat("channel", "Acme News", username="acme_news")
    telegram_server.set_member(bot, channel, "administrator")
    client = httpx.Client(base_url=f"{telegram_server.url}/bot{bot.token}/", timeout=5)

    def call(method: str, http: str = "POST", **kwargs):
        response = client.request(http, method, **kwargs)
        body = response.json() if response.headers["content-type"] == "application/json" else response.text
        if isinstance(body, dict):
            assert response.status_code == (200 if body["ok"] else body["error_code"])
        return body

    call.bot, call.channel, call.server = bot, channel, telegram_server
    yield call
    client.close()


def png(width=40, height=30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_every_body_format_and_method_spelling_is_understood(api):
    chat = api.channel.id
    assert api("GETME", http="GET")["result"]["username"] == "fake_test_bot"
    assert api("sendMessage", http="GET", params={"chat_id": chat, "text": "query"})["ok"]
    assert api("sendmessage", data={"chat_id": "@acme_news", "text": "form"})["ok"]
    assert api("sendMessage", json={"chat_id": chat, "text": "json", "reply_parameters": {"message_id": 1}})[
        "ok"
    ]
    sent = api(
        "sendMessage", data={"chat_id": chat, "text": "reply", "reply_parameters": '{"message_id": 2}'}
    )
    assert sent["result"]["reply_to_message"]["text"] == "form"
    assert [m["text"] for m in api.server.messages(chat)] == ["query", "form", "json", "reply"]


def test_messages_are_shaped_like_the_real_api(api):
    message = api("sendMessage", data={"chat_id": api.channel.id, "text": "<b>Hi</b>", "parse_mode": "HTML"})[
        "result"
    ]
    assert message["text"] == "Hi"  # entities parsed out
    assert message["chat"] == {
        "id": api.channel.id,
        "type": "channel",
        "title": "Acme News",
        "username": "acme_news",
    }
    assert message["sender_chat"] == message["chat"] and "from" not in message
    assert str(api.channel.id).startswith("-100") and isinstance(message["date"], int)


def test_uploads_arrive_as_file_parts_and_by_attach_references(api):
    chat = api.channel.id
    photo = api(
        "sendPhoto", data={"chat_id": chat, "caption": "one"}, files={"photo": ("a.png", png(), "image/png")}
    )
    sizes = photo["result"]["photo"]
    assert (sizes[-1]["width"], sizes[-1]["height"]) == (40, 30)
    media = [
        {"type": "photo", "media": "attach://p1", "caption": "album"},
        {"type": "photo", "media": "attach://p2"},
    ]
    media.append({"type": "photo", "media": sizes[0]["file_id"]})  # a file_id sends the stored photo again
    album = api(
        "sendMediaGroup",
        data={"chat_id": chat, "media": json.dumps(media)},
        files={"p1": ("1.png", png(), "image/png"), "p2": ("2.png", png(80, 60), "image/png")},
    )["result"]
    assert [m["message_id"] for m in album] == [2, 3, 4]
    assert len({m["media_group_id"] for m in album}) == 1 and album[0]["caption"] == "album"
    missing = [{"type": "photo", "media": "attach://nowhere"}, {"type": "photo", "media": "attach://p1"}]
    refused = api(
        "sendMediaGroup", data={"chat_id": chat, "media": json.dumps(missing)}, files={"p1": ("1.png", png())}
    )
    assert refused["description"] == "Bad Request: can't parse InputMedia: media not found"
    not_an_image = api("sendPhoto", data={"chat_id": chat}, files={"photo": ("a.png", b"text", "image/png")})
    assert not_an_image["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    eleven = [{"type": "photo", "media": "https://example.test/a.jpg"}] * 11
    too_many = api("sendMediaGroup", data={"chat_id": chat, "media": json.dumps(eleven)})
    assert too_many["description"] == "Bad Request: too many messages to send as an album"
    assert len(api.server.messages(chat)) == 4  # refused albums post nothing


def test_text_is_counted_in_utf16_code_units(api):
    chat = api.channel.id
    assert api("sendMessage", data={"chat_id": chat, "text": "😀" * 2048})["ok"]  # 4096 units
    assert api("sendMessage", data={"chat_id": chat, "text": "😀" * 2048 + "x"})["description"] == (
        "Bad Request: message is too long"
    )
    assert (
        api("sendMessage", data={"chat_id": chat, "text": "   "})["description"]
        == "Bad Request: message text is empty"
    )
    caption = api(
        "sendPhoto", data={"chat_id": chat, "caption": "é" * 1025}, files={"photo": ("a.png", png())}
    )
    assert caption["description"] == "Bad Request: message caption is too long"


def test_tokens_chats_and_membership_answer_with_telegrams_errors(api):
    server, chat = api.server, api.channel
    assert httpx.post(f"{server.url}/botnot-a-token/getMe").status_code == 404
    unknown = httpx.post(f"{server.url}/bot123:unknown/getMe").json()
    assert (unknown["error_code"], unknown["description"]) == (401, "Unauthorized")
    assert (
        api("sendMessage", data={"chat_id": -100999, "text": "x"})["description"]
        == "Bad Request: chat not found"
    )
    server.remove_bot(api.bot, chat)
    removed = api("sendMessage", data={"chat_id": chat.id, "text": "x"})
    assert (removed["error_code"], removed["description"]) == (
        403,
        "Forbidden: bot is not a member of the channel chat",
    )
    server.set_member(api.bot, chat, "administrator", can_post_messages=False)
    assert api("sendMessage", data={"chat_id": chat.id, "text": "x"})["description"] == (
        "Bad Request: need administrator rights in the channel chat"
    )
    private = server.add_chat("private", "Ann")
    server.block_bot(private)
    assert api("sendMessage", data={"chat_id": private.id, "text": "x"})["description"] == (
        "Forbidden: bot was blocked by the user"
    )
    group = server.add_chat("group", "Old group")
    server.set_member(api.bot, group, "member")
    new = server.migrate_group(group)
    migrated = api("sendMessage", data={"chat_id": group.id, "text": "x"})
    assert migrated["parameters"] == {"migrate_to_chat_id": new.id}
    server.revoke_token(api.bot)
    assert api("getMe")["error_code"] == 401
    server.delete_chat(chat)
    assert server.messages(chat) == []


def test_chat_info_and_the_bots_membership(api):
    chat = api("getChat", data={"chat_id": "@acme_news"})["result"]
    assert (chat["id"], chat["type"], chat["title"]) == (api.channel.id, "channel", "Acme News")
    member = api("getChatMember", data={"chat_id": api.channel.id, "user_id": api.bot.id})["result"]
    assert member["status"] == "administrator" and member["can_post_messages"] is True
    assert api("getChatMemberCount", data={"chat_id": api.channel.id})["result"] == 1
    hidden = api.server.add_chat("channel", "Private")
    assert api("getChat", data={"chat_id": hidden.id})["description"] == "Bad Request: chat not found"


def test_edits_and_deletes(api):
    chat = api.channel.id
    api("sendMessage", data={"chat_id": chat, "text": "v1"})
    edited = api("editMessageText", data={"chat_id": chat, "message_id": 1, "text": "v2"})["result"]
    assert edited["text"] == "v2" and "edit_date" in edited
    same = api("editMessageText", data={"chat_id": chat, "message_id": 1, "text": "v2"})["description"]
    assert same.startswith("Bad Request: message is not modified: ")
    assert (
        api("editMessageCaption", data={"chat_id": chat, "message_id": 1, "caption": "c"})["error_code"]
        == 400
    )
    api.server.set_message_date(chat, 1, time.time() - 48 * 3600 - 1)
    refused = api("deleteMessage", data={"chat_id": chat, "message_id": 1})
    assert refused["description"] == "Bad Request: message can't be deleted"
    api("sendMessage", data={"chat_id": chat, "text": "new"})
    assert api("deleteMessage", data={"chat_id": chat, "message_id": 2})["result"] is True
    gone = api("deleteMessage", data={"chat_id": chat, "message_id": 2})
    assert gone["description"] == "Bad Request: message to delete not found"
    assert [m["message_id"] for m in api.server.messages(chat)] == [1]


def test_injected_failures_answer_like_telegram_and_post_nothing(api):
    chat = api.channel.id
    api.server.fail_next(2, status=429, retry_after=7, method="sendMessage")
    for _ in range(2):
        limited = api("sendMessage", data={"chat_id": chat, "text": "x"})
        assert limited["description"] == "Too Many Requests: retry after 7"
        assert limited["parameters"] == {"retry_after": 7}
    api.server.fail_next(status=500)
    assert api("sendMessage", data={"chat_id": chat, "text": "x"})["description"] == "Internal Server Error"
    api.server.fail_next(status=502)
    assert "502 Bad Gateway" in api("sendMessage", data={"chat_id": chat, "text": "x"})
    assert api.server.messages(chat) == []
    assert api.server.stats.by_status[429] == 2 and api.server.stats.rate_limited == 0


def test_drop_after_read_posts_and_then_closes_the_connection(api):
    api.server.drop_after_read(method="sendMessage", chat=api.channel)
    assert api("getMe")["ok"]  # another method is not affected
    with pytest.raises(httpx.RemoteProtocolError):
        api("sendMessage", data={"chat_id": api.channel.id, "text": "ghost"})
    assert [m["text"] for m in api.server.messages(api.channel)] == ["ghost"]
    assert api.server.stats.dropped == 1


def test_hang_posts_and_outlasts_the_clients_timeout(api):
    api.server.hang(method="sendMessage", seconds=1)
    with pytest.raises(httpx.ReadTimeout):
        api("sendMessage", data={"chat_id": api.channel.id, "text": "slow"}, timeout=0.2)
    assert len(api.server.messages(api.channel)) == 1


def test_flood_control_limits_each_chat_and_each_bot(api):
    server = api.server
    server.rate_limits = True
    assert api("sendMessage", data={"chat_id": api.channel.id, "text": "1"})["ok"]
    second = api("sendMessage", data={"chat_id": api.channel.id, "text": "2"})
    assert second["error_code"] == 429 and second["parameters"]["retry_after"] >= 1
    chats = [server.add_chat("channel", f"c{n}") for n in range(35)]
    answers = []
    for chat in chats:
        server.set_member(api.bot, chat, "administrator")
        answers.append(api("sendMessage", data={"chat_id": chat.id, "text": "burst"})["ok"])
    assert answers.count(True) == 29  # 30 per second per bot, the first message included
    assert server.stats.rate_limited == 1 + 6


def test_group_flood_control_allows_twenty_a_minute(telegram_server):
    telegram_server.rate_limits = True
    telegram_server.flood.per_chat = (100, 1.0)  # take the 1/s rule out to see the per-group one
    bot = telegram_server.add_bot()
    group = telegram_server.add_chat("supergroup", "Chat")
    telegram_server.set_member(bot, group, "member")
    url = f"{telegram_server.url}/bot{bot.token}/sendMessage"
    with httpx.Client() as client:
        oks = [
            client.post(url, data={"chat_id": group.id, "text": "hi"}).status_code == 200 for _ in range(21)
        ]
    assert oks.count(True) == 20 and oks[-1] is False


def test_a_stopped_server_refuses_connections_and_restarts_on_its_port():
    with FakeTelegramServer(latency_ms=5) as server:
        bot = server.add_bot()
        url = f"{server.url}/bot{bot.token}/getMe"
        with httpx.Client() as client:
            assert client.get(url).json()["ok"]  # keep-alive connection now open
            server.stop()
            with pytest.raises(httpx.ConnectError):
                client.get(url)
            server.start()
            assert client.get(url).json()["result"]["id"] == bot.id
        assert server.stats.requests == 2 and server.calls[-1].status == 200
