"""Huey tasks of analytics' collection: thin wrappers over one unit of work each (the functions tests call)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tandem.channels.models import Channel, ChannelStatus

from . import collection

log = logging.getLogger(__name__)


def collect_all() -> dict[int, dict]:
    """One collection round for every active channel; a channel that fails is logged and the others go on.
    Returns each channel's summary (None for one that failed)."""
    results = {}
    for channel in Channel.objects.filter(status=ChannelStatus.ACTIVE).select_related("workspace"):
        try:
            results[channel.pk] = collection.collect_channel(channel)
        except Exception:
            log.exception("analytics: collecting channel %s failed", channel.pk)
            results[channel.pk] = None
    return results


@db_periodic_task(crontab(minute="*/10"))
@lock_task("analytics-collect")
def collect_tick():
    """Every 10 minutes: new posts, comment counts, platform figures, the sandbox's simulation, and each
    channel's followers once a day (the first round after the workspace's midnight, or the channel's first)."""
    return collect_all()
