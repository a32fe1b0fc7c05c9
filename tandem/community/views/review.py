"""The review queue: comments the engine held, to approve, delete or ban one by one or together, and the
undo of what can be undone."""

from django.contrib import messages
from django.db.models import F, Max
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from tandem.workspaces.access import workspace_view

from .. import actions, services
from ..forms import ModerationForm, ReviewOrderForm
from ..models import CommentStatus, ModerationAction
from .common import PAGE_SIZE, REFUSALS, form_problems, page_of, refusal_text, shown, workspace_comments
from .decisions import decide

ORDERS = {
    ReviewOrderForm.OLDEST: ["sent_at", "id"],
    ReviewOrderForm.SCORE: [F("verdict_score").desc(nulls_last=True), "sent_at", "id"],
}
# Where an undo returns to: the page it was asked from.
UNDO_RETURNS = {"review": "community:review", "audit": "community:audit"}


def undoable(actions_done):
    """The audit rows among ``actions_done`` that an undo can still reverse (the service has the last word)."""
    return actions_done.filter(action__in=actions.UNDO, ok=True, undoes__isnull=True, undone_by__isnull=True)


def _newest_action(workspace) -> int:
    """The review queue's poll counts by audit rows, not by comment: a comment is held after it is stored (by
    a worker, maybe after a later one), and a decision's platform side is carried out after it is taken."""
    return ModerationAction.objects.filter(workspace=workspace).aggregate(newest=Max("pk"))["newest"] or 0


@workspace_view("moderation.review")
def review(request):
    form = ReviewOrderForm(request.GET or None)
    order = form.valid_filters().get("order", ReviewOrderForm.OLDEST)
    held = workspace_comments(request.workspace).filter(status=CommentStatus.HELD).order_by(*ORDERS[order])
    newest = _newest_action(request.workspace)
    page, query = page_of(request, held)
    recent = undoable(
        ModerationAction.objects.filter(workspace=request.workspace, actor=request.user)
    ).select_related("comment", "author")[:10]
    return render(
        request,
        "community/review.html",
        {
            "form": form,
            "page": page,
            "comments": shown(page),
            "query": query,
            "recent": recent,
            "decisions": ModerationForm.base_fields["action"].choices,
            "newest": newest,
        },
    )


@workspace_view("moderation.review")
def review_new(request):
    """For the queue's poll, since the newest audit row the page knows of: the comments held since, and the
    user's own decisions the platform refused (each said above the queue, its comment back in it), in the
    order they happened; the comments are added at the end of the queue."""
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Say after which hold to look."), content_type="text/plain")
    since = ModerationAction.objects.filter(workspace=request.workspace, pk__gt=after)
    newest = since.aggregate(newest=Max("pk"))["newest"]
    if newest is None:
        return HttpResponse(status=204)
    refused = list(
        since.filter(actor=request.user, ok=False).select_related("comment").order_by("pk")[:PAGE_SIZE]
    )
    back = since.filter(action="hold") | since.filter(actor=request.user, ok=False)
    held = (
        workspace_comments(request.workspace)
        .filter(status=CommentStatus.HELD, pk__in=back.values("comment_id"))
        .order_by("id")[:PAGE_SIZE]
    )
    return render(
        request,
        "community/_review_new.html",
        {
            "comments": shown(held),
            "refused": refused,
            "newest": newest,
            "decisions": ModerationForm.base_fields["action"].choices,
        },
    )


@workspace_view("moderation.review")
@require_POST
def review_action(request):
    """One decision on the checked comments. From the queue's script (htmx) the answer is the notice that
    replaces the item, with an undo where the platform allows; otherwise the queue again, with a message."""
    form = ModerationForm(request.POST)
    if form.is_valid():
        ids, decision = form.cleaned_data["comment_ids"], form.cleaned_data["action"]
        before = ModerationAction.objects.aggregate(last=Max("pk"))["last"] or 0
        ok, message = decide(request.membership, decision, ids)
        done = ModerationAction.objects.filter(
            workspace=request.workspace, actor=request.user, comment_id__in=ids, pk__gt=before
        )
    else:
        ok, message = False, form_problems(form)
        decision, done = "", ModerationAction.objects.none()
    if request.htmx:
        undo_rows = list(undoable(done))
        notice = render(
            request,
            "community/_review_done.html",
            {
                "ok": ok,
                "message": message,
                "undo": undo_rows,
                # The platform's side may still be queued: its undo will be in the audit log.
                "undo_later": ok and not undo_rows and actions.can_undo(decision, ids),
                "decision": decision,
            },
        )
        # A refusal leaves the item where it is and says why above the queue.
        return notice if ok else reswap(retarget(notice, "#review-status"), "innerHTML")
    (messages.success if ok else messages.error)(request, message)
    return redirect("community:review", request.workspace.slug)


@workspace_view("moderation.review")
@require_POST
def undo(request, action_id):
    try:
        done = services.undo(request.membership, action_id)
    except REFUSALS as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Undoing “%(action)s”.") % {"action": done.action})
    return redirect(UNDO_RETURNS.get(request.POST.get("back"), "community:audit"), request.workspace.slug)
