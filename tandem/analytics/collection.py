"""Collecting analytics' time series: published posts and their figures, and each channel's audience per day.

Where the numbers come from (PLATFORMS.md):
- posts: every delivery Tandem published becomes a ChannelPost; so does a post someone wrote in the channel
  outside Tandem, from its channel_post update (bots get no updates about their own posts, so these are
  never Tandem's); imports add the posts published before;
- reactions on Telegram: message_reaction_count updates (a channel's anonymous reactions, the whole set each
  time) and, in a group connected as a channel, message_reaction (one person's change, applied as a
  difference); received like comments and handed over by tandem.community.ingest;
- comments: the public's comments Tandem stored for the post (tandem.community), not the team's own
  replies and not comments deleted by moderation (spam removed is no engagement). Held and hidden comments
  count: the audience wrote them. An imported post's count is never lowered (the export may know comments
  Tandem never saw);
- followers: the connector's follower_count (getChatMemberCount on Telegram) once a workspace-local day;
  joins and leaves: chat_member updates where Telegram sends them;
- views, reach, forwards: only from connectors with ``post_metrics``. The Telegram Bot API has none, so they
  stay NULL ("unavailable"), never 0;
- the sandbox: simulated figures that grow (tandem.platforms.sandbox.simulation), stored as "simulated".

Each function is one unit of work that is safe to repeat; a post's figures change under a row lock, and
every change adds a PostSnapshot (the growth curve).
"""

import logging
import zoneinfo
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from tandem.channels.models import Channel
from tandem.community.models import Comment, CommentStatus
from tandem.content.models import Delivery, DeliveryState
from tandem.content.outgoing import text_and_media
from tandem.content.publishing import thread_connector
from tandem.core.aio import run
from tandem.platforms.base import (
    UPDATE_CHANNEL_POST,
    UPDATE_MEMBER,
    UPDATE_REACTION,
    UPDATE_REACTION_COUNT,
    ConnectorError,
    ErrorKind,
    Feature,
    IncomingMessage,
    MemberChange,
    ParsedUpdate,
    ReactionChange,
    ReactionCount,
)
from tandem.platforms.registry import connector_class
from tandem.platforms.sandbox import simulation

from .models import ChannelDay, ChannelPost, PostSnapshot, Source

log = logging.getLogger(__name__)

# Update kinds tandem.community.ingest hands to record_update.
ANALYTICS_UPDATES = (UPDATE_CHANNEL_POST, UPDATE_REACTION_COUNT, UPDATE_REACTION, UPDATE_MEMBER)
# Platforms with per-post figures are asked about posts this young; older figures barely move.
METRICS_DAYS = 14
POST_METRICS_BATCH = 100
# channel.details key: no platform calls for analytics before this moment (ISO 8601), after a refusal.
RETRY_AT = "analytics_retry_at"
# Waits after a refusal that names no time: a failure that will not pass soon, and a rate limit.
PERMANENT_BACK_OFF = timedelta(hours=1)
RATE_LIMIT_BACK_OFF = timedelta(minutes=1)
FIGURES = ("views", "reach", "reactions", "comments", "shares", "poll_votes")
# The 10-minute round recounts the comments of posts this young; the day's first round recounts them all.
COMMENTS_DAYS = 30
# ChannelPost kinds named as Telegram names the media field; other media are "other".
KINDS = ("photo", "video", "animation", "audio", "voice", "document", "sticker", "poll")
# An album is up to 10 messages, one update each; the first is the post.
ALBUM_MAX = 10


def local_date(channel: Channel, moment: datetime) -> date:
    """The workspace's calendar day of ``moment``."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(channel.workspace.time_zone)).date()


def source_of(channel: Channel) -> str:
    return Source.SIMULATED if channel.platform == "sandbox" else Source.COLLECTED


# --- posts -------------------------------------------------------------------------------------------------


def _kind(delivery: Delivery, media: list) -> str:
    """The ChannelPost kind: what the connector reported it sent ("album" is photos), else by the content."""
    sent_as = delivery.extra.get("kind") if isinstance(delivery.extra, dict) else None
    if sent_as in ("photo", "album"):
        return "photo"
    if sent_as == "text":
        return "text"
    return "photo" if media else "text"


def post_from_delivery(delivery: Delivery) -> tuple[ChannelPost, bool]:
    """The delivery's ChannelPost, made if missing: (post, created). A post imported before (same message, no
    delivery yet) is linked to the delivery instead of counted twice."""
    channel = delivery.channel
    with transaction.atomic():
        existing = (
            ChannelPost.objects.select_for_update()
            .filter(channel=channel, external_id=delivery.external_id)
            .first()
        )
        if existing is not None:
            if existing.delivery_id is None:
                existing.delivery = delivery
                existing.save(update_fields=["delivery"])
            return existing, False
        variant = next((v for v in delivery.post.variants.all() if v.channel_id == channel.pk), None)
        text, media = text_and_media(delivery.post, variant)
        try:
            with transaction.atomic():
                post = ChannelPost.objects.create(
                    workspace_id=channel.workspace_id,
                    channel=channel,
                    external_id=delivery.external_id,
                    delivery=delivery,
                    published_at=delivery.sent_at or delivery.due_at,
                    text=text,
                    kind=_kind(delivery, media),
                    source=source_of(channel),
                )
        except IntegrityError:
            # Another worker made it a moment ago.
            return ChannelPost.objects.get(channel=channel, external_id=delivery.external_id), False
    return post, True


def sync_channel_posts(channel: Channel) -> int:
    """A ChannelPost for every delivery published in the channel that has none yet; how many were made."""
    deliveries = (
        Delivery.objects.filter(channel=channel, state=DeliveryState.SENT, channel_post__isnull=True)
        .exclude(external_id="")
        .select_related("channel__workspace", "post")
        .prefetch_related("post__variants", "post__media")
        .order_by("sent_at", "pk")
    )
    return sum(post_from_delivery(delivery)[1] for delivery in deliveries)


def record_channel_post(channel: Channel, message: IncomingMessage) -> ChannelPost | None:
    """A post someone published in the channel outside Tandem (or its edit): a ChannelPost of its own, so the
    channel's figures are complete. The further messages of an album belong to its first one."""
    existing = ChannelPost.objects.filter(channel=channel, external_id=message.message_id).first()
    if message.edited:
        if existing is not None and existing.text != message.text:
            existing.text, existing.edited_at = message.text, timezone.now()
            existing.save(update_fields=["text", "edited_at"])
        return existing
    if existing is not None:
        return existing
    if message.media_group_id and message.message_id.isdigit():
        first = int(message.message_id)
        earlier = [str(number) for number in range(max(1, first - ALBUM_MAX + 1), first)]
        album = ChannelPost.objects.filter(
            channel=channel, external_id__in=earlier, published_at=message.sent_at
        )
        if album.exists():
            return None
    kind = message.media_kind if message.media_kind in KINDS else ("other" if message.media_kind else "text")
    try:
        with transaction.atomic():
            return ChannelPost.objects.create(
                workspace_id=channel.workspace_id, channel=channel, external_id=message.message_id,
                published_at=message.sent_at, text=message.text, kind=kind, source=Source.COLLECTED,
            )  # fmt: skip
    except IntegrityError:
        return ChannelPost.objects.get(channel=channel, external_id=message.message_id)


def _interactions(post: ChannelPost) -> int:
    """reactions + comments + shares + poll votes, the available parts (METRICS.md)."""
    return post.reactions_total + post.comments + (post.shares or 0) + (post.poll_votes or 0)


def update_figures(post_pk: int, at: datetime, **figures) -> bool:
    """Set some of a post's figures (FIGURES names) as of ``at``; when anything changed, recompute the totals
    and add a snapshot taken ``at``. Under the post's row lock, so a reaction update and the comment count do not
    overwrite each other. Returns whether anything changed."""
    with transaction.atomic():
        post = ChannelPost.objects.select_for_update().get(pk=post_pk)
        changed = {name: value for name, value in figures.items() if getattr(post, name) != value}
        if not changed:
            return False
        for name, value in changed.items():
            setattr(post, name, value)
        post.reactions_total = sum(post.reactions.values())
        post.interactions = _interactions(post)
        post.metrics_updated_at = timezone.now()  # when Tandem learned it: rollups refresh what changed since
        post.save(update_fields=[*changed, "reactions_total", "interactions", "metrics_updated_at"])
        PostSnapshot.objects.create(
            post=post,
            collected_at=at,
            reactions_total=post.reactions_total,
            **{name: getattr(post, name) for name in FIGURES},
        )
    return True


def known_post(channel: Channel, message_id: str) -> ChannelPost | None:
    """The channel's post with this message id: stored, or made now from a published delivery (an update can
    arrive before the periodic sync). None for a message Tandem knows nothing about."""
    post = ChannelPost.objects.filter(channel=channel, external_id=message_id).first()
    if post is not None:
        return post
    delivery = (
        Delivery.objects.filter(channel=channel, external_id=message_id, state=DeliveryState.SENT)
        .select_related("channel__workspace", "post")
        .order_by("-pk")
        .first()
    )
    return post_from_delivery(delivery)[0] if delivery else None


def record_reaction_count(channel: Channel, counted: ReactionCount) -> ChannelPost | None:
    """A message's reactions now (message_reaction_count). A message that is neither a published delivery
    nor an imported post (written in the channel outside Tandem and not imported) is left alone: its raw
    update stays stored, and nothing is made up about the post."""
    post = known_post(channel, counted.message_id)
    if post is None:
        log.info("channel %s: reactions on unknown message %s ignored", channel.pk, counted.message_id)
        return None
    update_figures(post.pk, counted.counted_at, reactions=dict(counted.reactions))
    return post


def record_reaction_change(channel: Channel, change: ReactionChange) -> ChannelPost | None:
    """One person's reactions to a post changed (message_reaction, in groups): take back the removed ones,
    add the new ones. Unknown messages are left alone, as in record_reaction_count."""
    post = known_post(channel, change.message_id)
    if post is None:
        return None
    with transaction.atomic():
        reactions = dict(ChannelPost.objects.select_for_update().get(pk=post.pk).reactions)
        for key in change.removed:
            reactions[key] = reactions.get(key, 0) - 1
        for key in change.added:
            reactions[key] = reactions.get(key, 0) + 1
        update_figures(post.pk, change.changed_at, reactions={k: n for k, n in reactions.items() if n > 0})
    return post


def count_comments(
    channel: Channel, at: datetime | None = None, recent_days: int | None = COMMENTS_DAYS
) -> int:
    """Each published post's comments from the public (see the module docstring); how many posts changed.
    ``recent_days``: only posts published in the last so many days (their comments are all as young), which
    keeps the 10-minute round cheap on channels with millions of comments; None: every post."""
    at = at or timezone.now()
    comments = Comment.objects.filter(channel=channel, delivery__isnull=False, from_team=False)
    posts = ChannelPost.objects.filter(channel=channel, delivery__isnull=False)
    if recent_days is not None:
        cutoff = at - timedelta(days=recent_days)
        comments = comments.filter(sent_at__gte=cutoff)
        posts = posts.filter(published_at__gte=cutoff)
    counts = dict(
        comments.exclude(status=CommentStatus.DELETED).values_list("delivery").annotate(count=Count("pk"))
    )
    posts = posts.filter(Q(delivery_id__in=list(counts)) | Q(comments__gt=0))
    changed = 0
    for post in posts.only("pk", "delivery_id", "comments", "source"):
        count = counts.get(post.delivery_id, 0)
        if count == post.comments or (post.source == Source.IMPORTED and count < post.comments):
            continue
        changed += update_figures(post.pk, at, comments=count)
    return changed


# --- figures from the platform -------------------------------------------------------------------------------


def backing_off(channel: Channel, now: datetime) -> bool:
    """Whether a refusal asked Tandem to wait before calling the platform for this channel's analytics."""
    until = channel.details.get(RETRY_AT)
    if not until:
        return False
    try:
        return now < datetime.fromisoformat(until)
    except (TypeError, ValueError):
        return False


def _back_off(channel: Channel, until: datetime) -> None:
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        locked.details = {**locked.details, RETRY_AT: until.isoformat()}
        locked.save(update_fields=["details"])
    channel.details = locked.details


def platform_call(channel: Channel, method: str, *args, now: datetime | None = None):
    """The connector's ``method(*args)`` for the channel, or None when the platform refused or failed: a rate
    limit backs off for its retry_after, a permanent refusal for an hour; a transient failure is simply
    tried again next round (nothing was written, so nothing is lost)."""
    now = now or timezone.now()
    try:
        return run(getattr(thread_connector(channel), method)(*args))
    except ConnectorError as error:
        if error.kind == ErrorKind.RATE_LIMITED:
            wait = timedelta(seconds=error.retry_after) if error.retry_after else RATE_LIMIT_BACK_OFF
            _back_off(channel, now + wait)
        elif error.kind == ErrorKind.PERMANENT:
            _back_off(channel, now + PERMANENT_BACK_OFF)
        log.warning("analytics: %s on channel %s failed: %s", method, channel.pk, error)
        return None


def collect_post_metrics(channel: Channel, now: datetime | None = None) -> int:
    """Per-post figures from a connector that reports them (``post_metrics``), for posts published in the
    last METRICS_DAYS; how many posts changed. Telegram's connector has none: nothing happens."""
    now = now or timezone.now()
    if not hasattr(connector_class(channel.platform), "post_metrics") or backing_off(channel, now):
        return 0
    posts = list(
        ChannelPost.objects.filter(channel=channel, published_at__gte=now - timedelta(days=METRICS_DAYS))
        .filter(Q(delivery=None) | Q(delivery__deleted_at=None))
        .only("pk", "external_id")
    )
    changed = 0
    for start in range(0, len(posts), POST_METRICS_BATCH):
        batch = posts[start : start + POST_METRICS_BATCH]
        figures = platform_call(channel, "post_metrics", [post.external_id for post in batch], now=now)
        if figures is None:
            break
        for post in batch:
            found = figures.get(post.external_id)
            if found is not None:
                changed += update_figures(
                    post.pk, now, views=found.views, reach=found.reach, reactions=dict(found.reactions),
                    shares=found.shares, poll_votes=found.poll_votes,
                )  # fmt: skip
    return changed


# --- audience ------------------------------------------------------------------------------------------------


def channel_day(channel: Channel, day: date) -> ChannelDay:
    """The channel's row for ``day``, made if missing (call inside a transaction)."""
    try:
        with transaction.atomic():
            return ChannelDay.objects.get_or_create(
                channel=channel, date=day, defaults={"source": source_of(channel)}
            )[0]
    except IntegrityError:
        return ChannelDay.objects.get(channel=channel, date=day)


def followers_due(channel: Channel, now: datetime | None = None) -> bool:
    """Followers are read once a workspace-local day: whether today's reading is still missing."""
    today = local_date(channel, now or timezone.now())
    return not ChannelDay.objects.filter(channel=channel, date=today, followers__isnull=False).exists()


def read_followers(channel: Channel, now: datetime | None = None) -> int | None:
    """Ask the platform how many follow the channel and store it as today's followers; None when it could
    not say now (a rate limit or failure: see platform_call)."""
    now = now or timezone.now()
    if Feature.METRICS not in connector_class(channel.platform).features or backing_off(channel, now):
        return None
    count = platform_call(channel, "follower_count", now=now)
    if count is None:
        return None
    with transaction.atomic():
        day = channel_day(channel, local_date(channel, now))
        ChannelDay.objects.filter(pk=day.pk).update(followers=count, updated_at=now)
    return count


def record_member_change(channel: Channel, change: MemberChange) -> ChannelDay | None:
    """Count a join or a leave on the workspace-local day it happened; other changes (promotions,
    restrictions of a member) are neither."""
    if not (change.joined or change.left):
        return None
    with transaction.atomic():
        day = channel_day(channel, local_date(channel, change.changed_at))
        ChannelDay.objects.filter(pk=day.pk).update(
            joins=F("joins") + int(change.joined), leaves=F("leaves") + int(change.left)
        )
    day.refresh_from_db()
    return day


def simulate_audience(channel: Channel, now: datetime | None = None) -> ChannelDay:
    """The sandbox's followers, joins and leaves for yesterday (finished) and today (so far)."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(channel.workspace.time_zone)
    today = local_date(channel, now)
    since = channel.created_at
    for day in (today - timedelta(days=1), today):
        start = datetime.combine(day, datetime.min.time(), zone)
        end = min(now, datetime.combine(day + timedelta(days=1), datetime.min.time(), zone))
        if end <= since:
            continue
        joins, leaves = simulation.day_flow(channel.pk, since, max(start, since), end)
        followers = simulation.followers_at(channel.pk, since, end)
        with transaction.atomic():
            row = channel_day(channel, day)
            ChannelDay.objects.filter(pk=row.pk).update(
                followers=followers, joins=joins, leaves=leaves, updated_at=now
            )
    return ChannelDay.objects.get(channel=channel, date=today)


# --- updates from tandem.community.ingest ------------------------------------------------------------------


def own_channels(platform: str, account: str, chat_id: str) -> list[Channel]:
    """The live channels whose own chat this is (not channels whose discussion group it is): reactions and
    members of a discussion group are not the channel's."""
    from tandem.community.ingest import listening_channels

    return [c for c in listening_channels(platform, account, chat_id) if c.external_id == chat_id]


def record_update(platform: str, account: str, parsed: ParsedUpdate) -> int:
    """Store what a channel post, reaction or membership update says, for each channel it concerns; how
    many."""
    if parsed.kind == UPDATE_CHANNEL_POST:
        message = parsed.message
        channels = own_channels(platform, account, message.chat_id)
        return sum(record_channel_post(channel, message) is not None for channel in channels)
    if parsed.kind == UPDATE_REACTION_COUNT:
        counted = parsed.reaction_count
        channels = own_channels(platform, account, counted.chat_id)
        return sum(record_reaction_count(channel, counted) is not None for channel in channels)
    if parsed.kind == UPDATE_REACTION:
        change = parsed.reaction_change
        channels = own_channels(platform, account, change.chat_id)
        return sum(record_reaction_change(channel, change) is not None for channel in channels)
    if parsed.kind == UPDATE_MEMBER:
        change = parsed.member_change
        channels = own_channels(platform, account, change.chat_id)
        return sum(record_member_change(channel, change) is not None for channel in channels)
    return 0


# --- one channel ---------------------------------------------------------------------------------------------


def collect_channel(channel: Channel, now: datetime | None = None) -> dict:
    """One round for one channel: new posts, comment counts, the platform's figures, the audience. The day's
    first round (no followers read yet today) also reads the followers and recounts every post's comments."""
    now = now or timezone.now()
    first_of_the_day = followers_due(channel, now)
    summary = {
        "posts": sync_channel_posts(channel),
        "comments": count_comments(channel, now, None if first_of_the_day else COMMENTS_DAYS),
        "figures": collect_post_metrics(channel, now),
    }
    if channel.platform == "sandbox":
        summary["followers"] = simulate_audience(channel, now).followers
    elif first_of_the_day:
        summary["followers"] = read_followers(channel, now)
    return summary
