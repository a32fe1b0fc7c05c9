"""Walk every URL of the site as each role, as an outsider from another workspace and anonymously.

A view must say who may open it: ``public_view``, ``account_view`` or ``workspace_view(capability)``.
A new view without a marker, or with a capability missing from the table, fails here until registered.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tandem.workspaces.capabilities import CAPABILITIES
from tandem.workspaces.models import Invitation, Membership
from tests.conftest import ROLE_USERS

# Parameters naming an object that belongs to one person (the manager here): other members get 404 for it.
PERSONAL_PARAMS = {"notification_id"}

# Namespaces with their own access control, left out on purpose.
EXCLUDED_NAMESPACES = {"admin"}  # Django admin: staff only, checked by Django itself


def walk(resolver=None, namespace="", params=()):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            yield from walk(entry, inner, (*params, *entry.pattern.regex.groupindex))
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback, (*params, *entry.pattern.regex.groupindex)


ALL_VIEWS = sorted((name, callback, tuple(kwargs)) for name, callback, kwargs in walk())


@pytest.fixture
def url_kwargs(team):
    """A value for every URL parameter the site uses; an unknown parameter fails the walk."""
    invitation = Invitation.objects.create(
        workspace=team.workspace,
        email="new@acme.test",
        role="guest",
        token_hash=Invitation.hash_token("walk-token"),
        expires_at="2999-01-01T00:00Z",
    )
    objects = workspace_objects(team)
    return {
        **objects,
        "slug": team.workspace.slug,
        "membership_id": Membership.objects.get(user=team.guest).pk,
        "invitation_id": invitation.pk,
        "token": "walk-token",
        "uidb64": "MQ",
        "account": "7000000001",  # a Telegram bot id (the webhook)
    }


def workspace_objects(team):
    """One object of each kind a URL can name, all in the team's workspace."""
    from tandem.channels import services as channel_services
    from tandem.content import services as content_services
    from tandem.content.models import Delivery, PostMedia, Rubric

    manager = team.membership("manager")
    channel = channel_services.connect_sandbox(manager, "Walk")
    post = content_services.save_post(
        manager, None, text="Walk", rubric=None, tags=[], channels=[channel], variants={}
    )
    delivery = Delivery.objects.create(
        post=post, channel=channel, due_at="2999-01-01T00:00Z", next_attempt_at="2999-01-01T00:00Z"
    )
    media = PostMedia.objects.create(
        post=post, file="posts/x.png", original_name="x.png", mime="image/png", size=1
    )
    rubric = Rubric.objects.create(workspace=team.workspace, name="Walk")
    from tandem.notifications.models import Notification

    notification = Notification.objects.create(
        user=team.manager, workspace=team.workspace, text="Walk", url="/"
    )
    from tandem.community.models import Author, Comment, ModerationAction, SavedReply

    author = Author.objects.create(
        workspace=team.workspace, platform="sandbox", external_id="walk", first_seen=post.created_at,
        last_seen=post.created_at,
    )  # fmt: skip
    comment = Comment.objects.create(
        workspace=team.workspace, channel=channel, author=author, chat_id="walk", external_id="1",
        text="Walk", sent_at=post.created_at,
    )  # fmt: skip
    saved_reply = SavedReply.objects.create(workspace=team.workspace, title="Walk", text="Walk")
    action = ModerationAction.objects.create(
        workspace=team.workspace, comment=comment, author=author, action="hide", source="team"
    )
    from tandem.moderation.models import Rule, WorkspaceModel

    rule = Rule.objects.create(
        workspace=team.workspace,
        name="Walk",
        conditions=[{"type": "words", "words": ["walk"]}],
        action="hold",
    )
    classifier_version = WorkspaceModel.objects.create(workspace=team.workspace, version=1, weights=b"")
    from tandem.analytics import report_services

    report = report_services.save_report(
        manager, None, report_services.ReportSpec(title="Walk", sections=["summary"], channels=[channel])
    )
    share_link, share_token = report_services.share_report(manager, report, 7)
    from tandem.analytics.models import ImportRun

    import_run = ImportRun.objects.create(workspace=team.workspace, original_name="result.json", state="done")
    return {
        "run_id": import_run.pk,
        "report_id": report.pk,
        "link_id": share_link.pk,
        "share_token": share_token,
        "fmt": "xlsx",
        "rule_id": rule.pk,
        "model_id": classifier_version.pk,
        "comment_id": comment.pk,
        "author_id": author.pk,
        "reply_id": saved_reply.pk,
        "action_id": action.pk,
        "notification_id": notification.pk,
        "channel_id": channel.pk,
        "post_id": post.pk,
        "delivery_id": delivery.pk,
        "media_id": media.pk,
        "rubric_id": rubric.pk,
        "slot_id": channel.queue_slots.first().pk,
    }


def url_for(name, params, url_kwargs):
    missing = set(params) - set(url_kwargs)
    assert not missing, f"{name}: add a value for URL parameter(s) {missing} to url_kwargs"
    return reverse(name, kwargs={key: url_kwargs[key] for key in params})


def test_every_view_declares_who_may_open_it():
    for name, callback, _params in ALL_VIEWS:
        access = getattr(callback, "access", None)
        assert access in {"public", "account", "workspace"}, (
            f"{name} has no access marker: decorate it with public_view, account_view or workspace_view"
        )
        if access == "workspace":
            assert callback.capability in CAPABILITIES, (
                f"{name}: capability {callback.capability} is not in the table"
            )


@pytest.mark.parametrize("name,callback,params", ALL_VIEWS, ids=[v[0] for v in ALL_VIEWS])
def test_each_role_and_outsider_get_what_the_table_allows(
    name, callback, params, team, client_as, url_kwargs
):
    url = url_for(name, params, url_kwargs)
    access = callback.access
    for role in [*ROLE_USERS, "outsider", "anonymous"]:
        client = client_as(team.user(role)) if role != "anonymous" else Client()
        status = client.get(url).status_code
        assert status < 500, f"{name} as {role}: server error {status}"
        if access == "workspace":
            if role == "anonymous":
                assert status == 302, f"{name} anonymous: expected a redirect to sign in, got {status}"
            elif role == "outsider":
                assert status == 404, f"{name} as outsider: expected 404, got {status}"
            elif role in CAPABILITIES[callback.capability].roles:
                personal = PERSONAL_PARAMS & set(params) and role != "manager"
                refused = (403,) if personal else (403, 404)
                assert status not in refused, f"{name} as {role}: allowed by the table but got {status}"
            else:
                assert status == 403, f"{name} as {role}: refused by the table but got {status}"
        elif access == "account":
            if role == "anonymous":
                assert status == 302, f"{name} anonymous: expected a redirect to sign in, got {status}"
            else:
                assert status not in (403, 404), f"{name} as {role}: {status}"
        else:
            assert status not in (403, 404), f"{name} as {role}: {status}"
        client.logout()
