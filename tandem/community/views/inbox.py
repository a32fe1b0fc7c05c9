"""The inbox: one list of what the audience says across channels, and its live update."""

from django.db.models import Max
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from tandem.workspaces.access import workspace_view

from ..forms import InboxFilterForm
from .common import PAGE_SIZE, filtered_comments, page_of, shown, warn_rejected


def _filters(request):
    form = InboxFilterForm(request.GET or None, actor=request.membership)
    return form, form.valid_filters()


@workspace_view("inbox.answer")
def inbox(request):
    form, filters = _filters(request)
    warn_rejected(request, form)
    comments = filtered_comments(request, filters)
    page, query = page_of(request, comments)
    return render(
        request,
        "community/inbox.html",
        {
            "form": form,
            "page": page,
            "comments": shown(page),
            "query": query,
            "newest": comments.aggregate(newest=Max("pk"))["newest"] or 0,
        },
    )


@workspace_view("inbox.answer")
def inbox_new(request):
    """For the inbox's poll: the comments matching its filters that arrived after the newest it shows."""
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Say after which comment to look."), content_type="text/plain")
    _form, filters = _filters(request)
    comments = shown(filtered_comments(request, filters).filter(pk__gt=after)[:PAGE_SIZE])
    if not comments:
        return HttpResponse(status=204)
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "community/_inbox_new.html",
        {"comments": comments, "newest": max(c.pk for c in comments), "query": query.urlencode()},
    )
