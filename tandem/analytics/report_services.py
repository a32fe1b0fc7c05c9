"""Saved reports and their share links: build, change, delete, share, revoke, open.

Each function checks what it is given (a report's channels and recipients must belong to its workspace) and
changes state in one transaction; the views only parse the request and call these."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.channels.models import Channel
from tandem.workspaces.models import Membership

from .models import Report, ReportSection, Schedule, ShareLink, new_share_token
from .periods import MAX_DAYS, Period
from .report_render import ReportContent
from .sections import Section, build_sections

SHARE_LIFETIMES = (1, 7, 30, 90)  # days a share link stays open


@dataclass(frozen=True)
class ReportSpec:
    """What the report builder asks for, as the form cleaned it."""

    title: str
    sections: list[str]
    channels: list[Channel]
    period_days: int = 30
    start: date | None = None  # a fixed period when both are given
    end: date | None = None
    schedule: str = Schedule.NONE
    recipients: list = ()  # users


def _validate(workspace, spec: ReportSpec) -> None:
    errors: dict[str, list[str]] = {}
    if not spec.title.strip():
        errors.setdefault("title", []).append(_("Give the report a title."))
    if not spec.sections:
        errors.setdefault("sections", []).append(_("Choose at least one section."))
    unknown = [key for key in spec.sections if key not in ReportSection.values]
    if unknown or len(set(spec.sections)) != len(spec.sections):
        errors.setdefault("sections", []).append(_("Choose each section at most once, from the list."))
    if any(channel.workspace_id != workspace.pk for channel in spec.channels):
        errors.setdefault("channels", []).append(_("Choose channels of this workspace only."))
    if (spec.start is None) != (spec.end is None):
        errors.setdefault("end", []).append(_("Give both the first and the last day, or neither."))
    elif spec.start is not None:
        if spec.end < spec.start:
            errors.setdefault("end", []).append(_("The period's last day is before its first day."))
        elif (spec.end - spec.start).days + 1 > MAX_DAYS:
            errors.setdefault("end", []).append(_("A period can be at most three years long."))
    elif not 1 <= spec.period_days <= MAX_DAYS:
        errors.setdefault("period_days", []).append(
            _("The period is from 1 to %(max)d days long.") % {"max": MAX_DAYS}
        )
    if spec.schedule not in Schedule.values:
        errors.setdefault("schedule", []).append(_("Choose one of the offered schedules."))
    members = set(Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True))
    if any(user.pk not in members for user in spec.recipients):
        errors.setdefault("recipients", []).append(
            _("Reports are e-mailed to members of this workspace only.")
        )
    if spec.schedule and not spec.recipients:
        errors.setdefault("recipients", []).append(_("Choose who receives the scheduled report."))
    if errors:
        raise ValidationError(errors)


def save_report(actor: Membership, report: Report | None, spec: ReportSpec) -> Report:
    """Create (``report`` None) or change a report of the actor's workspace; ValidationError says what is
    wrong, field by field, and nothing is written then."""
    workspace = actor.workspace
    if report is not None and report.workspace_id != workspace.pk:
        raise ValidationError(_("There is no such report in this workspace."))
    _validate(workspace, spec)
    with transaction.atomic():
        if report is None:
            report = Report(workspace=workspace, created_by=actor.user)
        report.title = spec.title.strip()
        report.sections = list(spec.sections)
        report.period_days = spec.period_days
        report.start, report.end = spec.start, spec.end
        report.schedule = spec.schedule
        report.save()
        report.channels.set(spec.channels)
        report.recipients.set(spec.recipients if spec.schedule else [])
    return report


def delete_report(actor: Membership, report: Report) -> None:
    """Delete the report; its share links stop working with it."""
    if report.workspace_id != actor.workspace_id:
        raise ValidationError(_("There is no such report in this workspace."))
    report.delete()


def report_period(report: Report, today: date | None = None) -> Period:
    """The report's own period: its fixed days, or the last ``period_days`` days up to today."""
    time_zone = report.workspace.time_zone
    if report.start and report.end:
        return Period(report.start, report.end, time_zone)
    return Period.last_days(report.period_days, time_zone, today)


def report_channels(report: Report) -> list[Channel] | None:
    """The report's channels; None = every channel of the workspace (build_sections' convention)."""
    return list(report.channels.all()) or None


def report_sections(report: Report, period: Period) -> list[Section]:
    return build_sections(report.workspace, report_channels(report), period, list(report.sections))


def report_content(report: Report, period: Period) -> ReportContent:
    """What the report's files show over ``period``."""
    return ReportContent(
        title=report.title,
        workspace_name=report.workspace.name,
        period=period,
        channel_names=[channel.name for channel in report.channels.all()],
        sections=report_sections(report, period),
        generated_at=timezone.now(),
    )


def dashboard_content(workspace, channel: Channel | None, period: Period) -> ReportContent:
    """A dashboard as a report file: every section over the dashboard's period, for one channel or every
    connected channel of the workspace (what the dashboard shows)."""
    channels = [channel] if channel else list(Channel.objects.filter(workspace=workspace).connected()) or None
    title = _("Analytics of %(name)s") % {"name": channel.name if channel else workspace.name}
    return ReportContent(
        title=title,
        workspace_name=workspace.name,
        period=period,
        channel_names=[channel.name] if channel else [],
        sections=build_sections(workspace, channels, period, list(ReportSection.values)),
        generated_at=timezone.now(),
    )


# Scheduled sending ---------------------------------------------------------------------------------------


def scheduled_period(schedule: str, now: datetime, time_zone: str) -> Period:
    """The latest complete period a scheduled report covers at ``now``, in the workspace's time zone:
    weekly → the 7 days before the latest Monday (today if it is Monday); monthly → the previous calendar
    month. A run that comes late (no worker on Monday) still sends the same period."""
    today = now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    if schedule == Schedule.WEEKLY:
        monday = today - timedelta(days=today.weekday())
        return Period(monday - timedelta(days=7), monday - timedelta(days=1), time_zone)
    if schedule == Schedule.MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last, time_zone)
    raise ValueError(f"not a schedule: {schedule!r}")


def claim_scheduled_send(report_id: int, now: datetime) -> tuple[Report, Period, datetime | None] | None:
    """Mark the report as sent for its latest complete period if nobody has yet; None when it is not due.

    The claim is one conditional UPDATE (row count 1 wins), so two workers, or the task run twice, send a
    period once. Returns the report, the period and the previous last_sent_at (to undo the claim when the
    sending fails)."""
    report = Report.objects.select_related("workspace").filter(pk=report_id).exclude(schedule="").first()
    if report is None:
        return None
    period = scheduled_period(report.schedule, now, report.workspace.time_zone)
    over = period.bounds()[1]  # the instant the period is over: local midnight after its last day
    previous = report.last_sent_at
    if previous is not None and previous >= over:
        return None
    claimed = Report.objects.filter(pk=report.pk, last_sent_at=previous).update(last_sent_at=now)
    if claimed != 1:
        return None
    report.last_sent_at = now
    return report, period, previous


def release_scheduled_send(report: Report, claimed_at: datetime, previous: datetime | None) -> None:
    """Undo a claim whose e-mail could not be sent, so the next run tries again."""
    Report.objects.filter(pk=report.pk, last_sent_at=claimed_at).update(last_sent_at=previous)


def scheduled_report_ids() -> list[int]:
    return list(Report.objects.exclude(schedule="").values_list("pk", flat=True))


# Share links ---------------------------------------------------------------------------------------------


def share_report(actor: Membership, report: Report, days: int) -> tuple[ShareLink, str]:
    """A new read-only link to the report that expires in ``days`` days; returns the link and its token,
    which is not stored (only its hash) and so can be shown only now."""
    if report.workspace_id != actor.workspace_id:
        raise ValidationError(_("There is no such report in this workspace."))
    if days not in SHARE_LIFETIMES:
        raise ValidationError(_("Choose how long the link stays open: 1, 7, 30 or 90 days."))
    token = new_share_token()
    link = ShareLink.objects.create(
        report=report,
        token_hash=ShareLink.hash_token(token),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=actor.user,
    )
    return link, token


def revoke_share_link(actor: Membership, link: ShareLink) -> bool:
    """Close the link now; False when it was already revoked."""
    if link.report.workspace_id != actor.workspace_id:
        raise ValidationError(_("There is no such link in this workspace."))
    return bool(ShareLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=timezone.now()))


class ShareLinkClosed(Exception):
    """The link exists but no longer opens: ``reason`` says why (expired or revoked)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def open_share_link(token: str) -> ShareLink | None:
    """The open link with this token, its opening recorded; None for no such link; ShareLinkClosed when it
    expired or was revoked."""
    link = (
        ShareLink.objects.select_related("report__workspace")
        .filter(token_hash=ShareLink.hash_token(token))
        .first()
    )
    if link is None:
        return None
    now = timezone.now()
    if link.revoked_at is not None:
        raise ShareLinkClosed(_("This link was revoked by the team that shared it."))
    if link.expires_at <= now:
        raise ShareLinkClosed(_("This link has expired. Ask the team that shared it for a new one."))
    ShareLink.objects.filter(pk=link.pk).update(last_opened_at=now)
    link.last_opened_at = now
    return link
