"""Changing what was already published: edit or delete the platform's copies where the platform allows."""

from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.channels.models import ChannelStatus
from tandem.core import aio
from tandem.core.errors import ServiceError
from tandem.platforms.base import ConnectorError, Feature, Published
from tandem.platforms.registry import connector_class

from . import history
from .models import Delivery, DeliveryState, Post
from .outgoing import prepare
from .services import can_schedule


def _published_deliveries(membership, post: Post, feature):
    if not can_schedule(membership):
        raise ServiceError(_("Only an SMM manager can change published posts."))
    deliveries = list(
        post.deliveries.filter(state=DeliveryState.SENT, deleted_at=None)
        .exclude(channel__status=ChannelStatus.REMOVED)
        .select_related("channel")
    )
    if not deliveries:
        raise ServiceError(_("This post has not been published anywhere yet."))
    return [d for d in deliveries if feature in connector_class(d.channel.platform).features], [
        d for d in deliveries if feature not in connector_class(d.channel.platform).features
    ]


def _apply_to_published(membership, post: Post, feature, call, after, done_kind: str) -> dict[str, str]:
    """For each published copy: ``call(connector, delivery, published)`` returns the platform coroutine,
    ``after(delivery, result)`` records success. Returns channel name → problem ("" when it worked)."""
    supported, unsupported = _published_deliveries(membership, post, feature)
    results = {d.channel.name: _("This platform does not allow it.") for d in unsupported}
    for delivery in supported:
        connector = delivery.channel.connector()
        published = Published(external_id=delivery.external_id, url=delivery.url, extra=delivery.extra)
        try:
            result = aio.run(call(connector, delivery, published))
        except ConnectorError as error:
            results[delivery.channel.name] = error.message
            if error.channel_broken:
                from tandem.channels.services import flag_channel

                flag_channel(delivery.channel, error.message)
            continue
        finally:
            aio.run(connector.close())
        after(delivery, result)
        results[delivery.channel.name] = ""
        history.record(post, done_kind, actor=membership.user, channel=delivery.channel)
    return results


def edit_published(membership, post: Post) -> dict[str, str]:
    """Push the post's current text to every channel where it was published and the platform allows edits."""
    prepared = {
        d.pk: prepare(d)
        for d in post.deliveries.filter(state=DeliveryState.SENT, deleted_at=None).exclude(
            channel__status=ChannelStatus.REMOVED
        )
    }
    problems = [" ".join(found) for _outgoing, found in prepared.values() if found]
    if problems:
        raise ServiceError(" ".join(problems))

    def call(connector, delivery, published):
        return connector.edit(published, prepared[delivery.pk][0])

    def after(delivery, updated):
        Delivery.objects.filter(pk=delivery.pk).update(extra=updated.extra or delivery.extra)

    return _apply_to_published(membership, post, Feature.EDIT, call, after, "edited_published")


def delete_published(membership, post: Post) -> dict[str, str]:
    """Delete the published copies where the platform allows it; the post itself stays in Tandem."""

    def call(connector, delivery, published):
        return connector.delete(published)

    def after(delivery, _result):
        Delivery.objects.filter(pk=delivery.pk).update(deleted_at=timezone.now())

    return _apply_to_published(membership, post, Feature.DELETE, call, after, "deleted_published")
