"""The periodic refresh of the dashboards' daily rollups, and the full rebuild after an import.

Kept apart from tasks.py (collection); imported by the app's ready() so the Huey consumer registers it."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tandem.workspaces.models import Workspace

from . import rollups

log = logging.getLogger(__name__)


def refresh_recent_rollups() -> int:
    """Yesterday and today of every workspace (local days): new posts, figures, comments and verdicts since
    the last run. Returns the rows written."""
    written = 0
    for workspace in Workspace.objects.filter(channels__isnull=False).distinct():
        written += rollups.refresh_recent(workspace)
    return written


@db_periodic_task(crontab(minute="*/10"))
@lock_task("analytics-rollups-recent")
def refresh_rollups_tick():
    return refresh_recent_rollups()


@db_task()
def refresh_workspace_rollups(workspace_id: int) -> int:
    """Every day of the workspace since its first data: after an import of history, which may touch any
    day. Enqueue it with ``transaction.on_commit``."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    written = rollups.refresh(workspace)
    log.info("analytics rollups of %s rebuilt: %d rows", workspace.slug, written)
    return written
