"""A post's page and the actions on it: approval, scheduling, moving, cancelling, retries and confirmations,
and changing what was already published."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.platforms.base import Feature
from tandem.platforms.registry import connector_class
from tandem.workspaces.access import workspace_view
from tandem.workspaces.capabilities import can

from .. import planning, published, scheduling, services
from ..access import delivery_for, post_for
from ..forms import CommentForm, ConfirmForm, MoveForm, RejectForm, ScheduleForm
from ..history import EVENT_LABELS
from ..models import OPEN_STATES, DeliveryState, PostStatus
from .common import local_today, wants_text


def _deliveries(post):
    return list(post.deliveries.select_related("channel").order_by("-occurrence", "channel__name", "id"))


def _detail(request, post, *, status=200, error="", **forms):
    membership = request.membership
    zone_name = request.workspace.time_zone
    deliveries = _deliveries(post)
    approver = services.is_approver(membership)
    schedules = services.can_schedule(membership)
    editable = services.can_edit(membership, post)
    movable = any(d.state in planning.MOVABLE_STATES for d in deliveries)
    open_deliveries = any(d.state in OPEN_STATES for d in deliveries)
    published = [d for d in deliveries if d.state == DeliveryState.SENT and d.deleted_at is None]
    events = post.events.select_related("actor")
    context = {
        "post": post,
        "media": list(post.media.all()),
        "tags": list(post.tags.all()),
        "channels": list(post.channels.all()),
        "variants": list(post.variants.select_related("channel")),
        "deliveries": deliveries,
        "events": [(event, EVENT_LABELS.get(event.kind, event.kind)) for event in events],
        "status_label": PostStatus(post.status).label,
        "glance": planning.glance(post),
        "error": error,
        "can_approve": approver and post.status == PostStatus.PENDING,
        "can_submit": editable
        and can(membership.role, "content.draft")
        and post.status in (PostStatus.DRAFT, PostStatus.REJECTED),
        "can_edit": editable,
        "can_schedule": schedules,
        "movable": schedules and movable,
        # Plan only what is not planned yet, or whose every delivery was cancelled: never a second copy by accident.
        "can_plan": schedules
        and post.status != PostStatus.PENDING
        and all(d.state == DeliveryState.CANCELLED for d in deliveries),
        "can_cancel": (schedules or editable) and (open_deliveries or post.next_occurrence_at is not None),
        "can_fix": schedules,
        "published": approver and bool(published),
        "can_edit_published": any(
            Feature.EDIT in connector_class(d.channel.platform).features for d in published
        ),
        "can_delete_published": any(
            Feature.DELETE in connector_class(d.channel.platform).features for d in published
        ),
        "approve_form": forms.get("approve_form") or CommentForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "move_form": forms.get("move_form") or MoveForm(initial={"date": _local_day(post, zone_name)}),
        "schedule_form": forms.get("schedule_form") or ScheduleForm(zone_name=zone_name),
        "confirm_form": ConfirmForm(),
        "today": local_today(request.workspace),
    }
    return render(request, "content/post.html", context, status=status)


def _local_day(post, zone_name):
    return scheduling.to_local(post.planned_at, zone_name).date() if post.planned_at else None


def _post(request, post_id, capability):
    return post_for(request.membership, post_id, capability)


def _done(request, post, message):
    messages.success(request, message)
    return redirect("content:post", request.workspace.slug, post.pk)


def _refused(request, post, error_message, **forms):
    return _detail(request, post, status=400, error=error_message, **forms)


@workspace_view("content.view")
def post_detail(request, post_id):
    return _detail(request, _post(request, post_id, "content.view"))


@workspace_view("content.draft")
@require_POST
def submit(request, post_id):
    post = _post(request, post_id, "content.draft")
    if not services.can_edit(request.membership, post):
        # The service refuses too; here it is a 403 like any other forbidden action.
        raise PermissionDenied(_("This post can no longer be changed by you; ask an SMM manager."))
    try:
        services.submit(request.membership, post)
    except ServiceError as error:
        return _refused(request, post, error.message)
    post.refresh_from_db()
    if post.status == PostStatus.APPROVED:
        return _done(request, post, _("Approved right away: this workspace does not need approval."))
    return _done(request, post, _("Sent for approval."))


@workspace_view("content.approve")
@require_POST
def approve(request, post_id):
    post = _post(request, post_id, "content.approve")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _refused(request, post, _("The comment is too long."), approve_form=form)
    try:
        services.approve(request.membership, post, form.cleaned_data["comment"])
    except ServiceError as error:
        return _refused(request, post, error.message, approve_form=form)
    return _done(request, post, _("Approved. The author has been told."))


@workspace_view("content.approve")
@require_POST
def reject(request, post_id):
    post = _post(request, post_id, "content.approve")
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _refused(request, post, " ".join(form.errors.get("comment", [])), reject_form=form)
    try:
        services.reject(request.membership, post, form.cleaned_data["comment"])
    except ServiceError as error:
        return _refused(request, post, error.message, reject_form=form)
    return _done(request, post, _("Changes requested. The author has been told."))


def _require_scheduler(request):
    if not services.can_schedule(request.membership):
        raise PermissionDenied(_("Only an SMM manager can schedule, move or send posts."))


@workspace_view("content.draft")
@require_POST
def schedule(request, post_id):
    """Plan an unscheduled post (at a time, in the queue or now), or move its open deliveries to a new time."""
    _require_scheduler(request)
    post = _post(request, post_id, "content.draft")
    form = ScheduleForm(request.POST, zone_name=request.workspace.time_zone)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _refused(request, post, message, schedule_form=form)
    mode, at = form.cleaned_data["mode"], form.cleaned_data["at"]
    membership = request.membership
    try:
        if post.deliveries.filter(state__in=planning.MOVABLE_STATES).exists():
            if at is None:
                raise ServiceError(_("Choose the new date and time."))
            services.reschedule(membership, post, at)
            return _done(request, post, _("Moved to the new time."))
        services.schedule(
            membership,
            post,
            at=at,
            use_queue=mode == "queue",
            recurrence=post.recurrence,
            recurrence_days=post.recurrence_days,
            recurrence_until=post.recurrence_until,
        )
    except ServiceError as error:
        return _refused(request, post, error.message, schedule_form=form)
    return _done(request, post, _("Sent to publishing.") if mode == "now" else _("Scheduled."))


@workspace_view("content.draft")
@require_POST
def move(request, post_id):
    """Another day at the same local time: the calendar's drag and drop, or the "Move to…" form."""
    _require_scheduler(request)
    post = _post(request, post_id, "content.draft")
    form = MoveForm(request.POST)
    script = wants_text(request)
    if not form.is_valid():
        message = " ".join(form.errors.get("date", [])) or _("Choose a valid day.")
        if script:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return _refused(request, post, message, move_form=form)
    day = form.cleaned_data["date"]
    try:
        services.move_to_day(request.membership, post, day)
    except ServiceError as error:
        if script:
            return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
        return _refused(request, post, error.message, move_form=form)
    if script:
        return HttpResponse(status=204)
    return _done(request, post, _("Moved to %(day)s.") % {"day": day.isoformat()})


@workspace_view("content.draft")
@require_POST
def cancel(request, post_id):
    post = _post(request, post_id, "content.draft")
    membership = request.membership
    if not (services.can_schedule(membership) or services.can_edit(membership, post)):
        raise PermissionDenied(_("Only an SMM manager can cancel scheduled posts."))
    try:
        count = services.cancel(membership, post)
    except ServiceError as error:
        return _refused(request, post, error.message)
    # A send already under way (claimed for its due moment) cannot be called back: say so.
    sending = post.deliveries.filter(state=DeliveryState.SENDING).exists()
    if sending:
        return _done(
            request, post, _("Cancelled, except what was already being sent: check its status below.")
        )
    if not count:
        return _done(request, post, _("Nothing was waiting to be sent; the post will not repeat."))
    return _done(request, post, _("Cancelled. Nothing more will be sent."))


def _delivery(request, delivery_id):
    _require_scheduler(request)
    return delivery_for(request.membership, delivery_id, "content.draft")


@workspace_view("content.draft")
@require_POST
def retry_delivery(request, delivery_id):
    delivery = _delivery(request, delivery_id)
    try:
        services.retry_delivery(request.membership, delivery)
    except ServiceError as error:
        return _refused(request, delivery.post, error.message)
    return _done(
        request, delivery.post, _("Sending to %(channel)s again.") % {"channel": delivery.channel.name}
    )


@workspace_view("content.draft")
@require_POST
def confirm_delivery(request, delivery_id):
    delivery = _delivery(request, delivery_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _refused(request, delivery.post, _("Enter the link as a full web address, or leave it empty."))
    try:
        services.confirm_published(request.membership, delivery, form.cleaned_data["url"])
    except ServiceError as error:
        return _refused(request, delivery.post, error.message)
    return _done(
        request,
        delivery.post,
        _("Marked as published on %(channel)s.") % {"channel": delivery.channel.name},
    )


def _published_action(request, post_id, action, done_message):
    post = _post(request, post_id, "content.approve")
    try:
        results = action(request.membership, post)
    except ServiceError as error:
        return _refused(request, post, error.message)
    for channel, problem in sorted(results.items()):
        if problem:
            messages.error(request, f"{channel}: {problem}")
        else:
            messages.success(request, done_message % {"channel": channel})
    return redirect("content:post", request.workspace.slug, post.pk)


@workspace_view("content.approve")
@require_POST
def edit_published(request, post_id):
    return _published_action(request, post_id, published.edit_published, _("Updated on %(channel)s."))


@workspace_view("content.approve")
@require_POST
def delete_published(request, post_id):
    return _published_action(request, post_id, published.delete_published, _("Deleted from %(channel)s."))
