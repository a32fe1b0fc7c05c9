"""The content calendar: a month or a week of posts by their planned time in the workspace's zone."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tandem.workspaces.access import workspace_view

from .. import planning, scheduling, services
from ..forms import CalendarForm
from .common import local_today, plan_posts


def calendar_url(slug: str, view: str, day) -> str:
    return reverse("content:calendar", args=[slug]) + "?" + urlencode({"view": view, "date": day.isoformat()})


@workspace_view("content.view")
def calendar(request):
    workspace = request.workspace
    zone_name = workspace.time_zone
    today = local_today(workspace)
    form = CalendarForm(request.GET)
    if form.is_valid():
        view = form.cleaned_data["view"] or "month"
        anchor = form.cleaned_data["date"] or today
    else:
        messages.warning(request, _("That calendar address was not understood; here is the current month."))
        view, anchor = "month", today

    if view == "week":
        weeks = [planning.week_days(anchor)]
        previous, following = anchor - timedelta(days=7), anchor + timedelta(days=7)
    else:
        weeks = planning.month_weeks(anchor)
        previous, following = planning.previous_month(anchor), planning.next_month(anchor)
    first, last = weeks[0][0], weeks[-1][-1]

    posts = plan_posts(workspace).filter(
        planned_at__gte=planning.day_start(first, zone_name),
        planned_at__lt=planning.day_start(last + timedelta(days=1), zone_name),
    )
    can_move = services.can_schedule(request.membership)
    by_day: dict = {}
    for post in posts.order_by("planned_at", "id"):
        local = scheduling.to_local(post.planned_at, zone_name)
        by_day.setdefault(local.date(), []).append(
            {
                "post": post,
                "glance": planning.glance(post),
                "movable": can_move and planning.is_movable(post),
            }
        )
    grid = [
        [
            {
                "date": day,
                "items": by_day.get(day, []),
                "today": day == today,
                "outside": view == "month" and day.month != anchor.month,
            }
            for day in week
        ]
        for week in weeks
    ]
    slug = workspace.slug
    return render(
        request,
        "content/calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "first": first,
            "last": last,
            "grid": grid,
            "weekdays": weeks[0],
            "previous_url": calendar_url(slug, view, previous),
            "next_url": calendar_url(slug, view, following),
            "today_url": calendar_url(slug, view, today),
            "month_url": calendar_url(slug, "month", anchor),
            "week_url": calendar_url(slug, "week", anchor),
            "can_move": can_move,
        },
    )
