"""The team's services: each decision reaches the platform and the audit log, labels are set for training,
undo works where the platform allows, and roles and workspaces are respected."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tandem.community import services
from tandem.community.actions import moderate_comment
from tandem.community.models import Author, Comment, CommentStatus, InboxState, ModerationAction, SavedReply
from tandem.core.errors import ServiceError
from tests.community.conftest import on_telegram


@pytest.fixture
def admin(team):
    return team.membership("administrator")


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """``act(service, *args)``: call a service and run what it queued after the commit (the platform side)."""

    def call(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return call


def audit_rows(**filters):
    """The team's audit rows (the engine may have held a comment on arrival), oldest first."""
    return list(ModerationAction.objects.filter(source="team", **filters).order_by("created_at", "id"))


# --- the review queue ----------------------------------------------------------------------------------------


def test_approve_shows_held_and_hidden_comments_and_labels_them_ok(team, admin, act, make_comment):
    held = make_comment("Held one", status=CommentStatus.HELD)
    hidden = make_comment("Hidden one", status=CommentStatus.HIDDEN)
    visible = make_comment("Fine already")
    assert act(services.approve, admin, [held.pk, hidden.pk, visible.pk]) == 3
    for comment in (held, hidden, visible):
        comment.refresh_from_db()
        assert (comment.status, comment.label, comment.labelled_by) == ("visible", "ok", team.administrator)
        assert comment.labelled_at is not None
    rows = audit_rows(action="approve")
    assert {row.comment_id for row in rows} == {held.pk, hidden.pk}  # the visible one needed nothing
    assert all(row.source == "team" and row.actor == team.administrator and row.ok for row in rows)


def test_remove_deletes_on_telegram_labels_and_audits(team, admin, act, telegram, says):
    comment = says("Where do you roast?")
    assert act(services.remove, admin, [comment.pk], label="toxic") == 1
    comment.refresh_from_db()
    assert (comment.status, comment.label) == ("deleted", "toxic")
    assert not on_telegram(telegram, telegram.group, comment.external_id)
    row = audit_rows()[0]
    assert (row.action, row.source, row.actor, row.ok, row.platform_answer) == (
        "delete", "team", team.administrator, True, "deleted"
    )  # fmt: skip
    assert Author.objects.get().warnings == 1


def test_remove_takes_the_spam_label_when_the_engine_saw_spam(admin, act, make_comment):
    spam = make_comment("Earn $500 a day from home!!! DM me now")
    moderate_comment(spam)  # deleted by the spam pack already: the label is what matters here
    toxic = make_comment("meh")
    act(services.remove, admin, [spam.pk, toxic.pk], label="toxic")
    spam.refresh_from_db()
    toxic.refresh_from_db()
    assert (spam.label, toxic.label) == ("spam", "toxic")


def test_remove_refused_by_telegram_keeps_the_comment_visible(admin, act, telegram, says):
    comment = says("Old news")
    status = comment.status
    telegram.set_message_date(telegram.group, int(comment.external_id), 0)
    act(services.remove, admin, [comment.pk])
    comment.refresh_from_db()
    assert comment.status == status != CommentStatus.DELETED
    assert comment.label == "toxic"  # the team's judgement stands for training
    row = audit_rows()[0]
    assert not row.ok and "48 hours" in row.platform_answer


def test_remove_wants_a_training_label(admin, make_comment):
    with pytest.raises(ServiceError):
        services.remove(admin, [make_comment().pk], label="ok")


def test_hide_hides_on_the_sandbox(admin, act, make_comment):
    comment = make_comment("Hide me")
    assert act(services.hide, admin, [comment.pk]) == 1
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert audit_rows()[0].action == "hide"


def test_ban_authors_bans_each_author_once_and_deletes_their_comments(team, admin, act, telegram, says):
    first = says("spam one", user_id=31, name="Spammer")
    second = says("spam two", user_id=31, name="Spammer")
    other = says("spam three", user_id=32, name="Helper")
    assert act(services.ban_authors, admin, [first.pk, second.pk, other.pk]) == 2
    assert {telegram.member(telegram.group, 31).status, telegram.member(telegram.group, 32).status} == {
        "kicked"
    }
    assert sorted(row.action for row in audit_rows()) == ["ban", "ban", "delete"]
    for comment in (first, second, other):
        comment.refresh_from_db()
        assert (comment.status, comment.label) == ("deleted", "toxic")
        assert not on_telegram(telegram, telegram.group, comment.external_id)
    assert Author.objects.filter(banned_at__isnull=False).count() == 2


def test_warn_deletes_and_answers_with_the_workspace_warning(admin, act, telegram, says, fake_post):
    comment = says("rude words", user_id=41, name="Rude", reply_to=None)
    act(services.warn, admin, comment.pk)
    assert not on_telegram(telegram, telegram.group, comment.external_id)
    assert telegram.messages(telegram.group)[-1]["text"].startswith(
        "Rude, Please keep to the community rules"
    )
    row = audit_rows()[0]
    assert (row.action, row.ok) == ("warn", True)


def test_mute_and_unmute_an_author(team, admin, act, telegram, says):
    comment = says("hello", user_id=51, name="Loud")
    author = comment.author
    act(services.mute_author, admin, author.pk, 90)
    author.refresh_from_db()
    assert author.muted_until is not None
    assert telegram.member(telegram.group, 51).status == "restricted"
    act(services.unmute, admin, author.pk)
    author.refresh_from_db()
    assert author.muted_until is None
    assert telegram.member(telegram.group, 51).status == "member"
    assert [row.action for row in audit_rows()] == ["mute", "unmute"]


def test_mute_for_a_sensible_time(admin, make_comment):
    author = make_comment().author
    for minutes in (0, 367 * 24 * 60):
        with pytest.raises(ServiceError):
            services.mute_author(admin, author.pk, minutes)


def test_unban_an_author(admin, act, telegram, says):
    comment = says("bye", user_id=61, name="Gone")
    act(services.ban_authors, admin, [comment.pk])
    act(services.unban, admin, comment.author.pk)
    assert telegram.member(telegram.group, 61).status == "left"  # may join again
    assert Author.objects.get().banned_at is None


# --- undo ----------------------------------------------------------------------------------------------------


def test_undo_hide_shows_the_comment_again(admin, act, make_comment):
    comment = make_comment()
    act(services.hide, admin, [comment.pk])
    hidden = audit_rows()[0]
    act(services.undo, admin, hidden.pk)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.VISIBLE
    undo = audit_rows()[-1]
    assert (undo.action, undo.undoes) == ("unhide", hidden)


def test_undo_hold_approves(team, admin, act, make_comment):
    from tandem.moderation.models import Rule

    Rule.objects.create(
        workspace=team.workspace,
        name="Hold",
        action="hold",
        conditions=[{"type": "words", "words": ["coupon"]}],
    )
    comment = make_comment("coupon?")
    held = moderate_comment(comment)
    act(services.undo, admin, held.pk)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.VISIBLE
    assert audit_rows()[-1].action == "approve" and audit_rows()[-1].undoes == held


def test_undo_ban_and_mute_lift_them_on_telegram(admin, act, telegram, says):
    banned = says("x", user_id=71, name="B")
    act(services.ban_authors, admin, [banned.pk])
    act(services.undo, admin, audit_rows(action="ban")[0].pk)
    assert telegram.member(telegram.group, 71).status == "left"
    muted = says("y", user_id=72, name="M")
    act(services.mute_author, admin, muted.author.pk, 60)
    act(services.undo, admin, audit_rows(action="mute")[0].pk)
    assert telegram.member(telegram.group, 72).status == "member"
    assert [row.action for row in audit_rows(undoes__isnull=False)] == ["unban", "unmute"]


def test_a_delete_cannot_be_undone_and_says_why(admin, act, make_comment):
    comment = make_comment()
    act(services.remove, admin, [comment.pk])
    with pytest.raises(ServiceError, match="cannot be brought back"):
        services.undo(admin, audit_rows()[0].pk)
    warned = make_comment()
    warning = ModerationAction.objects.create(
        workspace=warned.workspace, comment=warned, author=warned.author, action="warn", source="team"
    )
    with pytest.raises(ServiceError, match="cannot be brought back"):
        services.undo(admin, warning.pk)


def test_an_action_is_undone_once_and_a_failed_one_not_at_all(admin, act, make_comment, telegram, says):
    comment = make_comment()
    act(services.hide, admin, [comment.pk])
    act(services.undo, admin, audit_rows()[0].pk)
    with pytest.raises(ServiceError, match="already undone"):
        services.undo(admin, audit_rows()[0].pk)
    with pytest.raises(ServiceError, match="cannot be undone"):
        services.undo(admin, audit_rows()[-1].pk)  # the undo itself
    person = says("z", user_id=81, name="Admin")
    telegram.set_member(telegram.bot, telegram.group, "administrator", can_restrict_members=False)
    act(services.mute_author, admin, person.author.pk, 60)
    refused = audit_rows(action="mute")[0]
    assert not refused.ok
    with pytest.raises(ServiceError, match="did not take effect"):
        services.undo(admin, refused.pk)


# --- inbox -------------------------------------------------------------------------------------------------


def test_reply_goes_to_the_thread_and_closes_the_comment(team, admin, telegram, says):
    question = says("Во сколько вы открываетесь в субботу?")
    answer = services.reply(admin, question.pk, "Yes, to most countries!")
    assert (answer.from_team, answer.sent_by, answer.parent) == (True, team.administrator, question)
    assert answer.delivery == question.delivery
    sent = telegram.messages(telegram.group)[-1]
    assert sent["text"] == "Yes, to most countries!"
    assert sent["reply_to_message"]["message_id"] == int(question.external_id)
    assert str(sent["message_id"]) == answer.external_id
    question.refresh_from_db()
    assert question.state == InboxState.DONE
    audit = question.moderation_actions.get()
    assert (audit.action, audit.source, audit.actor, audit.ok) == ("reply", "team", team.administrator, True)
    assert answer.external_id in audit.platform_answer


def test_a_refused_reply_says_why(admin, telegram, says):
    question = says("Anyone?")
    telegram.fail_next(
        method="sendMessage", status=400, description="Bad Request: message to be replied not found"
    )
    with pytest.raises(ServiceError, match="no longer in the chat"):
        services.reply(admin, question.pk, "Hello")
    assert not Comment.objects.filter(from_team=True).exists()


def test_an_empty_or_huge_reply_is_refused(admin, make_comment):
    comment = make_comment()
    for text in ("  ", "x" * 5000):
        with pytest.raises(ServiceError):
            services.reply(admin, comment.pk, text)


def test_assign_to_members_who_answer_the_inbox(team, admin, make_comment):
    comment = make_comment()
    assert services.assign(admin, [comment.pk], team.manager.pk) == 1
    comment.refresh_from_db()
    assert comment.assignee == team.manager
    for stranger in (team.client, team.outsider):
        with pytest.raises(ServiceError):
            services.assign(admin, [comment.pk], stranger.pk)
    services.assign(admin, [comment.pk], None)
    comment.refresh_from_db()
    assert comment.assignee is None


def test_inbox_state_notes_and_saved_replies(team, admin, make_comment):
    comment = make_comment()
    assert services.set_state(admin, [comment.pk], InboxState.IN_PROGRESS) == 1
    comment.refresh_from_db()
    assert comment.state == "in_progress"
    with pytest.raises(ServiceError):
        services.set_state(admin, [comment.pk], "lost")
    assert (
        services.save_author_notes(admin, comment.author.pk, " Regular, likes decaf ").notes
        == "Regular, likes decaf"
    )
    saved = services.create_saved_reply(admin, "Hours", "We open at 8.")
    services.update_saved_reply(admin, saved.pk, "Hours", "We open at 7.")
    saved.refresh_from_db()
    assert saved.text == "We open at 7." and saved.workspace == team.workspace
    with pytest.raises(ServiceError):
        services.create_saved_reply(admin, "", "text")
    services.delete_saved_reply(admin, saved.pk)
    assert not SavedReply.objects.exists()


# --- who may do what -------------------------------------------------------------------------------------------


def test_a_guest_may_not_moderate_nor_work_the_inbox(team, make_comment):
    guest = team.membership("guest")
    comment = make_comment()
    for call in (
        lambda: services.approve(guest, [comment.pk]),
        lambda: services.remove(guest, [comment.pk]),
        lambda: services.hide(guest, [comment.pk]),
        lambda: services.ban_authors(guest, [comment.pk]),
        lambda: services.warn(guest, comment.pk),
        lambda: services.mute_author(guest, comment.author.pk, 10),
        lambda: services.unban(guest, comment.author.pk),
        lambda: services.unmute(guest, comment.author.pk),
        lambda: services.reply(guest, comment.pk, "Hi"),
        lambda: services.assign(guest, [comment.pk], None),
        lambda: services.set_state(guest, [comment.pk], "done"),
        lambda: services.save_author_notes(guest, comment.author.pk, "x"),
        lambda: services.create_saved_reply(guest, "T", "x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    comment.refresh_from_db()
    assert (comment.status, comment.label, comment.state) == ("visible", "", "new")


def test_an_administrator_moderates_and_another_workspaces_ids_are_ignored_or_404(team, act, make_comment):
    from tandem.channels.models import Channel

    rival_channel = Channel.objects.create(
        workspace=team.other_workspace, platform="sandbox", name="Rival", external_id="rv"
    )
    theirs = make_comment("theirs", channel=rival_channel, author="rival")
    ours = make_comment("ours")
    admin = team.membership("administrator")
    assert act(services.remove, admin, [theirs.pk, ours.pk]) == 1
    theirs.refresh_from_db()
    assert (theirs.status, theirs.label) == ("visible", "")
    assert act(services.approve, admin, [theirs.pk]) == 0
    assert services.set_state(admin, [theirs.pk], "done") == 0
    for call in (
        lambda: services.warn(admin, theirs.pk),
        lambda: services.reply(admin, theirs.pk, "Hi"),
        lambda: services.mute_author(admin, theirs.author.pk, 10),
        lambda: services.save_author_notes(admin, theirs.author.pk, "x"),
    ):
        with pytest.raises(Http404):
            call()
    rival_reply = SavedReply.objects.create(workspace=team.other_workspace, title="T", text="x")
    with pytest.raises(Http404):
        services.delete_saved_reply(admin, rival_reply.pk)
    rival_action = ModerationAction.objects.create(
        workspace=team.other_workspace, comment=theirs, action="hide", source="team"
    )
    with pytest.raises(Http404):
        services.undo(admin, rival_action.pk)
