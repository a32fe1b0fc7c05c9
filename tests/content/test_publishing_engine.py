from datetime import timedelta

from django.utils import timezone

from tandem.content import publishing, recovery, services
from tandem.content.models import Delivery, DeliveryAttempt, DeliveryState
from tandem.platforms.sandbox.models import SandboxMessage


def test_publish_now_sends_once_to_the_sandbox(team, write_post, sandbox):
    post = write_post()
    # The queue runs tasks immediately in tests: the engine is woken after commit, as a worker would be.
    services.schedule(team.membership("manager"), post)
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT and delivery.external_id
    assert SandboxMessage.objects.filter(channel=sandbox).count() == 1
    assert publishing.dispatch_all_due() == 0
    assert SandboxMessage.objects.filter(channel=sandbox).count() == 1
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.outcome == "sent" and attempt.finished_at


def test_a_future_post_waits_until_due(team, write_post):
    post = write_post()
    later = timezone.now() + timedelta(hours=1)
    services.schedule(team.membership("manager"), post, at=later)
    assert publishing.dispatch_all_due() == 0
    assert publishing.dispatch_due(now=later + timedelta(seconds=1)) == 1


def test_interrupted_send_is_reconciled_on_the_sandbox_not_doubled(team, write_post, sandbox):
    post = write_post()
    services.schedule(team.membership("manager"), post, at=timezone.now() + timedelta(minutes=1))
    claimed = publishing.claim_due(now=timezone.now() + timedelta(minutes=1))
    assert len(claimed) == 1
    # The worker "dies" after the platform stored the post but before Tandem recorded it.
    from tandem.content.outgoing import prepare
    from tandem.core import aio

    outgoing, _ = prepare(claimed[0].delivery)
    aio.run(sandbox.connector().publish(outgoing))
    later = timezone.now() + timedelta(minutes=1) + publishing.lease() + timedelta(seconds=1)
    assert recovery.sweep_interrupted(now=later) == 1
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT
    assert SandboxMessage.objects.filter(channel=sandbox).count() == 1
