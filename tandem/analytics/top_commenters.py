"""A period's top commenters, exact, without summing one AuthorDay row per author and day over a long period.

A period's days split in two: the settled ones, up to the day before yesterday (the periodic refresh only
rewrites yesterday and today), and the recent rest. The settled days' list is kept (TopCommenters: the
TOP_KEPT most active authors, computed by the daily warm-up or on the first request that needs it); the
recent days are summed live from AuthorDay, two days of rows. Merged:

- an author in the kept list: kept count + recent count, exact;
- an author of the recent days only: their settled count is unknown but at most the kept list's last count
  (``floor``); when that bound plus their recent count could reach the top, their settled count is read;
- anyone else: at most ``floor``; when that could reach the top (ties at the foot of the list), the whole
  period is summed live instead.

So the list always equals the live sum over the period; the tests hold the two together. A selection of
channels that is neither one channel nor all of them is always summed live (nothing is kept for it)."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from tandem.community.models import Author

from .models import AuthorDay, TopCommenters
from .periods import PRESETS, Period
from .scope import ALL_CHANNELS, Scope

TOP_KEPT = 100
SETTLED_LAG = 2  # today and yesterday are rewritten by every periodic refresh (rollups.refresh_recent)
KEEP_DAYS = 7  # kept lists computed longer ago are deleted by the warm-up (custom periods leave some behind)
MAX_LOOKUPS = 1000  # authors read one by one at most; more, and the period is summed live

LIVE_SQL = """
SELECT author.display_name, author.username, author.external_id, counted.comments
FROM ({counted}) counted INNER JOIN {authors} author ON author.id = counted.author_id
ORDER BY counted.comments DESC, author.display_name, author.id
LIMIT %s
"""
# The same order for authors whose counts are known, so both ways break ties alike (the database's collation).
NAMED_SQL = """
WITH counted (author_id, comments) AS (VALUES {values})
SELECT author.display_name, author.username, author.external_id, counted.comments
FROM counted INNER JOIN {authors} author ON author.id = counted.author_id
ORDER BY counted.comments DESC, author.display_name, author.id
LIMIT %s
"""


def settled_until(time_zone: str) -> date:
    """The last local day the periodic refresh no longer rewrites."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date() - timedelta(days=SETTLED_LAG)


def _summed(channel_ids: list[int], start: date, end: date):
    return (
        AuthorDay.objects.filter(channel_id__in=channel_ids, date__range=(start, end))
        .values("author_id")
        .annotate(comments=Sum("comments"))
        .order_by()
    )


def _live(channel_ids: list[int], start: date, end: date, limit: int) -> list[tuple]:
    sql, params = _summed(channel_ids, start, end).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(LIVE_SQL.format(counted=sql, authors=Author._meta.db_table), [*params, limit])
        return cursor.fetchall()


def _named(totals: dict[int, int], limit: int) -> list[tuple]:
    values = ", ".join(["(%s, %s)"] * len(totals))
    params = [number for pair in totals.items() for number in pair]
    with connection.cursor() as cursor:
        sql = NAMED_SQL.format(values=values, authors=Author._meta.db_table)
        cursor.execute(sql, [*params, limit])
        return cursor.fetchall()


def kept(workspace, channel_id: int | None, channel_ids: list[int], start: date, end: date) -> TopCommenters:
    """The kept list of the settled days start … end, computed and stored when missing."""
    found = TopCommenters.objects.filter(
        workspace=workspace, channel_id=channel_id, start=start, end=end
    ).first()
    if found is not None:
        return found
    rows = _summed(channel_ids, start, end).order_by("-comments", "author_id")
    authors = [
        [author_id, comments] for author_id, comments in rows.values_list("author_id", "comments")[:TOP_KEPT]
    ]
    top = TopCommenters(
        workspace=workspace,
        channel_id=channel_id,
        start=start,
        end=end,
        authors=authors,
        complete=len(authors) < TOP_KEPT,
        computed_at=timezone.now(),
    )
    TopCommenters.objects.bulk_create([top], ignore_conflicts=True)  # another request may have stored it
    return top


def top_commenters(scope: Scope, limit: int) -> list[tuple[str, str, str, int]]:
    """The period's ``limit`` most active public commenters: (display name, username, external id,
    comments), most comments first, then by display name."""
    period, ids = scope.period, scope.channel_ids
    last_settled = min(period.end, settled_until(period.time_zone))
    if scope.kept_for is None or last_settled < period.start:
        return _live(ids, period.start, period.end, limit)
    channel_id = None if scope.kept_for == ALL_CHANNELS else scope.kept_for
    top = kept(scope.workspace, channel_id, ids, period.start, last_settled)
    totals = dict(top.authors)
    recent = {}
    if period.end > last_settled:
        days = _summed(ids, last_settled + timedelta(days=1), period.end)
        recent = dict(days.values_list("author_id", "comments"))
    unknown = {}
    for author_id, comments in recent.items():
        if author_id in totals:
            totals[author_id] += comments
        elif top.complete:
            totals[author_id] = comments
        else:
            unknown[author_id] = comments
    if not top.complete:
        floor = top.authors[-1][1]
        ranked = sorted(totals.values(), reverse=True)
        bar = ranked[limit - 1] if len(ranked) >= limit else 0
        lookups = [author_id for author_id, comments in unknown.items() if floor + comments >= bar]
        if floor >= bar or len(lookups) > MAX_LOOKUPS:
            return _live(ids, period.start, period.end, limit)
        if lookups:
            settled = _summed(ids, period.start, last_settled).filter(author_id__in=lookups)
            counts = dict(settled.values_list("author_id", "comments"))
            for author_id in lookups:
                totals[author_id] = counts.get(author_id, 0) + unknown[author_id]
    ranked = sorted(totals.values(), reverse=True)
    if not ranked:
        return []
    cut = ranked[min(limit, len(ranked)) - 1]
    chosen = {author_id: comments for author_id, comments in totals.items() if comments >= cut}
    if len(chosen) > MAX_LOOKUPS:  # a tie among very many at the foot: the database ranks them by name
        return _live(ids, period.start, period.end, limit)
    rows = _named(chosen, limit)
    if len(rows) < min(limit, len(totals)):  # an author deleted since the list was kept
        return _live(ids, period.start, period.end, limit)
    return rows


def warm(workspace) -> int:
    """Keep the settled lists the dashboards' preset periods need, for every channel and for all of them,
    and delete lists computed more than KEEP_DAYS ago. Returns how many lists were computed."""
    channel_ids = list(workspace.channels.values_list("pk", flat=True))
    if not channel_ids:
        return 0
    TopCommenters.objects.filter(
        workspace=workspace, computed_at__lt=timezone.now() - timedelta(days=KEEP_DAYS)
    ).delete()
    end = settled_until(workspace.time_zone)
    # one channel is its workspace's every channel: Scope.kept_for calls it by its id
    scopes = [(pk, [pk]) for pk in channel_ids]
    if len(channel_ids) > 1:
        scopes.append((None, channel_ids))
    computed = 0
    for days in PRESETS:
        start = Period.last_days(days, workspace.time_zone).start
        if start > end:
            continue
        for channel_id, ids in scopes:
            lists = TopCommenters.objects.filter(
                workspace=workspace, channel_id=channel_id, start=start, end=end
            )
            if not lists.exists():
                kept(workspace, channel_id, ids, start, end)
                computed += 1
    return computed
