"""A post's history (PostEvent rows), and the in-app notifications that some events send."""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tandem.notifications.services import notify as send_notifications
from tandem.workspaces.capabilities import CAPABILITIES
from tandem.workspaces.models import Membership

from .models import Post, PostEvent

# What each event kind says in the history list and in notifications.
EVENT_LABELS = {
    "created": _("created the post"),
    "edited": _("edited the post"),
    "submitted": _("submitted it for approval"),
    "approved": _("approved it"),
    "rejected": _("asked for changes"),
    "scheduled": _("scheduled it"),
    "rescheduled": _("moved it"),
    "cancelled": _("cancelled it"),
    "published": _("published"),
    "failed": _("failed to publish"),
    "unconfirmed": _("could not confirm publication"),
    "reconciled": _("checked the platform"),
    "confirmed": _("confirmed the outcome"),
    "retried": _("sent it again"),
    "edited_published": _("updated the published post"),
    "deleted_published": _("deleted the published post"),
    "skipped": _("skipped missed occurrences"),
    "not_scheduled": _("could not schedule it"),
}


def post_url(post: Post) -> str:
    return reverse("content:post", args=[post.workspace.slug, post.pk])


def people_to_tell(post: Post, actor=None):
    """The author and everyone who approves posts, except whoever caused the event."""
    approver_roles = CAPABILITIES["content.approve"].roles
    leads = [
        m.user
        for m in Membership.objects.filter(workspace=post.workspace, role__in=approver_roles).select_related(
            "user"
        )
    ]
    people = {user.pk: user for user in [post.author, *leads] if user is not None}
    people.pop(getattr(actor, "pk", None), None)
    return list(people.values())


def event(post: Post, kind: str, *, actor=None, channel=None, message: str = "", **data) -> PostEvent:
    """An unsaved history event (see ``save_events`` to write many at once)."""
    if channel is not None:
        data["channel"] = channel.name
    return PostEvent(post=post, actor=actor, kind=kind, message=message, data=data)


def save_events(events: list[PostEvent]) -> None:
    PostEvent.objects.bulk_create(events)


def record(post: Post, kind: str, *, actor=None, channel=None, message: str = "", notify=False, **data):
    """Append one event to the post's history; with ``notify`` also tell the author and the approvers."""
    event_row = event(post, kind, actor=actor, channel=channel, message=message, **data)
    event_row.save()
    if notify:
        where = f" — {channel.name}" if channel is not None else ""
        for person in people_to_tell(post, actor):
            with translation.override(person.language):
                text = f"“{post}”{where}: {EVENT_LABELS.get(kind, kind)}. {message}".strip()
            send_notifications([person], post.workspace, text, post_url(post))
    return event_row
