"""The review queue: held comments in order, decisions one by one (htmx) and in bulk, undo, bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tandem.channels.models import Channel
from tandem.community.models import Author, Comment, ModerationAction


def url(name, *args):
    return reverse(f"community:{name}", args=["acme", *args])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def held(make_comment):
    """Three held comments: the oldest with the lowest score."""
    first = make_comment("first", status="held", verdict_action="hold", verdict_score=0.5)
    second = make_comment("second", author="boris", status="held", verdict_action="hold", verdict_score=0.9)
    third = make_comment("third", author="clara", status="held", verdict_action="hold", verdict_score=0.7)
    for age, comment in enumerate((third, second, first)):
        Comment.objects.filter(pk=comment.pk).update(sent_at=comment.sent_at - timedelta(minutes=age))
    return [first, second, third]


def queue(client, **query):
    response = client.get(url("review"), query)
    assert response.status_code == 200
    return [c.pk for c in response.context["comments"]]


def test_only_held_comments_oldest_first_or_by_score(team, client_as, held, make_comment):
    make_comment("visible one")
    client = client_as(team.administrator)
    first, second, third = (c.pk for c in held)
    assert queue(client) == [first, second, third]
    assert queue(client, order="score") == [second, third, first]
    assert queue(client, order="sideways") == [first, second, third]


def test_bulk_approve_leaves_the_queue(team, client_as, held, django_capture_on_commit_callbacks):
    client = client_as(team.administrator)
    # The platform's side runs after the commit: the queue is looked at once it has.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("review_action"), {"action": "approve", "comment_ids": [held[0].pk, held[1].pk]})
    response = client.get(url("review"))
    assert messages_of(response) == ["2 comments approved."]
    assert [c.pk for c in response.context["comments"]] == [held[2].pk]
    assert set(Comment.objects.filter(label="ok").values_list("pk", flat=True)) == {held[0].pk, held[1].pk}


def test_bulk_ban_bans_each_author_and_offers_an_undo(
    team, client_as, held, django_capture_on_commit_callbacks
):
    client = client_as(team.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("review_action"), {"action": "ban", "comment_ids": [c.pk for c in held]})
    response = client.get(url("review"))
    assert messages_of(response) == ["3 authors banned."]
    assert response.context["comments"] == []
    assert Author.objects.exclude(banned_at=None).count() == 3
    bans = ModerationAction.objects.filter(action="ban")
    assert {row.pk for row in response.context["recent"]} == set(bans.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        undone = client.post(url("undo", bans[0].pk), {"back": "review"})
    assert undone.url == url("review")
    assert messages_of(client.get(url("review"))) == ["Undoing “ban”."]
    assert Author.objects.exclude(banned_at=None).count() == 2
    again = client.post(url("undo", bans[0].pk), follow=True)
    assert again.redirect_chain[-1][0] == url("audit")
    assert "already undone" in messages_of(again)[0]


# Committed for real: the platform's side (a queued task, run at once in tests) is done before the answer.
@pytest.mark.django_db(transaction=True)
def test_one_decision_by_htmx_answers_with_the_notice_that_replaces_the_item(team, client_as, held):
    client = client_as(team.administrator)
    hx = {"HX-Request": "true"}
    response = client.post(url("review_action"), {"action": "ban", "comment_ids": [held[0].pk]}, headers=hx)
    html = response.content.decode()
    ban = ModerationAction.objects.get(action="ban")
    assert response.status_code == 200 and 'data-testid="review-done"' in html
    assert "1 author banned." in html and f'data-testid="undo-{ban.pk}"' in html

    response = client.post(
        url("review_action"), {"action": "delete", "comment_ids": [held[1].pk]}, headers=hx
    )
    assert "1 comment deleted." in response.content.decode() and "undo-" not in response.content.decode()


def test_an_undo_not_yet_possible_points_to_the_audit_log(team, client_as, held):
    # Without the commit callbacks the platform's side has not run: no audit row to undo yet.
    response = client_as(team.administrator).post(
        url("review_action"), {"action": "hide", "comment_ids": [held[0].pk]}, headers={"HX-Request": "true"}
    )
    assert f'href="{url("audit")}?action=hide"' in response.content.decode()


def test_a_refused_htmx_decision_says_why_above_the_queue(team, client_as):
    response = client_as(team.administrator).post(
        url("review_action"), {"action": "approve"}, headers={"HX-Request": "true"}
    )
    assert response.headers["HX-Retarget"] == "#review-status"
    assert "Choose at least one comment." in response.content.decode()


def test_bad_input_is_a_message_never_a_server_error(team, client_as, held, make_comment):
    rival = Channel.objects.create(
        workspace=team.other_workspace, platform="sandbox", name="R", external_id="r"
    )
    theirs = make_comment("theirs", channel=rival, status="held")
    client = client_as(team.administrator)
    for data in [
        {"action": "approve"},
        {"action": "approve", "comment_ids": ["abc"]},
        {"action": "launch", "comment_ids": [held[0].pk]},
    ]:
        response = client.post(url("review_action"), data, follow=True)
        assert response.status_code == 200 and messages_of(response), data
    response = client.post(
        url("review_action"), {"action": "approve", "comment_ids": [999999, theirs.pk]}, follow=True
    )
    assert messages_of(response) == ["0 comments approved."]
    theirs.refresh_from_db()
    assert (theirs.status, theirs.label) == ("held", "")
    assert client.post(url("undo", 999999)).status_code == 404


@pytest.mark.parametrize("role,status", [("guest", 403), ("client", 403), ("outsider", 404)])
def test_decisions_are_refused_to_roles_without_the_capability(team, client_as, held, role, status):
    client = client_as(team.user(role))
    assert (
        client.post(url("review_action"), {"action": "approve", "comment_ids": [held[0].pk]}).status_code
        == status
    )
    assert not Comment.objects.exclude(label="").exists()


def test_the_queue_has_the_shortcut_help_and_its_script(team, client_as, held):
    html = client_as(team.administrator).get(url("review")).content.decode()
    assert 'data-testid="shortcut-help"' in html and "tandem/inbox.js" in html
    assert f'value="{held[0].pk}" form="review-bulk"' in html


def held_by_the_engine(make_comment, text, author="dora"):
    """A comment stored, then held with its audit row, as a worker does."""
    comment = make_comment(text, author=author, status="held", verdict_action="hold", verdict_score=0.8)
    ModerationAction.objects.create(
        workspace=comment.workspace, comment=comment, author=comment.author, action="hold", source="model"
    )
    return comment


def test_the_queue_polls_for_comments_held_since_it_was_shown(team, client_as, make_comment):
    first = held_by_the_engine(make_comment, "first held")
    client = client_as(team.administrator)
    page = client.get(url("review"))
    newest = page.context["newest"]
    assert f'review/new/?after={newest}"' in page.content.decode()
    assert 'hx-trigger="every 5s"' in page.content.decode()
    assert client.get(url("review_new"), {"after": newest}).status_code == 204

    # stored before the next one but held after it (two workers): still found, by its hold
    early = make_comment("<img src=x onerror=alert(1)> early", author="eve")
    late = held_by_the_engine(make_comment, "late")
    Comment.objects.filter(pk=early.pk).update(status="held")
    ModerationAction.objects.create(
        workspace=early.workspace, comment=early, author=early.author, action="hold", source="model"
    )
    response = client.get(url("review_new"), {"after": newest}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert [c.pk for c in response.context["comments"]] == [early.pk, late.pk]
    assert first.text not in html
    assert "&lt;img src=x onerror=alert(1)&gt; early" in html and "<img src=x" not in html
    assert 'hx-swap-oob="beforeend:#review-items"' in html
    assert f'data-testid="approve-{late.pk}"' in html
    assert "2 new comments to review, at the end of the queue." in html
    assert f"after={response.context['newest']}" in html and response.context["newest"] > newest


def test_the_queue_poll_leaves_out_comments_no_longer_held_and_refuses_a_bad_position(
    team, client_as, make_comment
):
    client = client_as(team.administrator)
    decided = held_by_the_engine(make_comment, "decided already")
    Comment.objects.filter(pk=decided.pk).update(status="visible")
    response = client.get(url("review_new"), {"after": 0})
    assert response.status_code == 200 and list(response.context["comments"]) == []
    assert "review-empty" not in response.content.decode()
    assert client.get(url("review_new")).status_code == 400
    assert client.get(url("review_new"), {"after": "x"}).status_code == 400


def test_the_queue_poll_says_which_of_the_users_decisions_the_platform_refused(team, client_as, make_comment):
    old = held_by_the_engine(make_comment, "old enough")
    client = client_as(team.administrator)
    newest = client.get(url("review")).context["newest"]
    answer = "Telegram: Bad Request: message can't be deleted <48h>"
    mine = ModerationAction.objects.create(
        workspace=old.workspace, comment=old, author=old.author, action="delete", source="team",
        actor=team.administrator, ok=False, platform_answer=answer,
    )  # fmt: skip
    other = make_comment("someone else's", author="fred", status="held")
    ModerationAction.objects.create(
        workspace=other.workspace, comment=other, author=other.author, action="delete", source="team",
        actor=team.owner, ok=False, platform_answer="refused too",
    )  # fmt: skip
    response = client.get(url("review_new"), {"after": newest}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert [row.pk for row in response.context["refused"]] == [mine.pk]
    assert f'data-testid="refused-{mine.pk}"' in html and "refused too" not in html
    assert "The platform answered: Telegram: Bad Request: message can&#x27;t be deleted &lt;48h&gt;" in html
    # its comment is back in the queue; the other person's is not this page's business
    assert [c.pk for c in response.context["comments"]] == [old.pk]
    assert 'hx-swap-oob="afterbegin:#review-status"' in html
