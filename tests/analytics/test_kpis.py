"""Every formula of METRICS.md against hand-computed cases, including the inputs a platform does not give."""

import pytest

from tandem.analytics import kpis


def test_interactions_add_the_parts_the_platform_counts():
    assert kpis.interactions(10, 3, 2, 5) == 20
    assert kpis.interactions(10, 3, None, None) == 13  # Telegram: no shares, no poll votes


def test_er_by_followers():
    assert kpis.er_by_followers(25, 1000).value == pytest.approx(2.5)


def test_er_by_followers_with_zero_or_unknown_followers_is_unavailable_not_zero():
    zero = kpis.er_by_followers(25, 0)
    assert zero.value is None and "no followers" in zero.reason
    unknown = kpis.er_by_followers(25, None)
    assert unknown.value is None and "No follower count" in unknown.reason


def test_er_by_reach():
    assert kpis.er_by_reach(30, 600).value == pytest.approx(5.0)
    assert kpis.er_by_reach(30, None).value is None


def test_er_by_views_and_the_telegram_reason_when_views_are_missing():
    assert kpis.er_by_views(12, 400).value == pytest.approx(3.0)
    missing = kpis.er_by_views(12, None, "telegram")
    assert missing.value is None
    assert missing.reason.startswith("Telegram gives bots no view counts")
    assert kpis.er_by_views(12, None, "sandbox").reason == str(kpis.NO_VIEWS)


def test_err_telegram_sense():
    # posts seen 300 and 500 times on average 400 by 2,000 subscribers: 20 %
    assert kpis.err_telegram(400, 2000).value == pytest.approx(20.0)
    assert kpis.err_telegram(None, 2000).reason.startswith("Telegram gives bots no view counts")
    assert kpis.err_telegram(400, 0).value is None


def test_er_day_love_rate_talk_rate():
    assert kpis.er_day(90, 3000).value == pytest.approx(3.0)
    assert kpis.love_rate(45, 1500).value == pytest.approx(3.0)
    assert kpis.talk_rate(6, 1200).value == pytest.approx(0.5)
    assert kpis.love_rate(45, 0).value is None
    assert kpis.talk_rate(6, None).value is None


def test_virality():
    assert kpis.virality(8, 800).value == pytest.approx(1.0)
    assert kpis.virality(8, None, "telegram").reason.startswith("Telegram gives bots no view counts")
    assert kpis.virality(None, 800).value is None


def test_growth_with_gross_joins_and_leaves():
    grown = kpis.growth(1000, 1100, joins=150, leaves=50)
    assert grown.rate.value == pytest.approx(10.0)
    assert (grown.net, grown.joins, grown.leaves) == (100, 150, 50)
    shrunk = kpis.growth(200, 150, joins=10, leaves=60)
    assert shrunk.rate.value == pytest.approx(-25.0)


def test_growth_without_a_start_reading_or_from_zero_is_unavailable():
    assert kpis.growth(None, 100).rate.value is None
    assert kpis.growth(None, 100).net is None
    assert kpis.growth(0, 100).rate.value is None


def test_mean_of_rates_and_rate_of_sums_differ_by_weighting():
    # post A: 10 of 100 views (10 %), post B: 10 of 1,000 (1 %)
    pairs = [(10, 100), (10, 1000)]
    assert kpis.mean_of_rates(pairs).value == pytest.approx(5.5)
    assert kpis.rate_of_sums(pairs).value == pytest.approx(20 / 1100 * 100)


def test_averages_leave_out_posts_without_a_denominator():
    pairs = [(10, 100), (7, None), (3, 0)]
    assert kpis.mean_of_rates(pairs).value == pytest.approx(10.0)
    assert kpis.rate_of_sums(pairs).value == pytest.approx(10.0)
    assert kpis.mean_of_rates([(5, None)]).value is None
    assert kpis.rate_of_sums([]).value is None


def test_averages_by_day_equal_the_per_post_averages():
    # day 1: posts with 10 and 30 interactions, 1,000 followers; day 2: one post with 5, 500 followers
    posts = [(10, 1000), (30, 1000), (5, 500)]
    days = [(40, 1000, 2), (5, 500, 1)]
    assert kpis.mean_of_rates_by_day(days).value == pytest.approx(kpis.mean_of_rates(posts).value)
    assert kpis.mean_of_rates_by_day(days).value == pytest.approx((1 + 3 + 1) / 3)
    assert kpis.rate_of_sums_by_day(days).value == pytest.approx(kpis.rate_of_sums(posts).value)
    assert kpis.rate_of_sums_by_day([(4, 0, 1)]).value is None


def test_best_time_shrinks_a_slot_toward_the_channel_mean():
    # 20 posts (not thin): mean = (1×10 + 19×2) / 20 = 2.4
    posts = [(0, 9, 10.0)] + [(1, 18, 2.0)] * 19  # Monday 9:00, Tuesday 18:00
    result = kpis.best_time(posts)
    assert not result.thin and not result.pattern_only
    # Monday 9:00: one post at 10 → (1×10 + 3×2.4) / 4 = 4.3
    assert result.scores[0][9] == pytest.approx(4.3)
    assert result.counts[0][9] == 1
    # Tuesday 18:00: 19 posts at 2 → (19×2 + 3×2.4) / 22
    assert result.scores[1][18] == pytest.approx((38 + 7.2) / 22)
    # an empty slot scores the mean
    assert result.scores[4][3] == pytest.approx(2.4)
    assert result.best[0] == (0, 9)


def test_best_time_with_thin_history_leans_on_the_platform_pattern():
    posts = [(2, 12, 4.0)]  # Wednesday noon, one post
    result = kpis.best_time(posts)
    assert result.thin
    prior_noon = 4.0 * kpis.platform_prior(2, 12)
    assert result.scores[2][12] == pytest.approx((4.0 + 3 * prior_noon) / 4)
    assert result.scores[6][3] == pytest.approx(4.0 * kpis.platform_prior(6, 3))


def test_best_time_without_posts_is_the_platform_pattern_alone():
    result = kpis.best_time([])
    assert result.pattern_only and result.posts == 0
    assert result.scores[0][20] == pytest.approx(kpis.platform_prior(0, 20))
    assert result.best[0] == (0, 20)  # weekday evening peak
    assert result.bucket(0, 20) == 4 and result.bucket(0, 3) == 0


def test_rubric_actual_share_against_target():
    actual = kpis.actual_share(6, 20)
    assert actual.value == pytest.approx(30.0)
    assert kpis.share_gap(actual, 40) == pytest.approx(-10.0)
    assert kpis.share_gap(actual, 0) is None
    assert kpis.actual_share(0, 0).value is None


def test_community_figures():
    assert kpis.per_day(45, 30).value == pytest.approx(1.5)
    result = kpis.commenters({"ann", "bob", "cy"}, {"cy", "someone-else"})
    assert (result.unique, result.new, result.returning) == (3, 1, 2)
    assert kpis.median_seconds([60, 600, 120]).value == 120
    assert kpis.median_seconds([]).value is None
    assert kpis.share_answered(3, 12).value == pytest.approx(25.0)
    assert kpis.share_answered(0, 0).value is None


def test_false_positive_rate():
    assert kpis.false_positive_rate(2, 40).value == pytest.approx(5.0)
    assert kpis.false_positive_rate(0, 0).value is None
