import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.fields import EncryptedTextField
from tandem.workspaces.models import Workspace


class Platform(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox")
    TELEGRAM = "telegram", _("Telegram")


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    REMOVED = "removed", _("Removed")


class ChannelQuerySet(models.QuerySet):
    def connected(self):
        return self.exclude(status=ChannelStatus.REMOVED)


class Channel(models.Model):
    """A connected Telegram channel or group, VK community, Mastodon or Bluesky account, or a sandbox.

    Removing a channel keeps its row (status "removed") so the history of what was published stays readable.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(max_length=100, blank=True)
    username = models.CharField(max_length=100, blank=True)
    secrets = EncryptedTextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"],
                condition=~models.Q(status="removed") & ~models.Q(external_id=""),
                name="one_live_channel_per_account",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def secret_values(self) -> dict:
        return json.loads(self.secrets) if self.secrets else {}

    @secret_values.setter
    def secret_values(self, values: dict) -> None:
        self.secrets = json.dumps(values)

    @property
    def is_usable(self) -> bool:
        return self.status == ChannelStatus.ACTIVE

    def connector(self):
        from tandem.platforms.registry import connector_for

        return connector_for(self)


class QueueSlot(models.Model):
    """A weekly time at which the channel's queue publishes, in the workspace's time zone."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="queue_slots")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    time = models.TimeField(_("time"))

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "weekday", "time"], name="one_slot_per_time")
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.time:%H:%M}"
