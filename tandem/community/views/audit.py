"""The audit log: every moderation action, by a person or by the engine, and what the platform answered."""

from django.shortcuts import render

from tandem.workspaces.access import workspace_view

from ..forms import AuditFilterForm
from ..models import ModerationAction
from .common import page_of, warn_rejected
from .review import undoable


@workspace_view("moderation.review")
def audit(request):
    form = AuditFilterForm(request.GET or None, workspace=request.workspace)
    filters = form.valid_filters()
    warn_rejected(request, form)
    actions = ModerationAction.objects.filter(workspace=request.workspace, **filters).select_related(
        "actor", "author", "comment"
    )
    page, query = page_of(request, actions)
    undo_ids = set(undoable(actions.filter(pk__in=[row.pk for row in page])).values_list("pk", flat=True))
    return render(
        request, "community/audit.html", {"form": form, "page": page, "query": query, "undo_ids": undo_ids}
    )
