"""Saved replies: texts the team answers with often, inserted into the reply box with one click."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.workspaces.access import in_workspace, workspace_view

from .. import services
from ..forms import SavedReplyForm
from ..models import SavedReply
from .common import REFUSALS, refusal_text


def _saved_reply(request, reply_id):
    return in_workspace(SavedReply.objects.all(), request.membership, reply_id, "inbox.answer")


def _save(request, form, save, template, context, done):
    """Check the form, call ``save(title, text)``; the page again with the problem, or back to the list."""
    if form.is_valid():
        try:
            save(form.cleaned_data["title"], form.cleaned_data["text"])
        except REFUSALS as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, done)
            return redirect("community:saved_replies", request.workspace.slug)
    return render(request, template, {**context, "form": form}, status=400)


@workspace_view("inbox.answer")
def saved_replies(request):
    replies = SavedReply.objects.filter(workspace=request.workspace).select_related("created_by")
    context = {"replies": replies}
    if request.method != "POST":
        return render(request, "community/saved_replies.html", {**context, "form": SavedReplyForm()})
    return _save(
        request,
        SavedReplyForm(request.POST),
        lambda title, text: services.create_saved_reply(request.membership, title, text),
        "community/saved_replies.html",
        context,
        _("Saved reply added."),
    )


@workspace_view("inbox.answer")
def saved_reply(request, reply_id):
    saved = _saved_reply(request, reply_id)
    context = {"saved": saved}
    if request.method != "POST":
        return render(
            request, "community/saved_reply.html", {**context, "form": SavedReplyForm(instance=saved)}
        )
    return _save(
        request,
        SavedReplyForm(request.POST, instance=saved),
        lambda title, text: services.update_saved_reply(request.membership, saved.pk, title, text),
        "community/saved_reply.html",
        context,
        _("Saved reply updated."),
    )


@workspace_view("inbox.answer")
@require_POST
def delete_saved_reply(request, reply_id):
    saved = _saved_reply(request, reply_id)
    services.delete_saved_reply(request.membership, saved.pk)
    messages.success(request, _("Saved reply “%(title)s” deleted.") % {"title": saved.title})
    return redirect("community:saved_replies", request.workspace.slug)
