import time
from datetime import datetime, timedelta

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task

from . import publishing, recovery, services

# The queue's scheduler looks for due tasks once a second; waking a little early and sleeping the rest
# keeps a post from being up to a second late.
WAKE_EARLY = timedelta(seconds=1.5)


def _wake_key(due_timestamp: float) -> str:
    return f"publish-wake:{due_timestamp!r}"


def wake_at(due: datetime) -> None:
    """Enqueue one wake-up for the instant ``due`` (call after commit). Posts due at the same instant share
    it: a burst of 2,000 scheduled posts wakes the engine once, not 2,000 times."""
    if HUEY.put_if_empty(_wake_key(due.timestamp()), "1"):
        publish_due.schedule(args=(due.timestamp(),), eta=due - WAKE_EARLY)


@db_task()
def publish_due(due_timestamp: float | None = None):
    """Woken just before a delivery's due time (ETA): claim what is due by then and send each item on time."""
    ahead = 0.0
    if due_timestamp is not None:
        # From now on a new post for this instant needs a wake-up of its own (this one may have claimed).
        HUEY.get(_wake_key(due_timestamp))
        ahead = max(0.0, due_timestamp - time.time())
        # A burst: let the other workers claim batches alongside this one.
        for _helper in range(publishing.helpers_wanted(ahead)):
            help_publish(due_timestamp)
    return publishing.dispatch_all_due(ahead)


@db_task()
def help_publish(due_timestamp: float):
    """Another worker's share of a burst woken by publish_due."""
    return publishing.dispatch_all_due(max(0.0, due_timestamp - time.time()))


@db_task()
def reconcile_delivery(delivery_id: int):
    return recovery.reconcile(delivery_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("publishing-tick")
def publishing_tick():
    """Every minute: catch what no ETA woke (a worker was down), sweep dead sends, plan recurrences."""
    swept = recovery.sweep_interrupted()
    planned = services.plan_recurrences()
    sent = publishing.dispatch_all_due()
    return {"swept": swept, "planned": planned, "sent": sent}
