"""Importing Telegram Desktop exports: what lands where, idempotency, and every kind of bad input."""

import itertools
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from tandem.analytics.importing import ExportError, import_telegram_export
from tandem.analytics.models import ChannelDay, ChannelPost, Source
from tandem.channels.models import Channel, ChannelStatus
from tandem.community.models import Author, Comment, CommentStatus, InboxState
from tandem.workspaces.models import Workspace
from tests.analytics.export_generator import (
    channel_chat,
    group_chat,
    write_account_export,
    write_channel_export,
    write_group_export,
)


def run(path, **options):
    with open(path, "rb") as export:
        return import_telegram_export(export, **options)


def table_state():
    """Everything an import may write, to compare before and after."""
    return {
        "workspaces": list(Workspace.objects.values_list("slug", flat=True)),
        "channels": list(Channel.objects.values("pk", "external_id", "name", "status")),
        "posts": list(ChannelPost.objects.order_by("pk").values()),
        "comments": list(Comment.objects.order_by("pk").values()),
        "authors": list(Author.objects.order_by("pk").values()),
        "days": list(
            ChannelDay.objects.order_by("pk").values("channel", "date", "joins", "leaves", "source")
        ),
    }


@pytest.fixture
def channel_export(tmp_path):
    path = tmp_path / "result.json"
    return path, write_channel_export(path, messages=300, unknown=2)


@pytest.fixture
def group_export(tmp_path):
    path = tmp_path / "group.json"
    return path, write_group_export(path, messages=400, people=40)


# --- what an import writes --------------------------------------------------------------------------------


def test_a_channel_export_becomes_imported_posts_of_a_new_channel(team, channel_export):
    path, facts = channel_export
    summary = run(path, workspace=team.workspace)

    channel = Channel.objects.get(workspace=team.workspace, external_id=f"-100{facts.chat_id}")
    assert channel.name == facts.name and channel.platform == "telegram"
    assert channel.status == ChannelStatus.NEEDS_ATTENTION and channel.details["imported"] is True
    posts = ChannelPost.objects.filter(channel=channel)
    assert posts.count() == facts.messages and not posts.exclude(source=Source.IMPORTED).exists()
    assert sum(posts.values_list("reactions_total", flat=True)) == facts.reactions
    assert sum(p or 0 for p in posts.values_list("poll_votes", flat=True)) == facts.poll_votes
    assert posts.exclude(edited_at=None).count() == facts.edited
    for kind, count in facts.kinds.items():
        assert posts.filter(kind=kind).count() == count, kind
    assert not posts.exclude(views=None).exists()  # exports have no views: unavailable, never 0
    chat = summary.chats[0]
    assert (chat.messages, chat.created, chat.service, chat.skipped) == (
        facts.messages,
        facts.messages,
        facts.service,
        2,
    )
    assert chat.reactions == facts.reactions


def test_post_figures_sum_reactions_by_type_and_poll_votes(team, tmp_path):
    path = tmp_path / "one.json"
    message = {
        "id": 7, "type": "message", "date": "2025-03-01T10:00:00", "date_unixtime": "1740823200",
        "from": "News", "from_id": "channel42",
        "text": ["Big ", {"type": "bold", "text": "news"}, "!", {"type": "text_link", "text": " here", "href": "x"}],
        "poll": {"question": "Q", "closed": False, "total_voters": 9, "answers": []},
        "reactions": [
            {"type": "emoji", "count": 3, "emoji": "👍", "recent": []},
            {"type": "custom_emoji", "count": 2, "document_id": "555"},
            {"type": "paid", "count": 1},
        ],
    }  # fmt: skip
    path.write_text(json.dumps({"name": "News", "type": "private_channel", "id": 42, "messages": [message]}))
    run(path, workspace=team.workspace)

    post = ChannelPost.objects.get()
    assert post.text == "Big news! here"
    assert post.reactions == {"👍": 3, "custom:555": 2, "paid": 1} and post.reactions_total == 6
    assert post.poll_votes == 9 and post.interactions == 15 and post.kind == "poll"
    assert post.published_at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def test_a_group_export_becomes_imported_comments_authors_replies_and_audience_days(team, group_export):
    path, facts = group_export
    summary = run(path, workspace=team.workspace)

    channel = Channel.objects.get(external_id=f"-100{facts.chat_id}")
    comments = Comment.objects.filter(channel=channel)
    assert comments.count() == facts.messages
    assert set(comments.values_list("imported", "state", "status").distinct()) == {
        (True, InboxState.DONE, CommentStatus.VISIBLE)
    }
    assert set(comments.values_list("chat_id", flat=True)) == {f"-100{facts.chat_id}"}
    assert comments.exclude(parent=None).count() == facts.replies
    # a reply names the message it answers
    reply = comments.exclude(parent=None).select_related("parent").first()
    assert int(reply.parent.external_id) < int(reply.external_id)
    user_authors = Author.objects.filter(workspace=team.workspace).exclude(external_id__startswith="-")
    assert set(user_authors.values_list("external_id", flat=True)) == {a[4:] for a in facts.authors}
    assert (
        sum(user_authors.values_list("message_count", flat=True)) == comments.filter(from_team=False).count()
    )
    assert comments.filter(from_team=True).exists()  # the group speaking as itself
    days = ChannelDay.objects.filter(channel=channel)
    assert sum(days.values_list("joins", flat=True)) == facts.joins
    assert sum(days.values_list("leaves", flat=True)) == facts.leaves
    assert {d.date: d.joins for d in days if d.joins} == dict(facts.joins_by_day)
    assert set(days.values_list("source", flat=True)) == {Source.IMPORTED}
    assert comments.exclude(edited_at=None).count() == facts.edited
    chat = summary.chats[0]
    assert chat.reactions == facts.reactions and chat.new_authors == chat.authors


@pytest.fixture
def sequence_stepping_by_three(transactional_db):
    """The comments' key sequence hands out every third value (as if another session took the others),
    committed so that the import's own connection for keys sees it; put back afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("keys come from a sequence on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('community_comment', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")


def test_comment_keys_taken_while_others_take_some_too_are_each_used_once(
    sequence_stepping_by_three, team, group_export
):
    """On PostgreSQL an import takes its comments' keys from the sequence in blocks; when the values are not
    consecutive, every one of them is used."""
    path, facts = group_export
    run(path, workspace=team.workspace)
    ids = list(Comment.objects.values_list("pk", flat=True).order_by("pk"))
    assert len(ids) == facts.messages and {b - a for a, b in itertools.pairwise(ids)} == {3}
    assert Comment.objects.exclude(parent=None).count() == facts.replies
    people = Author.objects.exclude(external_id__startswith="-")  # not the group speaking as itself
    assert (
        sum(people.values_list("message_count", flat=True)) == Comment.objects.filter(from_team=False).count()
    )


def test_an_account_export_imports_its_channels_and_groups_and_passes_over_personal_chats(team, tmp_path):
    path = tmp_path / "account.json"
    channel_facts, group_facts = write_account_export(path, [channel_chat(120), group_chat(150)])[1:3]
    summary = run(path, workspace=team.workspace)

    assert [chat.chat for chat in summary.chats] == [channel_facts.name, group_facts.name]
    assert summary.skipped_chats == ["Mum", "saved_messages"]
    assert ChannelPost.objects.count() == channel_facts.messages
    assert Comment.objects.count() == group_facts.messages


# --- idempotency and updates -------------------------------------------------------------------------------


def test_importing_the_same_exports_twice_changes_nothing(team, channel_export, group_export):
    run(channel_export[0], workspace=team.workspace)
    run(group_export[0], workspace=team.workspace)
    before = table_state()

    again = run(channel_export[0], workspace=team.workspace)
    again_group = run(group_export[0], workspace=team.workspace)

    assert table_state() == before
    assert (again.chats[0].created, again.chats[0].updated) == (0, 0)
    assert again.chats[0].unchanged == channel_export[1].messages
    assert (again_group.chats[0].created, again_group.chats[0].updated, again_group.chats[0].new_authors) == (
        0,
        0,
        0,
    )


def test_a_newer_export_updates_edits_and_reactions_only(team, tmp_path):
    def export(text, likes, edited=None):
        message = {"id": 1, "type": "message", "date_unixtime": "1740823200", "text": text,
                   "reactions": [{"type": "emoji", "emoji": "👍", "count": likes}]}  # fmt: skip
        if edited:
            message["edited_unixtime"] = edited
        path = tmp_path / f"{likes}.json"
        path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 5, "messages": [message]}))
        return path

    run(export("first", 1), workspace=team.workspace)
    summary = run(export("second", 4, edited="1740823300"), workspace=team.workspace)

    post = ChannelPost.objects.get()
    assert (post.text, post.reactions_total, post.interactions) == ("second", 4, 4)
    assert post.edited_at == datetime.fromtimestamp(1740823300, UTC)
    assert (summary.chats[0].updated, summary.chats[0].created) == (1, 0)


def test_a_post_collected_from_the_platform_keeps_its_own_figures(team, tmp_path):
    channel = Channel.objects.create(
        workspace=team.workspace, platform="telegram", name="Live", external_id="-1005"
    )
    ChannelPost.objects.create(
        workspace=team.workspace, channel=channel, external_id="1", published_at=datetime(2025, 1, 1, tzinfo=UTC),
        reactions_total=50, views=900,
    )  # fmt: skip
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 5, "messages": [
        {"id": 1, "type": "message", "date_unixtime": "1740823200", "text": "x",
         "reactions": [{"type": "emoji", "emoji": "👍", "count": 2}]}]}))  # fmt: skip
    summary = run(path, workspace=team.workspace)

    post = ChannelPost.objects.get()
    assert (post.reactions_total, post.views, post.source) == (50, 900, Source.COLLECTED)
    assert summary.chats[0].channel_id == channel.pk and not summary.chats[0].channel_created


# --- matching channels -------------------------------------------------------------------------------------


@pytest.mark.parametrize("external_id", ["-1001234567890", "1234567890"])
def test_the_channel_is_matched_by_the_chat_id_in_either_form(team, channel_export, external_id):
    channel = Channel.objects.create(
        workspace=team.workspace, platform="telegram", name="Ours", external_id=external_id
    )
    run(channel_export[0], workspace=team.workspace)
    assert Channel.objects.filter(workspace=team.workspace).count() == 1
    assert ChannelPost.objects.filter(channel=channel).count() == channel_export[1].messages


def test_a_discussion_group_export_adds_comments_to_its_channel_but_not_its_audience(team, group_export):
    path, facts = group_export
    channel = Channel.objects.create(
        workspace=team.workspace, platform="telegram", name="News", external_id="-1007",
        details={"linked_chat_id": int(f"-100{facts.chat_id}")},
    )  # fmt: skip
    run(path, workspace=team.workspace)

    assert Comment.objects.filter(channel=channel, chat_id=f"-100{facts.chat_id}").count() == facts.messages
    assert Channel.objects.count() == 1
    assert not ChannelDay.objects.exists()  # the group's members are not the channel's followers


# --- choosing the chat and the workspace -------------------------------------------------------------------


@pytest.fixture
def account_export(tmp_path):
    path = tmp_path / "account.json"
    facts = write_account_export(path, [channel_chat(50), group_chat(60)])
    return path, facts


@pytest.mark.parametrize("wanted", ["acme coffee chat", "1987654321", "-1001987654321"])
def test_chat_chooses_one_chat_of_an_account_export_by_name_or_id(team, account_export, wanted):
    summary = run(account_export[0], workspace=team.workspace, chat=wanted)
    assert [chat.chat for chat in summary.chats] == ["Acme Coffee Chat"]
    assert not ChannelPost.objects.exists() and Comment.objects.count() == 60


def test_a_chat_the_export_does_not_have_is_an_error_listing_its_chats(team, account_export):
    with pytest.raises(ExportError, match="Acme Coffee News \\(1234567890\\)"):
        run(account_export[0], workspace=team.workspace, chat="Nope")
    assert not Channel.objects.exists()


def test_a_personal_chat_is_not_imported(team, account_export, tmp_path):
    with pytest.raises(ExportError, match="personal chat"):
        run(account_export[0], workspace=team.workspace, chat="Mum")


def test_without_a_workspace_the_only_one_is_used(db, channel_export):
    only = Workspace.objects.create(name="Only", slug="only")
    summary = run(channel_export[0])
    assert summary.workspace == "only" and Channel.objects.get().workspace == only


def test_without_any_workspace_one_is_created_named_after_the_chat(db, channel_export):
    summary = run(channel_export[0])
    assert summary.workspace_created
    assert Workspace.objects.get().name == channel_export[1].name


def test_with_several_workspaces_the_import_asks_which(team, channel_export):
    with pytest.raises(ExportError, match="acme, rival"):
        run(channel_export[0])
    with pytest.raises(ExportError, match='no workspace "nope"'):
        run(channel_export[0], workspace_slug="nope")
    assert run(channel_export[0], workspace_slug="rival").workspace == "rival"


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_truncated_file_writes_nothing_and_says_where(team, channel_export, group_export, keep):
    for path, _facts in (channel_export, group_export):
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        before = table_state()
        with pytest.raises(ExportError, match=r"byte [\d,]+") as error:
            run(path, workspace=team.workspace)
        assert "cut short" in str(error.value) or "not valid JSON" in str(error.value)
        assert table_state() == before


def test_a_cut_account_export_rolls_back_the_chats_before_the_cut(team, account_export):
    path = account_export[0]
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.9)])  # inside the group, after the whole channel
    with pytest.raises(ExportError, match="byte"):
        run(path, workspace=team.workspace)
    assert not ChannelPost.objects.exists() and not Channel.objects.exists()


def test_malformed_json_gives_the_position(team, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "C", "type": "public_channel", "id": 5, "messages": [{"id": 1,, }]}')
    with pytest.raises(ExportError, match=r"not valid JSON near byte \d+"):
        run(path, workspace=team.workspace)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ("[1, 2]", "JSON array"),
        ("Date,Sender,Text\n1/2/25,Ann,hi\n", "not valid JSON"),
        ('{"guild": {"id": "1"}, "channel": {"id": "2", "type": "GuildTextChat"}, '
         '"messages": [{"id": "3", "timestamp": "2025-01-01T10:00:00+00:00", "content": "hi"}]}',
         "not a Telegram Desktop export"),
        ('{"version": 2, "data": {"rows": []}}', "neither a chat's messages nor an account's chats"),
    ],
)  # fmt: skip
def test_exports_of_other_apps_are_refused_with_a_reason(team, tmp_path, content, message):
    path = tmp_path / "other.json"
    path.write_text(content)
    with pytest.raises(ExportError, match=message):
        run(path, workspace=team.workspace)
    assert not Channel.objects.exists()


def test_unknown_message_types_are_counted_as_skipped(team, tmp_path):
    path = tmp_path / "u.json"
    write_group_export(path, messages=30, unknown=4)
    summary = run(path, workspace=team.workspace)
    assert summary.chats[0].skipped == 4 and Comment.objects.count() == 30


def test_a_date_in_an_odd_format_is_an_error_naming_the_message_and_writes_nothing(team, tmp_path):
    path = tmp_path / "d.json"
    messages = [
        {"id": 1, "type": "message", "date_unixtime": "1740823200", "text": "fine"},
        {"id": 2, "type": "message", "date": "15.01.2025 10:30", "text": "odd"},
    ]
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 5, "messages": messages}))
    with pytest.raises(ExportError, match=r'Message 2 \(near byte \d+\) has date "15.01.2025 10:30"'):
        run(path, workspace=team.workspace)
    assert not ChannelPost.objects.exists()


def test_dates_without_unix_time_are_read_in_the_workspace_time_zone(team, tmp_path):
    team.workspace.time_zone = "Europe/Moscow"
    team.workspace.save()
    path = tmp_path / "d.json"
    messages = [
        {"id": 1, "type": "message", "date": "2025-01-15T10:30:00", "text": "local"},
        {"id": 2, "type": "message", "date": "2025-01-15 10:30:00+00:00", "text": "with offset"},
        {"id": 3, "type": "message", "date_unixtime": 1736937000, "text": "seconds as a number"},
    ]
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 5, "messages": messages}))
    run(path, workspace=team.workspace)
    times = dict(ChannelPost.objects.values_list("external_id", "published_at"))
    assert times["1"] == datetime(2025, 1, 15, 7, 30, tzinfo=UTC)
    assert times["2"] == datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
    assert times["3"] == datetime(2025, 1, 15, 10, 30, tzinfo=UTC)


def test_a_bad_unix_time_is_an_error(team, tmp_path):
    path = tmp_path / "d.json"
    messages = [{"id": 1, "type": "message", "date_unixtime": "soon", "text": "x"}]
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 5, "messages": messages}))
    with pytest.raises(ExportError, match="date_unixtime"):
        run(path, workspace=team.workspace)


# --- the command ----------------------------------------------------------------------------------------------


def test_the_command_prints_a_summary(team, channel_export, capsys):
    path, facts = channel_export
    call_command("import", "telegram-export", str(path), "--workspace", "acme")
    out = capsys.readouterr().out
    assert f"{facts.messages} posts ({facts.messages} new" in out
    assert (
        f"Imported 1 chat(s): {facts.messages} messages, 0 authors, {facts.reactions} reactions, 2 skipped"
        in out
    )


def test_the_command_fails_with_a_reason_and_a_non_zero_exit(team, tmp_path, monkeypatch, capsys):
    from django.core.management import load_command_class
    from django.db import connections

    path = tmp_path / "cut.json"
    path.write_text('{"name": "C", "type": "public_channel", "id": 5, "messages": [{"id": 1')
    with pytest.raises(CommandError, match=r"ends too early.*Nothing was imported"):
        call_command("import", "telegram-export", str(path), "--workspace", "acme")
    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's transaction stays usable
    command = load_command_class("tandem.analytics", "import")
    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["tandem", "import", "telegram-export", str(path), "--workspace", "acme"])
    assert exit_.value.code == 1
    assert "Nothing was imported" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["tandem", "import", "telegram-export", str(tmp_path / "missing.json")])
    assert exit_.value.code == 1


def test_small_batches_give_the_same_result(team, tmp_path, monkeypatch):
    """Replies to messages of an earlier batch and of the same batch, chains of replies, and a message id
    written twice all land the same whatever the batch size."""
    from tandem.analytics import import_comments, import_posts

    monkeypatch.setattr(import_comments, "BATCH", 7)
    monkeypatch.setattr(import_comments, "SEGMENT", 7)  # PostgreSQL's COPY of a chat's first import
    monkeypatch.setattr(import_posts, "BATCH", 7)
    messages = [
        {"id": 1, "type": "message", "date_unixtime": "1740823200", "from_id": "user1", "text": "root"},
        {"id": 2, "type": "message", "date_unixtime": "1740823201", "from_id": "user2", "text": "a",
         "reply_to_message_id": 1},
        {"id": 3, "type": "message", "date_unixtime": "1740823202", "from_id": "user1", "text": "b",
         "reply_to_message_id": 2},
        {"id": 4, "type": "message", "date_unixtime": "1740823203", "from_id": "user3", "text": "c",
         "reply_to_message_id": 3},
        {"id": 2, "type": "message", "date_unixtime": "1740823201", "from_id": "user2", "text": "a again"},
    ]  # fmt: skip
    messages += [
        {"id": n, "type": "message", "date_unixtime": str(1740823300 + n), "from_id": "user4", "text": "x",
         "reply_to_message_id": n - 6}
        for n in range(10, 30)
    ]  # fmt: skip
    messages.append(
        {"id": 3, "type": "message", "date_unixtime": "1740823202", "from_id": "user1", "text": "b"}
    )
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"name": "G", "type": "private_supergroup", "id": 77, "messages": messages}))
    run(path, workspace=team.workspace)

    parents = dict(Comment.objects.values_list("external_id", "parent__external_id"))
    assert parents["2"] == "1" and parents["3"] == "2" and parents["4"] == "3"
    stored = {1, 2, 3, 4, *range(10, 30)}
    assert all(parents[str(n)] == (str(n - 6) if n - 6 in stored else None) for n in range(10, 30))
    assert Comment.objects.count() == 24
    assert Comment.objects.get(external_id="2").text == "a"
    assert Author.objects.get(external_id="4").message_count == 20


def test_a_reply_to_a_comment_collected_before_the_import_is_linked(team, tmp_path):
    channel = Channel.objects.create(
        workspace=team.workspace, platform="telegram", name="G", external_id="-10077"
    )
    live = Comment.objects.create(
        workspace=team.workspace, channel=channel, chat_id="-10077", external_id="500", text="live",
        sent_at=datetime(2025, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    messages = [{"id": 501, "type": "message", "date_unixtime": "1740823200", "from_id": "user1",
                 "text": "answer", "reply_to_message_id": 500}]  # fmt: skip
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"name": "G", "type": "private_supergroup", "id": 77, "messages": messages}))
    run(path, workspace=team.workspace)
    assert Comment.objects.get(external_id="501").parent == live


@pytest.mark.parametrize("block", [7, 333, 64 * 1024])
def test_an_account_export_reads_the_same_in_blocks_of_any_size(team, tmp_path, monkeypatch, block):
    """Chats whose header or first message straddle two blocks, and several small chats in one block."""
    from tandem.analytics import telegram_export

    monkeypatch.setattr(telegram_export, "CHUNK", block)
    path = tmp_path / "account.json"
    chats = [channel_chat(3, chat_id=11, name="One"), group_chat(4, chat_id=12, name="Two"),
             channel_chat(1, chat_id=13, name="Three"), group_chat(40, chat_id=14, name="Four")]  # fmt: skip
    facts = write_account_export(path, chats)[1:5]
    summary = run(path, workspace=team.workspace)

    assert [(chat.chat, chat.messages, chat.service) for chat in summary.chats] == [
        (f.name, f.messages, f.service) for f in facts
    ]
    assert dict(ChannelPost.objects.values_list("channel__name").annotate(n=Count("id"))) == {
        "One": 3,
        "Three": 1,
    }
    assert dict(Comment.objects.values_list("channel__name").annotate(n=Count("id"))) == {
        "Two": 4,
        "Four": 40,
    }


def test_a_collision_with_rows_written_meanwhile_is_a_clear_error(team, channel_export, monkeypatch):
    from django.db import IntegrityError

    from tandem.analytics import importing

    def collide(*args):
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(importing, "import_channel_posts", collide)
    with pytest.raises(ExportError, match="run the import again"):
        run(channel_export[0], workspace=team.workspace)
    assert not Channel.objects.exists()
