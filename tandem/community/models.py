"""What the audience says and what the team and the engine did about it.

Comments are never removed from Tandem: a comment deleted on the platform keeps its text here (status
"deleted"), which is the moderation archive. Audit rows (ModerationAction) are written once and never
changed or deleted by the application.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.channels.models import Channel
from tandem.workspaces.models import Workspace

# Longer texts are cut (with a marker) before they are stored: Telegram allows 4096 characters, other
# platforms a little more; anything far beyond is an abuse of the webhook, not a comment.
TEXT_MAX = 20_000


class Author(models.Model):
    """One person (or chat posting as itself) on one platform, as seen by one workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="authors")
    platform = models.CharField(max_length=20)
    external_id = models.CharField(max_length=100)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    username = models.CharField(max_length=100, blank=True)
    is_bot = models.BooleanField(default=False)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    message_count = models.PositiveIntegerField(default=0)
    # Strikes: each warning, hidden or deleted comment counts one; the escalation ladder reads it.
    warnings = models.PositiveIntegerField(default=0)
    muted_until = models.DateTimeField(null=True, blank=True)
    banned_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="one_author_per_account"
            )
        ]

    def __str__(self):
        return self.display_name or self.username or self.external_id


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden")
    DELETED = "deleted", _("Deleted")


class InboxState(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Label(models.TextChoices):
    """The team's decision on a comment, used as a training label for the workspace's classifier."""

    OK = "ok", _("Acceptable")
    TOXIC = "toxic", _("Abusive")
    SPAM = "spam", _("Spam")


def _team_member():
    """A link to the member who did something to a comment (indexed in Comment.Meta, where set)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )


class Comment(models.Model):
    """A comment under a post, a message in a group, or the team's own reply (from_team)."""

    # Every index costs each insert (an import writes millions): the foreign keys below have no index of
    # their own. Workspace, channel and author lead the composite indexes of Meta; the rarely set ones have
    # partial indexes there, holding only the rows that have them.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="comments", db_index=False)
    author = models.ForeignKey(
        Author, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments", db_index=False
    )
    # The published post this comment answers, when known.
    delivery = models.ForeignKey(
        "content.Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        db_index=False,
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies", db_index=False
    )
    # Where it lives on the platform: the chat (e.g. the discussion group) and the message id in it.
    chat_id = models.CharField(max_length=100)
    external_id = models.CharField(max_length=100)
    thread_id = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)
    # tandem.moderation.engine.fingerprint(text): finds the same text sent by several authors.
    fingerprint = models.CharField(max_length=32, blank=True)
    has_media = models.BooleanField(default=False)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE)
    state = models.CharField(max_length=12, choices=InboxState.choices, default=InboxState.NEW)
    assignee = _team_member()
    from_team = models.BooleanField(default=False)
    # Read from an export of the chat's history (tandem.analytics import): counted by analytics, never acted on.
    imported = models.BooleanField(default=False)
    sent_by = _team_member()
    # The engine's verdict: action, score (0–1, the strongest signal) and reasons
    # ([{"source": "rule"|"pack"|"model"|"escalation", "name": …, "detail": …, "span": [start, end] | null}]).
    verdict_action = models.CharField(max_length=10, blank=True)
    verdict_score = models.FloatField(null=True, blank=True)
    verdict_reasons = models.JSONField(default=list, blank=True)
    label = models.CharField(max_length=10, choices=Label.choices, blank=True)
    labelled_by = _team_member()
    labelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "chat_id", "external_id"], name="one_comment_per_message"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-sent_at"], name="comment_status_idx"),
            models.Index(fields=["workspace", "state", "-sent_at"], name="comment_state_idx"),
            models.Index(fields=["author", "-sent_at"], name="comment_author_idx"),
            models.Index(fields=["channel", "-sent_at"], name="comment_channel_idx"),
            # equality only: a plain index, not also the LIKE one Django adds to an indexed CharField
            models.Index(fields=["fingerprint"], name="comment_fingerprint_idx"),
            *(
                models.Index(
                    fields=[name], name=f"comment_{name}_idx", condition=Q(**{f"{name}__isnull": False})
                )
                for name in ("delivery", "parent", "assignee", "sent_by", "labelled_by")
            ),
        ]

    def __str__(self):
        return self.text[:50]


class DiscussionThread(models.Model):
    """A channel post's copy in its discussion group: comments name the copy, this row names the post."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="discussion_threads")
    chat_id = models.CharField(max_length=100)
    thread_id = models.CharField(max_length=100)
    post_message_id = models.CharField(max_length=100)
    delivery = models.ForeignKey(
        "content.Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "chat_id", "thread_id"], name="one_thread_per_copy")
        ]

    def __str__(self):
        return f"{self.chat_id}/{self.thread_id} → {self.post_message_id}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit rows are never changed")

    def delete(self):
        raise TypeError("audit rows are never deleted")


class AuditAction(models.TextChoices):
    """What an audit row records: the verdict actions, the team's decisions and the undos."""

    ALLOW = "allow", _("allow")
    HOLD = "hold", _("hold for review")
    HIDE = "hide", _("hide")
    DELETE = "delete", _("delete")
    WARN = "warn", _("warn")
    MUTE = "mute", _("mute")
    BAN = "ban", _("ban")
    APPROVE = "approve", _("approve")
    UNHIDE = "unhide", _("unhide")
    UNMUTE = "unmute", _("unmute")
    UNBAN = "unban", _("unban")
    REPLY = "reply", _("reply")


class ModerationAction(models.Model):
    """One audit row: who or which rule did what to which comment or author, and what the platform said."""

    class Source(models.TextChoices):
        RULE = "rule", _("Rule")
        PACK = "pack", _("Rule pack")
        MODEL = "model", _("Classifier")
        ESCALATION = "escalation", _("Escalation ladder")
        TEAM = "team", _("Team member")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="moderation_actions")
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="moderation_actions"
    )
    author = models.ForeignKey(
        Author, on_delete=models.SET_NULL, null=True, blank=True, related_name="moderation_actions"
    )
    action = models.CharField(max_length=12, choices=AuditAction.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    rule_name = models.CharField(max_length=200, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    ok = models.BooleanField(default=True)
    platform_answer = models.TextField(blank=True)
    # For a mute: until when.
    until = models.DateTimeField(null=True, blank=True)
    undoes = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="undone_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_workspace_idx")]

    def __str__(self):
        return f"{self.action} ({self.source})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit rows are never deleted")


class SavedReply(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class PlatformUpdate(models.Model):
    """Every update received from a platform, stored raw first: the dedupe key and the record of what came.

    A webhook delivery answers as soon as this row exists; the worker turns it into comments. Unknown kinds
    stay here with kind "ignored" and are never acted on.
    """

    platform = models.CharField(max_length=20)
    # The receiving account: the bot id on Telegram.
    account = models.CharField(max_length=100)
    update_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "account", "update_id"], name="one_row_per_update")
        ]
        indexes = [models.Index(fields=["processed_at"], name="update_pending_idx")]

    def __str__(self):
        return f"{self.platform} {self.account} #{self.update_id}"
