"""The sandbox's simulated audience: realistic comments under published posts, moderated like real ones."""

import pytest
from django.test import override_settings

from tandem.community import audience
from tandem.community.models import Comment, CommentStatus, ModerationAction
from tandem.community.tasks import sandbox_audience_tick
from tandem.content.models import Delivery, DeliveryState, Post


@pytest.fixture
def sandbox_post(team, sandbox_channel) -> Delivery:
    post = Post.objects.create(workspace=team.workspace, author=team.manager, text="We roast on Tuesdays")
    return Delivery.objects.create(
        post=post,
        channel=sandbox_channel,
        due_at=post.created_at,
        state=DeliveryState.SENT,
        external_id="501",
    )


def test_the_audience_comments_under_published_posts_and_moderation_handles_the_rude(
    team, sandbox_channel, sandbox_post
):
    made = audience.simulate_comments(sandbox_channel, count=40, seed=7)
    assert len(made) == Comment.objects.count() == 40
    assert {c.delivery_id for c in made} == {sandbox_post.pk}
    assert all(c.workspace == team.workspace and c.author is not None for c in made)
    texts = {c.text for c in made}
    assert any("ё" in t or "ы" in t for t in texts) and any("the" in t.lower() for t in texts)  # ru and en
    assert any(c.parent is not None for c in made)  # people answer each other
    statuses = {c.pk: c.status for c in Comment.objects.all()}
    removed = [pk for pk, status in statuses.items() if status != CommentStatus.VISIBLE]
    assert removed, "spam and abuse are caught"
    assert len(removed) < 20, "most of the audience is friendly"
    assert ModerationAction.objects.filter(comment_id__in=removed).exists()
    assert Comment.objects.filter(author__external_id__startswith="sandbox-1", status="deleted").count() <= 2


def test_the_same_seed_tells_the_same_story(team, sandbox_channel, sandbox_post):
    first = [
        (c.author.external_id, c.text) for c in audience.simulate_comments(sandbox_channel, count=8, seed=3)
    ]
    Comment.objects.all().delete()
    again = [
        (c.author.external_id, c.text) for c in audience.simulate_comments(sandbox_channel, count=8, seed=3)
    ]
    assert first == again


def test_no_published_post_no_comments(team, sandbox_channel):
    assert audience.simulate_comments(sandbox_channel, count=5) == []


def test_the_periodic_audience_follows_its_setting(team, sandbox_channel, sandbox_post):
    with override_settings(TANDEM_SANDBOX_AUDIENCE=False):
        assert sandbox_audience_tick.call_local() == 0
    with override_settings(TANDEM_SANDBOX_AUDIENCE=True):
        assert 1 <= sandbox_audience_tick.call_local() <= 3
    assert Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_a_conversation_with_moderation_at_work():
    from tandem.workspaces.demo import load_demo

    workspace = load_demo()
    comments = Comment.objects.filter(workspace=workspace)
    assert 25 <= comments.count() <= 30
    assert comments.exclude(delivery=None).count() == comments.count()
    assert comments.exclude(status=CommentStatus.VISIBLE).exists()
    assert ModerationAction.objects.filter(workspace=workspace).exists()
