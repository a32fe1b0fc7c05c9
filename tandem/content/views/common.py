"""Helpers shared by the content views."""

from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from .. import scheduling
from ..models import Delivery, Post


def wants_text(request) -> bool:
    """A script (calendar drag, htmx) asked, and wants a short text answer instead of a page."""
    return bool(getattr(request, "htmx", False)) or request.headers.get("Accept", "").startswith("text/plain")


def local_today(workspace) -> date:
    return scheduling.to_local(timezone.now(), workspace.time_zone).date()


def plan_posts(workspace):
    """The workspace's posts with what the list and the calendar show of them."""
    return (
        Post.objects.filter(workspace=workspace)
        .select_related("rubric", "author")
        .prefetch_related(
            Prefetch("deliveries", Delivery.objects.select_related("channel")),
            "channels",
            "tags",
        )
    )
