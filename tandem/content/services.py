"""Actions on posts: write, approve, schedule, cancel, retry. Each validates, then changes state in one
transaction, and wakes the publishing engine only after the commit."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.channels.models import Channel, ChannelStatus
from tandem.core.errors import ServiceError
from tandem.platforms.registry import connector_class
from tandem.workspaces.capabilities import can

from . import history, scheduling
from .models import OPEN_STATES, Delivery, DeliveryState, Post, PostStatus, Recurrence, Variant
from .outgoing import limit_problems, text_and_media

# A schedule a little in the past (a slow form) still counts as "now"; more than this is refused.
PAST_GRACE = timedelta(minutes=2)
# Missed occurrences of a recurring post older than this are skipped, not sent late.
RECURRENCE_GRACE = timedelta(minutes=15)


def is_approver(membership) -> bool:
    return can(membership.role, "content.approve")


def can_schedule(membership) -> bool:
    """Approvers always; other drafters only when the workspace switched approval off."""
    workspace = membership.workspace
    return is_approver(membership) or (
        not workspace.approval_required and can(membership.role, "content.draft")
    )


def can_edit(membership, post: Post) -> bool:
    if is_approver(membership):
        return True
    return post.author_id == membership.user_id and post.status in (PostStatus.DRAFT, PostStatus.REJECTED)


def channel_problems(post: Post) -> dict[Channel, list[str]]:
    """Every platform limit the post breaks, per chosen channel."""
    variants = {v.channel_id: v for v in post.variants.all()}
    problems = {}
    for channel in post.channels.all():
        text, media = text_and_media(post, variants.get(channel.pk))
        found = limit_problems(text, media, connector_class(channel.platform).limits)
        if found:
            problems[channel] = found
    return problems


def _raise_problems(post: Post) -> None:
    problems = channel_problems(post)
    if problems:
        raise ServiceError(
            " ".join(f"{channel.name}: {' '.join(found)}" for channel, found in problems.items())
        )


def save_post(membership, post: Post | None, *, text: str, rubric, tags, channels, variants: dict) -> Post:
    """Create or change a post and its per-channel variants. ``variants`` maps a channel to its own text
    ("" = the post's text) and the ids of the images it gets (None = all).

    A post already scheduled stays consistent: a dropped channel's unsent delivery is cancelled, an added
    channel gets one at the same time, and the new content must fit every platform's limits.
    """
    if not can(membership.role, "content.draft"):
        raise ServiceError(_("Your role does not allow writing posts."))
    if post is not None and not can_edit(membership, post):
        raise ServiceError(_("This post can no longer be changed by you; ask an SMM manager."))
    foreign = [
        c for c in channels if c.workspace_id != membership.workspace.pk or c.status == ChannelStatus.REMOVED
    ]
    if foreign:
        raise ServiceError(_("Choose channels of this workspace."))
    with transaction.atomic():
        created = post is None
        if created:
            post = Post(workspace=membership.workspace, author=membership.user)
        else:
            Post.objects.select_for_update().filter(pk=post.pk).first()
            post.refresh_from_db()
        post.text = text
        post.rubric = rubric
        post.save()
        post.tags.set(tags)
        post.channels.set(channels)
        chosen = {c.pk for c in channels}
        post.variants.exclude(channel_id__in=chosen).delete()
        for channel, (variant_text, media_ids) in variants.items():
            if channel.pk not in chosen:
                continue
            if not variant_text and media_ids is None:
                post.variants.filter(channel=channel).delete()
            else:
                Variant.objects.update_or_create(
                    post=post, channel=channel, defaults={"text": variant_text, "media_ids": media_ids}
                )
        if not created:
            _follow_channel_changes(membership, post, channels)
        history.record(post, "created" if created else "edited", actor=membership.user)
    return post


def _follow_channel_changes(membership, post: Post, channels) -> None:
    """Keep the unsent deliveries of a scheduled post in step with its channels and content."""
    waiting = list(_open_deliveries(post))
    if not waiting:
        return
    _raise_problems(post)
    chosen = {c.pk for c in channels}
    dropped = [d.pk for d in waiting if d.channel_id not in chosen]
    Delivery.objects.filter(pk__in=dropped, state__in=OPEN_STATES).update(
        state=DeliveryState.CANCELLED,
        error=_("The channel was taken off the post."),
        updated_at=timezone.now(),
    )
    latest = max(waiting, key=lambda d: d.occurrence)
    have = {d.channel_id for d in waiting}
    added = {c: latest.due_at for c in channels if c.pk not in have and c.status == ChannelStatus.ACTIVE}
    if added:
        _create_deliveries(post, latest.occurrence, added)


@transaction.atomic
def submit(membership, post: Post) -> Post:
    if not can_edit(membership, post):
        raise ServiceError(_("Only the author or an SMM manager can submit this post."))
    if post.status not in (PostStatus.DRAFT, PostStatus.REJECTED):
        raise ServiceError(_("Only a draft can be submitted for approval."))
    if not post.channels.exists():
        raise ServiceError(_("Choose at least one channel before submitting."))
    _raise_problems(post)
    if not membership.workspace.approval_required:
        return _approve(membership, post, "")
    post.status = PostStatus.PENDING
    post.save(update_fields=["status", "updated_at"])
    history.record(post, "submitted", actor=membership.user, notify=True)
    return post


def _approve(membership, post: Post, comment: str) -> Post:
    post.status = PostStatus.APPROVED
    post.save(update_fields=["status", "updated_at"])
    history.record(post, "approved", actor=membership.user, message=comment, notify=True)
    if post.planned_at or post.use_queue:
        # The author's wished time may have passed while the post waited: it is approved all the same, and
        # the history says why it was not scheduled.
        try:
            with transaction.atomic():
                _schedule(membership, post, at=post.planned_at, use_queue=post.use_queue)
        except ServiceError as error:
            history.record(post, "not_scheduled", actor=membership.user, message=error.message, notify=True)
    return post


@transaction.atomic
def approve(membership, post: Post, comment: str = "") -> Post:
    if not is_approver(membership):
        raise ServiceError(_("Only an SMM manager or an owner can approve posts."))
    if post.status != PostStatus.PENDING:
        raise ServiceError(_("This post is not waiting for approval."))
    return _approve(membership, post, comment.strip())


@transaction.atomic
def reject(membership, post: Post, comment: str) -> Post:
    if not is_approver(membership):
        raise ServiceError(_("Only an SMM manager or an owner can reject posts."))
    if post.status != PostStatus.PENDING:
        raise ServiceError(_("This post is not waiting for approval."))
    if not comment.strip():
        raise ServiceError(_("Say what to change, so the author knows what to do."))
    post.status = PostStatus.REJECTED
    post.save(update_fields=["status", "updated_at"])
    history.record(post, "rejected", actor=membership.user, message=comment.strip(), notify=True)
    return post


def _wake_engine_at(when: datetime) -> None:
    from .tasks import wake_at

    transaction.on_commit(lambda: wake_at(when))


def _taken_times(channel: Channel) -> set[datetime]:
    return set(
        Delivery.objects.filter(channel=channel, state__in=(*OPEN_STATES, DeliveryState.SENT)).values_list(
            "due_at", flat=True
        )
    )


def _due_for(channel: Channel, post: Post, at: datetime | None, use_queue: bool, now: datetime) -> datetime:
    if not use_queue:
        return at or now
    slots = list(channel.queue_slots.values_list("weekday", "time"))
    if not slots:
        raise ServiceError(
            _("%(channel)s has no queue slots. Add some on the channel's page.") % {"channel": channel.name}
        )
    slot = scheduling.next_free_slot(
        slots, post.workspace.time_zone, max(now, at or now), _taken_times(channel)
    )
    if slot is None:
        raise ServiceError(
            _("%(channel)s has no free queue slot in the next eight weeks.") % {"channel": channel.name}
        )
    return slot


def _create_deliveries(post: Post, occurrence: int, due_by_channel: dict) -> list[Delivery]:
    deliveries = [
        Delivery(post=post, channel=channel, occurrence=occurrence, due_at=due, next_attempt_at=due)
        for channel, due in due_by_channel.items()
    ]
    Delivery.objects.bulk_create(deliveries)
    for when in set(due_by_channel.values()):
        _wake_engine_at(when)
    return deliveries


def _schedule(membership, post: Post, *, at: datetime | None, use_queue: bool, now: datetime | None = None):
    now = now or timezone.now()
    if at is not None and at < now - PAST_GRACE:
        raise ServiceError(_("This time is in the past. Choose a time from now on, or publish now."))
    channels = list(post.channels.all())
    if not channels:
        raise ServiceError(_("Choose at least one channel."))
    unusable = [c.name for c in channels if c.status != ChannelStatus.ACTIVE]
    if unusable:
        raise ServiceError(
            _("These channels need attention first: %(names)s.") % {"names": ", ".join(unusable)}
        )
    _raise_problems(post)
    if post.deliveries.filter(state__in=OPEN_STATES).exists():
        raise ServiceError(_("This post is already scheduled. Move or cancel it instead."))
    due = {channel: _due_for(channel, post, at, use_queue, now) for channel in channels}
    occurrence = post.occurrences_planned
    post.planned_at = min(due.values())
    post.use_queue = use_queue
    post.occurrences_planned = occurrence + 1
    if post.recurrence:
        post.recurrence_time = scheduling.to_local(post.planned_at, post.workspace.time_zone).time()
        post.next_occurrence_at = scheduling.next_occurrence(
            post.planned_at,
            post.recurrence,
            post.recurrence_days,
            post.workspace.time_zone,
            post.recurrence_time,
        )
    post.save()
    deliveries = _create_deliveries(post, occurrence, due)
    history.record(post, "scheduled", actor=membership.user, at=post.planned_at.isoformat())
    return deliveries


@transaction.atomic
def schedule(
    membership,
    post: Post,
    *,
    at: datetime | None = None,
    use_queue: bool = False,
    recurrence: str = Recurrence.NONE,
    recurrence_days: int = 7,
    recurrence_until: datetime | None = None,
    now: datetime | None = None,
):
    """Plan the post's deliveries: at a time, in each channel's next free queue slot, or now (``at`` None).

    Someone who may not schedule saves the wish on the post; it takes effect when the post is approved.
    """
    # Lock the post so a double-clicked "Schedule" cannot plan it twice; the caller's object is refreshed.
    Post.objects.select_for_update().filter(pk=post.pk).first()
    post.refresh_from_db()
    if not can_schedule(membership) and not can_edit(membership, post):
        raise ServiceError(_("Only the author or an SMM manager can plan this post."))
    post.recurrence, post.recurrence_days, post.recurrence_until = (
        recurrence,
        recurrence_days,
        recurrence_until,
    )
    if not can_schedule(membership):
        if post.status == PostStatus.APPROVED:
            raise ServiceError(_("Only an SMM manager can schedule approved posts."))
        post.planned_at, post.use_queue = at, use_queue
        post.save()
        return []
    if post.status != PostStatus.APPROVED:
        post.status = PostStatus.APPROVED
        history.record(post, "approved", actor=membership.user)
    return _schedule(membership, post, at=at, use_queue=use_queue, now=now)


def _open_deliveries(post: Post):
    return post.deliveries.filter(state__in=(DeliveryState.SCHEDULED, DeliveryState.RETRY_WAIT))


@transaction.atomic
def reschedule(membership, post: Post, at: datetime, now: datetime | None = None) -> int:
    """Move the post's unsent deliveries to ``at``; returns how many moved."""
    now = now or timezone.now()
    if not can_schedule(membership):
        raise ServiceError(_("Only an SMM manager can move scheduled posts."))
    if at < now - PAST_GRACE:
        raise ServiceError(_("This time is in the past. Choose a time from now on, or publish now."))
    Post.objects.select_for_update().filter(pk=post.pk).first()
    post.refresh_from_db()
    moved = _open_deliveries(post).update(due_at=at, next_attempt_at=at, updated_at=now)
    if not moved:
        raise ServiceError(_("Nothing left to move: the post was already sent or cancelled."))
    if post.recurrence and post.next_occurrence_at:
        # The series moves with it: the next occurrence follows the new date and time of day.
        post.recurrence_time = scheduling.to_local(at, post.workspace.time_zone).time()
        post.next_occurrence_at = scheduling.next_occurrence(
            at, post.recurrence, post.recurrence_days, post.workspace.time_zone, post.recurrence_time
        )
    post.planned_at = at
    post.save(update_fields=["planned_at", "recurrence_time", "next_occurrence_at", "updated_at"])
    _wake_engine_at(at)
    history.record(post, "rescheduled", actor=membership.user, at=at.isoformat())
    return moved


def move_to_day(membership, post: Post, day, now: datetime | None = None) -> int:
    """Calendar drag: same local time of day, another date."""
    if post.planned_at is None:
        raise ServiceError(_("This post has no time yet."))
    local = scheduling.to_local(post.planned_at, post.workspace.time_zone)
    return reschedule(
        membership, post, scheduling.local_to_utc(day, local.time(), post.workspace.time_zone), now
    )


@transaction.atomic
def cancel(membership, post: Post) -> int:
    """Cancel every unsent delivery and stop a recurrence; returns how many were cancelled."""
    if not can_schedule(membership) and not can_edit(membership, post):
        raise ServiceError(_("Only an SMM manager can cancel scheduled posts."))
    cancelled = post.deliveries.filter(state__in=OPEN_STATES).update(
        state=DeliveryState.CANCELLED, error="", updated_at=timezone.now()
    )
    post.next_occurrence_at = None
    post.save(update_fields=["next_occurrence_at", "updated_at"])
    history.record(post, "cancelled", actor=membership.user, count=cancelled)
    return cancelled


def cancel_deliveries_of_channel(channel: Channel, actor, reason: str) -> int:
    cancelled = 0
    for delivery in Delivery.objects.filter(channel=channel, state__in=OPEN_STATES).select_related("post"):
        # Only if still unsent: a delivery the engine claimed meanwhile keeps its real outcome.
        if Delivery.objects.filter(pk=delivery.pk, state__in=OPEN_STATES).update(
            state=DeliveryState.CANCELLED, error=reason
        ):
            history.record(
                delivery.post, "cancelled", actor=actor, channel=channel, message=reason, notify=True
            )
            cancelled += 1
    return cancelled


@transaction.atomic
def retry_delivery(membership, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send a failed delivery again, or an unconfirmed one the user checked and did not find."""
    now = now or timezone.now()
    if not can_schedule(membership):
        raise ServiceError(_("Only an SMM manager can send posts again."))
    if delivery.state not in (DeliveryState.FAILED, DeliveryState.UNCONFIRMED):
        raise ServiceError(_("Only a failed or unconfirmed delivery can be sent again."))
    if delivery.channel.status == ChannelStatus.REMOVED:
        raise ServiceError(_("The channel was removed."))
    if delivery.channel.status != ChannelStatus.ACTIVE:
        raise ServiceError(
            _("The channel needs attention first: %(reason)s") % {"reason": delivery.channel.status_reason}
        )
    was = delivery.state
    changed = Delivery.objects.filter(pk=delivery.pk, state=was).update(
        state=DeliveryState.SCHEDULED,
        next_attempt_at=now,
        transient_failures=0,
        error="",
        error_detail="",
        updated_at=now,
    )
    if not changed:
        raise ServiceError(_("Someone else changed this delivery just now. Reload the page."))
    message = _("Checked the channel: the post was not there.") if was == DeliveryState.UNCONFIRMED else ""
    history.record(delivery.post, "retried", actor=membership.user, channel=delivery.channel, message=message)
    _wake_engine_at(now)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def confirm_published(membership, delivery: Delivery, url: str = "") -> Delivery:
    """The user checked an unconfirmed delivery and found the post on the platform."""
    if not can_schedule(membership):
        raise ServiceError(_("Only an SMM manager can confirm deliveries."))
    now = timezone.now()
    changed = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.UNCONFIRMED).update(
        state=DeliveryState.SENT,
        sent_at=now,
        url=url.strip()[:500],
        error="",
        error_detail="",
        updated_at=now,
    )
    if not changed:
        raise ServiceError(_("This delivery is not waiting for a confirmation."))
    history.record(delivery.post, "confirmed", actor=membership.user, channel=delivery.channel, url=url)
    delivery.refresh_from_db()
    return delivery


def plan_recurrences(now: datetime | None = None) -> int:
    """Turn due occurrences of recurring posts into deliveries, one occurrence at a time.

    After downtime the missed occurrences are skipped (recorded in the history), so a weekly post never fires
    in a burst. Returns how many occurrences were planned.
    """
    now = now or timezone.now()
    planned = 0
    horizon = now + timedelta(minutes=5)
    for post_id in Post.objects.filter(next_occurrence_at__lte=horizon).values_list("id", flat=True):
        with transaction.atomic():
            post = Post.objects.select_for_update().select_related("workspace").get(pk=post_id)
            if post.next_occurrence_at is None or post.next_occurrence_at > horizon:
                continue
            when = post.next_occurrence_at
            wall_time = post.recurrence_time
            if when < now - RECURRENCE_GRACE:
                when = scheduling.first_occurrence_after(
                    when, post.recurrence, post.recurrence_days, post.workspace.time_zone, now, wall_time
                )
                history.record(
                    post, "skipped", message=_("Occurrences missed while no worker ran were skipped.")
                )
            if post.recurrence_until and when > post.recurrence_until:
                post.next_occurrence_at = None
                post.save(update_fields=["next_occurrence_at"])
                continue
            channels = [c for c in post.channels.all() if c.status == ChannelStatus.ACTIVE]
            if not channels:
                history.record(
                    post, "not_scheduled", message=_("No channel of this post can publish now."), notify=True
                )
            occurrence = post.occurrences_planned
            post.occurrences_planned += 1
            post.planned_at = when
            post.next_occurrence_at = scheduling.next_occurrence(
                when, post.recurrence, post.recurrence_days, post.workspace.time_zone, wall_time
            )
            post.save()
            _create_deliveries(post, occurrence, dict.fromkeys(channels, when))
            planned += 1
    return planned
