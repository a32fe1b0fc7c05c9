from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time each worker ran its periodic tick, so the UI can say when no worker is running."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
