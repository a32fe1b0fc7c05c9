"""The sections about what was published: summary, followers and growth, top and bottom posts, best time to
post, rubrics. Each builder reads a Scope (scope.py) and computes figures with kpis.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.content.models import Rubric

from . import charts, kpis
from .models import ChannelDay, ChannelPost, ReportSection
from .scope import Scope
from .sections import Figure, Heatmap, Section, Table

TOP_POSTS = 5
WEEKDAYS = [gettext_lazy(day) for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]


def figure(label: str, now, before, *, unit: str = "", formula: str = "") -> Figure:
    """A Figure from two numbers or two kpis.Rate (this period, the previous one)."""
    if isinstance(now, kpis.Rate):
        return Figure(
            label, now.value, before.value, unit, str(formula), now.reason if now.value is None else ""
        )
    return Figure(label, now, before, unit, str(formula))


def section(key: ReportSection) -> Section:
    return Section(key.value, str(key.label))


def views_reason(scope: Scope) -> str:
    return kpis.views_missing_reason("telegram" if "telegram" in scope.platforms else "")


# --- summary ---------------------------------------------------------------------------------------------


def _per_post(totals) -> kpis.Rate:
    if not totals["posts"]:
        return kpis.Rate(None, str(kpis.NO_POSTS))
    return kpis.Rate(totals["interactions"] / totals["posts"])


def _er_day(totals) -> kpis.Rate:
    """The mean over the period's days of the day's interactions ÷ followers that day."""
    rates = [
        kpis.er_day(totals.by_day[day]["interactions"], followers).value
        for day, followers in totals.followers_by_day.items()
    ]
    rates = [rate for rate in rates if rate is not None]
    if not rates:
        return kpis.Rate(None, str(kpis.NO_FOLLOWERS))
    return kpis.Rate(sum(rates) / len(rates))


def _by_views(scope: Scope, figures: dict, kind: str, followers: int | None = None) -> kpis.Rate:
    """The figures over the posts with views; ``followers`` (at the period's end) for the Telegram ERR."""
    reason = views_reason(scope)
    if not figures["posts_with_views"]:
        return kpis.Rate(None, reason)
    if kind == "mean":
        return kpis.Rate(figures["mean_er"])
    if kind == "sums":
        return kpis.er_by_views(figures["interactions_sum"], figures["views_sum"])
    if kind == "err":
        return kpis.err_telegram(figures["views_sum"] / figures["posts_with_views"], followers)
    return kpis.virality(figures["shares_sum"], figures["views_with_shares"])


def summary(scope: Scope) -> Section:
    now, before = scope.current, scope.before
    result = section(ReportSection.SUMMARY)
    pairs_now = [(i, f, p) for i, f, p, _r, _c in now.per_post_pairs]
    pairs_before = [(i, f, p) for i, f, p, _r, _c in before.per_post_pairs]
    mean, sums = kpis.FORMULAS["mean_of_rates"], kpis.FORMULAS["rate_of_sums"]
    err_now = _by_views(scope, scope.views_now, "err", now.followers_end)
    err_before = _by_views(scope, scope.views_before, "err", before.followers_end)
    result.figures = [
        figure(_("Posts"), now["posts"], before["posts"], formula=_("posts published in the period")),
        figure(
            _("Interactions"),
            now["interactions"],
            before["interactions"],
            formula=kpis.FORMULAS["interactions"],
        ),
        figure(
            _("Interactions per post"),
            _per_post(now),
            _per_post(before),
            formula=_("interactions ÷ posts"),
        ),
        figure(
            _("ER by followers (mean of posts)"),
            kpis.mean_of_rates_by_day(pairs_now),
            kpis.mean_of_rates_by_day(pairs_before),
            unit="%",
            formula=f"{kpis.FORMULAS['er_followers']}; {mean}",
        ),
        figure(
            _("ER by followers (rate of sums)"),
            kpis.rate_of_sums_by_day(pairs_now),
            kpis.rate_of_sums_by_day(pairs_before),
            unit="%",
            formula=f"{kpis.FORMULAS['er_followers']}; {sums}",
        ),
        figure(
            _("ER by views (mean of posts)"),
            _by_views(scope, scope.views_now, "mean"),
            _by_views(scope, scope.views_before, "mean"),
            unit="%",
            formula=f"{kpis.FORMULAS['er_views']}; {mean}",
        ),
        figure(
            _("ER by views (rate of sums)"),
            _by_views(scope, scope.views_now, "sums"),
            _by_views(scope, scope.views_before, "sums"),
            unit="%",
            formula=f"{kpis.FORMULAS['er_views']}; {sums}",
        ),
        figure(
            _("ERR (Telegram sense)"), err_now, err_before, unit="%", formula=kpis.FORMULAS["err_telegram"]
        ),
        figure(
            _("ER day (mean of days)"),
            _er_day(now),
            _er_day(before),
            unit="%",
            formula=kpis.FORMULAS["er_day"],
        ),
        figure(
            _("Love rate"),
            kpis.rate_of_sums_by_day([(r, f, p) for _i, f, p, r, _c in now.per_post_pairs]),
            kpis.rate_of_sums_by_day([(r, f, p) for _i, f, p, r, _c in before.per_post_pairs]),
            unit="%",
            formula=f"{kpis.FORMULAS['love_rate']}; {sums}",
        ),
        figure(
            _("Talk rate"),
            kpis.rate_of_sums_by_day([(c, f, p) for _i, f, p, _r, c in now.per_post_pairs]),
            kpis.rate_of_sums_by_day([(c, f, p) for _i, f, p, _r, c in before.per_post_pairs]),
            unit="%",
            formula=f"{kpis.FORMULAS['talk_rate']}; {sums}",
        ),
        figure(
            _("Virality"),
            _by_views(scope, scope.views_now, "virality"),
            _by_views(scope, scope.views_before, "virality"),
            unit="%",
            formula=f"{kpis.FORMULAS['virality']}; {sums}",
        ),
    ]
    days = scope.period.dates()
    if now["posts"]:
        result.charts = [
            charts.bars(
                _("Interactions per day"),
                days,
                {
                    _("Reactions"): [now.by_day[d]["reactions"] for d in days],
                    _("Comments"): [now.by_day[d]["comments"] for d in days],
                    _("Shares"): [now.by_day[d]["shares"] for d in days],
                    _("Poll votes"): [now.by_day[d]["poll_votes"] for d in days],
                },
                stacked=True,
            ),
            charts.bars(_("Posts per day"), days, {_("Posts"): [now.by_day[d]["posts"] for d in days]}),
        ]
    else:
        result.empty = str(kpis.NO_POSTS)
    return result


# --- audience --------------------------------------------------------------------------------------------


def audience(scope: Scope) -> Section:
    now, before = scope.current, scope.before
    result = section(ReportSection.AUDIENCE)
    grown = kpis.growth(now.followers_start, now.followers_end, now["joins"], now["leaves"])
    earlier = kpis.growth(before.followers_start, before.followers_end, before["joins"], before["leaves"])
    followers_reason = kpis.Rate(None, str(kpis.NO_FOLLOWERS))
    result.figures = [
        figure(
            _("Followers at the end"),
            kpis.Rate(now.followers_end) if now.followers_end is not None else followers_reason,
            kpis.Rate(before.followers_end),
            formula=_("the last follower count read in the period, summed over the channels"),
        ),
        figure(
            _("Net change"),
            kpis.Rate(grown.net) if grown.net is not None else followers_reason,
            kpis.Rate(earlier.net),
            formula=_("followers at end − followers at start"),
        ),
        figure(_("Growth"), grown.rate, earlier.rate, unit="%", formula=kpis.FORMULAS["growth"]),
        figure(
            _("Joined"),
            now["joins"],
            before["joins"],
            formula=_("people who joined during the period (gross)"),
        ),
        figure(
            _("Left"), now["leaves"], before["leaves"], formula=_("people who left during the period (gross)")
        ),
    ]
    days = scope.period.dates()
    if now.followers_end is None:
        result.empty = _("No follower readings yet: Tandem reads each channel's follower count once a day.")
        return result
    result.charts = [
        charts.line(_("Followers"), days, {_("Followers"): [now.followers_by_day[d] for d in days]}),
        charts.bars(
            _("Joined and left per day"),
            days,
            {
                _("Joined"): [now.by_day[d]["joins"] for d in days],
                _("Left"): [now.by_day[d]["leaves"] for d in days],
            },
        ),
    ]
    return result


# --- top and bottom posts --------------------------------------------------------------------------------


def _post_rows(scope: Scope, queryset) -> list[list]:
    followers = _followers_on_days(scope, scope.period.start, scope.period.end)
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


def _followers_on_days(scope: Scope, first, last) -> dict:
    """(channel, day) → the channel's follower reading on that day, carried forward from earlier days."""
    readings = ChannelDay.objects.filter(
        channel_id__in=scope.channel_ids,
        date__range=(first - timedelta(days=31), last),
        followers__isnull=False,
    ).values_list("channel_id", "date", "followers")
    latest, known = {}, {}
    for channel_id, day, followers in sorted(readings, key=lambda row: row[1]):
        known[(channel_id, day)] = followers
    day = first - timedelta(days=31)
    while day <= last:
        for channel_id in scope.channel_ids:
            if (channel_id, day) in known:
                latest[channel_id] = known[(channel_id, day)]
            if channel_id in latest:
                known[(channel_id, day)] = latest[channel_id]
        day += timedelta(days=1)
    return known


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
    recent = list(
        ChannelPost.objects.filter(
            channel_id__in=scope.channel_ids, published_at__gte=since, published_at__lt=high
        ).values_list("channel_id", "published_at", "interactions", "views")
    )
    followers = _followers_on_days(scope, since.date(), scope.period.end) if recent else {}
    with_views = [row for row in recent if row[3]]
    if recent and len(with_views) == len(recent):
        metric = _("ER by views")
        rated = [(at.astimezone(zone), kpis.er_by_views(i, v).value) for _c, at, i, v in recent]
    else:
        local = [(c, at.astimezone(zone), i) for c, at, i, _v in recent]
        rated = [(at, kpis.er_by_followers(i, followers.get((c, at.date()))).value) for c, at, i in local]
        metric = _("ER by followers")
        if any(rate is None for _at, rate in rated):
            rated = [(at, float(i)) for _c, at, i in local]
            metric = _("interactions per post (no follower readings for every post)")
    grid = kpis.best_time(rated)
    method = f"{kpis.BEST_TIME_METHOD} {_('ER used')}: {metric}."
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


# --- rubrics --------------------------------------------------------------------------------------------------


def _rubric_counts(scope: Scope, period, followers: dict | None = None) -> dict:
    """Per rubric (None = no rubric): posts, interactions, the mean of the posts' ER by views and, given
    ``followers`` per (channel, day), ER by followers both ways. Grouped per channel-day in SQL: the posts of
    one channel-day share their follower count."""
    rate = Cast(F("interactions"), FloatField()) * 100.0 / Cast(F("views"), FloatField())
    groups = (
        scope.posts(period)
        .annotate(day=TruncDate("published_at", tzinfo=period.zone))
        .values("channel_id", "day", rubric=F("delivery__post__rubric_id"))
        .order_by()
        .annotate(
            posts_count=Count("id"),
            interactions_sum=Sum("interactions"),
            with_views=Count("id", filter=Q(views__gt=0)),
            er_views=Avg(rate, filter=Q(views__gt=0)),
        )
    )
    totals: dict = {}
    for group in groups:
        row = totals.setdefault(
            group["rubric"], {"posts_count": 0, "interactions_sum": 0, "views": [], "days": []}
        )
        row["posts_count"] += group["posts_count"]
        row["interactions_sum"] += group["interactions_sum"]
        if group["with_views"]:
            row["views"].append((group["er_views"], group["with_views"]))
        reading = (followers or {}).get((group["channel_id"], group["day"]))
        row["days"].append((group["interactions_sum"], reading, group["posts_count"]))
    for row in totals.values():
        counted = sum(n for _rate, n in row["views"])
        row["er_views"] = sum(r * n for r, n in row["views"]) / counted if counted else None
        row["er_followers"] = kpis.mean_of_rates_by_day(row["days"]).value
        row["er_followers_sums"] = kpis.rate_of_sums_by_day(row["days"]).value
    return totals


def rubrics(scope: Scope) -> Section:
    result = section(ReportSection.RUBRICS)
    followers = _followers_on_days(scope, scope.period.start, scope.period.end)
    now, before = _rubric_counts(scope, scope.period, followers), _rubric_counts(scope, scope.previous)
    total_now = sum(row["posts_count"] for row in now.values())
    total_before = sum(row["posts_count"] for row in before.values())
    known = list(Rubric.objects.filter(workspace=scope.workspace))
    if not total_now:
        result.empty = str(kpis.NO_POSTS)
        return result
    rows = []
    shares = {}
    for rubric_id, name, target in [(r.pk, r.name, r.target_share) for r in known] + [
        (None, _("No rubric"), 0)
    ]:
        row = now.get(rubric_id, {"posts_count": 0, "interactions_sum": 0})
        if rubric_id is None and not row["posts_count"]:
            continue
        actual = kpis.actual_share(row["posts_count"], total_now)
        previous = kpis.actual_share(before.get(rubric_id, {"posts_count": 0})["posts_count"], total_before)
        shares[name] = actual.value
        rows.append(
            [
                name,
                row["posts_count"],
                actual.value,
                previous.value,
                target or None,
                kpis.share_gap(actual, target),
                row["interactions_sum"] / row["posts_count"] if row["posts_count"] else None,
                row.get("er_followers"),
                row.get("er_followers_sums"),
                row.get("er_views"),
            ]
        )
    columns = [
        _("Rubric"),
        _("Posts"),
        _("Actual share, %"),
        _("Share in the previous period, %"),
        _("Target share, %"),
        _("Gap, points"),
        _("Interactions per post"),
        _("ER by followers, % (mean of posts)"),
        _("ER by followers, % (rate of sums)"),
        _("ER by views, % (mean of posts)"),
    ]
    notes = [
        str(kpis.FORMULAS["target_share"]),
        str(kpis.FORMULAS["er_followers"]),
        str(kpis.FORMULAS["er_views"]),
        str(kpis.FORMULAS["mean_of_rates"]),
        str(kpis.FORMULAS["rate_of_sums"]),
    ]
    if "telegram" in scope.platforms:
        notes.append(str(kpis.TELEGRAM_NO_VIEWS))
    result.tables = [Table(_("Rubric performance"), columns, rows, notes)]
    result.charts = [charts.horizontal_bars(_("Actual share of posts, %"), shares)]
    return result


BUILDERS = {
    ReportSection.SUMMARY: summary,
    ReportSection.AUDIENCE: audience,
    ReportSection.POSTS: posts,
    ReportSection.BEST_TIME: best_time,
    ReportSection.RUBRICS: rubrics,
}
