"""A person's own notifications in one workspace: the list, "mark all as read", and opening one."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tandem.workspaces.access import workspace_view

from .models import Notification

PAGE_SIZE = 50


def _own(request):
    """Only the signed-in user's notifications in this workspace: nobody else's can be listed or opened."""
    return Notification.objects.filter(user=request.user, workspace=request.workspace)


@workspace_view("workspace.view")
def notification_list(request):
    page = Paginator(_own(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@workspace_view("workspace.view")
@require_POST
def read_all(request):
    marked = _own(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked as read.", "%(count)s notifications marked as read.", marked
            )
            % {"count": marked},
        )
    return redirect("notifications:list", request.workspace.slug)


@workspace_view("workspace.view")
def open_notification(request, notification_id):
    """Mark it read and go where it points, but only to a page of this site; otherwise back to the list."""
    notification = get_object_or_404(_own(request), pk=notification_id)
    if notification.read_at is None:
        _own(request).filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("notifications:list", request.workspace.slug)
