"""Writing a post: the compose form, its live limit check and the preview per platform."""

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.platforms.base import utf16_length
from tandem.platforms.registry import connector_class
from tandem.workspaces.access import workspace_view

from .. import media as media_service
from .. import planning, services
from ..access import post_for
from ..forms import (
    VARIANT_MEDIA,
    VARIANT_SHOWN,
    VARIANT_TEXT,
    ComposeForm,
    Intent,
    When,
    one_newline,
    workspace_channels,
)
from ..outgoing import limit_problems

# The most new images the live check believes it is told about.
MAX_NEW_IMAGES = 50


@dataclass(frozen=True)
class NewImage:
    """Stands in for an image chosen in the browser but not uploaded yet (already checked on upload)."""

    original_name: str
    mime: str = "image/jpeg"
    size: int = 0


@dataclass
class ChannelCheck:
    channel: object
    text: str
    media: list
    new_images: int
    length: int
    limit: int
    media_max: int
    problems: list

    @property
    def image_count(self) -> int:
        return len(self.media) + self.new_images

    @property
    def form(self) -> str:
        """How the platform shows it: a message, one image with a caption, or an album."""
        if not self.image_count:
            return "message"
        return "photo" if self.image_count == 1 else "album"


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def check_channels(workspace, data: QueryDict, post=None) -> list[ChannelCheck]:
    """What each chosen channel would get from the form as typed, against its platform's limits."""
    text = one_newline(data.get("text", ""))
    chosen = {_int(value) for value in data.getlist("channels")} - {None}
    removed = {_int(value) for value in data.getlist("remove_images")}
    existing = [item for item in (post.media.all() if post else []) if item.pk not in removed]
    new_count = min(max(_int(data.get("new_images"), 0), 0), MAX_NEW_IMAGES)
    checks = []
    for channel in workspace_channels(workspace).filter(pk__in=chosen):
        own_text = one_newline(data.get(VARIANT_TEXT.format(channel.pk), "")).strip()
        media = existing
        if data.get(VARIANT_SHOWN.format(channel.pk)):
            wanted = {_int(value) for value in data.getlist(VARIANT_MEDIA.format(channel.pk))}
            media = [item for item in existing if item.pk in wanted]
        final_text = own_text or text
        stand_ins = [NewImage(_("new image %(number)d") % {"number": n + 1}) for n in range(new_count)]
        limits = connector_class(channel.platform).limits
        checks.append(
            ChannelCheck(
                channel=channel,
                text=final_text,
                media=media,
                new_images=new_count,
                length=utf16_length(final_text),
                limit=limits.caption_max if media or new_count else limits.text_max,
                media_max=limits.media_max,
                problems=limit_problems(final_text, media + stand_ins, limits),
            )
        )
    return checks


def _save(membership, post, form):
    """Save the post and its images in one go: either all of it is stored, or nothing."""
    data = form.cleaned_data
    uploads = data["images"]
    stored = []
    try:
        with transaction.atomic():
            tags = planning.tags_for(membership.workspace, data["tags"])
            fields = {
                "text": data["text"],
                "rubric": data["rubric"],
                "tags": tags,
                "channels": data["channels"],
            }
            if post is None:
                post = services.save_post(membership, None, **fields, variants=form.variants())
                stored = media_service.attach_media(post, uploads) if uploads else []
            else:
                if data["remove_images"]:
                    planning.remove_media(membership, post, [item.pk for item in data["remove_images"]])
                stored = media_service.attach_media(post, uploads) if uploads else []
                variants = form.variants([item.pk for item in stored])
                post = services.save_post(membership, post, **fields, variants=variants)
    except Exception:
        for item in stored:
            item.file.delete(save=False)
        raise
    return post


def _plan(membership, post, data) -> str:
    """Submit or schedule the saved post as the pressed button asked; returns the success message."""
    intent = data["intent"]
    when = data["when"]
    wish = {
        "recurrence": data["recurrence"],
        "recurrence_days": data["recurrence_days"],
        "recurrence_until": data["until"],
    }
    schedules = services.can_schedule(membership)
    if not schedules and when != When.UNSET and intent in (Intent.DRAFT, Intent.SUBMIT):
        # Saved on the post; it takes effect when an SMM manager approves it.
        services.schedule(membership, post, at=data["at"], use_queue=when == When.QUEUE, **wish)
    if intent == Intent.SUBMIT:
        services.submit(membership, post)
        post.refresh_from_db()
        if post.deliveries.exists():
            return _("Saved and scheduled: this workspace does not need approval.")
        return _("Saved and sent for approval. You will be notified of the decision.")
    if intent == Intent.NOW:
        services.schedule(membership, post, **wish)
        return _("Saved and sent to publishing. The status of each channel is below.")
    if intent == Intent.SCHEDULE:
        if when == When.AT and post.deliveries.filter(state__in=planning.MOVABLE_STATES).exists():
            services.reschedule(membership, post, data["at"])
            return _("Saved, and the post was moved to the new time.")
        services.schedule(membership, post, at=data["at"], use_queue=when == When.QUEUE, **wish)
        return _("Saved and scheduled.")
    return _("Draft saved.")


def _page(request, form, post, status=200):
    workspace = request.workspace
    checks = check_channels(workspace, form.data if form.is_bound else _initial_query(form), post)
    return render(
        request,
        "content/compose.html",
        {
            "form": form,
            "post": post,
            "checks": checks,
            "schedules": services.can_schedule(request.membership),
            "has_channels": bool(form.channel_list),
        },
        status=status,
    )


def _initial_query(form) -> QueryDict:
    """The unbound form's initial values as the live check reads them."""
    query = QueryDict(mutable=True)
    for name, value in form.initial.items():
        if isinstance(value, list):
            query.setlist(name, [str(v) for v in value])
        elif value is not None:
            query[name] = "1" if value is True else str(value)
    return query


@workspace_view("content.draft")
def compose(request, post_id=None):
    membership = request.membership
    post = post_for(membership, post_id, "content.draft") if post_id is not None else None
    if post is not None and not services.can_edit(membership, post):
        messages.error(request, _("This post can no longer be changed by you; ask an SMM manager."))
        return redirect("content:post", request.workspace.slug, post.pk)
    schedules = services.can_schedule(membership)
    options = {"workspace": request.workspace, "post": post, "schedules": schedules}
    if request.method != "POST":
        return _page(request, ComposeForm(**options), post)
    form = ComposeForm(request.POST, request.FILES, **options)
    if not form.is_valid():
        return _page(request, form, post, status=400)
    try:
        post = _save(membership, post, form)
    except ServiceError as error:
        form.add_error(None, error.message)
        return _page(request, form, post, status=400)
    try:
        done = _plan(membership, post, form.cleaned_data)
    except ServiceError as error:
        # The post is saved; only the plan was refused. Show the saved post with the reason.
        data = request.POST.copy()
        data.pop("remove_images", None)
        data.pop("new_images", None)  # uploaded and saved by now
        again = ComposeForm(data, workspace=request.workspace, post=post, schedules=schedules)
        again.is_valid()
        again.add_error(
            None, _("%(reason)s Your post is saved; nothing was lost.") % {"reason": error.message}
        )
        return _page(request, again, post, status=400)
    messages.success(request, done)
    return redirect("content:post", request.workspace.slug, post.pk)


@workspace_view("content.draft")
@require_POST
def check_limits(request):
    post_id = _int(request.GET.get("post"))
    post = post_for(request.membership, post_id, "content.draft") if post_id is not None else None
    return render(
        request,
        "content/_check.html",
        {"checks": check_channels(request.workspace, request.POST, post), "post": post, "oob": True},
    )
