"""Imports started from the UI: the upload is saved as an ImportRun, the worker runs it, the page shows how it
went. ``run_import`` is the one unit of work the task wraps (tests call it directly)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import ServiceError

from . import rollups
from .importing import ExportError, import_telegram_export
from .models import ImportRun

log = logging.getLogger(__name__)


# The largest export the upload form takes. Django streams uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a
# temporary file (DATA_UPLOAD_MAX_MEMORY_SIZE does not count files), so the size only costs disk; a reverse
# proxy in front must allow as much (nginx: client_max_body_size). Larger exports: the `tandem import` command.
def max_import_bytes() -> int:
    return settings.TANDEM_IMPORT_MAX_BYTES


def start_import(membership, upload, chat: str = "") -> ImportRun:
    """Save the uploaded export and queue its import once the row is committed."""
    if upload is None:
        raise ServiceError(_("Choose the export's result.json file."))
    if upload.size == 0:
        raise ServiceError(_("The file is empty."))
    if upload.size > max_import_bytes():
        raise ServiceError(
            _("The file is larger than %(limit)s; import it with the tandem import command instead.")
            % {"limit": filesizeformat(max_import_bytes())}
        )
    if Path(upload.name).suffix.lower() != ".json":
        raise ServiceError(
            _("Choose the result.json of a Telegram Desktop export in JSON format (not HTML), not %(name)s.")
            % {"name": upload.name}
        )
    chat = chat.strip()
    if len(chat) > 200:
        raise ServiceError(_("A chat's name or id is at most 200 characters."))
    with transaction.atomic():
        run = ImportRun.objects.create(
            workspace=membership.workspace,
            original_name=upload.name[:255],
            chat=chat,
            created_by=membership.user,
        )
        run.file.save(f"{run.pk}.json", upload, save=True)
        from .import_tasks import import_in_background

        transaction.on_commit(lambda: import_in_background(run.pk))
    return run


def run_import(run_id: int) -> bool:
    """Import one queued run: claim it (so two workers never run it twice), import, record the summary or the
    error, refresh the dashboards' rollups. The uploaded file is deleted afterwards: it may hold a whole
    account's private chats. Returns False when the run was not waiting."""
    if not ImportRun.objects.filter(pk=run_id, state=ImportRun.State.QUEUED).update(
        state=ImportRun.State.RUNNING
    ):
        return False
    run = ImportRun.objects.select_related("workspace").get(pk=run_id)
    state, summary, error = ImportRun.State.FAILED, {}, ""
    try:
        with run.file.open("rb") as export:
            result = import_telegram_export(
                export, workspace=run.workspace, chat=run.chat, created_by=run.created_by
            )
        state, summary = ImportRun.State.DONE, result.as_json()
    except ExportError as problem:
        error = str(problem)
    except Exception as problem:
        log.exception("import %s failed", run_id)
        error = _("The import stopped on an unexpected error (%(kind)s); nothing was imported.") % {
            "kind": type(problem).__name__
        }
    ImportRun.objects.filter(pk=run_id).update(
        state=state, summary=summary, error=error, finished_at=timezone.now()
    )
    if run.file:
        run.file.delete(save=False)
        ImportRun.objects.filter(pk=run_id).update(file="")
    if state == ImportRun.State.DONE:
        rollups.refresh(run.workspace)
    return True
