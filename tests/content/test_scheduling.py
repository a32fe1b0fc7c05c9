from datetime import date, time, timedelta

import pytest

from tandem.content import publishing, scheduling, services
from tandem.content.models import Delivery, DeliveryState, PostStatus, Recurrence
from tandem.core.errors import ServiceError
from tandem.notifications.models import Notification
from tandem.platforms.sandbox.models import SandboxMessage
from tests.content.conftest import utc

BERLIN = "Europe/Berlin"


def test_local_time_becomes_utc_with_the_right_offset():
    assert scheduling.local_to_utc(date(2026, 1, 15), time(10, 0), BERLIN) == utc(2026, 1, 15, 9, 0)
    assert scheduling.local_to_utc(date(2026, 7, 15), time(10, 0), BERLIN) == utc(2026, 7, 15, 8, 0)


def test_a_time_skipped_by_dst_is_refused_with_a_reason():
    with pytest.raises(ServiceError, match="does not exist"):
        scheduling.local_to_utc(date(2026, 3, 29), time(2, 30), BERLIN)


def test_a_time_that_happens_twice_means_the_first_one():
    assert scheduling.local_to_utc(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


def test_weekly_recurrence_keeps_the_local_time_across_dst():
    before = scheduling.local_to_utc(date(2026, 3, 23), time(10, 0), BERLIN)  # Monday, UTC+1
    after = scheduling.next_occurrence(before, "weekly", 7, BERLIN)
    assert after == utc(2026, 3, 30, 8, 0)  # the next Monday 10:00 is UTC+2
    assert scheduling.to_local(after, BERLIN).hour == 10


def test_queue_slots_are_wall_clock_times_and_skip_taken_ones():
    slots = [(0, time(10, 0)), (2, time(18, 0))]  # Monday 10:00, Wednesday 18:00
    after = utc(2026, 3, 27, 12, 0)  # Friday
    first = scheduling.next_free_slot(slots, BERLIN, after, taken=set())
    assert first == utc(2026, 3, 30, 8, 0)  # Monday 10:00 local, after the clocks changed
    second = scheduling.next_free_slot(slots, BERLIN, after, taken={first})
    assert second == utc(2026, 4, 1, 16, 0)


def test_add_to_queue_takes_the_next_free_slot_per_channel(team, write_post, sandbox):
    team.workspace.time_zone = BERLIN
    team.workspace.save()
    sandbox.queue_slots.all().delete()
    sandbox.queue_slots.create(weekday=0, time=time(10, 0))
    manager = team.membership("manager")
    now = utc(2026, 3, 27, 12, 0)
    first, second = write_post(text="one"), write_post(text="two")
    services.schedule(manager, first, use_queue=True, now=now)
    services.schedule(manager, second, use_queue=True, now=now)
    assert Delivery.objects.get(post=first).due_at == utc(2026, 3, 30, 8, 0)
    assert Delivery.objects.get(post=second).due_at == utc(2026, 4, 6, 8, 0)


def test_a_channel_without_slots_says_so(team, write_post, sandbox):
    sandbox.queue_slots.all().delete()
    with pytest.raises(ServiceError, match="no queue slots"):
        services.schedule(team.membership("manager"), write_post(), use_queue=True)


def test_scheduling_in_the_past_is_refused_and_the_post_stays(team, write_post):
    post = write_post()
    with pytest.raises(ServiceError, match="in the past"):
        services.schedule(team.membership("manager"), post, at=utc(2020, 1, 1))
    post.refresh_from_db()
    assert post.text and not post.deliveries.exists()


def test_scheduling_twice_is_refused(team, write_post):
    post = write_post()
    later = utc(2999, 1, 1)
    services.schedule(team.membership("manager"), post, at=later)
    with pytest.raises(ServiceError, match="already scheduled"):
        services.schedule(team.membership("manager"), post, at=later)
    assert post.deliveries.count() == 1


def test_over_the_limit_text_cannot_be_scheduled(team, write_post):
    post = write_post(text="x" * 4097)
    with pytest.raises(ServiceError, match="4097"):
        services.schedule(team.membership("manager"), post)
    assert not post.deliveries.exists()


def test_recurring_post_after_downtime_skips_missed_occurrences(team, write_post, sandbox):
    manager = team.membership("manager")
    start = utc(2026, 1, 5, 9, 0)  # a Monday
    post = write_post()
    services.schedule(manager, post, at=start + timedelta(days=1000), recurrence=Recurrence.WEEKLY, now=start)
    # Pretend the first occurrence went out at `start` and the worker was down for five weeks.
    post.refresh_from_db()
    post.next_occurrence_at = start + timedelta(weeks=1)
    post.save()
    now = start + timedelta(weeks=5, hours=3)
    assert services.plan_recurrences(now=now) == 1
    newest = post.deliveries.order_by("-occurrence").first()
    assert newest.due_at == start + timedelta(weeks=6)  # the next one in the future, not five at once
    assert post.events.filter(kind="skipped").exists()
    assert services.plan_recurrences(now=now) == 0


def test_recurrence_stops_at_its_end(team, write_post):
    manager = team.membership("manager")
    start = utc(2999, 1, 5, 9, 0)
    post = write_post()
    services.schedule(
        manager,
        post,
        at=start,
        recurrence=Recurrence.EVERY_N_DAYS,
        recurrence_days=2,
        recurrence_until=start + timedelta(days=3),
        now=start - timedelta(hours=1),
    )
    assert services.plan_recurrences(now=start + timedelta(days=2)) == 1
    assert services.plan_recurrences(now=start + timedelta(days=4)) == 0
    assert post.deliveries.count() == 2


class TestApproval:
    def test_administrator_drafts_manager_approves_and_it_publishes(self, team, write_post, sandbox):
        admin, manager = team.membership("administrator"), team.membership("manager")
        post = write_post(role="administrator")
        services.schedule(admin, post, at=None)  # the wish is saved, nothing scheduled
        assert not post.deliveries.exists()
        services.submit(admin, post)
        assert post.status == PostStatus.PENDING
        assert Notification.objects.filter(user=team.manager).exists()
        services.approve(manager, post, "Nice")
        assert post.status == PostStatus.APPROVED
        assert Notification.objects.filter(user=team.administrator, text__contains="approved").exists()

    def test_approval_applies_the_saved_schedule(self, team, write_post):
        admin, manager = team.membership("administrator"), team.membership("manager")
        post = write_post(role="administrator")
        services.schedule(admin, post, at=utc(2999, 1, 1))
        services.submit(admin, post)
        services.approve(manager, post)
        assert post.deliveries.get().due_at == utc(2999, 1, 1)

    def test_reject_needs_a_comment_and_tells_the_author(self, team, write_post):
        admin, manager = team.membership("administrator"), team.membership("manager")
        post = write_post(role="administrator")
        services.submit(admin, post)
        with pytest.raises(ServiceError, match="what to change"):
            services.reject(manager, post, "  ")
        services.reject(manager, post, "Shorter, please")
        assert post.status == PostStatus.REJECTED
        assert Notification.objects.filter(user=team.administrator, text__contains="Shorter").exists()
        services.submit(admin, post)  # the author fixes and submits again
        assert post.status == PostStatus.PENDING

    @pytest.mark.parametrize("role", ["administrator", "guest"])
    def test_non_approvers_cannot_approve_or_schedule(self, team, write_post, role):
        post = write_post(role=role)
        services.schedule(team.membership(role), post, at=utc(2999, 1, 1))  # only saves the wish
        assert not post.deliveries.exists()
        services.submit(team.membership(role), post)
        with pytest.raises(ServiceError):
            services.approve(team.membership(role), post)
        with pytest.raises(ServiceError, match="can plan this post"):
            services.schedule(team.membership(role), post, at=utc(2999, 1, 1))
        assert not post.deliveries.exists()

    def test_without_approval_the_administrator_publishes_directly(self, team, write_post, sandbox):
        team.workspace.approval_required = False
        team.workspace.save()
        admin = team.membership("administrator")
        post = write_post(role="administrator")
        services.schedule(admin, post)
        assert post.deliveries.get().state == DeliveryState.SENT
        assert SandboxMessage.objects.filter(channel=sandbox).count() == 1

    def test_author_cannot_edit_after_submitting(self, team, write_post, sandbox):
        admin = team.membership("administrator")
        post = write_post(role="administrator")
        services.submit(admin, post)
        with pytest.raises(ServiceError, match="no longer be changed"):
            services.save_post(
                admin, post, text="sneaky", rubric=None, tags=[], channels=[sandbox], variants={}
            )

    def test_every_change_is_in_the_history(self, team, write_post):
        admin, manager = team.membership("administrator"), team.membership("manager")
        post = write_post(role="administrator")
        services.submit(admin, post)
        services.approve(manager, post)
        kinds = list(post.events.values_list("kind", flat=True))
        assert kinds == ["created", "submitted", "approved"]


def test_the_engine_sends_each_occurrence_of_a_recurring_post_once(team, write_post, sandbox):
    manager = team.membership("manager")
    start = utc(2999, 1, 5, 9, 0)
    post = write_post()
    services.schedule(manager, post, at=start, recurrence=Recurrence.WEEKLY, now=start - timedelta(minutes=1))
    publishing.dispatch_due(now=start)
    services.plan_recurrences(now=start + timedelta(weeks=1))
    publishing.dispatch_due(now=start + timedelta(weeks=1))
    publishing.dispatch_due(now=start + timedelta(weeks=1))
    assert SandboxMessage.objects.filter(channel=sandbox).count() == 2


def test_a_weekly_series_keeps_its_time_after_a_week_whose_time_was_skipped():
    # Sunday 02:30 every week in Berlin: on 29 March 2026 that time does not exist.
    before = scheduling.local_to_utc(date(2026, 3, 22), time(2, 30), BERLIN)
    skipped_week = scheduling.next_occurrence(before, "weekly", 7, BERLIN, time(2, 30))
    assert scheduling.to_local(skipped_week, BERLIN).time() == time(3, 30)
    after = scheduling.next_occurrence(skipped_week, "weekly", 7, BERLIN, time(2, 30))
    assert scheduling.to_local(after, BERLIN).time() == time(2, 30)
