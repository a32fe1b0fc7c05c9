"""The Huey task behind an import started from the UI (tandem.analytics.import_runs.run_import)."""

from huey.contrib.djhuey import db_task

from .import_runs import run_import


@db_task()
def import_in_background(run_id: int) -> bool:
    return run_import(run_id)
