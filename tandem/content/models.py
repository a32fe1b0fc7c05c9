import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.channels.models import Channel
from tandem.workspaces.models import Workspace


class Rubric(models.Model):
    """A content pillar with a colour on the calendar and a target share of the posts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="rubrics")
    name = models.CharField(_("name"), max_length=80)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#3b6fd8",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #3b6fd8."))],
    )
    target_share = models.PositiveSmallIntegerField(
        _("target share, %"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="rubric_name_once")]

    def __str__(self):
        return self.name


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_name_once")]

    def __str__(self):
        return self.name


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Changes requested")


class Recurrence(models.TextChoices):
    NONE = "", _("Once")
    WEEKLY = "weekly", _("Every week")
    EVERY_N_DAYS = "days", _("Every N days")


class Post(models.Model):
    """One piece of content, written once and published to one or more channels (see Delivery)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rubric = models.ForeignKey(Rubric, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    channels = models.ManyToManyField(Channel, blank=True, related_name="posts")
    # When the author wants it out (UTC); None = not planned yet, or "next free queue slot" when use_queue.
    planned_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    use_queue = models.BooleanField(default=False)
    recurrence = models.CharField(
        max_length=10, choices=Recurrence.choices, default=Recurrence.NONE, blank=True
    )
    recurrence_days = models.PositiveSmallIntegerField(default=7, validators=[MinValueValidator(1)])
    recurrence_until = models.DateTimeField(null=True, blank=True)
    # The wall-clock time of day the series runs at, in the workspace's zone.
    recurrence_time = models.TimeField(null=True, blank=True)
    # The next occurrence of a recurring post not yet turned into deliveries.
    next_occurrence_at = models.DateTimeField(null=True, blank=True, db_index=True)
    occurrences_planned = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:60] or _("Post %(number)s") % {"number": self.pk}


def media_path(instance, filename):
    return f"posts/{instance.post.workspace_id}/{uuid.uuid4().hex}{instance.extension}"


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=media_path)
    original_name = models.CharField(max_length=255)
    mime = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.mime, "")


class Variant(models.Model):
    """A channel's own version of a post: other text and/or fewer images, checked against its platform."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("text for this channel"), blank=True)
    # Ids of the post's media to send here; None = all of them.
    media_ids = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="one_variant_per_channel")]

    def __str__(self):
        return f"{self.post} → {self.channel}"


class DeliveryState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRY_WAIT = "retry_wait", _("Retrying")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    CANCELLED = "cancelled", _("Cancelled")


# States from which the dispatcher may claim a delivery.
DUE_STATES = (DeliveryState.SCHEDULED, DeliveryState.RETRY_WAIT)
# States that still lead to a send (by the engine or by the user's "send again"), so they can be cancelled.
OPEN_STATES = (
    DeliveryState.SCHEDULED,
    DeliveryState.RETRY_WAIT,
    DeliveryState.FAILED,
    DeliveryState.UNCONFIRMED,
)


class Delivery(models.Model):
    """One post to one channel at one time: the unit the publishing engine sends exactly once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    # RESTRICT: a channel with history cannot be deleted on its own (it is marked removed instead), but
    # deleting a whole workspace takes its posts, deliveries and channels together.
    channel = models.ForeignKey(Channel, on_delete=models.RESTRICT, related_name="deliveries")
    occurrence = models.PositiveIntegerField(default=0)
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.SCHEDULED)
    due_at = models.DateTimeField(db_index=True)
    # When the dispatcher may next try it: due_at at first, later after a back-off.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    transient_failures = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set when the published post was deleted from the platform through Tandem.
    deleted_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    url = models.CharField(max_length=500, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "channel", "occurrence"], name="one_delivery_per_occurrence"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.post} → {self.channel} @ {self.due_at:%Y-%m-%d %H:%M} ({self.state})"


class DeliveryAttempt(models.Model):
    """One try of a delivery, written before the platform is called and completed after."""

    class Outcome(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        SENT = "sent", _("Sent")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        TRANSIENT = "transient", _("Temporary error")
        PERMANENT = "permanent", _("Refused")
        AMBIGUOUS = "ambiguous", _("Outcome unknown")
        INTERRUPTED = "interrupted", _("Interrupted")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts_log")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.IN_FLIGHT)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"attempt {self.number} of {self.delivery_id}: {self.outcome}"


class PostEvent(models.Model):
    """The post's history: every change, decision and delivery outcome, with who did it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind} on {self.post_id}"


class PaceSlot(models.Model):
    """The earliest moment (unix time) the next post may go through one rate limit, shared by every worker
    process and machine: reserved in the same transaction that claims deliveries."""

    key = models.CharField(max_length=200, primary_key=True)
    next_free = models.FloatField(default=0)

    def __str__(self):
        return f"{self.key} free at {self.next_free:.3f}"
