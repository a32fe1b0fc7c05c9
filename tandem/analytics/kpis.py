"""Every figure of METRICS.md as a small pure function of already-counted numbers.

A figure whose input is missing (no follower reading, no views on Telegram, a zero denominator) is a
``Rate`` with value None and the reason, never 0: a dashboard shows the reason instead of a number.
Rates are percentages (× 100)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# --- reasons a figure is unavailable -----------------------------------------------------------------------

NO_FOLLOWERS = _("No follower count was read for this channel on that day yet.")
ZERO_FOLLOWERS = _("The channel had no followers, so a rate per follower does not exist.")
NO_REACH = _("The platform does not report reach for these posts.")
NO_POSTS = _("No posts were published in this period.")
NO_COMMENTS = _("No comments from the public in this period.")
NO_VERDICTS = _("The moderation engine acted on no comment in this period.")
TELEGRAM_NO_VIEWS = _("Telegram gives bots no view counts, and Telegram Desktop's exports have none either.")
NO_VIEWS = _("The platform reported no views for these posts.")

FORMULAS = {
    "er_followers": _("ER by followers = interactions ÷ followers on the day of publication × 100"),
    "er_reach": _("ERR = interactions ÷ reach × 100"),
    "er_views": _("ER by views = interactions ÷ views × 100"),
    "err_telegram": _("ERR (Telegram) = average post views ÷ subscribers × 100"),
    "er_day": _("ER day = the day's interactions ÷ followers × 100"),
    "love_rate": _("love rate = reactions ÷ followers × 100"),
    "talk_rate": _("talk rate = comments ÷ followers × 100"),
    "virality": _("virality = shares ÷ views × 100"),
    "growth": _("growth = (followers at end − followers at start) ÷ followers at start × 100"),
    "interactions": _(
        "interactions = reactions + comments + shares + poll votes (where the platform counts them)"
    ),
    "mean_of_rates": _("mean of the posts' rates: each post's rate, then their average"),
    "rate_of_sums": _(
        "rate of the sums: the period's total of the numerator ÷ total of the denominator × 100"
    ),
    "comments_per_day": _("comments per day = public comments ÷ days in the period"),
    "share_answered": _("share answered = public comments the team replied to ÷ public comments × 100"),
    "first_response": _("median time from a public comment to the team's first reply to it"),
    "false_positive": _(
        "false-positive rate = the engine's verdicts the team reversed (undone, or held then approved) "
        "÷ the engine's verdicts × 100"
    ),
    "target_share": _("actual share = the rubric's posts ÷ all posts × 100, against its target share"),
}


@dataclass(frozen=True)
class Rate:
    """A figure that may be unavailable: ``value`` None comes with ``reason``."""

    value: float | None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None


def percent(numerator: float | None, denominator: float | None, *, missing: str, zero: str = "") -> Rate:
    """numerator ÷ denominator × 100; ``missing`` when either is unknown, ``zero`` (or ``missing``) when the
    denominator is 0."""
    if numerator is None or denominator is None:
        return Rate(None, str(missing))
    if denominator == 0:
        return Rate(None, str(zero or missing))
    return Rate(numerator / denominator * 100)


def views_missing_reason(platform: str) -> str:
    return str(TELEGRAM_NO_VIEWS if platform == "telegram" else NO_VIEWS)


# --- engagement ---------------------------------------------------------------------------------------------


def interactions(
    reactions: int | None, comments: int | None, shares: int | None = None, poll_votes: int | None = None
) -> int:
    """reactions + comments + shares + poll votes, the parts the platform counts (None parts are left out)."""
    return sum(part for part in (reactions, comments, shares, poll_votes) if part is not None)


def er_by_followers(interactions_count: int, followers: int | None) -> Rate:
    return percent(interactions_count, followers, missing=NO_FOLLOWERS, zero=ZERO_FOLLOWERS)


def er_by_reach(interactions_count: int, reach: int | None) -> Rate:
    return percent(interactions_count, reach, missing=NO_REACH, zero=NO_REACH)


def er_by_views(interactions_count: int, views: int | None, platform: str = "") -> Rate:
    reason = views_missing_reason(platform)
    return percent(interactions_count, views, missing=reason, zero=reason)


def err_telegram(average_views: float | None, subscribers: int | None, platform: str = "telegram") -> Rate:
    """TGStat's ERR: how many subscribers see an average post."""
    if average_views is None:
        return Rate(None, views_missing_reason(platform))
    return percent(average_views, subscribers, missing=NO_FOLLOWERS, zero=ZERO_FOLLOWERS)


def er_day(day_interactions: int, followers: int | None) -> Rate:
    return percent(day_interactions, followers, missing=NO_FOLLOWERS, zero=ZERO_FOLLOWERS)


def love_rate(reactions: int, followers: int | None) -> Rate:
    return percent(reactions, followers, missing=NO_FOLLOWERS, zero=ZERO_FOLLOWERS)


def talk_rate(comments: int, followers: int | None) -> Rate:
    return percent(comments, followers, missing=NO_FOLLOWERS, zero=ZERO_FOLLOWERS)


def virality(shares: int | None, views: int | None, platform: str = "") -> Rate:
    if shares is None:
        return Rate(None, str(_("The platform does not report shares for these posts.")))
    reason = views_missing_reason(platform)
    return percent(shares, views, missing=reason, zero=reason)


@dataclass(frozen=True)
class Growth:
    start: int | None
    end: int | None
    joins: int
    leaves: int
    rate: Rate

    @property
    def net(self) -> int | None:
        return None if self.start is None or self.end is None else self.end - self.start


def growth(followers_start: int | None, followers_end: int | None, joins: int = 0, leaves: int = 0) -> Growth:
    """Net growth in % of the start, with the gross joins and leaves of the period beside it."""
    if followers_start is None or followers_end is None:
        rate = Rate(None, str(NO_FOLLOWERS))
    else:
        rate = percent(
            followers_end - followers_start, followers_start, missing=NO_FOLLOWERS, zero=ZERO_FOLLOWERS
        )
    return Growth(followers_start, followers_end, joins, leaves, rate)


# --- averages over a period: both, named --------------------------------------------------------------------


def mean_of_rates(pairs: Iterable[tuple[float, float | None]], *, missing: str = NO_POSTS) -> Rate:
    """The average of each (numerator, denominator) pair's rate; pairs without a usable denominator are
    left out (they have no rate)."""
    rates = [n / d * 100 for n, d in pairs if d]
    if not rates:
        return Rate(None, str(missing))
    return Rate(statistics.fmean(rates))


def rate_of_sums(pairs: Iterable[tuple[float, float | None]], *, missing: str = NO_POSTS) -> Rate:
    """Σ numerators ÷ Σ denominators × 100, over the pairs that have a denominator (the same pairs
    ``mean_of_rates`` uses, so the two differ only by weighting)."""
    usable = [(n, d) for n, d in pairs if d]
    if not usable:
        return Rate(None, str(missing))
    return Rate(sum(n for n, _d in usable) / sum(d for _n, d in usable) * 100)


def mean_of_rates_by_day(days: Iterable[tuple[float, float, int]], *, missing: str = NO_FOLLOWERS) -> Rate:
    """The mean of per-post rates when posts of one channel-day share a denominator (followers that day):
    ``days`` = (the day's numerator summed over its posts, the denominator, its posts). Equal to
    ``mean_of_rates`` over the posts, since Σ_posts n ÷ d = (Σ_posts n) ÷ d within a day."""
    usable = [(n, d, posts) for n, d, posts in days if d and posts]
    if not usable:
        return Rate(None, str(missing))
    return Rate(sum(n / d for n, d, _p in usable) * 100 / sum(p for _n, _d, p in usable))


def rate_of_sums_by_day(days: Iterable[tuple[float, float, int]], *, missing: str = NO_FOLLOWERS) -> Rate:
    """Σ numerators ÷ Σ denominators over posts, a channel-day's denominator counting once per post."""
    usable = [(n, d, posts) for n, d, posts in days if d and posts]
    if not usable:
        return Rate(None, str(missing))
    return Rate(sum(n for n, _d, _p in usable) / sum(d * p for _n, d, p in usable) * 100)


# --- best time to post --------------------------------------------------------------------------------------

BEST_TIME_WEEKS = 16
# A slot's median counts as much as SHRINK_POSTS posts at the prior: a slot with 1 post moves a quarter of the
# way from the prior, one with 12 posts 80 %.
SHRINK_POSTS = 3
# Fewer posts than this over the 16 weeks: the prior of each slot follows the platform's typical pattern.
THIN_HISTORY = 20

# The platform's typical pattern, as a multiplier of a channel's mean per local hour (people read in the
# morning, at lunch and in the evening) and weekday (Monday = 0; weekends a little quieter). From the
# published studies of Telegram and social posting times (Sprout Social, Hootsuite, TGStat), rounded.
HOUR_PATTERN = (
    0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.8, 1.0, 1.15, 1.2, 1.15,
    1.2, 1.15, 1.05, 1.0, 1.0, 1.05, 1.15, 1.25, 1.3, 1.25, 1.0, 0.7,
)  # fmt: skip
WEEKDAY_PATTERN = (1.05, 1.05, 1.05, 1.05, 1.0, 0.9, 0.9)
BEST_TIME_METHOD = _(
    "Score of a weekday × hour slot = the median ER of the channel's posts published in that slot over the "
    "last 16 weeks, shrunk toward the channel's mean ER when the slot has few posts: "
    "(n × slot median + 3 × prior) ÷ (n + 3). With fewer than 20 posts the prior follows the platform's "
    "typical daily pattern; without posts the heatmap shows that pattern alone."
)


@dataclass
class BestTime:
    """Scores per weekday (0 = Monday) × hour (0–23, the workspace's time), with the posts behind each."""

    scores: list[list[float]]
    counts: list[list[int]]
    posts: int
    pattern_only: bool  # no posts: the platform's typical pattern alone (an index, 1 = average)
    thin: bool  # fewer than THIN_HISTORY posts
    best: list[tuple[int, int]] = field(default_factory=list)  # the top slots, best first

    def bucket(self, weekday: int, hour: int, buckets: int = 5) -> int:
        """0 … buckets-1: the slot's score between the lowest and highest score of the grid."""
        flat = [score for row in self.scores for score in row]
        low, high = min(flat), max(flat)
        if high == low:
            return buckets // 2
        return min(buckets - 1, int((self.scores[weekday][hour] - low) / (high - low) * buckets))


def platform_prior(weekday: int, hour: int) -> float:
    return HOUR_PATTERN[hour] * WEEKDAY_PATTERN[weekday]


def best_time(posts: Sequence[tuple[int, int, float]], top: int = 3) -> BestTime:
    """``posts`` = (local weekday, Monday 0, local hour, the post's ER) of the channel's last 16 weeks."""
    slots: dict[tuple[int, int], list[float]] = {}
    for weekday, hour, rate in posts:
        slots.setdefault((weekday, hour), []).append(rate)
    pattern_only, thin = not posts, len(posts) < THIN_HISTORY
    mean = statistics.fmean(rate for _d, _h, rate in posts) if posts else 1.0
    scores, counts = [], []
    for weekday in range(7):
        score_row, count_row = [], []
        for hour in range(24):
            prior = mean * platform_prior(weekday, hour) if thin else mean
            rates = slots.get((weekday, hour), [])
            n = len(rates)
            score = (n * statistics.median(rates) + SHRINK_POSTS * prior) / (n + SHRINK_POSTS) if n else prior
            score_row.append(score)
            count_row.append(n)
        scores.append(score_row)
        counts.append(count_row)
    ranked = sorted((-scores[d][h], d, h) for d in range(7) for h in range(24))  # ties: the earlier slot
    return BestTime(scores, counts, len(posts), pattern_only, thin, [(d, h) for _s, d, h in ranked[:top]])


# --- rubrics -----------------------------------------------------------------------------------------------


def actual_share(rubric_posts: int, all_posts: int) -> Rate:
    return percent(rubric_posts, all_posts, missing=NO_POSTS)


def share_gap(actual: Rate, target_share: int) -> float | None:
    """Percentage points the rubric is above (+) or below (−) its target; None without posts or target."""
    if actual.value is None or not target_share:
        return None
    return actual.value - target_share


# --- community -----------------------------------------------------------------------------------------------


def per_day(count: int, days: int) -> Rate:
    """comments (or moderation actions) per day of the period."""
    if days <= 0:
        return Rate(None, str(NO_POSTS))
    return Rate(count / days)


@dataclass(frozen=True)
class Commenters:
    unique: int
    new: int  # their first comment in the workspace falls in the period
    returning: int


def commenters(period_authors: set, first_seen_in_period: set) -> Commenters:
    """``period_authors``: who commented in the period; ``first_seen_in_period``: those of them whose first
    comment in the workspace was in the period."""
    new = len(period_authors & first_seen_in_period)
    return Commenters(len(period_authors), new, len(period_authors) - new)


def median_seconds(delays: Iterable[float]) -> Rate:
    delays = [d for d in delays if d is not None and d >= 0]
    if not delays:
        return Rate(None, str(_("The team replied to no public comment in this period.")))
    return Rate(statistics.median(delays))


def share_answered(answered: int, public_comments: int) -> Rate:
    return percent(answered, public_comments, missing=NO_COMMENTS)


# --- moderation ---------------------------------------------------------------------------------------------


def false_positive_rate(reversed_verdicts: int, engine_verdicts: int) -> Rate:
    return percent(reversed_verdicts, engine_verdicts, missing=NO_VERDICTS)
