"""The content plan seen from above: month and week ranges in the workspace's zone, what state a post is in
at a glance, the rubric mix of a month, and the small writes the plan pages need (tags, rubrics, removing
images) that tandem.content.services does not cover."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import ServiceError

from . import history, scheduling
from .models import DeliveryState, Post, PostMedia, PostStatus, Rubric, Tag
from .services import can_edit, is_approver

MAX_TAGS = 20
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
# A rubric within this many percentage points of its target counts as on target.
ON_TARGET_POINTS = 2


# Time ranges ---------------------------------------------------------------------------------------------


def day_start(day: date, zone_name: str) -> datetime:
    """The UTC instant at which ``day`` begins in the zone (midnight, or the first existing minute)."""
    tz = scheduling.zone(zone_name)
    return datetime.combine(day, time.min).replace(tzinfo=tz).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    first = month_start(day)
    return (first + timedelta(days=32)).replace(day=1)


def previous_month(day: date) -> date:
    return (month_start(day) - timedelta(days=1)).replace(day=1)


def month_range(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local month that contains ``day``."""
    return day_start(month_start(day), zone_name), day_start(next_month(day), zone_name)


def month_weeks(day: date) -> list[list[date]]:
    """The weeks (Monday first) that cover the month of ``day``, each a list of seven dates."""
    first = month_start(day)
    last = next_month(day) - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    return [days[index : index + 7] for index in range(0, len(days), 7)]


def week_days(day: date) -> list[date]:
    start = day - timedelta(days=day.weekday())
    return [start + timedelta(days=offset) for offset in range(7)]


# A post at a glance --------------------------------------------------------------------------------------

# The delivery states a user should see first when a post has several deliveries.
STATE_PRIORITY = [
    DeliveryState.FAILED,
    DeliveryState.UNCONFIRMED,
    DeliveryState.RETRY_WAIT,
    DeliveryState.SENDING,
    DeliveryState.SCHEDULED,
    DeliveryState.SENT,
    DeliveryState.CANCELLED,
]
# Movable on the calendar: what services.reschedule moves.
MOVABLE_STATES = (DeliveryState.SCHEDULED, DeliveryState.RETRY_WAIT)


@dataclass(frozen=True)
class Glance:
    key: str
    label: str


def latest_deliveries(post: Post) -> list:
    """Each channel's delivery of the post's latest occurrence (uses a prefetched ``deliveries``)."""
    latest = {}
    for delivery in post.deliveries.all():
        current = latest.get(delivery.channel_id)
        if current is None or delivery.occurrence >= current.occurrence:
            latest[delivery.channel_id] = delivery
    return sorted(latest.values(), key=lambda d: (d.channel.name.lower(), d.channel_id))


def glance(post: Post) -> Glance:
    """The one state that says most about the post: its worst delivery state, else its editorial status."""
    states = {d.state for d in latest_deliveries(post)}
    for state in STATE_PRIORITY:
        if state in states:
            return Glance(state.value, str(state.label))
    return Glance(post.status, str(PostStatus(post.status).label))


def is_movable(post: Post) -> bool:
    return any(d.state in MOVABLE_STATES for d in post.deliveries.all())


# The list's status filter: editorial statuses and the states of deliveries.
STATUS_FILTERS = {
    "draft": (gettext_lazy("Draft"), Q(status=PostStatus.DRAFT)),
    "pending": (gettext_lazy("Waiting for approval"), Q(status=PostStatus.PENDING)),
    "rejected": (gettext_lazy("Changes requested"), Q(status=PostStatus.REJECTED)),
    "scheduled": (gettext_lazy("Scheduled"), Q(deliveries__state__in=MOVABLE_STATES)),
    "sending": (gettext_lazy("Sending"), Q(deliveries__state=DeliveryState.SENDING)),
    "sent": (gettext_lazy("Sent"), Q(deliveries__state=DeliveryState.SENT)),
    "failed": (gettext_lazy("Failed"), Q(deliveries__state=DeliveryState.FAILED)),
    "unconfirmed": (gettext_lazy("Unconfirmed"), Q(deliveries__state=DeliveryState.UNCONFIRMED)),
}


# Rubric mix ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricShare:
    rubric: Rubric | None
    posts: int
    share: int  # percent of the month's planned posts
    target: int | None  # percent, None for posts without a rubric

    @property
    def difference(self) -> int:
        return self.share - (self.target or 0)

    @property
    def gap(self) -> int:
        return abs(self.difference)

    @property
    def verdict(self) -> str:
        """ "over", "under" or "on" target ("" for posts without a rubric)."""
        if self.target is None:
            return ""
        if abs(self.difference) <= ON_TARGET_POINTS:
            return "on"
        return "over" if self.difference > 0 else "under"


def rubric_mix(workspace, day: date) -> tuple[int, list[RubricShare]]:
    """(planned posts, one share per rubric) for the local month of ``day``.

    A post counts once when any of its deliveries (cancelled ones aside) is due in the month.
    """
    start, end = month_range(day, workspace.time_zone)
    live = [state for state in DeliveryState if state != DeliveryState.CANCELLED]
    planned = Post.objects.filter(
        workspace=workspace,
        deliveries__due_at__gte=start,
        deliveries__due_at__lt=end,
        deliveries__state__in=live,
    )
    counts = dict(
        Post.objects.filter(pk__in=planned.values("pk"))
        .values("rubric_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("rubric_id", "n")
    )
    total = sum(counts.values())

    def percent(count: int) -> int:
        return round(100 * count / total) if total else 0

    shares = [
        RubricShare(rubric, counts.get(rubric.pk, 0), percent(counts.get(rubric.pk, 0)), rubric.target_share)
        for rubric in Rubric.objects.filter(workspace=workspace)
    ]
    if counts.get(None):
        shares.append(RubricShare(None, counts[None], percent(counts[None]), None))
    return total, shares


# Tags ----------------------------------------------------------------------------------------------------


def parse_tag_names(text: str) -> list[str]:
    """Comma-separated names, trimmed, without empties or repeats (case-insensitive), in order.

    Raises ServiceError for a name that is too long or too many names.
    """
    names, seen = [], set()
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if not name or name.lower() in seen:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise ServiceError(
                _("The tag “%(name)s…” is too long; use at most %(limit)d characters.")
                % {"name": name[:20], "limit": TAG_MAX_LENGTH}
            )
        seen.add(name.lower())
        names.append(name)
    if len(names) > MAX_TAGS:
        raise ServiceError(_("Use at most %(limit)d tags.") % {"limit": MAX_TAGS})
    return names


def tags_for(workspace, names: list[str]) -> list[Tag]:
    """The workspace's tags with these names, creating the missing ones (an existing tag keeps its case)."""
    existing = {tag.name.lower(): tag for tag in Tag.objects.filter(workspace=workspace)}
    tags = []
    for name in names:
        tag = existing.get(name.lower())
        if tag is None:
            tag, _created = Tag.objects.get_or_create(workspace=workspace, name=name)
            existing[name.lower()] = tag
        tags.append(tag)
    return tags


# Rubrics -------------------------------------------------------------------------------------------------


@transaction.atomic
def save_rubric(membership, rubric: Rubric | None, *, name: str, colour: str, target_share: int) -> Rubric:
    """Create or change a rubric; the targets of all the workspace's rubrics add up to 100 % at most."""
    if not is_approver(membership):
        raise ServiceError(_("Only an SMM manager or an owner can change rubrics."))
    workspace = membership.workspace
    name = " ".join(name.split())
    others = Rubric.objects.filter(workspace=workspace)
    if rubric is not None:
        others = others.exclude(pk=rubric.pk)
    if others.filter(name__iexact=name).exists():
        raise ServiceError(_("There is already a rubric called “%(name)s”.") % {"name": name})
    taken = others.aggregate(total=Sum("target_share"))["total"] or 0
    if taken + target_share > 100:
        raise ServiceError(
            _(
                "The target shares would add up to %(total)d %%; keep them at 100 %% or less (%(free)d %% free)."
            )
            % {"total": taken + target_share, "free": max(0, 100 - taken)}
        )
    if rubric is None:
        rubric = Rubric(workspace=workspace)
    rubric.name, rubric.colour, rubric.target_share = name, colour.lower(), target_share
    try:
        rubric.full_clean()
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages)) from None
    rubric.save()
    return rubric


@transaction.atomic
def delete_rubric(membership, rubric: Rubric) -> None:
    """Delete a rubric; its posts stay, without a rubric."""
    if not is_approver(membership):
        raise ServiceError(_("Only an SMM manager or an owner can change rubrics."))
    rubric.delete()


# Images --------------------------------------------------------------------------------------------------


@transaction.atomic
def remove_media(membership, post: Post, media_ids) -> int:
    """Remove images from a post (and from its channel variants); returns how many were removed."""
    if not can_edit(membership, post):
        raise ServiceError(_("This post can no longer be changed by you; ask an SMM manager."))
    doomed = list(PostMedia.objects.filter(post=post, pk__in=list(media_ids)))
    if not doomed:
        return 0
    gone = {item.pk for item in doomed}
    for variant in post.variants.exclude(media_ids__isnull=True):
        variant.media_ids = [pk for pk in variant.media_ids if pk not in gone]
        variant.save(update_fields=["media_ids"])
    files = [item.file for item in doomed]
    PostMedia.objects.filter(pk__in=gone).delete()
    transaction.on_commit(lambda: [file.delete(save=False) for file in files])
    history.record(
        post, "edited", actor=membership.user, message=", ".join(item.original_name for item in doomed)
    )
    return len(doomed)
