"""The workspace's and a channel's analytics dashboards: every section for a chosen period, compared with the
previous one. They render the same Sections as the reports (sections.build_sections), read from the daily
rollups and a few bounded queries."""

from django.db.models import Max
from django.shortcuts import render
from django.utils.translation import gettext as _

from tandem.channels.models import Channel
from tandem.workspaces.access import in_workspace, workspace_view

from ..models import DailyRollup, ReportSection
from ..periods import PRESETS, Period, PeriodError
from ..sections import build_sections

CAPABILITY = "analytics.view"


def _period(request) -> tuple[Period, str]:
    """The period the query asks for; a bad one falls back to the default with the reason to show."""
    zone = request.workspace.time_zone
    try:
        return Period.parse(request.GET, zone), ""
    except PeriodError as error:
        return Period.parse({}, zone), str(error)


def _render(request, channels: list[Channel], channel: Channel | None):
    period, period_error = _period(request)
    context = {
        "channel": channel,
        "channels": channels,
        "period": period,
        "previous": period.previous(),
        "period_error": period_error,
        "presets": list(PRESETS.items()),
        "custom": bool(request.GET.get("start") or request.GET.get("end")) and not period_error,
    }
    if channels:
        context["sections"] = build_sections(
            request.workspace, [channel] if channel else channels, period, list(ReportSection.values)
        )
        context["refreshed_at"] = DailyRollup.objects.filter(
            channel__in=[channel] if channel else channels
        ).aggregate(at=Max("refreshed_at"))["at"]
    else:
        context["no_channels"] = _("No channels are connected yet: connect one to see its figures here.")
    return render(request, "analytics/dashboard.html", context)


@workspace_view(CAPABILITY)
def dashboard(request):
    channels = list(Channel.objects.filter(workspace=request.workspace).connected())
    return _render(request, channels, None)


@workspace_view(CAPABILITY)
def channel(request, channel_id: int):
    found = in_workspace(Channel.objects.all(), request.membership, channel_id, CAPABILITY)
    channels = list(Channel.objects.filter(workspace=request.workspace).connected())
    return _render(request, channels or [found], found)
