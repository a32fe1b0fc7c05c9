"""Recovering sends whose outcome is unknown: a worker that died mid-send, or an ambiguous answer."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import aio
from tandem.platforms.base import ConnectorError, Feature
from tandem.platforms.registry import connector_class

from . import history
from .models import Delivery, DeliveryAttempt, DeliveryState
from .publishing import Outcome, _mark_sent, _mark_unconfirmed, lease, log


def sweep_interrupted(now: datetime | None = None) -> int:
    """Sends whose worker died (still ``sending`` past the lease) become unconfirmed; returns how many."""
    now = now or timezone.now()
    stale = list(
        Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - lease()).values_list(
            "id", "claimed_by"
        )
    )
    swept = 0
    for delivery_id, token in stale:
        with transaction.atomic():
            if not Delivery.objects.filter(
                pk=delivery_id, state=DeliveryState.SENDING, claimed_by=token
            ).update(state=DeliveryState.UNCONFIRMED, claimed_by="", claimed_at=None):
                continue
            DeliveryAttempt.objects.filter(delivery_id=delivery_id, outcome=Outcome.IN_FLIGHT).update(
                outcome=Outcome.INTERRUPTED, finished_at=now
            )
            delivery = Delivery.objects.select_related("post", "channel").get(pk=delivery_id)
            _mark_unconfirmed(delivery, None, now)
            delivery.save()
        swept += 1
        if Feature.RECONCILE in connector_class(delivery.channel.platform).features:
            reconcile(delivery_id)
    return swept


def reconcile(delivery_id: int) -> str:
    """Ask the platform whether an unconfirmed delivery exists; returns the delivery's state afterwards.

    Only platforms that can answer (Feature.RECONCILE) are asked. Found → sent; not found → due again, which is
    safe there because the retry carries the same key.
    """
    delivery = Delivery.objects.select_related("channel", "post").get(pk=delivery_id)
    if delivery.state != DeliveryState.UNCONFIRMED:
        return delivery.state
    connector = delivery.channel.connector()
    try:
        found = aio.run(connector.find_published(delivery.key.hex))
    except ConnectorError as error:
        log.info("reconcile of %s failed: %s", delivery_id, error)
        return delivery.state
    finally:
        aio.run(connector.close())
    now = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state != DeliveryState.UNCONFIRMED:
            return delivery.state
        if found:
            _mark_sent(delivery, found, now)
        else:
            delivery.state = DeliveryState.SCHEDULED
            delivery.next_attempt_at = now
            delivery.error = delivery.error_detail = ""
            history.record(
                delivery.post, "reconciled", channel=delivery.channel, message=_("Not found; sending again.")
            )
            from .tasks import wake_at

            transaction.on_commit(lambda: wake_at(now))
        delivery.save()
    return delivery.state
