"""The post list with its filters, and the month's rubric mix."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import render
from django.utils.translation import gettext as _

from tandem.workspaces.access import workspace_view

from .. import planning
from ..forms import PostFilterForm
from .common import local_today, plan_posts

PAGE_SIZE = 50


def filtered_posts(workspace, filters: dict):
    posts = plan_posts(workspace)
    if "status" in filters:
        posts = posts.filter(planning.STATUS_FILTERS[filters["status"]][1])
    if "channel" in filters:
        posts = posts.filter(Q(channels=filters["channel"]) | Q(deliveries__channel=filters["channel"]))
    if "rubric" in filters:
        posts = posts.filter(rubric=filters["rubric"])
    if "author" in filters:
        posts = posts.filter(author=filters["author"])
    if "month" in filters:
        start, end = planning.month_range(filters["month"], workspace.time_zone)
        posts = posts.filter(planned_at__gte=start, planned_at__lt=end)
    return posts.distinct().order_by(F("planned_at").desc(nulls_first=True), "-created_at")


@workspace_view("content.view")
def post_list(request):
    workspace = request.workspace
    form = PostFilterForm(request.GET or None, workspace=workspace)
    filters = form.valid_filters() if request.GET else {}
    if request.GET and form.rejected:
        messages.warning(
            request,
            _("Some filters were not understood and were left out: %(names)s.")
            % {"names": ", ".join(form.rejected)},
        )
    page = Paginator(filtered_posts(workspace, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    today = local_today(workspace)
    total, mix = planning.rubric_mix(workspace, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "content/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "mix_month": today,
            "mix_total": total,
            "mix": mix,
        },
    )
