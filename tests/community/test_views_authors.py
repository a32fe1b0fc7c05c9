"""An author's page (history, strikes, mute and ban, notes) and the saved replies."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.community.models import Author, ModerationAction, SavedReply


def url(name, *args):
    return reverse(f"community:{name}", args=["acme", *args])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_author_page_shows_their_comments_strikes_and_state(team, client_as, make_comment):
    mine = make_comment("first words")
    make_comment("someone else", author="boris")
    Author.objects.filter(pk=mine.author_id).update(warnings=2, banned_at=timezone.now())
    ModerationAction.objects.create(
        workspace=team.workspace,
        comment=mine,
        author=mine.author,
        action="warn",
        source="rule",
        rule_name="Caps",
    )
    response = client_as(team.administrator).get(url("author", mine.author_id))
    html = response.content.decode()
    assert [c.pk for c in response.context["comments"]] == [mine.pk]
    assert 'data-testid="author-strikes">2<' in html and "Caps" in html
    assert 'data-testid="unban"' in html and 'data-testid="unmute"' not in html


def test_notes_are_saved(team, client_as, make_comment):
    author = make_comment("Hi").author
    response = client_as(team.administrator).post(
        url("author_notes", author.pk), {"notes": " Regular. "}, follow=True
    )
    assert messages_of(response) == ["Notes saved."]
    author.refresh_from_db()
    assert author.notes == "Regular."


def test_mute_unmute_and_unban(team, client_as, make_comment, django_capture_on_commit_callbacks):
    author = make_comment("Hi").author
    client = client_as(team.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("mute", author.pk), {"minutes": 30})
    author.refresh_from_db()
    assert author.muted_until is not None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("unmute", author.pk))
    author.refresh_from_db()
    assert author.muted_until is None
    Author.objects.filter(pk=author.pk).update(banned_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("unban", author.pk))
    assert response.url == url("author", author.pk)
    author.refresh_from_db()
    assert author.banned_at is None


def test_a_bad_mute_is_a_message(team, client_as, make_comment):
    author = make_comment("Hi").author
    client = client_as(team.administrator)
    for minutes in ("0", "lots", str(10**9)):
        response = client.post(url("mute", author.pk), {"minutes": minutes}, follow=True)
        assert response.status_code == 200 and messages_of(response), minutes
    author.refresh_from_db()
    assert author.muted_until is None


@pytest.mark.parametrize("role,status", [("guest", 403), ("client", 403), ("outsider", 404)])
def test_author_actions_are_refused_without_the_capability(team, client_as, make_comment, role, status):
    author = make_comment("Hi").author
    client = client_as(team.user(role))
    assert client.post(url("author_notes", author.pk), {"notes": "x"}).status_code == status
    for name in ("mute", "unmute", "unban"):
        assert client.post(url(name, author.pk), {"minutes": 5}).status_code == status
    author.refresh_from_db()
    assert author.notes == ""


def test_an_author_of_another_workspace_is_not_found(team, client_as):
    theirs = Author.objects.create(
        workspace=team.other_workspace, platform="sandbox", external_id="x", first_seen=timezone.now(),
        last_seen=timezone.now(),
    )  # fmt: skip
    client = client_as(team.administrator)
    assert client.get(url("author", theirs.pk)).status_code == 404
    assert client.post(url("author_notes", theirs.pk), {"notes": "x"}).status_code == 404
    assert client.get(url("author", 999999)).status_code == 404


def test_saved_replies_are_created_edited_and_deleted(team, client_as):
    client = client_as(team.administrator)
    response = client.post(url("saved_replies"), {"title": "Hours", "text": "Open 9–18."}, follow=True)
    assert messages_of(response) == ["Saved reply added."]
    saved = SavedReply.objects.get()
    assert (saved.workspace, saved.created_by) == (team.workspace, team.administrator)

    assert client.get(url("saved_reply", saved.pk)).status_code == 200
    client.post(url("saved_reply", saved.pk), {"title": "Hours", "text": "Open 8–20."})
    saved.refresh_from_db()
    assert saved.text == "Open 8–20."

    response = client.post(url("delete_saved_reply", saved.pk), follow=True)
    assert messages_of(response)[-1] == "Saved reply “Hours” deleted."
    assert not SavedReply.objects.exists()


def test_a_saved_reply_needs_a_title_and_a_text(team, client_as):
    client = client_as(team.administrator)
    assert client.post(url("saved_replies"), {"title": "", "text": "x"}).status_code == 400
    assert client.post(url("saved_replies"), {"title": "  ", "text": "  "}).status_code == 400
    assert not SavedReply.objects.exists()


def test_saved_replies_of_another_workspace_are_not_found(team, client_as):
    theirs = SavedReply.objects.create(workspace=team.other_workspace, title="T", text="x")
    client = client_as(team.administrator)
    assert client.get(url("saved_reply", theirs.pk)).status_code == 404
    assert client.post(url("delete_saved_reply", theirs.pk)).status_code == 404
    assert SavedReply.objects.filter(pk=theirs.pk).exists()
    assert client_as(team.guest).post(url("saved_replies"), {"title": "a", "text": "b"}).status_code == 403
