from django.conf import settings
from django.db import models

from tandem.workspaces.models import Workspace


class Notification(models.Model):
    """A message to one person inside Tandem (a decision on their post, a failed delivery, …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="unread_notifications")]

    def __str__(self):
        return self.text[:60]
