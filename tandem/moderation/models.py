"""A workspace's moderation setup: its own rules, the ready packs it switched on, the classifier thresholds,
the escalation ladder, and the versions of its retrained classifier."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.workspaces.models import Workspace


class Action(models.TextChoices):
    """Verdict actions, mildest first: when several rules match, the strongest action wins."""

    ALLOW = "allow", _("Allow")
    HOLD = "hold", _("Hold for review")
    HIDE = "hide", _("Hide")
    DELETE = "delete", _("Delete")
    WARN = "warn", _("Warn")
    MUTE = "mute", _("Mute")
    BAN = "ban", _("Ban")


class Rule(models.Model):
    """The administrator's own rule: conditions (all or any), an action and a priority.

    ``conditions`` is a list of {"type": …, …parameters}; tandem.moderation.rules validates and runs them.
    """

    class Match(models.TextChoices):
        ALL = "all", _("all conditions")
        ANY = "any", _("any condition")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="moderation_rules")
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("on"), default=True)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(default=list)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # Higher runs first; on a tie of priority the stronger action wins. A matching "allow" rule sets aside the
    # rules of its priority or lower and the classifier (engine.py).
    priority = models.IntegerField(_("priority"), default=0)
    mute_minutes = models.PositiveIntegerField(_("mute for (minutes)"), null=True, blank=True)
    warn_text = models.TextField(_("warning text"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "name"]

    def __str__(self):
        return self.name


class PackSetting(models.Model):
    """A ready pack (tandem.moderation.packs) switched on or off for a workspace, with its action."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="moderation_packs")
    pack = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)
    # Empty: the pack's own default action.
    action = models.CharField(max_length=10, choices=Action.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "pack"], name="one_setting_per_pack")]

    def __str__(self):
        return self.pack


def default_ladder():
    return [
        {"strikes": 2, "action": "mute", "minutes": 60},
        {"strikes": 3, "action": "mute", "minutes": 24 * 60},
        {"strikes": 4, "action": "ban"},
    ]


class WarnMode(models.TextChoices):
    """How a warning reaches the author: an answer in the comment's thread, or a private message from the bot
    (which falls back to the thread when the platform refuses it, e.g. a person who never started the bot)."""

    THREAD = "thread", _("In the thread, under the removed comment")
    PRIVATE = "private", _("Privately, in a message from the bot to the person")


class ModerationSettings(models.Model):
    """One per workspace (created on first use with these defaults)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="moderation_settings")
    classifier_enabled = models.BooleanField(_("use the classifier"), default=True)
    # {"toxic": {"hold": 0.31, "delete": 0.85}, "spam": {...}}; a missing value uses the model's own threshold
    # for "hold" and DEFAULT_DELETE_THRESHOLD for "delete".
    thresholds = models.JSONField(default=dict, blank=True)
    # Strikes → a stronger action: [{"strikes": 3, "action": "mute", "minutes": 60}, …], ascending.
    ladder = models.JSONField(default=default_ladder, blank=True)
    warn_text = models.TextField(
        _("warning text"),
        blank=True,
        default=_("Please keep to the community rules: your message was removed."),
    )
    warn_mode = models.CharField(
        _("how to warn"), max_length=10, choices=WarnMode.choices, default=WarnMode.THREAD
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"moderation settings of {self.workspace_id}"


class WorkspaceModel(models.Model):
    """One version of the workspace's classifier, retrained from the team's decisions on top of the shipped one.

    ``weights`` holds a numpy .npz (read with allow_pickle=False); ``metrics`` the held-out evaluation.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="moderation_models")
    version = models.PositiveIntegerField()
    weights = models.BinaryField()
    metrics = models.JSONField(default=dict)
    thresholds = models.JSONField(default=dict)
    trained_on = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "version"], name="one_model_version"),
            models.UniqueConstraint(
                fields=["workspace"], condition=models.Q(active=True), name="one_active_model"
            ),
        ]

    def __str__(self):
        return f"v{self.version}"
