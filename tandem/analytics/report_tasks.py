"""Scheduled reports: every hour, e-mail each weekly or monthly report whose latest period has not been
sent yet, with its PDF and XLSX attached.

``send_scheduled_report`` does one report and is what tests call; the claim in
report_services.claim_scheduled_send makes a period go out once even when the task runs twice or two
workers race."""

import logging
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tandem.workspaces.models import Membership

from . import report_services
from .report_render import render_pdf, render_xlsx

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _recipients(report) -> list:
    """The chosen recipients who are still members of the report's workspace (someone may have left)."""
    members = Membership.objects.filter(workspace=report.workspace_id).values_list("user_id", flat=True)
    return list(
        report.recipients.filter(pk__in=members, is_active=True).exclude(email="").order_by("language")
    )


def _messages(report, period) -> list[EmailMessage]:
    """One e-mail per language among the recipients, each in that language, files included."""
    built = []
    for language, users in groupby(_recipients(report), key=lambda user: user.language):
        with translation.override(language):
            content = report_services.report_content(report, period)
            context = {
                "report": report,
                "period": period,
                "link": settings.BASE_URL
                + reverse("analytics:report", args=[report.workspace.slug, report.pk]),
            }
            message = EmailMessage(
                subject=render_to_string("analytics/email/report_subject.txt", context).strip(),
                body=render_to_string("analytics/email/report_body.txt", context),
                to=[user.email for user in users],
            )
            message.attach(content.filename("pdf"), render_pdf(content), "application/pdf")
            message.attach(content.filename("xlsx"), render_xlsx(content), XLSX_TYPE)
        built.append(message)
    return built


def send_scheduled_report(report_id: int, now=None) -> bool:
    """E-mail the report for its latest complete period if it is due; True when it was sent.

    When sending fails the claim is released, so the next run tries the same period again."""
    now = now or timezone.now()
    claim = report_services.claim_scheduled_send(report_id, now)
    if claim is None:
        return False
    report, period, previous = claim
    try:
        messages = _messages(report, period)
        for message in messages:
            message.send()
    except Exception:
        report_services.release_scheduled_send(report, now, previous)
        raise
    return bool(messages)


def send_scheduled_reports(now=None) -> int:
    """Every due scheduled report, each on its own: one failing report does not hold back the others."""
    sent = 0
    for report_id in report_services.scheduled_report_ids():
        try:
            sent += send_scheduled_report(report_id, now)
        except Exception:
            logger.exception("scheduled report %s could not be sent; the next run tries again", report_id)
    return sent


@db_periodic_task(crontab(minute="7"))
@lock_task("analytics-scheduled-reports")
def scheduled_reports_tick():
    return send_scheduled_reports()
