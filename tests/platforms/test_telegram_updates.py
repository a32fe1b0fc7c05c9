"""parse_update on raw updates shaped like Telegram's (tests/fakes/payloads/telegram): a channel post, its
automatic copy in the discussion group, the comments under it, and what Tandem ignores."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tandem.platforms.base import IncomingMessage, ParsedUpdate, PostCopy, Sender
from tandem.platforms.telegram.updates import parse_update

PAYLOADS = Path(__file__).parents[1] / "fakes" / "payloads" / "telegram"
CHANNEL_ID, GROUP_ID = "-1001234567890", "-1001987654321"
ANNA = Sender(external_id="123456789", display_name="Anna Petrova", username="anna_p")


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def test_the_automatic_copy_of_a_channel_post_links_the_thread_to_the_post():
    assert parse_update(payload("automatic_forward")) == ParsedUpdate(
        update_id=815000001,
        kind="post_copy",
        post_copy=PostCopy(chat_id=GROUP_ID, message_id="41", post_chat_id=CHANNEL_ID, post_message_id="17"),
    )


def test_a_comment_on_a_channel_post_names_the_post_it_answers():
    parsed = parse_update(payload("comment_on_channel_post"))
    assert parsed == ParsedUpdate(
        update_id=815000002,
        kind="message",
        message=IncomingMessage(
            chat_id=GROUP_ID,
            message_id="42",
            sender=ANNA,
            text="Where can I buy them?",
            sent_at=datetime(2025, 11, 26, 6, 11, tzinfo=UTC),
            thread_id="41",
            reply_to_message_id="41",
            post_chat_id=CHANNEL_ID,
            post_message_id="17",
        ),
    )
    assert parsed.message.sent_at.tzinfo is UTC


def test_a_nested_reply_keeps_its_thread_and_the_comment_it_answers():
    message = parse_update(payload("nested_reply")).message
    assert (message.message_id, message.thread_id, message.reply_to_message_id) == ("43", "41", "42")
    assert (message.post_chat_id, message.post_message_id) == ("", "")  # found through the thread's copy
    assert message.sender == Sender(external_id="987654321", display_name="Boris")
    assert message.text == "At the shop on Main Street, @anna_p"


def test_an_edited_comment_is_an_edit_of_the_same_message():
    parsed = parse_update(payload("edited_message"))
    assert parsed.kind == "edited_message"
    assert (parsed.message.message_id, parsed.message.edited) == ("42", True)
    assert parsed.message.text == "Where can I buy them online?"
    assert parsed.message.sent_at == datetime.fromtimestamp(1764137460, tz=UTC)  # when it was first sent


def test_a_channel_post_is_read_with_the_channel_as_its_sender():
    parsed = parse_update(payload("channel_post"))
    assert parsed.kind == "channel_post"
    assert (parsed.message.chat_id, parsed.message.message_id, parsed.message.text) == (
        CHANNEL_ID,
        "18",
        "New mugs are in",
    )
    assert parsed.message.sender == Sender(
        external_id=CHANNEL_ID, display_name="Acme News", username="acme_news"
    )


def test_an_edited_channel_post_is_a_channel_post_marked_edited():
    data = payload("channel_post")
    data["edited_channel_post"] = {**data.pop("channel_post"), "edit_date": 1764138100}
    parsed = parse_update(data)
    assert (parsed.kind, parsed.message.edited) == ("channel_post", True)


def test_an_anonymous_admin_speaks_as_the_group_not_as_the_placeholder_bot():
    message = parse_update(payload("anonymous_admin")).message
    assert message.sender == Sender(
        external_id=GROUP_ID, display_name="Acme News Chat", username="acme_news_chat"
    )
    assert (message.reply_to_message_id, message.thread_id) == ("42", "41")


def test_a_photo_comment_reads_its_caption_and_says_it_has_media():
    message = parse_update(payload("photo_with_caption")).message
    assert (message.text, message.has_media) == ("Mine arrived like this", True)
    assert (message.post_chat_id, message.post_message_id) == (CHANNEL_ID, "17")


def test_a_photo_without_a_caption_has_empty_text():
    data = payload("photo_with_caption")
    del data["message"]["caption"]
    message = parse_update(data).message
    assert (message.text, message.has_media) == ("", True)


@pytest.mark.parametrize(
    "name", ["new_chat_members", "chat_join_request", "private_message", "message_without_chat"]
)
def test_service_messages_unknown_updates_and_unreadable_messages_are_ignored(name):
    data = payload(name)
    assert parse_update(data) == ParsedUpdate(update_id=data["update_id"], kind="ignored")


def test_an_update_with_nothing_in_it_is_ignored():
    assert parse_update({"update_id": 5}).kind == "ignored"
    assert parse_update({"update_id": 6, "message": "not an object"}).kind == "ignored"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([{"update_id": 1}], "JSON object"),
        ("{}", "JSON object"),
        ({"message": {}}, "integer update_id"),
        ({"update_id": "1"}, "integer update_id"),
        ({"update_id": True}, "integer update_id"),
    ],
)
def test_what_is_no_update_at_all_is_refused(data, reason):
    with pytest.raises(ValueError, match=reason):
        parse_update(data)
