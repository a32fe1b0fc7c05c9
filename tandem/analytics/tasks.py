"""Huey tasks of analytics' collection: thin wrappers over one unit of work each (the functions tests call)."""

import logging
import zoneinfo
from datetime import date, datetime, timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, lock_task

from tandem.channels.models import Channel, ChannelStatus
from tandem.workspaces.models import Workspace

from . import collection, rollups
from .models import ChannelPost

log = logging.getLogger(__name__)

COLLECT_EVERY = timedelta(minutes=10)
# The queue's key-value store remembers when the last round began: posts changed since then need their
# publication days' rollups rebuilt.
LAST_ROUND = "analytics-collect-last-round"


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


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days: [(first, last), …]."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def refresh_changed_days(since: datetime) -> int:
    """A post's figures count on the day it was published (DailyRollup) but keep changing for days after
    (reactions, comments, simulated views): rebuild the rollups of the publication days of posts whose
    figures changed since ``since``. Yesterday and today are left to the rollups' own round. Returns the rows
    written."""
    changed = ChannelPost.objects.filter(metrics_updated_at__gte=since)
    written = 0
    for workspace in Workspace.objects.filter(pk__in=changed.values("workspace_id")):
        zone = zoneinfo.ZoneInfo(workspace.time_zone)
        today = timezone.localtime(timezone.now(), zone).date()
        published = changed.filter(workspace=workspace).datetimes("published_at", "day", tzinfo=zone)
        days = sorted({moment.date() for moment in published} - {today, today - timedelta(days=1)})
        for first, last in _runs(days):
            written += rollups.refresh(workspace, first, last)
    return written


@db_periodic_task(crontab(minute="*/10"))
@lock_task("analytics-collect")
def collect_tick():
    """Every 10 minutes: new posts, comment counts, platform figures, the sandbox's simulation, and each
    channel's followers once a day (the first round after the workspace's midnight, or the channel's first);
    then the rollups of older days whose posts' figures changed."""
    started = timezone.now()
    since = HUEY.get(LAST_ROUND, peek=True) or started - COLLECT_EVERY
    results = collect_all()
    refreshed = refresh_changed_days(since)
    HUEY.put(LAST_ROUND, started)
    return {
        "channels": len(results),
        "failed": sum(r is None for r in results.values()),
        "rollups": refreshed,
    }
