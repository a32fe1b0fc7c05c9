"""The post list, its filters and the month's rubric mix (tandem.content.planning)."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from tandem.content import planning, services
from tandem.content.models import Delivery, DeliveryState, Post, Rubric

from .conftest import utc


def post_list(client, team, **params):
    return client.get(reverse("content:list", args=[team.workspace.slug]), params)


def test_list_shows_rows_with_rubric_chip_pills_and_local_time(team, client_as, write_post, rubric, sandbox):
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    post = write_post(text="Planned <b>bold</b>", rubric=rubric)
    services.schedule(team.membership("manager"), post, at=utc(2099, 7, 1, 8, 0))
    page = post_list(client_as(team.guest), team).content.decode()
    assert f'data-testid="post-row-{post.pk}"' in page
    assert "Planned &lt;b&gt;bold&lt;/b&gt;" in page
    assert 'fill="#aa3300"' in page
    assert "Rehearsal: Scheduled" in page
    assert "10:00" in page  # 08:00 UTC is 10:00 in Berlin in July
    assert 'data-testid="rubric-mix"' in page


def test_filters(team, client_as, write_post, rubric, sandbox):
    mine = write_post("administrator", text="Admin draft")
    scheduled = write_post(text="Scheduled one", rubric=rubric)
    services.schedule(team.membership("manager"), scheduled, at=utc(2099, 5, 5, 10, 0))
    failed = write_post(text="Failed one")
    Delivery.objects.create(post=failed, channel=sandbox, state=DeliveryState.FAILED, due_at=timezone.now())
    client = client_as(team.manager)

    def texts(**params):
        response = post_list(client, team, **params)
        assert response.status_code == 200
        page = response.content.decode()
        return {p.text for p in (mine, scheduled, failed) if f'data-testid="post-row-{p.pk}"' in page}

    assert texts() == {"Admin draft", "Scheduled one", "Failed one"}
    assert texts(status="scheduled") == {"Scheduled one"}
    assert texts(status="failed") == {"Failed one"}
    assert texts(status="draft") == {"Admin draft", "Failed one"}
    assert texts(rubric=rubric.pk) == {"Scheduled one"}
    assert texts(author=team.administrator.pk) == {"Admin draft"}
    assert texts(month="2099-05") == {"Scheduled one"}
    assert texts(month="2099-06") == set()
    assert texts(channel=sandbox.pk) == {"Admin draft", "Scheduled one", "Failed one"}


def test_bad_filter_values_are_ignored_with_a_message(team, client_as, write_post):
    write_post(text="Still listed")
    foreign = Rubric.objects.create(workspace=team.other_workspace, name="Theirs")
    response = post_list(
        client_as(team.manager),
        team,
        status="bogus",
        channel="abc",
        rubric=foreign.pk,
        author="x",
        month="2026-13",
        page="-4",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Still listed" in page
    assert "Some filters were not understood" in page


def test_rubric_mix_counts_posts_due_in_the_month(team, write_post, sandbox):
    news = Rubric.objects.create(workspace=team.workspace, name="News", target_share=50)
    fun = Rubric.objects.create(workspace=team.workspace, name="Fun", target_share=50)
    empty = Rubric.objects.create(workspace=team.workspace, name="Empty", target_share=0)

    def planned(rubric, *days, state=DeliveryState.SCHEDULED, channel_count=1):
        post = write_post(rubric=rubric)
        for occurrence, day in enumerate(days):
            Delivery.objects.create(
                post=post, channel=sandbox, occurrence=occurrence, state=state, due_at=utc(2099, 3, day, 12)
            )
        return post

    planned(news, 2, 9)  # two occurrences, one post
    planned(news, 3)
    planned(news, 4, state=DeliveryState.SENT)
    planned(fun, 5)
    planned(None, 6)
    planned(fun, 7, state=DeliveryState.CANCELLED)  # not planned any more
    outside = write_post(rubric=fun)
    Delivery.objects.create(post=outside, channel=sandbox, due_at=utc(2099, 4, 1, 12))

    total, mix = planning.rubric_mix(team.workspace, date(2099, 3, 15))
    assert total == 5
    rows = {(row.rubric.name if row.rubric else None): row for row in mix}
    assert (rows["News"].posts, rows["News"].share, rows["News"].verdict) == (3, 60, "over")
    assert (rows["Fun"].posts, rows["Fun"].share, rows["Fun"].verdict) == (1, 20, "under")
    assert rows["Fun"].gap == 30
    assert (rows["Empty"].posts, rows["Empty"].share, rows["Empty"].verdict) == (0, 0, "on")
    assert (rows[None].posts, rows[None].share, rows[None].verdict) == (1, 20, "")
    assert empty.pk in {row.rubric.pk for row in mix if row.rubric}


def test_rubric_mix_uses_the_workspace_month(team, write_post, sandbox, rubric):
    team.workspace.time_zone = "Asia/Tokyo"
    team.workspace.save()
    post = write_post(rubric=rubric)
    # 30 April 20:00 UTC is already 1 May in Tokyo.
    Delivery.objects.create(post=post, channel=sandbox, due_at=utc(2099, 4, 30, 20))
    assert planning.rubric_mix(team.workspace, date(2099, 5, 1))[0] == 1
    assert planning.rubric_mix(team.workspace, date(2099, 4, 1))[0] == 0


def test_month_weeks_start_on_monday():
    weeks = planning.month_weeks(date(2026, 2, 11))
    assert weeks[0][0] == date(2026, 1, 26) and weeks[-1][-1] == date(2026, 3, 1)
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in weeks)
    assert planning.week_days(date(2026, 3, 1))[0] == date(2026, 2, 23)
    assert planning.next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert planning.previous_month(date(2026, 1, 15)) == date(2025, 12, 1)


def test_parse_tag_names():
    assert planning.parse_tag_names(" a, B ,,b, c  d ") == ["a", "B", "c d"]
    import pytest

    from tandem.core.errors import ServiceError

    with pytest.raises(ServiceError):
        planning.parse_tag_names("x" * 51)


def test_glance_prefers_the_worst_delivery_state(team, write_post, sandbox):
    post = write_post()
    assert planning.glance(post).key == "draft"
    Delivery.objects.create(post=post, channel=sandbox, state=DeliveryState.SENT, due_at=timezone.now())
    assert planning.glance(Post.objects.get(pk=post.pk)).key == "sent"
    Delivery.objects.create(
        post=post, channel=sandbox, occurrence=1, state=DeliveryState.FAILED, due_at=timezone.now()
    )
    assert planning.glance(Post.objects.get(pk=post.pk)).key == "failed"
    assert planning.is_movable(post) is False
    _ = timedelta
