"""What analytics counts: published messages with their figures over time, channel audience per day, daily
rollups the dashboards read, reports and their share links.

A figure a platform does not give is stored as NULL ("unavailable"), never as 0 (METRICS.md)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.channels.models import Channel
from tandem.workspaces.models import Workspace


class Source(models.TextChoices):
    COLLECTED = "collected", _("Collected from the platform")
    IMPORTED = "imported", _("Imported from an export")
    SIMULATED = "simulated", _("Simulated (sandbox)")


class ChannelPost(models.Model):
    """One message published in a channel, by Tandem (``delivery``) or before it (imported).

    The figures are the latest known (the newest snapshot); ``interactions`` = reactions + comments + shares
    + poll votes, the available parts only (METRICS.md)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channel_posts")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="channel_posts")
    external_id = models.CharField(max_length=100)
    delivery = models.OneToOneField(
        "content.Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="channel_post"
    )
    published_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    # text, photo, video, animation, audio, voice, document, sticker, poll, other
    kind = models.CharField(max_length=20, default="text")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COLLECTED)
    views = models.PositiveIntegerField(null=True, blank=True)
    reach = models.PositiveIntegerField(null=True, blank=True)
    reactions = models.JSONField(default=dict, blank=True)  # {"👍": 12, "custom:5368…": 3}
    reactions_total = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(null=True, blank=True)
    poll_votes = models.PositiveIntegerField(null=True, blank=True)
    interactions = models.PositiveIntegerField(default=0)
    metrics_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="one_channel_post_per_message")
        ]
        indexes = [
            models.Index(fields=["channel", "published_at"], name="channel_post_time_idx"),
            models.Index(fields=["workspace", "published_at"], name="channel_post_ws_time_idx"),
            # a period's top and bottom posts: read in this order until a few fall in the period
            models.Index(fields=["channel", "-interactions", "-published_at"], name="channel_post_rank_idx"),
            models.Index(
                fields=["workspace", "-interactions", "-published_at"], name="channel_post_ws_rank_idx"
            ),
        ]

    def __str__(self):
        return f"{self.channel} #{self.external_id}"


class PostSnapshot(models.Model):
    """The figures of one post at one moment: the time series behind its growth curve."""

    post = models.ForeignKey(ChannelPost, on_delete=models.CASCADE, related_name="snapshots")
    collected_at = models.DateTimeField()
    views = models.PositiveIntegerField(null=True, blank=True)
    reach = models.PositiveIntegerField(null=True, blank=True)
    reactions = models.JSONField(default=dict, blank=True)
    reactions_total = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(null=True, blank=True)
    poll_votes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["post", "collected_at"]
        indexes = [models.Index(fields=["post", "collected_at"], name="post_snapshot_time_idx")]

    def __str__(self):
        return f"{self.post} at {self.collected_at:%Y-%m-%d %H:%M}"


class ChannelDay(models.Model):
    """A channel's audience on one day (the workspace's calendar day): followers at the last reading,
    joins and leaves during the day. NULL followers = not read that day."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    followers = models.PositiveIntegerField(null=True, blank=True)
    joins = models.PositiveIntegerField(default=0)
    leaves = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COLLECTED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel", "date"]
        constraints = [models.UniqueConstraint(fields=["channel", "date"], name="one_channel_day")]

    def __str__(self):
        return f"{self.channel} on {self.date}"


# DailyRollup's figures of the posts with views and with reach (summed like the others).
VIEW_FIGURES = [
    "viewed_posts",
    "viewed_rate_sum",
    "viewed_interactions",
    "viewed_shares",
    "viewed_views_with_shares",
    "reached_posts",
    "reached_rate_sum",
    "reached_interactions",
    "reach",
]


class DailyRollup(models.Model):
    """Per channel per workspace-local day, rebuilt from the rows above by ``rollups.refresh``: what the
    dashboards sum over a period so they stay fast on large workspaces.

    Posts' figures are counted on the day the post was published (the convention of Popsters and LiveDune);
    community and moderation figures on the day they happened."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="daily_rollups")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="daily_rollups")
    date = models.DateField()
    # posts published that day and their latest figures
    posts = models.PositiveIntegerField(default=0)
    posts_with_views = models.PositiveIntegerField(default=0)
    views = models.BigIntegerField(default=0)
    reactions = models.BigIntegerField(default=0)
    comments = models.BigIntegerField(default=0)
    shares = models.BigIntegerField(default=0)
    poll_votes = models.BigIntegerField(default=0)
    interactions = models.BigIntegerField(default=0)
    # the posts with views (views > 0) and with reach: per-view rates summed over days (the mean of the
    # posts' rates = rate sum ÷ posts), so no period reads the posts for them
    viewed_posts = models.PositiveIntegerField(default=0)
    viewed_rate_sum = models.FloatField(default=0)
    viewed_interactions = models.BigIntegerField(default=0)
    viewed_shares = models.BigIntegerField(default=0)  # of the viewed posts that report shares
    viewed_views_with_shares = models.BigIntegerField(default=0)
    reached_posts = models.PositiveIntegerField(default=0)
    reached_rate_sum = models.FloatField(default=0)
    reached_interactions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(default=0)
    # audience
    followers = models.PositiveIntegerField(null=True, blank=True)
    joins = models.PositiveIntegerField(default=0)
    leaves = models.PositiveIntegerField(default=0)
    # community (comments from the public that day, the team's replies) and moderation
    public_comments = models.PositiveIntegerField(default=0)
    commenters = models.PositiveIntegerField(default=0)
    team_replies = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    hidden = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    banned = models.PositiveIntegerField(default=0)
    reversed = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel", "date"]
        constraints = [models.UniqueConstraint(fields=["channel", "date"], name="one_rollup_per_channel_day")]
        indexes = [models.Index(fields=["workspace", "date"], name="rollup_ws_date_idx")]

    def __str__(self):
        return f"{self.channel} on {self.date}"


class CommenterDay(models.Model):
    """Distinct commenters over any period, summed from days (``rollups.refresh``, read by
    ``scope.commenters``). One row per workspace-local day, channel (None = the whole workspace: every
    channel together), ``since`` and ``first_here``: how many public commenters wrote that day whose
    previous comment in that channel (or the workspace) was on ``since``; when they had none there
    (``first_here``), ``since`` is the day of their first public comment in the workspace.

    For a period [a, b]: unique commenters = Σ authors over days in [a, b] with since < a or first_here
    (each person counts on their first day in the period); returning = Σ over days in [a, b] with since < a
    (they had commented in the workspace before a); new = unique − returning."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="commenter_days")
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="commenter_days"
    )
    date = models.DateField()
    since = models.DateField()
    first_here = models.BooleanField()
    authors = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # covering on PostgreSQL (migration 0003), so a period's sums read the index alone
            models.Index(fields=["workspace", "channel", "date"], name="commenter_day_idx")
        ]

    def __str__(self):
        return f"{self.channel or self.workspace} on {self.date}"


class AuthorDay(models.Model):
    """How many public comments one author wrote in one channel on one workspace-local day (rows only for
    authors who commented that day), rebuilt by ``rollups.refresh``: a period's top commenters are a grouped
    sum over (channel, date) instead of a count over every comment."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="author_days")
    date = models.DateField()
    author = models.ForeignKey("community.Author", on_delete=models.CASCADE, related_name="+")
    comments = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # every column the top commenters read, so PostgreSQL answers from the index alone
            models.Index(fields=["channel", "date", "author", "comments"], name="author_day_idx")
        ]

    def __str__(self):
        return f"{self.author_id} in {self.channel_id} on {self.date}"


class RubricDay(models.Model):
    """Per channel, workspace-local day and rubric (None = no rubric): the posts published that day and their
    figures, rebuilt by ``rollups.refresh`` (and for a post's days when the post is edited), so the rubric
    section sums days instead of grouping a period's posts."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="rubric_days")
    date = models.DateField()
    # a deleted rubric leaves its posts without one, and these rows too
    rubric = models.ForeignKey(
        "content.Rubric", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posts = models.PositiveIntegerField()
    interactions = models.BigIntegerField()
    viewed_posts = models.PositiveIntegerField()
    viewed_rate_sum = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["channel", "date"], name="rubric_day_idx")]

    def __str__(self):
        return f"rubric {self.rubric_id} in {self.channel_id} on {self.date}"


class TopCommenters(models.Model):
    """The most active public commenters of one channel (or, channel None, of every channel) over settled
    days start … end, summed from AuthorDay (``top_commenters``): the TOP_KEPT first as [author id, comments]
    pairs, most first. A long period's top list then reads one row plus the days since ``end``, instead of
    summing a row per author and day. Settled days are those the periodic refresh no longer rewrites; a
    refresh that changes their AuthorDay rows deletes the lists it touches."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="top_commenters")
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="top_commenters"
    )
    start = models.DateField()
    end = models.DateField()
    authors = models.JSONField()  # [[author id, comments], …] by comments, most first, then author id
    complete = models.BooleanField()  # every commenter of the days is in ``authors``
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "start", "end"],
                condition=models.Q(channel__isnull=True),
                name="one_workspace_top_per_span",
            ),
            models.UniqueConstraint(fields=["channel", "start", "end"], name="one_channel_top_per_span"),
        ]

    def __str__(self):
        return f"top commenters of {self.channel or self.workspace}, {self.start} – {self.end}"


class FirstResponse(models.Model):
    """One public comment the team answered: its channel, its workspace-local day and the seconds from it to
    the team's first reply (rebuilt by ``rollups.refresh``), so a period's answered count and median first
    response read these rows instead of joining the team's replies to the comments."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="first_responses")
    date = models.DateField()
    comment = models.ForeignKey("community.Comment", on_delete=models.CASCADE, related_name="+")
    seconds = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["channel", "date", "seconds"], name="first_response_idx")]

    def __str__(self):
        return f"{self.comment_id}: {self.seconds} s"


class VerdictDay(models.Model):
    """The engine's verdicts (hold, hide, delete, warn, mute, ban that took effect) per channel, local day,
    source and rule, rebuilt by ``rollups.refresh``, with how many of them the team reversed so far (undid
    them, or approved the comment held). A reversal counts on the day of the verdict it reverses."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="verdict_days")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="verdict_days")
    date = models.DateField()
    source = models.CharField(max_length=12)
    rule_name = models.CharField(max_length=200, blank=True)
    verdicts = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    hidden = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)  # delete or warn
    banned = models.PositiveIntegerField(default=0)  # ban or mute
    reversed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "date", "source", "rule_name"], name="one_verdict_day_per_rule"
            )
        ]

    def __str__(self):
        return f"{self.rule_name or self.source} in {self.channel_id} on {self.date}"


class ReportSection(models.TextChoices):
    SUMMARY = "summary", _("Summary")
    AUDIENCE = "audience", _("Followers and growth")
    POSTS = "posts", _("Top and bottom posts")
    BEST_TIME = "best_time", _("Best time to post")
    RUBRICS = "rubrics", _("Rubrics")
    COMMUNITY = "community", _("Community activity")
    MODERATION = "moderation", _("Moderation load")


class Schedule(models.TextChoices):
    NONE = "", _("Not scheduled")
    WEEKLY = "weekly", _("Weekly (Mondays, for the last 7 days)")
    MONTHLY = "monthly", _("Monthly (on the 1st, for the last month)")


class Report(models.Model):
    """A saved report: which channels and sections over which period; optionally e-mailed on a schedule."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(_("title"), max_length=200)
    channels = models.ManyToManyField(Channel, blank=True, related_name="+")  # none = every channel
    sections = models.JSONField(default=list)  # ReportSection values, in order
    period_days = models.PositiveSmallIntegerField(_("period, days"), default=30)
    start = models.DateField(null=True, blank=True)  # a fixed period, when both are set
    end = models.DateField(null=True, blank=True)
    schedule = models.CharField(
        _("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.NONE, blank=True
    )
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


def new_share_token() -> str:
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    """A read-only link to one report for someone outside the team; expires and can be revoked.

    Only a hash of the token is stored (as for invitations), so a database leak does not hand out working
    links; the link itself is shown once, when it is made."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"share link to {self.report}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ImportRun(models.Model):
    """One import of a Telegram Desktop export: from the CLI or an upload in the UI."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="import_runs")
    file = models.FileField(upload_to="imports/", blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    chat = models.CharField(max_length=200, blank=True)  # --chat: a chat's name or id, or every chat
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    summary = models.JSONField(default=dict, blank=True)  # counts per chat: messages, authors, reactions…
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name or f"import {self.pk}"
