"""The sandbox's simulated audience figures, so a demo workspace has numbers that move.

Pure functions of a seed (a channel's or a post's id) and a moment: the same question always gets the same
answer, so collecting twice changes nothing and tests can compute what to expect. The shapes follow what
channels see: a post gathers most of its views in its first day and then saturates
(views = eventual × (1 − e^(−age/τ))); reactions are a few per cent of views, forwards well under one per
cent; followers grow by a steady net amount a day, made of somewhat more joins and a few leaves.
"""

import hashlib
import math
from datetime import datetime

from tandem.platforms.base import PostFigures

REACTIONS = ("👍", "❤", "🔥", "🎉")
# After this long a post's figures no longer change (e^(−age/τ) rounds away), so collection stops asking.
SETTLED_AFTER_HOURS = 14 * 24


def unit(*parts) -> float:
    """A stable pseudo-random number in [0, 1) for ``parts`` (Python's hash() differs between processes)."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _days(since: datetime, at: datetime) -> float:
    return max(0.0, (at - since).total_seconds() / 86400)


def _net_growth(seed: int) -> float:
    """Followers gained per day, net: 2 to 12."""
    return 2 + 10 * unit(seed, "growth")


def followers_at(seed: int, since: datetime, at: datetime) -> int:
    """The channel's followers at ``at``, for a channel connected at ``since``."""
    base = 300 + int(1700 * unit(seed, "base"))
    return base + int(_net_growth(seed) * _days(since, at))


def day_flow(seed: int, since: datetime, start: datetime, end: datetime) -> tuple[int, int]:
    """(joins, leaves) between ``start`` and ``end`` (part of one day): joins − leaves = the followers'
    change, leaves a day-dependent few."""
    net = followers_at(seed, since, end) - followers_at(seed, since, start)
    share_of_day = min(1.0, _days(start, end))
    usual = 1 + unit(seed, "leaves", start.date().isoformat()) * (0.6 * _net_growth(seed) + 3)
    leaves = round(usual * share_of_day)
    return net + leaves, leaves


def post_figures(seed: int, followers: int, published_at: datetime, at: datetime) -> PostFigures:
    """A post's figures ``at`` a moment, for a channel with ``followers`` when it was published."""
    age_hours = _days(published_at, at) * 24
    eventual = followers * (0.25 + 0.5 * unit(seed, "reach"))
    tau_hours = 6 + 18 * unit(seed, "tau")
    views = int(eventual * (1 - math.exp(-age_hours / tau_hours)))
    reacting = int(views * (0.01 + 0.04 * unit(seed, "reactions")))
    weights = [unit(seed, "reaction", emoji) ** 2 for emoji in REACTIONS]
    reactions = {
        emoji: int(reacting * weight / sum(weights)) for emoji, weight in zip(REACTIONS, weights, strict=True)
    }
    return PostFigures(
        views=views,
        reach=int(views * (0.8 + 0.15 * unit(seed, "unique"))),
        reactions={emoji: count for emoji, count in reactions.items() if count},
        shares=int(views * (0.002 + 0.01 * unit(seed, "shares"))),
    )
