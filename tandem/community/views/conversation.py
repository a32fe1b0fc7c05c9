"""One comment's page: its thread, what was done about it, and the team's work on it (reply, assignment,
inbox state, moderation)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.workspaces.access import in_workspace, workspace_view

from .. import services
from ..forms import AssignForm, ModerationForm, ReplyForm, StateForm, WarnForm
from ..models import InboxState, SavedReply
from .common import REFUSALS, form_problems, refusal_text, shown, workspace_comments
from .decisions import decide


def _comment(request, comment_id, capability="inbox.answer"):
    return in_workspace(workspace_comments(request.workspace), request.membership, comment_id, capability)


def _conversation(request, comment, *, status=200, reply_form=None, warn_form=None):
    replies = workspace_comments(request.workspace).filter(parent=comment).order_by("sent_at", "id")
    return render(
        request,
        "community/comment.html",
        {
            "comment": shown([comment])[0],
            "parent": shown([comment.parent])[0] if comment.parent_id else None,
            "replies": shown(replies),
            "actions": comment.moderation_actions.select_related("actor"),
            "saved_replies": SavedReply.objects.filter(workspace=request.workspace),
            "reply_form": reply_form or ReplyForm(),
            "warn_form": warn_form or WarnForm(),
            "assign_form": AssignForm(actor=request.membership, initial={"assignee": comment.assignee_id}),
            "state_form": StateForm(initial={"state": comment.state}),
            "decisions": ModerationForm.base_fields["action"].choices,
        },
        status=status,
    )


def _back(request, comment, ok: bool, message: str):
    (messages.success if ok else messages.error)(request, message)
    return redirect("community:comment", request.workspace.slug, comment.pk)


@workspace_view("inbox.answer")
def comment_detail(request, comment_id):
    return _conversation(request, _comment(request, comment_id))


@workspace_view("inbox.answer")
@require_POST
def reply(request, comment_id):
    comment = _comment(request, comment_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _conversation(request, comment, status=400, reply_form=form)
    try:
        services.reply(request.membership, comment.pk, form.cleaned_data["text"])
    except REFUSALS as error:
        # The typed reply stays in the box, so nothing is lost when the platform refuses.
        messages.error(request, refusal_text(error))
        return _conversation(request, comment, status=400, reply_form=form)
    return _back(request, comment, True, _("Reply sent."))


@workspace_view("inbox.answer")
@require_POST
def assign(request, comment_id):
    comment = _comment(request, comment_id)
    form = AssignForm(request.POST, actor=request.membership)
    if not form.is_valid():
        return _back(request, comment, False, form_problems(form))
    try:
        services.assign(request.membership, [comment.pk], form.cleaned_data["assignee"])
    except REFUSALS as error:
        return _back(request, comment, False, refusal_text(error))
    return _back(request, comment, True, _("Assignment saved."))


@workspace_view("inbox.answer")
@require_POST
def set_state(request, comment_id):
    comment = _comment(request, comment_id)
    form = StateForm(request.POST)
    if not form.is_valid():
        return _back(request, comment, False, form_problems(form))
    state = form.cleaned_data["state"]
    try:
        services.set_state(request.membership, [comment.pk], state)
    except REFUSALS as error:
        return _back(request, comment, False, refusal_text(error))
    return _back(request, comment, True, _("Marked “%(state)s”.") % {"state": InboxState(state).label})


@workspace_view("moderation.review")
@require_POST
def moderate(request, comment_id):
    comment = _comment(request, comment_id, "moderation.review")
    form = ModerationForm({"action": request.POST.get("action"), "comment_ids": [comment.pk]})
    if not form.is_valid():
        return _back(request, comment, False, form_problems(form))
    return _back(request, comment, *decide(request.membership, form.cleaned_data["action"], [comment.pk]))


@workspace_view("moderation.review")
@require_POST
def warn(request, comment_id):
    comment = _comment(request, comment_id, "moderation.review")
    form = WarnForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return _conversation(request, comment, status=400, warn_form=form)
    try:
        services.warn(request.membership, comment.pk, form.cleaned_data["text"])
    except REFUSALS as error:
        return _back(request, comment, False, refusal_text(error))
    return _back(request, comment, True, _("The comment will be deleted and its author warned."))
