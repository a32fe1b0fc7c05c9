from django.db import models

from tandem.channels.models import Channel


class SandboxMessage(models.Model):
    """A post "published" to a sandbox channel: the sandbox's whole network lives in these rows."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="sandbox_messages")
    key = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "key"], name="sandbox_key_once")]

    def __str__(self):
        return self.text[:50]
