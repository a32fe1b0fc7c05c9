"""Ninety days of history for the demo's sandbox channels, so the dashboards have something to show on the
first start: followers growing day by day, posts in the rubrics (a mix a little off their targets), their
simulated figures, and comments by regulars and newcomers with the team's replies.

The figures come from the sandbox's own simulation (tandem.platforms.sandbox.simulation), shifted so the
follower curve ends where the live simulation starts when the channel was connected. Idempotent: a channel
that has history already is left alone."""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tandem.channels.models import Channel
from tandem.community.audience import sandbox_chat
from tandem.community.models import Author, Comment, CommentStatus, InboxState
from tandem.content.models import Delivery, DeliveryState, Post, PostStatus, Rubric
from tandem.platforms.sandbox import simulation
from tandem.workspaces.models import Membership
from tandem.workspaces.roles import Role

from . import rollups
from .models import ChannelDay, ChannelPost, Source

HISTORY = "history-"  # the external ids of what this module made
DAYS = 90
HOURS = (8, 9, 9, 10, 12, 13, 17, 18, 19, 19, 20, 21)
NAMES = (
    "Anna K.", "Boris", "Vera L.", "Dmitry", "Elena", "Fyodor", "Galina", "Igor P.", "Katya", "Lev",
    "Marina", "Nikita", "Olya", "Pavel", "Rita", "Sergey", "Tanya", "Ulyana", "Victor", "Yulia",
    "Zoe", "Artem", "Daria", "Kirill", "Sofia", "Maxim", "Polina", "Roman", "Alina", "Egor",
)  # fmt: skip
TEXTS = (
    "Fresh from the roaster: {n} kg of our Ethiopian this week.",
    "Brewing tip #{n}: rinse the paper filter before you pour.",
    "Weekend offer: a second bag half price (code ROAST{n}).",
    "Meet the farm behind our new Colombian lot.",
    "Why we cup every batch before it leaves the roastery.",
    "Your questions about grind size, answered.",
)
COMMENTS = (
    "Looks great!", "Is it available in the shop?", "Ordered, thanks!", "What about decaf?",
    "How long does it stay fresh?", "Love this one", "Can I pick it up on Saturday?", "Too bitter for me",
)  # fmt: skip
REPLIES = (
    "Thank you!",
    "Yes, in both shops.",
    "Up to a month in the closed bag.",
    "Saturday works, see you!",
)


def _has_history(channel: Channel) -> bool:
    return ChannelPost.objects.filter(channel=channel, external_id__startswith=HISTORY).exists()


def fill_history(workspace, days: int = DAYS, now: datetime | None = None) -> int:
    """History for every sandbox channel of the workspace that has none yet, then the rollups. Returns the
    posts made."""
    now = now or timezone.now()
    made = 0
    for channel in Channel.objects.filter(workspace=workspace, platform="sandbox").connected():
        if not _has_history(channel):
            made += _fill_channel(channel, days, now)
    if made:
        rollups.refresh(workspace)
    return made


@transaction.atomic
def _fill_channel(channel: Channel, days: int, now: datetime) -> int:
    workspace = channel.workspace
    zone = zoneinfo.ZoneInfo(workspace.time_zone)
    rng = random.Random(channel.pk)  # noqa: S311 - made-up history, not secrets
    today = now.astimezone(zone).date()
    connected = channel.created_at
    # The live simulation counts from the connection; the history continues its line backwards.
    start = connected - timedelta(days=days)
    shift = simulation.followers_at(channel.pk, start, connected) - simulation.followers_at(
        channel.pk, connected, connected
    )

    def followers(at: datetime) -> int:
        return simulation.followers_at(channel.pk, start, at) - shift

    audience = []
    for number in range(1, days):
        day = today - timedelta(days=number)
        begin, end = (
            datetime.combine(day, time.min, zone),
            datetime.combine(day + timedelta(days=1), time.min, zone),
        )
        if end > connected:
            continue  # the live simulation's days
        joins, leaves = simulation.day_flow(channel.pk, start, begin, end)
        audience.append(
            ChannelDay(
                channel=channel,
                date=day,
                followers=followers(end),
                joins=joins,
                leaves=leaves,
                source=Source.SIMULATED,
            )
        )
    ChannelDay.objects.bulk_create(audience, ignore_conflicts=True)

    manager = Membership.objects.filter(workspace=workspace, role=Role.MANAGER).select_related("user").first()
    rubrics = list(Rubric.objects.filter(workspace=workspace))
    moments = []
    for number in range(days, 0, -1):
        day = today - timedelta(days=number)
        for _post in range(rng.choice((0, 1, 1, 1, 2))):
            moment = datetime.combine(day, time(rng.choice(HOURS), rng.randrange(60)), zone)
            if moment < connected:
                moments.append(moment)
    posts = Post.objects.bulk_create(
        [
            Post(
                workspace=workspace,
                author=manager.user if manager else None,
                rubric=rng.choices(rubrics, weights=[1.5, 1, 1.2][: len(rubrics)])[0] if rubrics else None,
                text=rng.choice(TEXTS).format(n=index + 1),
                status=PostStatus.APPROVED,
                planned_at=moment,
            )
            for index, moment in enumerate(moments)
        ]
    )
    Post.channels.through.objects.bulk_create(
        [Post.channels.through(post=post, channel=channel) for post in posts]
    )
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                post=post,
                channel=channel,
                state=DeliveryState.SENT,
                due_at=post.planned_at,
                sent_at=post.planned_at,
                external_id=f"{HISTORY}{post.pk}",
            )
            for post in posts
        ]
    )
    authors = _authors(workspace, channel, start)
    channel_posts, comments = [], []
    for delivery in deliveries:
        published = delivery.sent_at
        figures = simulation.post_figures(delivery.pk, followers(published), published, now)
        talk = [a for a in rng.sample(authors, k=min(len(authors), rng.randrange(0, 7)))]
        for author in talk:
            sent = published + timedelta(minutes=rng.randrange(5, 36 * 60))
            if sent < now:
                comments.append((delivery, author, sent))
        reactions_total = sum(figures.reactions.values())
        channel_posts.append(
            ChannelPost(
                workspace=workspace,
                channel=channel,
                external_id=delivery.external_id,
                delivery=delivery,
                published_at=published,
                text=delivery.post.text,
                source=Source.SIMULATED,
                views=figures.views,
                reach=figures.reach,
                reactions=dict(figures.reactions),
                reactions_total=reactions_total,
                comments=sum(1 for c in comments if c[0] is delivery),
                shares=figures.shares,
                metrics_updated_at=now,
            )
        )
    for post in channel_posts:
        post.interactions = post.reactions_total + post.comments + (post.shares or 0)
    ChannelPost.objects.bulk_create(channel_posts)
    _comments(channel, comments, manager, rng, now)
    return len(channel_posts)


def _authors(workspace, channel: Channel, start: datetime) -> list[Author]:
    """The commenters: a few regulars who write often, many who come once (weighted by repetition)."""
    made = []
    for index, name in enumerate(NAMES):
        author, _created = Author.objects.get_or_create(
            workspace=workspace,
            platform="sandbox",
            external_id=f"{HISTORY}{index}",
            defaults={"display_name": name, "first_seen": start, "last_seen": start},
        )
        made.extend([author] * (6 if index < 5 else 1))
    return made


def _comments(channel: Channel, comments: list, manager, rng: random.Random, now: datetime) -> None:
    chat = sandbox_chat(channel)
    public = Comment.objects.bulk_create(
        [
            Comment(
                workspace=channel.workspace,
                channel=channel,
                author=author,
                delivery=delivery,
                chat_id=chat,
                external_id=f"{HISTORY}{delivery.pk}-{index}",
                thread_id=delivery.external_id,
                text=rng.choice(COMMENTS),
                sent_at=sent,
                status=CommentStatus.VISIBLE,
                state=InboxState.DONE,
            )
            for index, (delivery, author, sent) in enumerate(comments)
        ]
    )
    replies = []
    for comment in public:
        answered_at = comment.sent_at + timedelta(minutes=rng.randrange(3, 6 * 60))
        if rng.random() < 0.45 and answered_at < now:
            replies.append(
                Comment(
                    workspace=channel.workspace,
                    channel=channel,
                    delivery=comment.delivery,
                    parent=comment,
                    chat_id=comment.chat_id,
                    external_id=f"{comment.external_id}-reply",
                    thread_id=comment.thread_id,
                    text=rng.choice(REPLIES),
                    sent_at=answered_at,
                    from_team=True,
                    sent_by=manager.user if manager else None,
                    state=InboxState.DONE,
                )
            )
    Comment.objects.bulk_create(replies)
    for author in {comment.author for comment in public}:
        written = [c.sent_at for c in public if c.author_id == author.pk]
        Author.objects.filter(pk=author.pk).update(
            first_seen=min(written), last_seen=max(written), message_count=len(written)
        )
