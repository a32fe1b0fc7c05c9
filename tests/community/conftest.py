"""Comments to act on: a sandbox channel of the ``team`` workspace and a factory of comments by authors."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.channels.models import Channel
from tandem.community.models import Author, Comment

_ids = itertools.count(1000)


@pytest.fixture
def sandbox_channel(team) -> Channel:
    return Channel.objects.create(
        workspace=team.workspace, platform="sandbox", name="Sandbox", external_id="sb"
    )


@pytest.fixture
def make_comment(team, sandbox_channel):
    """``make_comment(text, author="anna", channel=None, **fields)`` stores a comment as ingest would."""

    def make(text="Hello!", author="anna", channel=None, **fields) -> Comment:
        channel = channel or sandbox_channel
        now = timezone.now()
        person, _created = Author.objects.get_or_create(
            workspace=channel.workspace,
            platform=channel.platform,
            external_id=author,
            defaults={"display_name": author.title(), "username": author, "first_seen": now - timedelta(days=30),
                      "last_seen": now},
        )  # fmt: skip
        values = {"chat_id": channel.external_id, "external_id": str(next(_ids)), "sent_at": now, **fields}
        return Comment.objects.create(
            workspace=channel.workspace, channel=channel, author=person, text=text, **values
        )

    return make
