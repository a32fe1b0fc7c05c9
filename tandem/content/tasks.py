from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import publishing, services


@db_task()
def publish_due():
    """Woken at a delivery's due time (ETA): send everything due now."""
    return publishing.dispatch_all_due()


@db_task()
def reconcile_delivery(delivery_id: int):
    return publishing.reconcile(delivery_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("publishing-tick")
def publishing_tick():
    """Every minute: catch what no ETA woke (a worker was down), sweep dead sends, plan recurrences."""
    swept = publishing.sweep_interrupted()
    planned = services.plan_recurrences()
    sent = publishing.dispatch_all_due()
    return {"swept": swept, "planned": planned, "sent": sent}
