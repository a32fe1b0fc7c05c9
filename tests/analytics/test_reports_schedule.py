"""Scheduled reports: which period each run covers, one e-mail per period however often the task runs or
however many workers race, and a failed send tried again."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from tandem.analytics import report_services, report_tasks
from tandem.analytics.models import Report
from tandem.analytics.periods import Period
from tandem.analytics.report_services import scheduled_period
from tandem.workspaces.models import Membership
from tests.analytics.report_data import make_report, sample_sections_patched

MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def sections():
    with sample_sections_patched() as patched:
        yield patched


@pytest.mark.parametrize(
    "schedule,now,zone,period",
    [
        ("weekly", MONDAY_MORNING, "UTC", (date(2026, 11, 16), date(2026, 11, 22))),
        # A late run (no worker on Monday) sends the same week.
        (
            "weekly",
            datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
            "UTC",
            (date(2026, 11, 16), date(2026, 11, 22)),
        ),
        # Sunday 22:30 in UTC is already Monday in Tokyo: Tokyo's week is over, UTC's is not.
        (
            "weekly",
            datetime(2026, 11, 22, 22, 30, tzinfo=UTC),
            "Asia/Tokyo",
            (date(2026, 11, 16), date(2026, 11, 22)),
        ),
        (
            "weekly",
            datetime(2026, 11, 22, 22, 30, tzinfo=UTC),
            "UTC",
            (date(2026, 11, 9), date(2026, 11, 15)),
        ),
        (
            "monthly",
            datetime(2026, 11, 30, 15, 30, tzinfo=UTC),
            "Asia/Tokyo",
            (date(2026, 11, 1), date(2026, 11, 30)),
        ),
        (
            "monthly",
            datetime(2026, 11, 30, 15, 30, tzinfo=UTC),
            "UTC",
            (date(2026, 10, 1), date(2026, 10, 31)),
        ),
        ("monthly", datetime(2026, 3, 1, 0, 5, tzinfo=UTC), "UTC", (date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", datetime(2027, 1, 1, 6, 0, tzinfo=UTC), "UTC", (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_each_schedule_covers_the_latest_complete_period_in_the_workspace_time_zone(
    schedule, now, zone, period
):
    assert scheduled_period(schedule, now, zone) == Period(*period, zone)


def weekly_report(team, **fields):
    return make_report(
        team, title="Weekly", schedule="weekly", recipients=[team.manager, team.client], **fields
    )


def test_a_weekly_report_is_e_mailed_once_with_its_pdf_and_xlsx(team, sections):
    report = weekly_report(team)
    assert report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING) is True
    [message] = mail.outbox
    assert sorted(message.to) == ["client@acme.test", "manager@acme.test"]
    assert "Weekly" in message.subject and "Acme Coffee" in message.subject
    assert "/w/acme/analytics/reports/" in message.body
    names = [(name, mimetype) for name, _content, mimetype in message.attachments]
    assert names == [
        ("weekly-2026-11-16-2026-11-22.pdf", "application/pdf"),
        ("weekly-2026-11-16-2026-11-22.xlsx", report_tasks.XLSX_TYPE),
    ]
    assert message.attachments[0][1].startswith(b"%PDF") and message.attachments[1][1].startswith(b"PK")
    _workspace, _channels, period, _keys = sections.call_args.args
    assert (period.start, period.end) == (date(2026, 11, 16), date(2026, 11, 22))
    report.refresh_from_db()
    assert report.last_sent_at == MONDAY_MORNING

    # The task runs again the same hour, later that week: nothing more goes out.
    assert report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING) is False
    assert report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING + timedelta(days=3)) is False
    assert len(mail.outbox) == 1
    # The next week is sent.
    assert report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING + timedelta(days=7)) is True
    assert len(mail.outbox) == 2


def test_two_workers_racing_send_the_period_once(team):
    report = weekly_report(team)
    real_period = report_services.scheduled_period

    def other_worker_claims_meanwhile(*args):
        # Between this worker's read and its update, another one claims the report and commits.
        Report.objects.filter(pk=report.pk).update(last_sent_at=MONDAY_MORNING)
        return real_period(*args)

    with mock.patch.object(report_services, "scheduled_period", side_effect=other_worker_claims_meanwhile):
        assert report_services.claim_scheduled_send(report.pk, MONDAY_MORNING + timedelta(seconds=1)) is None
    assert mail.outbox == []


def test_a_failed_send_is_tried_again_on_the_next_run(team):
    report = weekly_report(team)
    refused = mock.patch.object(EmailMessage, "send", side_effect=ConnectionRefusedError("no mail server"))
    with refused, pytest.raises(ConnectionRefusedError):
        report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING)
    report.refresh_from_db()
    assert report.last_sent_at is None
    assert report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING + timedelta(hours=1)) is True
    assert len(mail.outbox) == 1


def test_only_members_receive_it_each_in_their_language(team):
    team.client.language = "ru"
    team.client.save()
    report = make_report(
        team, title="Monthly", schedule="monthly", recipients=[team.manager, team.client, team.guest]
    )
    Membership.objects.filter(user=team.guest).delete()  # the guest left the workspace
    assert report_tasks.send_scheduled_report(report.pk, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert sorted(message.to[0] for message in mail.outbox) == ["client@acme.test", "manager@acme.test"]
    assert all(len(message.to) == 1 for message in mail.outbox)


def test_the_periodic_run_sends_every_due_report_and_survives_a_failing_one(team):
    broken, working = weekly_report(team), weekly_report(team)
    make_report(team, title="Not scheduled")
    real_messages = report_tasks._messages

    def fail_for_broken(report, period):
        if report.pk == broken.pk:
            raise RuntimeError("rendering failed")
        return real_messages(report, period)

    with mock.patch.object(report_tasks, "_messages", side_effect=fail_for_broken):
        assert report_tasks.send_scheduled_reports(MONDAY_MORNING) == 1
    assert len(mail.outbox) == 1
    broken.refresh_from_db()
    working.refresh_from_db()
    assert broken.last_sent_at is None and working.last_sent_at == MONDAY_MORNING


def test_an_unscheduled_report_is_never_sent(team):
    report = make_report(team)
    assert report_tasks.send_scheduled_report(report.pk, MONDAY_MORNING) is False
    assert mail.outbox == []
