"""The sections about the posts themselves: the top and bottom posts of the period, and the best time to
post from the last 16 weeks (kpis.best_time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import kpis
from .models import ChannelPost, ReportSection
from .scope import Scope
from .sections import Heatmap, Section, Table
from .sections_content import figure, section

TOP_POSTS = 5
# Written out so makemessages finds each.
WEEKDAYS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


# --- top and bottom posts --------------------------------------------------------------------------------


def _post_rows(scope: Scope, queryset) -> list[list]:
    followers = scope.followers_on_days(scope.period.start, scope.period.end)
    zone = scope.period.zone
    rows = []
    for post in queryset:
        published = post.published_at.astimezone(zone)
        reading = followers.get((post.channel_id, published.date()))
        rows.append(
            [
                published.replace(tzinfo=None),
                post.channel.name,
                (post.text or post.kind)[:80],
                post.views,
                post.reactions_total,
                post.comments,
                post.shares,
                post.interactions,
                kpis.er_by_followers(post.interactions, reading).value,
                kpis.er_by_views(post.interactions, post.views).value,
            ]
        )
    return rows


def posts(scope: Scope) -> Section:
    result = section(ReportSection.POSTS)
    columns = [
        _("Published"),
        _("Channel"),
        _("Post"),
        _("Views"),
        _("Reactions"),
        _("Comments"),
        _("Shares"),
        _("Interactions"),
        _("ER by followers, %"),
        _("ER by views, %"),
    ]
    in_period = scope.posts(scope.period).select_related("channel")
    top = list(in_period.order_by("-interactions", "-published_at")[:TOP_POSTS])
    if not top:
        result.empty = str(kpis.NO_POSTS)
        return result
    bottom = list(
        in_period.exclude(pk__in=[p.pk for p in top]).order_by("interactions", "-published_at")[:TOP_POSTS]
    )
    notes = [
        _("Ranked by interactions."),
        str(kpis.FORMULAS["interactions"]),
        str(kpis.FORMULAS["er_followers"]),
        str(kpis.FORMULAS["er_views"]),
    ]
    if "telegram" in scope.platforms:
        notes.append(str(kpis.TELEGRAM_NO_VIEWS))
    result.tables = [
        Table(_("Top posts"), columns, _post_rows(scope, top), notes),
        Table(_("Bottom posts"), columns, _post_rows(scope, bottom), notes),
    ]
    return result


# --- best time to post ---------------------------------------------------------------------------------


def best_time(scope: Scope) -> Section:
    result = section(ReportSection.BEST_TIME)
    zone = scope.period.zone
    since = datetime.combine(scope.period.end, datetime.min.time(), zone) - timedelta(
        weeks=kpis.BEST_TIME_WEEKS
    )
    _low, high = scope.period.bounds()
    # The local day, weekday and hour come from the database: cheaper than a time-zone-aware datetime per post.
    recent = list(
        ChannelPost.objects.filter(
            channel_id__in=scope.channel_ids, published_at__gte=since, published_at__lt=high
        )
        .annotate(
            day=TruncDate("published_at", tzinfo=zone),
            weekday=ExtractIsoWeekDay("published_at", tzinfo=zone),
            hour=ExtractHour("published_at", tzinfo=zone),
        )
        .values_list("channel_id", "day", "weekday", "hour", "interactions", "views")
    )
    followers = scope.followers_on_days(since.date(), scope.period.end) if recent else {}
    if recent and all(row[5] for row in recent):
        metric = _("ER by views")
        rated = [(w - 1, h, kpis.er_by_views(i, v).value) for _c, _d, w, h, i, v in recent]
    else:
        rated = [
            (w - 1, h, kpis.er_by_followers(i, followers.get((c, d))).value) for c, d, w, h, i, _v in recent
        ]
        metric = _("ER by followers")
        if any(rate is None for _w, _h, rate in rated):
            rated = [(w - 1, h, float(i)) for _c, _d, w, h, i, _v in recent]
            metric = _("interactions per post (no follower readings for every post)")
    grid = kpis.best_time(rated)
    method = f"{kpis.BEST_TIME_METHOD} " + _("ER used: %(metric)s.") % {"metric": metric}
    if len(scope.channels) > 1:
        method += " " + _("The posts of every selected channel are pooled.")
    hours = [f"{hour:02d}" for hour in range(24)]
    rows = [[str(WEEKDAYS[day]), *[round(score, 3) for score in grid.scores[day]]] for day in range(7)]
    title = _("Score per weekday and hour (%(zone)s)") % {"zone": zone.key}
    best = [
        [str(WEEKDAYS[d]), f"{h:02d}:00", round(grid.scores[d][h], 3), grid.counts[d][h]]
        for d, h in grid.best
    ]
    result.tables = [
        Table(_("Best slots"), [_("Weekday"), _("Hour"), _("Score"), _("Posts in the slot")], best, [method]),
        Table(title, ["", *hours], rows, [method]),
    ]
    result.heatmap = Heatmap.of(grid, [str(day) for day in WEEKDAYS], method)
    result.figures = [
        figure(
            _("Posts in the last 16 weeks"),
            grid.posts,
            None,
            formula=_("the posts the scores are computed from"),
        )
    ]
    if grid.pattern_only:
        result.empty = _("No posts in the last 16 weeks: the heatmap shows the platform's typical pattern.")
    return result


BUILDERS = {ReportSection.POSTS: posts, ReportSection.BEST_TIME: best_time}
