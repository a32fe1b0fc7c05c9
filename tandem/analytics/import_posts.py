"""A channel's messages from an export as ChannelPost rows (tandem.analytics.importing runs it).

Desktop exports have no view counts, comment counts or forward counts: those stay unavailable (NULL) or 0
(comments), and ``interactions`` is reactions + poll votes. A post Tandem already collected from the platform
(source "collected") keeps its own figures: the export only fills posts Tandem never saw or imported before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from .bulk_rows import Rows
from .models import ChannelPost, Source
from .telegram_export import kind, moment, plain_text, poll_votes, reactions

BATCH = 2000
# What an import writes, in the order of the tuples below; a row is updated only when one of them differs.
IMPORTED_FIELDS = (
    "published_at",
    "edited_at",
    "text",
    "kind",
    "reactions",
    "reactions_total",
    "poll_votes",
    "interactions",
)
NEW_FIELDS = ("workspace", "channel", "external_id", "source", *IMPORTED_FIELDS)


def import_channel_posts(channel, messages: Iterator[dict], summary, zone, reader) -> None:
    rows = Rows(ChannelPost, NEW_FIELDS)
    # Before the first import of a channel no post can exist, so a batch of ids all above the ones written
    # so far (Desktop writes them in order) needs no look-up.
    known = ChannelPost.objects.filter(channel=channel).exists()
    highest = 0
    for batch in itertools.batched(messages, BATCH):
        posts: dict[str, tuple] = {}
        for message in batch:
            kind_of_message = message.get("type")
            if kind_of_message == "message":
                ident = message.get("id")
                if isinstance(ident, int) and not isinstance(ident, bool) and str(ident) not in posts:
                    post = _post(message, zone, reader)
                    posts[str(ident)] = post
                    summary.reactions += post[5]
            elif kind_of_message == "service":
                summary.service += 1
            else:
                summary.skipped += 1
        summary.messages += len(posts)
        lowest = min((int(ident) for ident in posts), default=0)
        _write(channel, posts, rows, summary, look_up=known or lowest <= highest)
        highest = max(highest, *(int(ident) for ident in posts)) if posts else highest


def _post(message: dict, zone, reader) -> tuple:
    """The message's values in IMPORTED_FIELDS order."""
    counts = reactions(message) if "reactions" in message else {}
    total = sum(counts.values())
    votes = poll_votes(message) if "poll" in message else None
    text = plain_text(message.get("text"))
    if not text and votes is not None:
        text = str(message["poll"].get("question", ""))
    return (
        moment(message, "date", zone, reader),
        moment(message, "edited", zone, reader),
        text,
        kind(message),
        counts,
        total,
        votes,
        total + (votes or 0),
    )


def _write(channel, posts: dict[str, tuple], rows: Rows, summary, look_up: bool) -> None:
    existing = ()
    if look_up:
        existing = ChannelPost.objects.filter(channel=channel, external_id__in=list(posts)).values_list(
            "pk", "external_id", "source", *IMPORTED_FIELDS, "comments", "shares"
        )
    changed = []
    for pk, external_id, source, *old, comments, shares in existing:
        post = posts.pop(external_id)
        if source != Source.IMPORTED:
            summary.unchanged += 1  # collected from the platform: its own figures are newer
            continue
        post = (*post[:-1], post[-1] + comments + (shares or 0))
        if tuple(old) == post:
            summary.unchanged += 1
            continue
        changed.append(ChannelPost(pk=pk, **dict(zip(IMPORTED_FIELDS, post, strict=True))))
    if changed:
        ChannelPost.objects.bulk_update(changed, IMPORTED_FIELDS)
        summary.updated += len(changed)
    if posts:
        workspace_id, channel_id, time, json = channel.workspace_id, channel.pk, rows.db_time, rows.db_json
        rows.insert(
            [
                (workspace_id, channel_id, external_id, Source.IMPORTED.value, time(published), time(edited),
                 text, kind_, json(counts), total, votes, interactions)
                for external_id, (published, edited, text, kind_, counts, total, votes, interactions)
                in posts.items()
            ]
        )  # fmt: skip
        summary.created += len(posts)
