"""The sections about the channels' figures: summary, followers and growth, rubrics. Each builder reads a
Scope (scope.py) and computes figures with kpis.py; sections_posts.py has the posts' own sections."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from tandem.content.models import Rubric

from . import charts, kpis
from .models import ReportSection, RubricDay
from .scope import Scope
from .sections import Figure, Section, Table


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
    if kind.startswith("reach"):
        if not figures["posts_with_reach"]:
            return kpis.Rate(None, str(kpis.NO_REACH))
        if kind == "reach_mean":
            return kpis.Rate(figures["mean_er_reach"])
        return kpis.er_by_reach(figures["interactions_reached"], figures["reach_sum"])
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
            _("ER by reach (mean of posts)"),
            _by_views(scope, scope.views_now, "reach_mean"),
            _by_views(scope, scope.views_before, "reach_mean"),
            unit="%",
            formula=f"{kpis.FORMULAS['er_reach']}; {mean}",
        ),
        figure(
            _("ER by reach (rate of sums)"),
            _by_views(scope, scope.views_now, "reach_sums"),
            _by_views(scope, scope.views_before, "reach_sums"),
            unit="%",
            formula=f"{kpis.FORMULAS['er_reach']}; {sums}",
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


# --- rubrics --------------------------------------------------------------------------------------------------


def _rubric_days(scope: Scope, period):
    return RubricDay.objects.filter(channel_id__in=scope.channel_ids, date__range=(period.start, period.end))


def _rubric_counts(scope: Scope, period, followers: dict | None = None) -> dict:
    """Per rubric (None = no rubric): posts, interactions, the mean of the posts' ER by views and, given
    ``followers`` per (channel, day), ER by followers both ways, from RubricDay: the posts of one
    channel-day share their follower count."""
    totals: dict = {}
    rows = _rubric_days(scope, period).values_list(
        "rubric_id", "channel_id", "date", "posts", "interactions", "viewed_posts", "viewed_rate_sum"
    )
    for rubric, channel_id, day, posts, interactions, viewed, rate_sum in rows:
        row = totals.setdefault(
            rubric, {"posts_count": 0, "interactions_sum": 0, "viewed": 0, "rate_sum": 0.0, "days": {}}
        )
        row["posts_count"] += posts
        row["interactions_sum"] += interactions
        row["viewed"] += viewed
        row["rate_sum"] += rate_sum
        # a channel-day can have two rows of one rubric: a deleted rubric's until the day is refreshed
        counted = row["days"].setdefault((channel_id, day), [0, 0])
        counted[0] += interactions
        counted[1] += posts
    for row in totals.values():
        days = [
            (interactions, (followers or {}).get(channel_day), posts)
            for channel_day, (interactions, posts) in row["days"].items()
        ]
        row["er_views"] = row["rate_sum"] / row["viewed"] if row["viewed"] else None
        row["er_followers"] = kpis.mean_of_rates_by_day(days).value
        row["er_followers_sums"] = kpis.rate_of_sums_by_day(days).value
    return totals


def _rubric_posts(scope: Scope, period) -> dict:
    """Per rubric (None = no rubric): the period's posts, all the comparison period needs."""
    rows = _rubric_days(scope, period).values("rubric_id").order_by().annotate(n=Sum("posts"))
    return {row["rubric_id"]: row["n"] for row in rows}


def rubrics(scope: Scope) -> Section:
    result = section(ReportSection.RUBRICS)
    followers = scope.followers_on_days(scope.period.start, scope.period.end)
    now = _rubric_counts(scope, scope.period, followers)
    before = _rubric_posts(scope, scope.previous)
    total_now = sum(row["posts_count"] for row in now.values())
    total_before = sum(before.values())
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
        previous = kpis.actual_share(before.get(rubric_id, 0), total_before)
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
    ReportSection.RUBRICS: rubrics,
}
