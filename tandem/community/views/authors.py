"""An author's page: what they wrote in this workspace, their strikes, mute and ban, and the team's notes."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.workspaces.access import in_workspace, workspace_view

from .. import services
from ..forms import MuteForm, NotesForm
from ..models import Author
from .common import REFUSALS, form_problems, page_of, refusal_text, shown, workspace_comments


def _author(request, author_id, capability="inbox.answer"):
    return in_workspace(Author.objects.all(), request.membership, author_id, capability)


def _act(request, author, service, *args, done: str):
    """Call the service on the author; say what happened, back on the author's page."""
    try:
        service(request.membership, author.pk, *args)
    except REFUSALS as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, done)
    return redirect("community:author", request.workspace.slug, author.pk)


@workspace_view("inbox.answer")
def author_detail(request, author_id):
    author = _author(request, author_id)
    page, query = page_of(request, workspace_comments(request.workspace).filter(author=author))
    return render(
        request,
        "community/author.html",
        {
            "author": author,
            "page": page,
            "comments": shown(page),
            "query": query,
            "actions": author.moderation_actions.select_related("actor", "comment")[:50],
            "notes_form": NotesForm(initial={"notes": author.notes}),
            "mute_form": MuteForm(initial={"minutes": 60}),
        },
    )


@workspace_view("inbox.answer")
@require_POST
def author_notes(request, author_id):
    author = _author(request, author_id)
    form = NotesForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("community:author", request.workspace.slug, author.pk)
    return _act(
        request, author, services.save_author_notes, form.cleaned_data["notes"], done=_("Notes saved.")
    )


@workspace_view("moderation.review")
@require_POST
def mute_author(request, author_id):
    author = _author(request, author_id, "moderation.review")
    form = MuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("community:author", request.workspace.slug, author.pk)
    minutes = form.cleaned_data["minutes"]
    return _act(
        request,
        author,
        services.mute_author,
        minutes,
        done=_("Muting %(author)s for %(minutes)d minutes.") % {"author": author, "minutes": minutes},
    )


@workspace_view("moderation.review")
@require_POST
def unmute_author(request, author_id):
    author = _author(request, author_id, "moderation.review")
    return _act(
        request, author, services.unmute, done=_("Lifting the mute of %(author)s.") % {"author": author}
    )


@workspace_view("moderation.review")
@require_POST
def unban_author(request, author_id):
    author = _author(request, author_id, "moderation.review")
    return _act(
        request, author, services.unban, done=_("Lifting the ban of %(author)s.") % {"author": author}
    )
