"""The rows behind the sections of one dashboard or report: which channels, which period, and the few
queries that read them.

Sums per day come from DailyRollup (one query for the period and the previous one). Only what cannot be
summed from days reads the base tables, each query bounded by the period and served by an index: posts'
per-view rates, top and bottom posts, the best-time posts, distinct commenters, first responses and the
moderation verdicts by rule. Each loader runs at most once per Scope (cached_property)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db.models import OuterRef, Q, Subquery, Sum

from tandem.channels.models import Channel

from . import kpis
from .models import VIEW_FIGURES, ChannelDay, ChannelPost, CommenterDay, DailyRollup
from .periods import Period

ALL_CHANNELS = "all"
SUMMED = [
    "posts",
    "posts_with_views",
    "views",
    "reactions",
    "comments",
    "shares",
    "poll_votes",
    "interactions",
    *VIEW_FIGURES,
    "joins",
    "leaves",
    "public_comments",
    "team_replies",
    "held",
    "hidden",
    "deleted",
    "banned",
    "reversed",
]


@dataclass
class Totals:
    """A period's sums from the rollups, its per-day series, and follower figures."""

    period: Period
    sums: dict = field(default_factory=dict)
    by_day: dict[date, dict] = field(default_factory=dict)  # date → sums of that day over the channels
    followers_by_day: dict[date, int | None] = field(default_factory=dict)  # carried forward, summed
    followers_start: int | None = None  # the last reading before the period (or its first reading)
    followers_end: int | None = None
    # Σ over channel-days with posts and a follower reading: (interactions, followers × posts, posts, …)
    per_post_pairs: list[tuple[int, int, int, int, int]] = field(default_factory=list)

    def __getitem__(self, name: str) -> int:
        return self.sums.get(name, 0)


class Scope:
    def __init__(self, workspace, channels, period: Period):
        self.workspace = workspace
        self.period = period
        self.previous = period.previous()
        self.selected = channels
        self._followers: dict[tuple[date, date], dict] = {}

    @cached_property
    def channels(self) -> list[Channel]:
        if self.selected is not None:
            return list(self.selected)
        return list(Channel.objects.filter(workspace=self.workspace))

    @cached_property
    def channel_ids(self) -> list[int]:
        return [channel.pk for channel in self.channels]

    @property
    def platforms(self) -> set[str]:
        return {channel.platform for channel in self.channels}

    def posts(self, period: Period):
        low, high = period.bounds()
        posts = ChannelPost.objects.filter(published_at__gte=low, published_at__lt=high)
        if self.kept_for == ALL_CHANNELS:  # the same posts, and the workspace's indexes lead with it
            return posts.filter(workspace=self.workspace)
        return posts.filter(channel_id__in=self.channel_ids)

    # --- rollups ----------------------------------------------------------------------------------------

    @cached_property
    def _followers_before(self) -> dict[int, int]:
        """Each channel's last follower reading before the previous period starts (to carry forward)."""
        last = ChannelDay.objects.filter(
            channel=OuterRef("pk"), date__lt=self.previous.start, followers__isnull=False
        ).order_by("-date")
        rows = Channel.objects.filter(pk__in=self.channel_ids).annotate(
            followers=Subquery(last.values("followers")[:1])
        )
        return {row.pk: row.followers for row in rows if row.followers is not None}

    @cached_property
    def _totals(self) -> tuple[Totals, Totals]:
        columns = ["channel_id", "date", "followers", *SUMMED]
        at = {name: number for number, name in enumerate(columns)}
        first_summed = at[SUMMED[0]]
        posts, interactions, reactions, comments = (
            at["posts"], at["interactions"], at["reactions"], at["comments"]
        )  # fmt: skip
        rows = (
            DailyRollup.objects.filter(
                channel_id__in=self.channel_ids, date__range=(self.previous.start, self.period.end)
            )
            .order_by()
            .values_list(*columns)
        )
        current, previous = Totals(self.period), Totals(self.previous)
        latest = dict(self._followers_before)  # channel → its latest reading so far
        by_date: dict[date, list[tuple]] = defaultdict(list)
        for row in rows:
            by_date[row[1]].append(row)
        zeros = [0] * len(SUMMED)
        day = self.previous.start
        while day <= self.period.end:
            totals = current if day >= self.period.start else previous
            if day == totals.period.start:
                totals.followers_start = sum(latest.values()) if latest else None
            day_rows = by_date.get(day, [])
            sums = [sum(column) for column in zip(*(row[first_summed:] for row in day_rows), strict=True)]
            for row in day_rows:
                channel_id, _day, followers = row[:3]
                if followers is not None:
                    latest[channel_id] = followers
                reading = latest.get(channel_id)
                if row[posts] and reading:
                    totals.per_post_pairs.append(
                        (row[interactions], reading, row[posts], row[reactions], row[comments])
                    )
            totals.by_day[day] = dict(zip(SUMMED, sums or zeros, strict=True))
            totals.followers_by_day[day] = sum(latest.values()) if latest else None
            day += timedelta(days=1)
        for totals in (current, previous):
            totals.sums = {name: sum(day[name] for day in totals.by_day.values()) for name in SUMMED}
            readings = [f for f in totals.followers_by_day.values() if f is not None]
            totals.followers_end = readings[-1] if readings else None
            if totals.followers_start is None and readings:
                totals.followers_start = readings[0]
        return current, previous

    @property
    def current(self) -> Totals:
        return self._totals[0]

    @property
    def before(self) -> Totals:
        return self._totals[1]

    # --- distinct commenters ------------------------------------------------------------------------------

    @cached_property
    def kept_for(self) -> int | str | None:
        """The selection as the rollups kept per selection know it (CommenterDay, TopCommenters): one
        channel's id, ALL_CHANNELS for every channel of the workspace, None for any other selection (no rows
        are kept for it)."""
        ids = self.channel_ids
        if len(ids) == 1:
            return ids[0]
        if ids and set(ids) == set(
            Channel.objects.filter(workspace=self.workspace).values_list("pk", flat=True)
        ):
            return ALL_CHANNELS
        return None

    @cached_property
    def commenters(self) -> tuple[kpis.Commenters, kpis.Commenters] | None:
        """Unique, new and returning commenters of the period and the previous one, summed from CommenterDay
        in one query; None when the selection is neither one channel nor every channel of the workspace
        (those rows exist only for these two)."""
        if self.kept_for is None:
            return None
        channel_id = None if self.kept_for == ALL_CHANNELS else self.kept_for
        rows = CommenterDay.objects.filter(workspace=self.workspace, channel_id=channel_id)
        figures = {}
        for name, period in (("now", self.period), ("before", self.previous)):
            days = Q(date__gte=period.start, date__lte=period.end)
            earlier = Q(since__lt=period.start)
            figures[f"unique_{name}"] = Sum("authors", filter=days & (earlier | Q(first_here=True)))
            figures[f"returning_{name}"] = Sum("authors", filter=days & earlier)
        counted = rows.filter(date__gte=self.previous.start, date__lte=self.period.end).aggregate(**figures)
        result = []
        for name in ("now", "before"):
            unique, returning = counted[f"unique_{name}"] or 0, counted[f"returning_{name}"] or 0
            result.append(kpis.Commenters(unique, unique - returning, returning))
        return result[0], result[1]

    # --- follower readings per channel and day ----------------------------------------------------------

    def followers_on_days(self, first: date, last: date) -> dict:
        """(channel, day) → the channel's follower reading on that day, carried forward from earlier days.
        Computed once per span: the top and bottom posts and the rubrics all ask for the period's."""
        if (first, last) not in self._followers:
            self._followers[(first, last)] = self._read_followers(first, last)
        return self._followers[(first, last)]

    def _read_followers(self, first: date, last: date) -> dict:
        readings = ChannelDay.objects.filter(
            channel_id__in=self.channel_ids,
            date__range=(first - timedelta(days=31), last),
            followers__isnull=False,
        ).values_list("channel_id", "date", "followers")
        latest, known = {}, {}
        for channel_id, day, followers in sorted(readings, key=lambda row: row[1]):
            known[(channel_id, day)] = followers
        day = first - timedelta(days=31)
        while day <= last:
            for channel_id in self.channel_ids:
                if (channel_id, day) in known:
                    latest[channel_id] = known[(channel_id, day)]
                if channel_id in latest:
                    known[(channel_id, day)] = latest[channel_id]
            day += timedelta(days=1)
        return known

    # --- per-view rates from the posts -------------------------------------------------------------------

    @staticmethod
    def _view_figures(totals: Totals) -> dict:
        """Over the period's posts with views (and, apart, those with reach): their count, the mean of the
        posts' ER by views (reach) and the sums, from the rollups."""
        viewed, reached = totals["viewed_posts"], totals["reached_posts"]
        return {
            "posts_with_views": viewed,
            "mean_er": totals["viewed_rate_sum"] / viewed if viewed else None,
            "interactions_sum": totals["viewed_interactions"],
            "views_sum": totals["views"],
            "shares_sum": totals["viewed_shares"],
            "views_with_shares": totals["viewed_views_with_shares"],
            "posts_with_reach": reached,
            "mean_er_reach": totals["reached_rate_sum"] / reached if reached else None,
            "interactions_reached": totals["reached_interactions"],
            "reach_sum": totals["reach"],
        }

    @cached_property
    def views_now(self) -> dict:
        return self._view_figures(self.current)

    @cached_property
    def views_before(self) -> dict:
        return self._view_figures(self.before)
