"""Every state transition of a delivery, driven through the real engine with a scripted connector.

The connector here only decides what the "platform" answers; the real connectors are tested against their
loopback fakes in tests/platforms.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.channels.models import ChannelStatus
from tandem.content import publishing, recovery, services
from tandem.content.models import Delivery, DeliveryAttempt, DeliveryState
from tandem.core.errors import ServiceError
from tandem.notifications.models import Notification
from tandem.platforms.base import ConnectorError, ErrorKind, Feature, Published
from tandem.platforms.sandbox.connector import SandboxConnector


class ScriptedConnector(SandboxConnector):
    """Answers each publish with the next scripted outcome: a Published, or a ConnectorError to raise."""

    script: list = []
    calls = 0

    async def publish(self, post):
        type(self).calls += 1
        outcome = type(self).script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class NoReconcileConnector(ScriptedConnector):
    features = frozenset(Feature) - {Feature.RECONCILE}


@pytest.fixture
def platform(monkeypatch):
    """``platform(*outcomes, reconcile=True)`` scripts what the sandbox answers next."""

    def script(*outcomes, reconcile=True):
        cls = ScriptedConnector if reconcile else NoReconcileConnector
        cls.script = list(outcomes)
        cls.calls = 0
        monkeypatch.setattr("tandem.channels.models.Channel.connector", lambda self: cls(self.pk))
        monkeypatch.setattr("tandem.content.publishing.connector_class", lambda platform: cls)
        monkeypatch.setattr("tandem.content.recovery.connector_class", lambda platform: cls)
        return cls

    return script


@pytest.fixture
def due_delivery(team, write_post):
    """A post scheduled a minute from now, and that moment."""
    post = write_post()
    when = timezone.now() + timedelta(minutes=1)
    services.schedule(team.membership("manager"), post, at=when)
    return Delivery.objects.get(post=post), when


def state_of(delivery):
    delivery.refresh_from_db()
    return delivery.state


def test_success_records_external_id_and_attempt(due_delivery, platform):
    platform(Published("m-1", "https://example.test/m-1"))
    delivery, when = due_delivery
    assert publishing.dispatch_due(now=when) == 1
    assert state_of(delivery) == DeliveryState.SENT
    assert (delivery.external_id, delivery.url) == ("m-1", "https://example.test/m-1")
    assert DeliveryAttempt.objects.get(delivery=delivery).outcome == "sent"


def test_rate_limit_waits_retry_after_then_sends(due_delivery, platform):
    connector = platform(ConnectorError(ErrorKind.RATE_LIMITED, "slow down", retry_after=7), Published("m-2"))
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.RETRY_WAIT
    assert 7 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 9
    assert publishing.dispatch_due(now=timezone.now()) == 0  # not before the platform allows
    publishing.dispatch_due(now=delivery.next_attempt_at)
    assert state_of(delivery) == DeliveryState.SENT and connector.calls == 2
    assert delivery.transient_failures == 0


def test_transient_errors_back_off_and_give_up_with_the_reason(due_delivery, platform):
    errors = [ConnectorError(ErrorKind.TRANSIENT, "Telegram is having trouble") for _ in range(6)]
    platform(*errors)
    delivery, when = due_delivery
    waits = []
    for _ in range(6):
        publishing.dispatch_due(now=max(when, delivery.next_attempt_at or when))
        delivery.refresh_from_db()
        if delivery.state == DeliveryState.RETRY_WAIT:
            waits.append(delivery.next_attempt_at)
    assert delivery.state == DeliveryState.FAILED
    assert "Gave up after 6 attempts" in delivery.error and "Telegram is having trouble" in delivery.error
    assert waits == sorted(waits) and len(waits) == 5
    assert Notification.objects.filter(user__email="manager@acme.test").exists()


def test_permanent_error_fails_and_flags_a_broken_channel(due_delivery, platform, sandbox):
    platform(
        ConnectorError(ErrorKind.PERMANENT, "Telegram does not accept this bot token.", channel_broken=True)
    )
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.FAILED
    assert delivery.error == "Telegram does not accept this bot token."
    sandbox.refresh_from_db()
    assert sandbox.status == ChannelStatus.NEEDS_ATTENTION and "bot token" in sandbox.status_reason


def test_a_queued_post_on_a_flagged_channel_fails_without_calling_the_platform(
    due_delivery, platform, sandbox
):
    connector = platform(Published("never"))
    from tandem.channels.services import flag_channel

    flag_channel(sandbox, "The bot was removed from the channel.")
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.FAILED and "bot was removed" in delivery.error
    assert connector.calls == 0


def test_ambiguous_failure_is_unconfirmed_and_never_resent(due_delivery, platform):
    connector = platform(
        ConnectorError(ErrorKind.AMBIGUOUS, "The connection dropped after sending."), reconcile=False
    )
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.UNCONFIRMED
    assert publishing.dispatch_all_due() == 0
    assert publishing.dispatch_due(now=when + timedelta(days=1)) == 0
    assert connector.calls == 1


def test_unconfirmed_then_user_says_it_was_published(team, due_delivery, platform):
    platform(ConnectorError(ErrorKind.AMBIGUOUS, "timeout"), reconcile=False)
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    services.confirm_published(team.membership("manager"), delivery, "https://t.me/acme/5")
    assert state_of(delivery) == DeliveryState.SENT and delivery.url == "https://t.me/acme/5"


def test_unconfirmed_then_user_sends_again(team, due_delivery, platform):
    connector = platform(ConnectorError(ErrorKind.AMBIGUOUS, "timeout"), Published("m-3"), reconcile=False)
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.UNCONFIRMED, delivery.error
    services.retry_delivery(team.membership("manager"), delivery)
    assert state_of(delivery) == DeliveryState.SENT and connector.calls == 2


def test_ambiguous_on_a_platform_that_can_answer_is_reconciled(due_delivery, platform, sandbox):
    # The sandbox can be asked whether the post exists; nothing is there, so it is sent again.
    platform(ConnectorError(ErrorKind.AMBIGUOUS, "timeout"), Published("m-4"))
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) in (DeliveryState.SCHEDULED, DeliveryState.SENT)


def test_failed_delivery_retried_by_hand(team, due_delivery, platform):
    platform(ConnectorError(ErrorKind.PERMANENT, "Bad Request: message is too long"), Published("m-5"))
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.FAILED
    with pytest.raises(ServiceError):
        services.retry_delivery(team.membership("administrator"), delivery)
    services.retry_delivery(team.membership("manager"), delivery)
    assert state_of(delivery) == DeliveryState.SENT


def test_only_failed_or_unconfirmed_can_be_retried(team, due_delivery):
    delivery, _when = due_delivery
    with pytest.raises(ServiceError, match="failed or unconfirmed"):
        services.retry_delivery(team.membership("manager"), delivery)


def test_cancel_and_reschedule_until_sent(team, due_delivery, platform):
    platform(Published("m-6"))
    delivery, when = due_delivery
    later = when + timedelta(hours=2)
    services.reschedule(team.membership("manager"), delivery.post, later)
    assert publishing.dispatch_due(now=when) == 0
    services.cancel(team.membership("manager"), delivery.post)
    assert state_of(delivery) == DeliveryState.CANCELLED
    assert publishing.dispatch_due(now=later) == 0
    with pytest.raises(ServiceError, match="Nothing left to move"):
        services.reschedule(team.membership("manager"), delivery.post, later)


def test_a_crashing_connector_is_recorded_as_unconfirmed(due_delivery, platform):
    platform(RuntimeError("library bug"), reconcile=False)
    delivery, when = due_delivery
    publishing.dispatch_due(now=when)
    assert state_of(delivery) == DeliveryState.UNCONFIRMED


def test_worker_death_mid_send_is_swept_to_unconfirmed(due_delivery, platform):
    platform(reconcile=False)
    delivery, when = due_delivery
    assert len(publishing.claim_due(now=when)) == 1  # claimed, then the worker "dies"
    assert state_of(delivery) == DeliveryState.SENDING
    assert recovery.sweep_interrupted(now=when + timedelta(minutes=1)) == 0  # still within the lease
    assert recovery.sweep_interrupted(now=when + publishing.lease() + timedelta(seconds=1)) == 1
    assert state_of(delivery) == DeliveryState.UNCONFIRMED
    assert DeliveryAttempt.objects.get(delivery=delivery).outcome == "interrupted"


def test_removing_a_channel_cancels_its_queue_and_says_why(team, due_delivery, sandbox):
    from tandem.channels.services import remove_channel

    delivery, _when = due_delivery
    assert remove_channel(sandbox, team.manager) == 1
    assert state_of(delivery) == DeliveryState.CANCELLED and delivery.error == "The channel was removed."
    assert delivery.post.events.filter(kind="cancelled").exists()


def test_the_periodic_tick_sends_what_was_missed_while_no_worker_ran(due_delivery, platform):
    """Lesson from other schedulers: posts stuck because no worker ran. The minute tick finds them."""
    from tandem.content.tasks import publishing_tick

    platform(Published("m-7"))
    delivery, when = due_delivery
    Delivery.objects.filter(pk=delivery.pk).update(
        due_at=when - timedelta(hours=3), next_attempt_at=when - timedelta(hours=3)
    )
    result = publishing_tick.call_local()
    assert result["sent"] == 1
    assert state_of(delivery) == DeliveryState.SENT


def test_a_failure_is_explained_in_the_authors_language(team, write_post, platform):
    team.manager.language = "ru"
    team.manager.save()
    post = write_post()
    when = timezone.now() + timedelta(minutes=1)
    services.schedule(team.membership("manager"), post, at=when)
    platform(*[ConnectorError(ErrorKind.TRANSIENT, "temporary") for _ in range(6)])
    delivery = Delivery.objects.get(post=post)
    for _ in range(6):
        publishing.dispatch_due(now=max(when, delivery.next_attempt_at or when))
        delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.error.startswith("Отправка прекращена")
