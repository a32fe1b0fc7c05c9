"""The inbox pages as each role sees them: the list, its filters, its live update, and bad input."""

import zoneinfo

import pytest
from django.urls import reverse

from tandem.channels.models import Channel
from tandem.community.models import Author, ModerationAction, SavedReply
from tests.conftest import ROLE_USERS

ALLOWED = {"owner", "manager", "administrator"}


def url(name, *args):
    return reverse(f"community:{name}", args=["acme", *args])


@pytest.fixture
def pages(team, make_comment):
    """Every community page that takes a GET, with an object of the team's workspace where it names one."""
    comment = make_comment("Hello")
    saved = SavedReply.objects.create(workspace=team.workspace, title="Thanks", text="Thank you!")
    return [
        url("inbox"),
        url("inbox_new") + "?after=0",
        url("comment", comment.pk),
        url("review"),
        url("author", comment.author_id),
        url("audit"),
        url("saved_replies"),
        url("saved_reply", saved.pk),
    ]


@pytest.mark.parametrize("role", [*ROLE_USERS, "outsider"])
def test_each_page_opens_for_the_staff_refuses_guest_and_client_and_hides_from_outsiders(
    role, team, client_as, pages
):
    client = client_as(team.user(role))
    expected = 200 if role in ALLOWED else 404 if role == "outsider" else 403
    for page in pages:
        assert client.get(page).status_code == expected, page


def test_the_navigation_offers_inbox_and_review_to_the_staff_not_to_guests(team, client_as):
    page = client_as(team.administrator).get(url("inbox")).content.decode()
    assert f'href="{url("inbox")}"' in page and f'href="{url("review")}"' in page
    guest_page = client_as(team.guest).get(reverse("workspaces:dashboard", args=["acme"])).content.decode()
    assert url("inbox") not in guest_page and url("review") not in guest_page


def test_an_item_shows_author_channel_post_time_text_verdict_and_status(team, client_as, make_comment):
    from tandem.content.models import Delivery, Post

    post = Post.objects.create(workspace=team.workspace, author=team.manager, text="Fresh beans on Friday")
    comment = make_comment(
        "buy cheap followers now",
        status="held",
        verdict_action="hold",
        verdict_score=0.91,
        verdict_reasons=[{"source": "rule", "name": "No ads", "detail": "link", "span": [4, 9]}],
    )
    comment.delivery = Delivery.objects.create(post=post, channel=comment.channel, due_at=comment.sent_at)
    comment.save()
    team.administrator.time_zone = "Asia/Tokyo"
    team.administrator.save()

    page = client_as(team.administrator).get(url("inbox")).content.decode()

    assert f'href="{url("author", comment.author_id)}"' in page and "Anna" in page
    assert "Sandbox" in page
    assert "Fresh beans on Friday" in page and reverse("content:post", args=["acme", post.pk]) in page
    assert "Asia/Tokyo" in page
    local = comment.sent_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%H:%M") in page
    assert "buy <mark>cheap</mark> followers now" in page
    assert "No ads" in page and "score 0.91" in page and "Held for review" in page


def test_comment_text_and_author_names_are_escaped(team, client_as, make_comment):
    comment = make_comment("<script>alert(1)</script><img src=x onerror=alert(2)>", author="mallory")
    Author.objects.filter(pk=comment.author_id).update(display_name='"><svg onload=alert(3)>')
    comment.verdict_reasons = [
        {"source": "rule", "name": "<b>rule</b>", "detail": "<i>x</i>", "span": [0, 8]}
    ]
    comment.save()
    client = client_as(team.administrator)
    for page in [url("inbox"), url("comment", comment.pk), url("author", comment.author_id)]:
        html = client.get(page).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;script&gt;" in html
        assert "&quot;&gt;&lt;svg onload=alert(3)&gt;" in html
        assert "<b>rule</b>" not in html


def test_a_span_outside_the_text_is_ignored_and_overlapping_spans_merge(team, client_as, make_comment):
    make_comment(
        "abcdefgh",
        verdict_action="hold",
        verdict_reasons=[
            {"source": "rule", "name": "a", "span": [1, 3]},
            {"source": "rule", "name": "b", "span": [2, 5]},
            {"source": "model", "name": "c", "span": [5, 99]},
            {"source": "model", "name": "d", "span": "nonsense"},
        ],
    )
    html = client_as(team.administrator).get(url("inbox")).content.decode()
    assert "a<mark>bcde</mark>fgh" in html


@pytest.fixture
def variety(team, make_comment):
    """Comments that each match one filter."""
    other = Channel.objects.create(
        workspace=team.workspace, platform="sandbox", name="Second", external_id="2"
    )
    return {
        "held": make_comment("held one", status="held"),
        "done": make_comment("done one", state="done"),
        "deleted": make_comment("spam spam", verdict_action="delete",
                                verdict_reasons=[{"source": "pack", "name": "Spam links", "span": None}]),
        "boris": make_comment("from boris", author="boris"),
        "mine": make_comment("assigned to me", assignee=team.administrator),
        "elsewhere": make_comment("other channel", channel=other),
    }  # fmt: skip


def shown_ids(client, query):
    response = client.get(url("inbox"), query)
    assert response.status_code == 200
    return {c.pk for c in response.context["comments"]}


def test_each_filter_narrows_the_list(team, client_as, variety):
    client = client_as(team.administrator)
    assert shown_ids(client, {"status": "held"}) == {variety["held"].pk}
    assert shown_ids(client, {"state": "done"}) == {variety["done"].pk}
    assert shown_ids(client, {"verdict": "delete"}) == {variety["deleted"].pk}
    assert shown_ids(client, {"rule": "Spam links"}) == {variety["deleted"].pk}
    assert shown_ids(client, {"author": "@boris"}) == {variety["boris"].pk}
    assert shown_ids(client, {"author": "Bor"}) == {variety["boris"].pk}
    assert shown_ids(client, {"assignee": "mine"}) == {variety["mine"].pk}
    assert shown_ids(client, {"assignee": str(team.administrator.pk)}) == {variety["mine"].pk}
    assert variety["mine"].pk not in shown_ids(client, {"assignee": "unassigned"})
    assert shown_ids(client, {"channel": variety["elsewhere"].channel_id}) == {variety["elsewhere"].pk}
    assert shown_ids(client, {"q": "SPAM"}) == {variety["deleted"].pk}
    assert shown_ids(client, {"q": "one", "status": "held"}) == {variety["held"].pk}


def test_the_team_s_own_replies_are_not_inbox_items(team, client_as, make_comment):
    asked = make_comment("Open on Sunday?")
    make_comment("Yes, from 9.", from_team=True, parent=asked)
    assert shown_ids(client_as(team.administrator), {}) == {asked.pk}


def test_bad_filter_values_are_left_out_with_a_message(team, client_as, variety):
    rival = Channel.objects.create(
        workspace=team.other_workspace, platform="sandbox", name="R", external_id="r"
    )
    client = client_as(team.administrator)
    response = client.get(
        url("inbox"), {"status": "bogus", "channel": rival.pk, "assignee": "99999", "q": "one"}
    )
    assert response.status_code == 200
    assert {c.pk for c in response.context["comments"]} == {variety["held"].pk, variety["done"].pk}
    (message,) = [str(m) for m in response.context["messages"]]
    assert "Status" in message and "Channel" in message and "Assigned to" in message
    assert client.get(url("inbox"), {"page": "many"}).status_code == 200


def test_the_list_is_paginated(team, client_as, make_comment):
    for number in range(55):
        make_comment(f"comment {number}")
    client = client_as(team.administrator)
    first = client.get(url("inbox"))
    assert len(first.context["comments"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(url("inbox"), {"page": 2}).context["comments"]) == 5


def test_the_poll_returns_only_comments_newer_than_the_newest_shown(team, client_as, make_comment):
    old = make_comment("old one")
    client = client_as(team.administrator)
    page = client.get(url("inbox"))
    assert page.context["newest"] == old.pk
    assert f'after={old.pk}"' in page.content.decode() and 'hx-trigger="every 5s"' in page.content.decode()

    assert client.get(url("inbox_new"), {"after": old.pk}).status_code == 204
    fresh = make_comment("<b>new</b> one")
    response = client.get(url("inbox_new"), {"after": old.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert [c.pk for c in response.context["comments"]] == [fresh.pk]
    assert "old one" not in html and "&lt;b&gt;new&lt;/b&gt; one" in html
    assert f"after={fresh.pk}" in html and 'hx-swap-oob="afterbegin:#inbox-items"' in html
    assert "1 new comment arrived." in html


def test_the_poll_keeps_the_filters(team, client_as, make_comment):
    old = make_comment("old")
    make_comment("visible new")
    held = make_comment("held new", status="held")
    response = client_as(team.administrator).get(url("inbox_new"), {"after": old.pk, "status": "held"})
    assert [c.pk for c in response.context["comments"]] == [held.pk]
    assert "status=held" in response.content.decode()


def test_the_poll_refuses_a_missing_or_bad_position(team, client_as):
    client = client_as(team.administrator)
    assert client.get(url("inbox_new")).status_code == 400
    assert client.get(url("inbox_new"), {"after": "x"}).status_code == 400


def test_the_audit_log_lists_rows_filters_them_and_offers_undo_where_allowed(team, client_as, make_comment):
    comment = make_comment("<script>bad()</script>")
    hidden = ModerationAction.objects.create(
        workspace=team.workspace, comment=comment, author=comment.author, action="hide", source="team",
        actor=team.administrator, platform_answer="hidden",
    )  # fmt: skip
    deleted = ModerationAction.objects.create(
        workspace=team.workspace, comment=comment, action="delete", source="rule", rule_name="No scripts",
        ok=False, platform_answer="message can't be deleted",
    )  # fmt: skip
    client = client_as(team.administrator)
    html = client.get(url("audit")).content.decode()
    assert "No scripts" in html and "message can&#x27;t be deleted" in html and "failed" in html
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html and "<script>bad" not in html
    assert f'data-testid="undo-{hidden.pk}"' in html and f'data-testid="undo-{deleted.pk}"' not in html
    rows = client.get(url("audit"), {"source": "rule"}).context["page"]
    assert [row.pk for row in rows] == [deleted.pk]
    rows = client.get(url("audit"), {"action": "hide", "source": "nonsense"}).context["page"]
    assert [row.pk for row in rows] == [hidden.pk]
