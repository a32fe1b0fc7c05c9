"""Markers that say who may open a view; the URL-walk test refuses any view that has none.

Workspace views use ``tandem.workspaces.access.workspace_view`` instead, which names a capability.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from tandem.core.models import WorkerHeartbeat


def public_view(view):
    """Open to anyone, signed in or not."""
    view.access = "public"
    return view


def account_view(view):
    """For any signed-in user; touches only that user's own data."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapper.access = "account"
    return wrapper


@public_view
def health(request):
    """Liveness for load balancers and operators: the database answers and when a worker last ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    age = (timezone.now() - beat.seen_at).total_seconds() if beat else None
    return JsonResponse({"database": "ok", "worker_seen_seconds_ago": age})
