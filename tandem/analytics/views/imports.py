"""Importing history from a Telegram Desktop export in the browser, and trying the moderation rules on what
was imported ("what would my rules have done last month").

The upload is saved and imported by the worker; the run's page polls until it is done."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tandem.channels.models import Channel
from tandem.core.errors import ServiceError
from tandem.workspaces.access import in_workspace, workspace_view

from ..import_runs import max_import_bytes, start_import
from ..models import ImportRun
from ..moderation_replay import REPLAY_LIMIT, what_would_rules_do
from ..periods import PRESETS, Period, PeriodError

CAPABILITY = "history.import"
RUNS_LISTED = 20


def _replay(request):
    """The replay asked for in the query (``replay=1``, a period and optionally a channel), or None."""
    if "replay" not in request.GET:
        return None, ""
    workspace = request.workspace
    try:
        period = Period.parse(request.GET, workspace.time_zone)
    except PeriodError as error:
        return None, str(error)
    channel = None
    channel_id = request.GET.get("channel", "")
    if channel_id:
        if not channel_id.isdigit():
            return None, _("Choose one of the listed channels.")
        channel = in_workspace(Channel.objects.all(), request.membership, int(channel_id), CAPABILITY)
    return what_would_rules_do(workspace, period, channel), ""


@workspace_view(CAPABILITY)
def imports(request):
    workspace = request.workspace
    error = ""
    if request.method == "POST":
        try:
            run = start_import(request.membership, request.FILES.get("export"), request.POST.get("chat", ""))
        except ServiceError as problem:
            error = problem.message
        else:
            messages.success(request, _("The export was uploaded; it is being imported."))
            return redirect("analytics:import", workspace.slug, run.pk)
    replay, replay_error = _replay(request)
    response = render(
        request,
        "analytics/imports.html",
        {
            "runs": ImportRun.objects.filter(workspace=workspace).select_related("created_by")[:RUNS_LISTED],
            "error": error,
            "chat": request.POST.get("chat", ""),
            "max_bytes": max_import_bytes(),
            "channels": Channel.objects.filter(workspace=workspace).connected(),
            "replay": replay,
            "replay_error": replay_error,
            "replay_limit": REPLAY_LIMIT,
            "presets": PRESETS,
            "query": request.GET,
        },
    )
    if error or replay_error:
        response.status_code = 400
    return response


@workspace_view(CAPABILITY)
def import_run(request, run_id):
    run = in_workspace(ImportRun.objects.select_related("created_by"), request.membership, run_id, CAPABILITY)
    template = "analytics/_import_run.html" if request.htmx else "analytics/import.html"
    return render(request, template, {"run": run})
