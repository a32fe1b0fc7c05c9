"""A comment's page and the team's work on it: thread, reply (saved replies), assignment, state, moderation."""

import pytest
from django.urls import reverse

from tandem.community.models import Comment, InboxState, ModerationAction, SavedReply


def url(name, *args):
    return reverse(f"community:{name}", args=["acme", *args])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_page_shows_the_thread_saved_replies_and_what_was_done(team, client_as, make_comment):
    question = make_comment("Do you roast on Sundays?")
    answer = make_comment("Yes, at 9.", from_team=True, parent=question, sent_by=team.manager)
    follow_up = make_comment("And on holidays?", author="boris", parent=question)
    SavedReply.objects.create(workspace=team.workspace, title="Hours", text='Open 9–18 "daily"')
    ModerationAction.objects.create(workspace=team.workspace, comment=question, action="hold", source="model")

    html = client_as(team.administrator).get(url("comment", question.pk)).content.decode()

    assert "Do you roast on Sundays?" in html
    assert (
        f'data-testid="thread-reply-{answer.pk}"' in html
        and f'data-testid="thread-reply-{follow_up.pk}"' in html
    )
    assert 'data-saved-reply="Open 9–18 &quot;daily&quot;"' in html
    assert "Classifier" in html
    reply_page = client_as(team.administrator).get(url("comment", follow_up.pk)).content.decode()
    assert 'data-testid="thread-parent"' in reply_page and "Do you roast on Sundays?" in reply_page


def test_the_administrator_sees_the_moderation_buttons(team, client_as, make_comment):
    comment = make_comment("Hello")
    assert (
        'data-testid="moderation-box"'
        in client_as(team.administrator).get(url("comment", comment.pk)).content.decode()
    )


# The sandbox publishes from another thread: with SQLite it must see committed rows, not the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_a_reply_goes_to_the_platform_and_is_stored_as_the_team_s(team, client_as, make_comment):
    comment = make_comment("When do you open?")
    response = client_as(team.administrator).post(url("reply", comment.pk), {"text": "At nine."}, follow=True)
    assert messages_of(response) == ["Reply sent."]
    answer = Comment.objects.get(from_team=True)
    assert (answer.text, answer.parent, answer.sent_by) == ("At nine.", comment, team.administrator)
    comment.refresh_from_db()
    assert comment.state == InboxState.DONE


def test_a_refused_reply_keeps_the_text_and_says_why(team, client_as, make_comment):
    comment = make_comment("Gone", status="deleted")
    response = client_as(team.administrator).post(url("reply", comment.pk), {"text": "Too late <b>now</b>"})
    assert response.status_code == 400
    assert "deleted" in messages_of(response)[0]
    assert "Too late &lt;b&gt;now&lt;/b&gt;</textarea>" in response.content.decode()
    assert not Comment.objects.filter(from_team=True).exists()


def test_an_empty_or_huge_reply_is_a_clear_error(team, client_as, make_comment):
    comment = make_comment("Hi")
    client = client_as(team.administrator)
    assert client.post(url("reply", comment.pk), {"text": ""}).status_code == 400
    assert client.post(url("reply", comment.pk), {"text": "x" * 5000}).status_code == 400
    assert not Comment.objects.filter(from_team=True).exists()


def test_assign_to_a_member_and_back_to_nobody(team, client_as, make_comment):
    comment = make_comment("Hi")
    client = client_as(team.administrator)
    response = client.post(url("assign", comment.pk), {"assignee": team.manager.pk}, follow=True)
    assert messages_of(response) == ["Assignment saved."]
    comment.refresh_from_db()
    assert comment.assignee == team.manager
    client.post(url("assign", comment.pk), {"assignee": ""})
    comment.refresh_from_db()
    assert comment.assignee is None


def test_assigning_to_a_guest_or_an_outsider_is_refused(team, client_as, make_comment):
    comment = make_comment("Hi")
    client = client_as(team.administrator)
    for user in (team.guest, team.outsider):
        response = client.post(url("assign", comment.pk), {"assignee": user.pk}, follow=True)
        assert response.status_code == 200 and messages_of(response)
    client.post(url("assign", comment.pk), {"assignee": "abc"})
    comment.refresh_from_db()
    assert comment.assignee is None


def test_set_the_inbox_state(team, client_as, make_comment):
    comment = make_comment("Hi")
    client = client_as(team.administrator)
    response = client.post(url("set_state", comment.pk), {"state": "in_progress"}, follow=True)
    assert messages_of(response) == ["Marked “In progress”."]
    comment.refresh_from_db()
    assert comment.state == InboxState.IN_PROGRESS
    response = client.post(url("set_state", comment.pk), {"state": "bogus"}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    comment.refresh_from_db()
    assert comment.state == InboxState.IN_PROGRESS


def test_moderation_from_the_comment_page(team, client_as, make_comment, django_capture_on_commit_callbacks):
    comment = make_comment("rude words", status="held")
    client = client_as(team.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("moderate", comment.pk), {"action": "delete"}, follow=True)
    assert messages_of(response) == ["1 comment deleted."]
    comment.refresh_from_db()
    assert (comment.status, comment.label) == ("deleted", "toxic")
    assert ModerationAction.objects.get(comment=comment).action == "delete"
    response = client.post(url("moderate", comment.pk), {"action": "explode"}, follow=True)
    assert response.status_code == 200 and messages_of(response)


def test_warn_deletes_and_warns(team, client_as, make_comment, django_capture_on_commit_callbacks):
    comment = make_comment("rude words")
    client = client_as(team.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("warn", comment.pk), {"text": "Please be kind."}, follow=True)
    assert response.status_code == 200
    assert ModerationAction.objects.filter(comment=comment, action="warn").exists()
    again = client.post(url("warn", comment.pk), {"text": ""}, follow=True)
    assert "already deleted" in messages_of(again)[0]


@pytest.mark.parametrize("role,status", [("guest", 403), ("client", 403), ("outsider", 404)])
def test_actions_are_refused_to_roles_without_the_capability(team, client_as, make_comment, role, status):
    comment = make_comment("Hi")
    client = client_as(team.user(role))
    for name, data in [
        ("reply", {"text": "x"}),
        ("assign", {"assignee": ""}),
        ("set_state", {"state": "done"}),
        ("moderate", {"action": "delete"}),
        ("warn", {"text": ""}),
    ]:
        assert client.post(url(name, comment.pk), data).status_code == status, name
    comment.refresh_from_db()
    assert comment.state == InboxState.NEW and not Comment.objects.filter(from_team=True).exists()


def test_a_comment_of_another_workspace_or_unknown_is_not_found(team, client_as, make_comment):
    from tandem.channels.models import Channel

    rival = Channel.objects.create(
        workspace=team.other_workspace, platform="sandbox", name="R", external_id="r"
    )
    theirs = make_comment("theirs", channel=rival)
    client = client_as(team.administrator)
    for pk in (theirs.pk, 999999):
        assert client.get(url("comment", pk)).status_code == 404
        assert client.post(url("reply", pk), {"text": "x"}).status_code == 404
        assert client.post(url("moderate", pk), {"action": "approve"}).status_code == 404
