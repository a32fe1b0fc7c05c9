import os
import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.core.models import WorkerHeartbeat


def record_heartbeat() -> str:
    """Write this worker's heartbeat row; returns the worker's name."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"seen_at": timezone.now()})
    return name


@db_periodic_task(crontab(minute="*"))
def heartbeat():
    return record_heartbeat()


@db_task()
def heartbeat_now():
    """The same unit of work on demand: operators (and the queue smoke test) use it to see a worker answer."""
    return record_heartbeat()
