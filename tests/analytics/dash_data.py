"""Rows for the dashboard, rollup and section tests: channels, posts, audience days, comments and audit rows
at chosen moments."""

import itertools
from datetime import datetime
from unittest import mock

from tandem.analytics.models import ChannelDay, ChannelPost
from tandem.channels.models import Channel
from tandem.community.models import Author, Comment, ModerationAction

_numbers = itertools.count(1)


def channel(workspace, name="Acme news", platform="sandbox") -> Channel:
    return Channel.objects.create(
        workspace=workspace, platform=platform, name=name, external_id=f"c{next(_numbers)}"
    )


def post(channel, at: datetime, *, views=None, reactions=0, comments=0, shares=None, text="", **fields):
    interactions = reactions + comments + (shares or 0) + (fields.get("poll_votes") or 0)
    return ChannelPost.objects.create(
        workspace=channel.workspace,
        channel=channel,
        external_id=str(next(_numbers)),
        published_at=at,
        text=text,
        views=views,
        reactions_total=reactions,
        comments=comments,
        shares=shares,
        interactions=interactions,
        **fields,
    )


def day(channel, on, followers=None, joins=0, leaves=0) -> ChannelDay:
    return ChannelDay.objects.create(
        channel=channel, date=on, followers=followers, joins=joins, leaves=leaves
    )


def author(workspace, name: str) -> Author:
    return Author.objects.get_or_create(
        workspace=workspace,
        platform="sandbox",
        external_id=name,
        defaults={
            "display_name": name,
            "first_seen": datetime.now().astimezone(),
            "last_seen": datetime.now().astimezone(),
        },
    )[0]


def comment(channel, at: datetime, who: str | None = "ann", *, from_team=False, parent=None, imported=False):
    return Comment.objects.create(
        workspace=channel.workspace,
        channel=channel,
        author=author(channel.workspace, who) if who and not from_team else None,
        parent=parent,
        chat_id="chat",
        external_id=str(next(_numbers)),
        text="a comment",
        sent_at=at,
        from_team=from_team,
        imported=imported,
    )


def audit(comment, action: str, at: datetime, source="rule", rule_name="", undoes=None) -> ModerationAction:
    with mock.patch("django.utils.timezone.now", return_value=at):
        return ModerationAction.objects.create(
            workspace=comment.workspace,
            comment=comment,
            author=comment.author,
            action=action,
            source=source,
            rule_name=rule_name,
            undoes=undoes,
        )
