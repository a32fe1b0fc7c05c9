"""The periodic refresh of the dashboards' daily rollups (an import rebuilds its workspace's itself).

Kept apart from tasks.py (collection); imported by the app's ready() so the Huey consumer registers it."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tandem.workspaces.models import Workspace

from . import rollups, top_commenters


def refresh_recent_rollups() -> int:
    """Yesterday and today of every workspace (local days): new posts, figures, comments and verdicts since
    the last run; and the top commenters of the preset periods' settled days. Returns the rows written."""
    written = 0
    for workspace in Workspace.objects.filter(channels__isnull=False).distinct():
        written += rollups.refresh_recent(workspace)
        top_commenters.warm(workspace)  # once a day each: the days settled since
    return written


@db_periodic_task(crontab(minute="*/10"))
@lock_task("analytics-rollups-recent")
def refresh_rollups_tick():
    return refresh_recent_rollups()
