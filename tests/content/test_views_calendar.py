"""The calendar: local days in the workspace's zone (across DST), month and week views, drag data."""

import re
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from tandem.content import scheduling, services
from tandem.content.models import Post

from .conftest import utc


def calendar(client, team, **params):
    return client.get(reverse("content:calendar", args=[team.workspace.slug]), params)


def cell(page: str, day: str) -> str:
    """The HTML of one day cell."""
    match = re.search(rf'data-testid="calendar-day-{day}"(.*?)</td>', page, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


def plan(post, when):
    Post.objects.filter(pk=post.pk).update(planned_at=when)


def test_month_places_posts_on_their_local_day_across_dst(team, client_as, write_post):
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    on_29th = write_post(text="Night before the clocks change")
    plan(on_29th, utc(2026, 3, 29, 0, 30))  # 01:30 CET on 29 March
    late_28th_utc = write_post(text="Just after midnight in Berlin")
    plan(late_28th_utc, utc(2026, 3, 28, 23, 30))  # 00:30 CET on 29 March
    summer = write_post(text="After the change")
    plan(summer, utc(2026, 3, 29, 22, 30))  # 00:30 CEST on 30 March

    page = calendar(client_as(team.guest), team, date="2026-03-29").content.decode()
    assert 'data-testid="calendar"' in page
    assert f'data-testid="calendar-item-{on_29th.pk}"' in cell(page, "2026-03-29")
    assert f'data-testid="calendar-item-{late_28th_utc.pk}"' in cell(page, "2026-03-29")
    assert f'data-testid="calendar-item-{late_28th_utc.pk}"' not in cell(page, "2026-03-28")
    assert f'data-testid="calendar-item-{summer.pk}"' in cell(page, "2026-03-30")
    assert ">01:30<" in cell(page, "2026-03-29") and ">00:30<" in cell(page, "2026-03-30")
    # Weeks start on Monday: 23 February 2026 is the Monday before 1 March.
    assert page.index('data-testid="calendar-day-2026-02-23"') < page.index(
        'data-testid="calendar-day-2026-03-01"'
    )
    assert 'data-testid="calendar-day-2026-02-22"' not in page
    assert (
        'data-testid="calendar-day-2026-04-05"' in page
        and 'data-testid="calendar-day-2026-04-06"' not in page
    )


def test_week_view_and_navigation(team, client_as, write_post):
    post = write_post()
    plan(post, utc(2026, 6, 10, 9, 0))  # a Wednesday
    page = calendar(client_as(team.manager), team, view="week", date="2026-06-10").content.decode()
    days = re.findall(r'data-testid="calendar-day-(\d{4}-\d\d-\d\d)"', page)
    assert days == [(date(2026, 6, 8) + timedelta(days=n)).isoformat() for n in range(7)]
    assert f'data-testid="calendar-item-{post.pk}"' in cell(page, "2026-06-10")
    assert "date=2026-06-03" in page and "date=2026-06-17" in page


def test_today_is_highlighted_and_default_is_this_month(team, client_as):
    page = calendar(client_as(team.manager), team).content.decode()
    today = scheduling.to_local(timezone.now(), team.workspace.time_zone).date().isoformat()
    assert re.search(rf'class="day today[^"]*" data-date="{today}"', page)


def test_bad_calendar_params_fall_back_with_a_message(team, client_as):
    response = calendar(client_as(team.manager), team, view="year", date="2026-13-45")
    assert response.status_code == 200
    assert "was not understood" in response.content.decode()


def test_only_movable_posts_are_draggable_and_only_for_schedulers(team, client_as, write_post):
    scheduled = write_post(text="Scheduled")
    at = timezone.now() + timedelta(days=1)
    services.schedule(team.membership("manager"), scheduled, at=at)
    draft = write_post(text="Draft")
    plan(draft, at)
    day = scheduling.to_local(at, team.workspace.time_zone).date()
    params = {"date": day.isoformat()}

    page = calendar(client_as(team.manager), team, **params).content.decode()
    item = re.search(rf'<li[^>]*data-testid="calendar-item-{scheduled.pk}"[^>]*>', page).group(0)
    assert 'draggable="true"' in item
    assert f'data-move-url="{reverse("content:move", args=[team.workspace.slug, scheduled.pk])}"' in item
    item = re.search(rf'<li[^>]*data-testid="calendar-item-{draft.pk}"[^>]*>', page).group(0)
    assert "draggable" not in item
    assert "tandem/calendar.js" in page

    page = calendar(client_as(team.guest), team, **params).content.decode()
    assert 'draggable="true"' not in page
