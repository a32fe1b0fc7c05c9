"""From raw Telegram updates to comments: where each belongs, authors, edits, duplicates and bad input."""

import pytest

from tandem.community.ingest import CUT_MARKER, process_update, receive_update
from tandem.community.models import TEXT_MAX, Author, Comment, DiscussionThread, PlatformUpdate
from tests.community import payloads
from tests.community.conftest import telegram_channel


def ingest(bot_id, payload) -> PlatformUpdate:
    """Receive and process one update as the worker does; the stored row, refreshed."""
    update = receive_update("telegram", str(bot_id), payload)
    assert update is not None
    process_update(update.pk)
    update.refresh_from_db()
    return update


@pytest.fixture
def discussion(telegram, tg_channel, published):
    """Post 17 of the channel, published by Tandem, and its automatic copy (message 40) in the group."""
    delivery = published(17)
    copy = payloads.post_copy_message(telegram.group.id, 40, telegram.channel.id, 17)
    ingest(telegram.bot.id, payloads.update(1, copy))
    return delivery, copy


def test_the_post_copy_names_the_delivery_it_stands_for(telegram, tg_channel, discussion):
    delivery, _copy = discussion
    thread = DiscussionThread.objects.get()
    assert (thread.channel, thread.chat_id, thread.thread_id) == (tg_channel, str(telegram.group.id), "40")
    assert thread.post_message_id == "17"
    assert thread.delivery == delivery
    assert PlatformUpdate.objects.get(update_id=1).kind == "post_copy"
    assert not Comment.objects.exists()


def test_a_comment_on_a_channel_post_is_tied_to_its_delivery(team, telegram, tg_channel, discussion):
    delivery, copy = discussion
    message = payloads.comment_message(
        telegram.group.id, 41, "Во сколько открываетесь?", reply_to=copy, thread_id=40
    )
    update = ingest(telegram.bot.id, payloads.update(2, message))
    assert (update.kind, update.error) == ("message", "")
    assert update.processed_at is not None
    comment = Comment.objects.get()
    assert comment.workspace == team.workspace
    assert (comment.channel, comment.delivery, comment.parent) == (tg_channel, delivery, None)
    assert (comment.chat_id, comment.external_id, comment.thread_id) == (str(telegram.group.id), "41", "40")
    assert comment.text == "Во сколько открываетесь?"
    assert comment.fingerprint
    author = comment.author
    assert (author.external_id, author.display_name, author.username) == ("424242", "Anna", "anna_k")
    assert author.message_count == 1
    assert author.first_seen == author.last_seen == comment.sent_at


def test_a_nested_reply_finds_its_parent_and_the_post_through_the_thread(telegram, tg_channel, discussion):
    delivery, copy = discussion
    first = payloads.comment_message(telegram.group.id, 41, "Nice!", reply_to=copy, thread_id=40)
    ingest(telegram.bot.id, payloads.update(2, first))
    boris = payloads.user(515151, "Boris", "boris")
    # A nested reply quotes the comment, not the post: only the thread id leads to the post.
    reply = payloads.comment_message(
        telegram.group.id, 42, "Agreed", reply_to=first, thread_id=40, sender=boris
    )
    ingest(telegram.bot.id, payloads.update(3, reply))
    parent, child = Comment.objects.order_by("external_id")
    assert child.parent == parent
    assert child.delivery == delivery
    assert child.author.display_name == "Boris"


def test_a_comment_arriving_before_its_post_copy_still_finds_the_post(telegram, tg_channel, published):
    delivery = published(17)
    copy = payloads.post_copy_message(telegram.group.id, 40, telegram.channel.id, 17)
    # The update of the copy was lost; the comment quotes the copy, which names the post.
    message = payloads.comment_message(telegram.group.id, 41, "First!", reply_to=copy, thread_id=40)
    ingest(telegram.bot.id, payloads.update(2, message))
    assert Comment.objects.get().delivery == delivery


def test_a_plain_group_message_is_ingested_without_a_post(team, telegram):
    group_channel = telegram_channel(team.workspace, telegram, telegram.group)
    message = payloads.comment_message(telegram.group.id, 7, "Всем привет!")
    ingest(telegram.bot.id, payloads.update(5, message))
    comment = Comment.objects.get()
    assert (comment.channel, comment.delivery, comment.thread_id) == (group_channel, None, "")


def test_messages_of_chats_no_channel_listens_to_are_not_stored(telegram, tg_channel):
    stranger = payloads.comment_message(-100999, 7, "Hello?")
    update = ingest(telegram.bot.id, payloads.update(5, stranger))
    assert (update.kind, update.error) == ("message", "")
    assert not Comment.objects.exists()


def test_another_bots_update_does_not_reach_this_bots_channel(telegram, tg_channel, discussion):
    _delivery, copy = discussion
    message = payloads.comment_message(telegram.group.id, 41, "Hi", reply_to=copy, thread_id=40)
    ingest(telegram.bot.id + 1, payloads.update(2, message))
    assert not Comment.objects.exists()


def test_an_edited_message_changes_the_text_and_is_reviewed_again(telegram, tg_channel, discussion):
    _delivery, copy = discussion
    message = payloads.comment_message(telegram.group.id, 41, "Nice coffee", reply_to=copy, thread_id=40)
    ingest(telegram.bot.id, payloads.update(2, message))
    edited = {**message, "text": "Nice coffee, really", "edit_date": payloads.DATE + 30}
    update = ingest(telegram.bot.id, payloads.update(3, edited, kind="edited_message"))
    assert update.kind == "edited_message"
    comment = Comment.objects.get()
    assert comment.text == "Nice coffee, really"
    assert comment.edited_at is not None
    assert comment.verdict_action  # reviewed again
    assert comment.author.message_count == 1  # an edit is not a new message


def test_a_repeated_update_is_stored_once_and_makes_one_comment(telegram, tg_channel, discussion):
    _delivery, copy = discussion
    payload = payloads.update(
        2, payloads.comment_message(telegram.group.id, 41, "Hi", reply_to=copy, thread_id=40)
    )
    first = receive_update("telegram", str(telegram.bot.id), payload)
    assert receive_update("telegram", str(telegram.bot.id), payload) is None
    assert PlatformUpdate.objects.filter(update_id=2).count() == 1
    assert process_update(first.pk) is True
    assert process_update(first.pk) is False  # already done
    assert Comment.objects.count() == 1
    assert Author.objects.get().message_count == 1


def test_the_same_message_in_two_updates_is_one_comment(telegram, tg_channel, discussion):
    _delivery, copy = discussion
    message = payloads.comment_message(telegram.group.id, 41, "Hi", reply_to=copy, thread_id=40)
    ingest(telegram.bot.id, payloads.update(2, message))
    ingest(telegram.bot.id, payloads.update(3, message))
    assert Comment.objects.count() == 1


def test_an_unknown_update_type_is_stored_raw_and_ignored(telegram, tg_channel):
    payload = payloads.join_request_update(9, telegram.channel.id)
    update = ingest(telegram.bot.id, payload)
    assert (update.kind, update.error) == ("ignored", "")
    assert update.payload == payload
    assert not Comment.objects.exists()


def test_a_service_message_is_ignored(telegram, tg_channel):
    joined = {"message_id": 50, "chat": payloads.group_chat(telegram.group.id), "date": payloads.DATE,
              "from": payloads.user(), "new_chat_members": [payloads.user()]}  # fmt: skip
    assert ingest(telegram.bot.id, payloads.update(10, joined)).kind == "ignored"
    assert not Comment.objects.exists()


def test_an_update_without_an_integer_id_is_refused_clearly(db):
    with pytest.raises(ValueError, match="integer update_id"):
        receive_update("telegram", "1", {"message": {}})
    with pytest.raises(ValueError, match="integer update_id"):
        receive_update("telegram", "1", {"update_id": "12"})
    assert not PlatformUpdate.objects.exists()


def test_an_update_that_cannot_be_read_records_the_error_and_is_not_raised(db):
    update = receive_update("vk", "1", {"update_id": 3, "type": "wall_reply_new"})
    assert process_update(update.pk) is True
    update.refresh_from_db()
    assert "no update parser" in update.error
    assert (update.kind, update.processed_at is not None) == ("ignored", True)


def test_a_huge_message_is_cut_with_a_marker(telegram, tg_channel, discussion):
    _delivery, _copy = discussion
    huge = "кофе " * 10_000
    ingest(
        telegram.bot.id,
        payloads.update(2, payloads.comment_message(telegram.group.id, 41, huge, thread_id=40)),
    )
    comment = Comment.objects.get()
    assert len(comment.text) == TEXT_MAX
    assert comment.text.endswith(CUT_MARKER)
    assert comment.text.startswith("кофе кофе")


def test_the_channel_speaking_in_its_group_is_the_team_and_not_moderated(telegram, tg_channel, discussion):
    _delivery, copy = discussion
    as_channel = payloads.comment_message(
        telegram.group.id, 44, "Thanks, everyone!", reply_to=copy, thread_id=40
    )
    as_channel["sender_chat"] = payloads.channel_chat(telegram.channel.id)
    ingest(telegram.bot.id, payloads.update(2, as_channel))
    comment = Comment.objects.get()
    assert comment.from_team
    assert comment.verdict_action == ""


def test_an_author_who_renames_keeps_one_row_with_the_new_name(telegram, tg_channel, discussion):
    _delivery, _copy = discussion
    ingest(
        telegram.bot.id,
        payloads.update(2, payloads.comment_message(telegram.group.id, 41, "Hi", thread_id=40)),
    )
    renamed = payloads.user(first_name="Anna", last_name="K.", username="anna_new")
    message = payloads.comment_message(telegram.group.id, 42, "Hi again", thread_id=40, sender=renamed)
    ingest(telegram.bot.id, payloads.update(3, message))
    author = Author.objects.get()
    assert (author.display_name, author.username, author.message_count) == ("Anna K.", "anna_new", 2)
