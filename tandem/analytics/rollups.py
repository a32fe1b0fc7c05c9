"""DailyRollup rows: per channel per workspace-local day, what the dashboards sum over a period.

``refresh`` rebuilds a range of days set-based: one grouped aggregate query per source table (posts,
audience days, comments, moderation actions), then one bulk upsert. Days run in the workspace's time zone
(TruncDate with the zone: PostgreSQL converts in SQL, SQLite through Django's date functions), so a comment
at 23:30 local time counts on that local day whatever UTC says."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, FloatField, IntegerField, Min, OuterRef, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from tandem.channels.models import Channel
from tandem.community.models import Comment, ModerationAction

from . import top_commenters
from .models import (
    VIEW_FIGURES,
    AuthorDay,
    ChannelDay,
    ChannelPost,
    CommenterDay,
    DailyRollup,
    FirstResponse,
    RubricDay,
    TopCommenters,
    VerdictDay,
)

ENGINE_SOURCES = [
    ModerationAction.Source.RULE,
    ModerationAction.Source.PACK,
    ModerationAction.Source.MODEL,
    ModerationAction.Source.ESCALATION,
]
# Figures recomputed by refresh (everything but the keys and the timestamp).
FIGURES = [
    "posts",
    "posts_with_views",
    "views",
    "reactions",
    "comments",
    "shares",
    "poll_votes",
    "interactions",
    *VIEW_FIGURES,
    "followers",
    "joins",
    "leaves",
    "public_comments",
    "commenters",
    "team_replies",
    "held",
    "hidden",
    "deleted",
    "banned",
    "reversed",
]
BATCH = 2000
# The engine's actions that are verdicts on a comment (VerdictDay; the moderation section's table by rule).
VERDICTS = ["hold", "hide", "delete", "warn", "mute", "ban"]


def _sum(field: str, only: Q | None = None):
    return Coalesce(Sum(field, filter=only), Value(0), output_field=IntegerField())


def _rate(denominator: str):
    """A post's interactions per 100 of ``denominator`` (views or reach): its ER by views or by reach."""
    return Cast(F("interactions"), FloatField()) * 100.0 / Cast(F(denominator), FloatField())


def reversed_by_team() -> Q:
    """A team's row that reverses the engine: it undoes an engine row, or approves a comment the engine
    held (the review queue's approve has no ``undoes``). Needs the ``engine_held`` annotation."""
    return Q(source=ModerationAction.Source.TEAM) & (
        Q(undoes__source__in=ENGINE_SOURCES) | Q(action="approve", undoes__isnull=True, engine_held=True)
    )


def engine_held():
    return Exists(
        ModerationAction.objects.filter(
            comment_id=OuterRef("comment_id"), action="hold", source__in=ENGINE_SOURCES
        )
    )


def _today(zone: zoneinfo.ZoneInfo) -> date:
    return timezone.now().astimezone(zone).date()


def _first_day(workspace, channel_ids: list[int], zone: zoneinfo.ZoneInfo) -> date | None:
    """The earliest local day with anything to count."""
    firsts = [
        ChannelPost.objects.filter(channel_id__in=channel_ids).aggregate(m=Min("published_at"))["m"],
        Comment.objects.filter(channel_id__in=channel_ids).aggregate(m=Min("sent_at"))["m"],
        ModerationAction.objects.filter(workspace=workspace).aggregate(m=Min("created_at"))["m"],
    ]
    days = [moment.astimezone(zone).date() for moment in firsts if moment is not None]
    first_audience = ChannelDay.objects.filter(channel_id__in=channel_ids).aggregate(m=Min("date"))["m"]
    if first_audience is not None:
        days.append(first_audience)
    return min(days) if days else None


def _posts_by_day(channel_ids, zone, low=None, high=None):
    posts = ChannelPost.objects.filter(channel_id__in=channel_ids)
    if low is not None:
        posts = posts.filter(published_at__gte=low, published_at__lt=high)
    return posts.annotate(day=TruncDate("published_at", tzinfo=zone)).values("channel_id", "day").order_by()


def _view_figures() -> dict:
    """VIEW_FIGURES as aggregates of a day's posts. Annotate them before any alias named like a field (views,
    reach): from then on F() and Q() of that name mean the alias."""
    viewed, reached = Q(views__gt=0), Q(reach__gt=0)
    return {
        "viewed_posts": Count("id", filter=viewed),
        "viewed_rate_sum": Coalesce(Sum(_rate("views"), filter=viewed), Value(0.0)),
        "viewed_interactions": _sum("interactions", viewed),
        "viewed_shares": _sum("shares", viewed & Q(shares__isnull=False)),
        "viewed_views_with_shares": _sum("views", viewed & Q(shares__isnull=False)),
        "reached_posts": Count("id", filter=reached),
        "reached_rate_sum": Coalesce(Sum(_rate("reach"), filter=reached), Value(0.0)),
        "reached_interactions": _sum("interactions", reached),
        "reach": _sum("reach", reached),
    }


def _post_figures() -> dict:
    return {
        "posts": Count("id"),
        "posts_with_views": Count("id", filter=Q(views__isnull=False)),
        "views": _sum("views"),
        "reactions": _sum("reactions_total"),
        "comments": _sum("comments"),
        "shares": _sum("shares"),
        "poll_votes": _sum("poll_votes"),
        "interactions": _sum("interactions"),
    }


def fill_view_figures(workspace_id: int, time_zone: str) -> int:
    """Set VIEW_FIGURES of the workspace's existing rollup rows from its posts (for the migration that added
    them: a full refresh would also do, at many times the cost). Returns the rows updated."""
    zone = zoneinfo.ZoneInfo(time_zone)
    channel_ids = list(Channel.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True))
    updated = 0
    for found in _posts_by_day(channel_ids, zone).annotate(**_view_figures()):
        rows = DailyRollup.objects.filter(channel_id=found.pop("channel_id"), date=found.pop("day"))
        updated += rows.update(**found)
    return updated


def refresh(workspace, start_date: date | None = None, end_date: date | None = None) -> int:
    """Rebuild the workspace's rollups from ``start_date`` to ``end_date`` (inclusive, local days; by default
    from its first data to today). Every channel gets a row for every day of the range, zeros where nothing
    happened, so a refresh also clears figures whose source rows went away. Returns the rows written."""
    zone = zoneinfo.ZoneInfo(workspace.time_zone)
    channel_ids = list(Channel.objects.filter(workspace=workspace).values_list("pk", flat=True))
    if not channel_ids:
        return 0
    end_date = end_date or _today(zone)
    whole = start_date is None  # from the first data: every author's whole history is read anyway
    start_date = start_date or _first_day(workspace, channel_ids, zone) or end_date
    if start_date > end_date:
        return 0
    low = datetime.combine(start_date, time.min, zone)
    high = datetime.combine(end_date + timedelta(days=1), time.min, zone)

    rows: dict[tuple[int, date], dict] = {}

    def merge(values) -> None:
        for found in values:
            key = (found.pop("channel_id"), found.pop("day"))
            rows.setdefault(key, {}).update(found)

    merge(_posts_by_day(channel_ids, zone, low, high).annotate(**_view_figures(), **_post_figures()))
    merge(
        ChannelDay.objects.filter(channel_id__in=channel_ids, date__range=(start_date, end_date))
        .values("channel_id", "followers", "joins", "leaves", day=F("date"))
        .order_by()
    )
    merge(
        Comment.objects.filter(channel_id__in=channel_ids, sent_at__gte=low, sent_at__lt=high)
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("channel_id", "day")
        .order_by()
        .annotate(
            public_comments=Count("id", filter=Q(from_team=False)),
            commenters=Count("author_id", filter=Q(from_team=False), distinct=True),
            team_replies=Count("id", filter=Q(from_team=True)),
        )
    )
    merge(
        ModerationAction.objects.filter(
            workspace=workspace, ok=True, comment__isnull=False, created_at__gte=low, created_at__lt=high
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone), channel_id=F("comment__channel_id"))
        .annotate(engine_held=engine_held())
        .values("channel_id", "day")
        .order_by()
        .annotate(
            held=Count("id", filter=Q(action="hold")),
            hidden=Count("id", filter=Q(action="hide")),
            deleted=Count("id", filter=Q(action="delete")),
            banned=Count("id", filter=Q(action="ban")),
            reversed=Count("id", filter=reversed_by_team()),
        )
    )

    days = [start_date + timedelta(days=i) for i in range((end_date - start_date).days + 1)]
    now = timezone.now()
    objects = []
    for channel_id in channel_ids:
        for day in days:
            figures = dict.fromkeys(FIGURES, 0) | {"followers": None} | rows.get((channel_id, day), {})
            objects.append(
                DailyRollup(workspace=workspace, channel_id=channel_id, date=day, refreshed_at=now, **figures)
            )
    with transaction.atomic():
        for first in range(0, len(objects), BATCH):
            DailyRollup.objects.bulk_create(
                objects[first : first + BATCH],
                update_conflicts=True,
                unique_fields=["channel", "date"],
                update_fields=[*FIGURES, "refreshed_at"],
            )
        _refresh_commenters(workspace, channel_ids, zone, start_date, end_date, whole)
        _refresh_author_days(workspace, channel_ids, zone, start_date, end_date)
        _refresh_verdicts(workspace, channel_ids, zone, start_date, end_date)
        _refresh_first_responses(channel_ids, zone, start_date, end_date)
        refresh_rubric_days(channel_ids, zone, start_date, end_date)
    return len(objects)


def _spans(days, zone) -> Q:
    moments = Q(pk__in=[])
    for first, last in days:
        moments |= Q(
            sent_at__gte=datetime.combine(first, time.min, zone),
            sent_at__lt=datetime.combine(last + timedelta(days=1), time.min, zone),
        )
    return moments


def _replace_days(model, channel_ids, start_date: date, end_date: date, objects: list, extra=()) -> None:
    """The rollup rows of ``model`` for the channels' days start_date … end_date (and the ``extra`` days)
    become ``objects``: rows of days that no longer have any go away."""
    days = Q(date__range=(start_date, end_date)) | Q(date__in=list(extra))
    model.objects.filter(channel_id__in=channel_ids).filter(days).delete()
    model.objects.bulk_create(objects, batch_size=BATCH)


def refresh_rubric_days(channel_ids, zone, start_date: date, end_date: date) -> None:
    """RubricDay rows of the local days start_date … end_date, from the posts published on them."""
    low = datetime.combine(start_date, time.min, zone)
    high = datetime.combine(end_date + timedelta(days=1), time.min, zone)
    figures = _view_figures()
    groups = (
        _posts_by_day(channel_ids, zone, low, high)
        .values("channel_id", "day", rubric=F("delivery__post__rubric_id"))
        .annotate(
            viewed=figures["viewed_posts"],
            rate_sum=figures["viewed_rate_sum"],
            posts=Count("id"),
            interactions_sum=_sum("interactions"),
        )
    )
    objects = [
        RubricDay(
            channel_id=group["channel_id"],
            date=group["day"],
            rubric_id=group["rubric"],
            posts=group["posts"],
            interactions=group["interactions_sum"],
            viewed_posts=group["viewed"],
            viewed_rate_sum=group["rate_sum"],
        )
        for group in groups
    ]
    _replace_days(RubricDay, channel_ids, start_date, end_date, objects)


def refresh_rubric_days_of_post(post_id: int) -> None:
    """The RubricDay rows of the days a post was published on, in each channel's workspace (its rubric may
    have changed)."""
    copies = ChannelPost.objects.filter(delivery__post_id=post_id).select_related("workspace")
    for copy in copies:
        zone = zoneinfo.ZoneInfo(copy.workspace.time_zone)
        day = copy.published_at.astimezone(zone).date()
        channel_ids = list(
            Channel.objects.filter(workspace_id=copy.workspace_id).values_list("pk", flat=True)
        )
        refresh_rubric_days(channel_ids, zone, day, day)


def _refresh_first_responses(channel_ids, zone, start_date: date, end_date: date) -> None:
    """FirstResponse rows of the public comments of the local days start_date … end_date, and of the
    earlier days of comments the team first answered in that range (refresh_recent re-counts them)."""
    low = datetime.combine(start_date, time.min, zone)
    high = datetime.combine(end_date + timedelta(days=1), time.min, zone)
    replies = Comment.objects.filter(channel_id__in=channel_ids, from_team=True, parent__from_team=False)
    asked = replies.filter(sent_at__gte=low, sent_at__lt=high, parent__sent_at__lt=low).values_list(
        "parent__sent_at", flat=True
    )
    extra = {moment.astimezone(zone).date() for moment in asked}
    spans = [(start_date, end_date), *((day, day) for day in extra)]
    first_replies = (
        replies.filter(parent__in=Comment.objects.filter(_spans(spans, zone)).values("pk"))
        .values("parent_id", "channel_id")
        .order_by()
        .annotate(first_reply=Min("sent_at"), asked=Min("parent__sent_at"))
    )
    objects = [
        FirstResponse(
            channel_id=row["channel_id"],
            comment_id=row["parent_id"],
            date=row["asked"].astimezone(zone).date(),
            seconds=(row["first_reply"] - row["asked"]).total_seconds(),
        )
        for row in first_replies
    ]
    _replace_days(FirstResponse, channel_ids, start_date, end_date, objects, extra)


AUTHOR_DAYS_SQL = """
INSERT INTO {table} (channel_id, date, author_id, comments)
SELECT counted.channel_id, counted.day, counted.author_id, counted.comments FROM ({counted}) counted
"""


def _refresh_author_days(workspace, channel_ids, zone, start_date: date, end_date: date) -> None:
    """AuthorDay rows of the local days start_date … end_date: one INSERT … SELECT grouped in the database."""
    low = datetime.combine(start_date, time.min, zone)
    high = datetime.combine(end_date + timedelta(days=1), time.min, zone)
    counted = (
        Comment.objects.filter(
            channel_id__in=channel_ids,
            from_team=False,
            author__isnull=False,
            sent_at__gte=low,
            sent_at__lt=high,
        )
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("channel_id", "day", "author_id")
        .order_by()
        .annotate(comments=Count("id"))
    )
    sql, params = counted.query.sql_with_params()
    days = AuthorDay.objects.filter(channel_id__in=channel_ids, date__range=(start_date, end_date))
    settled = start_date <= top_commenters.settled_until(str(zone))
    before = _checksum(days) if settled else None
    days.delete()
    with connection.cursor() as cursor:
        cursor.execute(AUTHOR_DAYS_SQL.format(table=AuthorDay._meta.db_table, counted=sql), params)
    if settled and _checksum(days) != before:
        # the kept top lists of these days are out of date (an import, a late delivery)
        TopCommenters.objects.filter(workspace=workspace, start__lte=end_date, end__gte=start_date).delete()


def _checksum(author_days) -> dict:
    """Enough of the rows to tell whether a refresh changed them: a comment never changes author, channel
    or day, so only added or removed comments do, and they change the count or a sum."""
    return author_days.aggregate(
        rows=Count("id"), summed=Sum("comments"), weighted=Sum(F("author_id") * F("comments"))
    )


def verdicts(workspace, channel_ids):
    """The engine's verdicts that took effect on the channels' comments, each marked ``undone`` (a team row
    undoes it) and ``approved`` (the team approved its comment: reverses a hold)."""
    team = ModerationAction.objects.filter(source=ModerationAction.Source.TEAM)
    return (
        ModerationAction.objects.filter(
            workspace=workspace,
            comment__channel_id__in=channel_ids,
            source__in=ENGINE_SOURCES,
            action__in=VERDICTS,
            ok=True,
        )
        .annotate(
            undone=Exists(team.filter(undoes=OuterRef("pk"))),
            approved=Exists(team.filter(comment_id=OuterRef("comment_id"), action="approve")),
        )
        .order_by()
    )


def _reversed_days(workspace, zone, start_date: date, end_date: date, low, high) -> set[date]:
    """Local days outside start_date … end_date of engine verdicts the team reversed between low and high:
    their reversal counts on the verdict's day, so those days are counted again."""
    team = ModerationAction.objects.filter(
        workspace=workspace, source=ModerationAction.Source.TEAM, created_at__gte=low, created_at__lt=high
    )
    moments = ModerationAction.objects.filter(
        Q(pk__in=team.filter(undoes__isnull=False).values("undoes_id"))
        | Q(action="hold", comment_id__in=team.filter(action="approve").values("comment_id")),
        workspace=workspace,
        source__in=ENGINE_SOURCES,
    ).values_list("created_at", flat=True)
    days = {moment.astimezone(zone).date() for moment in moments}
    return {day for day in days if not start_date <= day <= end_date}


def _refresh_verdicts(workspace, channel_ids, zone, start_date: date, end_date: date) -> None:
    """VerdictDay rows of the local days start_date … end_date, and of the earlier days whose verdicts the
    team reversed in that range (refresh_recent thereby re-counts them)."""
    low = datetime.combine(start_date, time.min, zone)
    high = datetime.combine(end_date + timedelta(days=1), time.min, zone)
    extra = _reversed_days(workspace, zone, start_date, end_date, low, high)
    moments = Q(created_at__gte=low, created_at__lt=high)
    for day in extra:
        moments |= Q(
            created_at__gte=datetime.combine(day, time.min, zone),
            created_at__lt=datetime.combine(day + timedelta(days=1), time.min, zone),
        )
    reversed_ = Q(undone=True) | Q(action="hold", approved=True)
    rows = (
        verdicts(workspace, channel_ids)
        .filter(moments)
        .annotate(day=TruncDate("created_at", tzinfo=zone), channel_id=F("comment__channel_id"))
        .values("channel_id", "day", "source", "rule_name")
        .order_by()
        .annotate(
            verdicts=Count("id"),
            held=Count("id", filter=Q(action="hold")),
            hidden=Count("id", filter=Q(action="hide")),
            deleted=Count("id", filter=Q(action__in=["delete", "warn"])),
            banned=Count("id", filter=Q(action__in=["ban", "mute"])),
            reversed=Count("id", filter=reversed_),
        )
    )
    objects = [
        VerdictDay(workspace=workspace, date=row.pop("day"), channel_id=row.pop("channel_id"), **row)
        for row in rows
    ]
    _replace_days(VerdictDay, channel_ids, start_date, end_date, objects, extra)


# One INSERT … SELECT per refresh, in the database: the (author, channel, local day) of each public comment
# (read once), then with window functions each one's previous day (in the channel and in the workspace) and
# the author's first day in the workspace, counted per (channel or workspace, day, since, first_here). Only
# the authors who commented in the range are read, with their whole history (their previous days may be
# older).
COMMENTER_DAYS_SQL = """
INSERT INTO {table} (workspace_id, channel_id, date, since, first_here, authors)
WITH author_days AS ({days})
SELECT %s, channel_id, day, since, first_here, COUNT(*) FROM (
    SELECT channel_id, day, COALESCE(previous, first) AS since, previous IS NULL AS first_here
    FROM (
        SELECT channel_id, day,
               LAG(day) OVER (PARTITION BY author_id, channel_id ORDER BY day) AS previous,
               MIN(day) OVER (PARTITION BY author_id) AS first
        FROM author_days
    ) per_channel
    WHERE day >= %s AND day <= %s
    UNION ALL
    SELECT NULL, day, COALESCE(previous, day), previous IS NULL
    FROM (
        SELECT day, LAG(day) OVER (PARTITION BY author_id ORDER BY day) AS previous
        FROM (SELECT DISTINCT author_id, day FROM author_days) author_workspace_days
    ) per_workspace
    WHERE day >= %s AND day <= %s
) counted
GROUP BY channel_id, day, since, first_here
"""


def _refresh_commenters(workspace, channel_ids, zone, start_date: date, end_date: date, whole: bool) -> None:
    """CommenterDay rows of the local days start_date … end_date. A later day's ``since`` depends on earlier
    comments: new comments arrive today (refresh_recent) or through an import, which refreshes everything."""
    low = datetime.combine(start_date, time.min, zone)
    high = datetime.combine(end_date + timedelta(days=1), time.min, zone)
    public = Comment.objects.filter(channel_id__in=channel_ids, from_team=False, author__isnull=False)
    days = (
        public.filter(sent_at__lt=high)
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("author_id", "channel_id", "day")
        .distinct()
        .order_by()
    )
    if not whole:
        days = days.filter(
            author_id__in=public.filter(sent_at__gte=low, sent_at__lt=high).values("author_id")
        )
    days_sql, days_params = days.query.sql_with_params()
    sql = COMMENTER_DAYS_SQL.format(table=CommenterDay._meta.db_table, days=days_sql)
    bounds = [start_date.isoformat(), end_date.isoformat()]
    params = [*days_params, workspace.pk, *bounds, *bounds]
    CommenterDay.objects.filter(workspace=workspace, date__range=(start_date, end_date)).delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refresh_recent(workspace, days: int = 2) -> int:
    """Yesterday and today (``days`` local days up to today): what changes between two periodic runs."""
    today = _today(zoneinfo.ZoneInfo(workspace.time_zone))
    return refresh(workspace, today - timedelta(days=days - 1), today)
