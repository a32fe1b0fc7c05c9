"""Saved reports: the list, the builder, the report page, its downloads and its share links.

Everyone in the workspace reads reports (the client too, who has no dashboards); the staff build, schedule
and share them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.channels.models import Channel
from tandem.workspaces.access import in_workspace, workspace_view
from tandem.workspaces.capabilities import can

from .. import report_services
from ..models import Report, ShareLink
from ..periods import Period, PeriodError
from ..report_forms import ReportForm, ShareForm
from ..report_render import FORMATS, ReportContent

VIEW = "reports.view"
ANALYTICS = "analytics.view"
MANAGE = "reports.manage"
# The session key under which a new share link waits to be shown once on its report's page.
NEW_SHARE_LINK = "analytics.new_share_link"


def check_format(fmt: str, offered=tuple(FORMATS)) -> None:
    """404 for a format the download does not offer (checked before the report is built)."""
    if fmt not in offered:
        raise Http404(_("This report does not download in that format."))


def file_response(content: ReportContent, fmt: str) -> HttpResponse:
    """The report as a download in ``fmt``, one of FORMATS."""
    content_type, render_file = FORMATS[fmt]
    response = HttpResponse(render_file(content), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, content.filename(fmt))
    response["Cache-Control"] = "private, no-store"
    return response


def _report(request, report_id: int, capability: str) -> Report:
    return in_workspace(
        Report.objects.select_related("workspace", "created_by"), request.membership, report_id, capability
    )


@workspace_view(VIEW)
def reports(request):
    listed = (
        Report.objects.filter(workspace=request.workspace)
        .select_related("created_by")
        .prefetch_related("channels", "recipients")
    )
    return render(
        request,
        "analytics/reports.html",
        {"reports": listed, "can_manage": can(request.membership.role, MANAGE)},
    )


def _builder(request, report, form, status=200):
    return render(request, "analytics/report_form.html", {"report": report, "form": form}, status=status)


def _save(request, report):
    form = ReportForm(request.workspace, request.POST)
    if not form.is_valid():
        return _builder(request, report, form, status=400)
    try:
        saved = report_services.save_report(request.membership, report, form.spec())
    except ValidationError as error:
        form.add_error(None, error)
        return _builder(request, report, form, status=400)
    messages.success(request, _("Report “%(title)s” saved.") % {"title": saved.title})
    return redirect("analytics:report", request.workspace.slug, saved.pk)


@workspace_view(MANAGE)
def report_new(request):
    if request.method == "POST":
        return _save(request, None)
    return _builder(request, None, ReportForm(request.workspace))


@workspace_view(MANAGE)
def report_edit(request, report_id):
    report = _report(request, report_id, MANAGE)
    if request.method == "POST":
        return _save(request, report)
    return _builder(request, report, ReportForm(request.workspace, initial=ReportForm.initial_of(report)))


@workspace_view(MANAGE)
@require_POST
def report_delete(request, report_id):
    report = _report(request, report_id, MANAGE)
    report_services.delete_report(request.membership, report)
    messages.success(request, _("Report “%(title)s” deleted.") % {"title": report.title})
    return redirect("analytics:reports", request.workspace.slug)


@workspace_view(VIEW)
def report(request, report_id):
    report = _report(request, report_id, VIEW)
    period = report_services.report_period(report)
    can_manage = can(request.membership.role, MANAGE)
    new_link = request.session.pop(NEW_SHARE_LINK, None)
    if new_link and new_link.get("report") != report.pk:
        new_link = None
    return render(
        request,
        "analytics/report.html",
        {
            "report": report,
            "period": period,
            "sections": report_services.report_sections(report, period),
            "channels": list(report.channels.all()),
            "recipients": [str(user) for user in report.recipients.all()] if can_manage else [],
            "can_manage": can_manage,
            "share_links": report.share_links.select_related("created_by") if can_manage else [],
            "share_form": ShareForm() if can_manage else None,
            "new_link": new_link,
            "now": timezone.now(),
        },
    )


@workspace_view(VIEW)
def report_download(request, report_id, fmt):
    report = _report(request, report_id, VIEW)
    check_format(fmt)
    return file_response(report_services.report_content(report, report_services.report_period(report)), fmt)


@workspace_view(ANALYTICS)
def dashboard_download(request, fmt):
    """The dashboard's period (``start`` and ``end``, or ``days``) and channel (``channel``, else every
    channel) as a PDF, XLSX or CSV file."""
    check_format(fmt)
    try:
        period = Period.parse(request.GET, request.workspace.time_zone)
    except PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    channel = None
    if request.GET.get("channel"):
        if not request.GET["channel"].isdigit():
            raise Http404(_("There is no such item in this workspace."))
        channel = in_workspace(
            Channel.objects.all(), request.membership, int(request.GET["channel"]), ANALYTICS
        )
    return file_response(report_services.dashboard_content(request.workspace, channel, period), fmt)


@workspace_view(MANAGE)
@require_POST
def report_share(request, report_id):
    report = _report(request, report_id, MANAGE)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how long the link stays open: 1, 7, 30 or 90 days."))
        return redirect("analytics:report", request.workspace.slug, report.pk)
    link, token = report_services.share_report(request.membership, report, form.cleaned_data["days"])
    # Only the token's hash is stored: the page shows the link this once.
    request.session[NEW_SHARE_LINK] = {
        "report": report.pk,
        "link": link.pk,
        "url": request.build_absolute_uri(reverse("shared_report", args=[token])),
    }
    return redirect("analytics:report", request.workspace.slug, report.pk)


@workspace_view(MANAGE)
@require_POST
def share_revoke(request, link_id):
    link = in_workspace(
        ShareLink.objects.select_related("report"),
        request.membership,
        link_id,
        MANAGE,
        via="report__workspace",
    )
    if report_services.revoke_share_link(request.membership, link):
        messages.success(request, _("The link is revoked: it no longer opens the report."))
    return redirect("analytics:report", request.workspace.slug, link.report_id)
