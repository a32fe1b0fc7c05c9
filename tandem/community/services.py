"""The team's work on the community: moderation decisions, inbox work, replies, notes and saved replies.

Every service takes the acting ``Membership``, checks its capability ("moderation.review" to moderate,
"inbox.answer" for inbox work) and touches only objects of the actor's workspace: bulk services ignore ids
of other workspaces, single-object services answer 404 for them (as tandem.workspaces.access does).

Moderation decisions change Tandem's state (labels, inbox state) in one transaction and leave the platform
calls to a queued task (tandem.community.tasks.team_action) started after the commit; each platform answer
lands in the audit log. A reply is the exception: it is sent at once, since the team waits to see it posted.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import ServiceError
from tandem.platforms.base import Feature
from tandem.workspaces.access import in_workspace
from tandem.workspaces.capabilities import can
from tandem.workspaces.models import Membership
from tandem.workspaces.roles import Role

from . import actions
from .models import (
    Author,
    Comment,
    CommentStatus,
    InboxState,
    Label,
    ModerationAction,
    SavedReply,
)

REVIEW = "moderation.review"
INBOX = "inbox.answer"
# A mute longer than this is a ban in all but name (Telegram treats over 366 days as forever).
MUTE_MAX_MINUTES = 366 * 24 * 60
REPLY_MAX = 4000
# A removal is labelled spam when a reason's name has one of these: the spam_scams and flood packs, the
# classifier's spam head, or a workspace rule named after links or invites.
SPAM_REASON_WORDS = ("spam", "scam", "flood", "invite", "link")


def _require(actor: Membership, capability: str) -> None:
    if not can(actor.role, capability):
        raise PermissionDenied(_("Your role in this workspace does not allow this."))


def _comments(actor: Membership, comment_ids, capability: str):
    """The actor's workspace's comments among ``comment_ids`` (others are ignored), capability checked."""
    _require(actor, capability)
    ids = [int(pk) for pk in comment_ids]
    return Comment.objects.filter(workspace=actor.workspace, pk__in=ids, from_team=False)


def _after_commit(action: str, comment_ids=(), *, actor: Membership, **options) -> None:
    """Queue the platform side of a team decision once the transaction has committed."""
    from .tasks import team_action

    ids, user_id = list(comment_ids), actor.user_id
    transaction.on_commit(lambda: team_action(action, ids, user_id, **options))


def _label(comments, label: str, actor: Membership) -> None:
    comments.update(label=label, labelled_by=actor.user, labelled_at=timezone.now())


def label_for(comment: Comment, asked: str) -> str:
    """The training label of a removal: spam when the engine's reasons were spam-like, else what was asked."""
    for reason in comment.verdict_reasons or []:
        name = str(reason.get("name", "")).lower()
        if any(word in name for word in SPAM_REASON_WORDS):
            return Label.SPAM
    return asked


# --- review queue ---------------------------------------------------------------------------------------


@transaction.atomic
def approve(actor: Membership, comment_ids) -> int:
    """Held or hidden comments become visible again; each is labelled acceptable. Returns how many."""
    comments = _comments(actor, comment_ids, REVIEW).exclude(status=CommentStatus.DELETED)
    ids = list(comments.values_list("pk", flat=True))
    _label(Comment.objects.filter(pk__in=ids), Label.OK, actor)
    shown = Comment.objects.filter(pk__in=ids, status__in=(CommentStatus.HELD, CommentStatus.HIDDEN))
    _after_commit("approve", shown.values_list("pk", flat=True), actor=actor)
    return len(ids)


@transaction.atomic
def remove(actor: Membership, comment_ids, label: str = Label.TOXIC) -> int:
    """Delete the comments on the platform (the text stays in Tandem's archive), labelled toxic or spam."""
    if label not in (Label.TOXIC, Label.SPAM):
        raise ServiceError(_("A removed comment is labelled abusive or spam."))
    comments = list(_comments(actor, comment_ids, REVIEW))
    for comment in comments:
        _label(Comment.objects.filter(pk=comment.pk), label_for(comment, label), actor)
    _after_commit("delete", [c.pk for c in comments if c.status != CommentStatus.DELETED], actor=actor)
    return len(comments)


@transaction.atomic
def hide(actor: Membership, comment_ids) -> int:
    """Hide the comments (on a platform that cannot hide, such as Telegram, they are deleted)."""
    comments = _comments(actor, comment_ids, REVIEW).filter(
        status__in=(CommentStatus.VISIBLE, CommentStatus.HELD)
    )
    ids = list(comments.values_list("pk", flat=True))
    _after_commit("hide", ids, actor=actor)
    return len(ids)


@transaction.atomic
def ban_authors(actor: Membership, comment_ids, label: str = Label.TOXIC) -> int:
    """Delete the comments and ban each of their authors once. Returns how many authors."""
    comments = list(_comments(actor, comment_ids, REVIEW).exclude(author=None))
    for comment in comments:
        _label(Comment.objects.filter(pk=comment.pk), label_for(comment, label), actor)
    _after_commit("ban", [c.pk for c in comments], actor=actor)
    return len({c.author_id for c in comments})


@transaction.atomic
def warn(actor: Membership, comment_id: int, text: str = "") -> Comment:
    """Delete the comment and warn its author (the workspace's warning text by default): in the thread, or
    privately when the workspace's settings say so (see actions._warn)."""
    comment = in_workspace(Comment.objects.filter(from_team=False), actor, comment_id, REVIEW)
    if comment.status == CommentStatus.DELETED:
        raise ServiceError(_("This comment is already deleted."))
    text = text.strip() or _default_warning(actor)
    if len(text) > REPLY_MAX:
        raise ServiceError(_("The warning is too long."))
    _after_commit("warn", [comment.pk], actor=actor, text=text)
    return comment


def _default_warning(actor: Membership) -> str:
    from tandem.moderation.models import ModerationSettings

    settings = ModerationSettings.objects.filter(workspace=actor.workspace).first()
    return settings.warn_text if settings else str(ModerationSettings._meta.get_field("warn_text").default)


@transaction.atomic
def mute_author(actor: Membership, author_id: int, minutes: int) -> Author:
    """Take away the author's right to write for ``minutes`` in every chat they wrote in."""
    author = in_workspace(Author.objects.all(), actor, author_id, REVIEW)
    if not 1 <= int(minutes) <= MUTE_MAX_MINUTES:
        raise ServiceError(_("Mute for between one minute and a year."))
    _after_commit("mute", author_id=author.pk, actor=actor, minutes=int(minutes))
    return author


@transaction.atomic
def unban(actor: Membership, author_id: int) -> Author:
    author = in_workspace(Author.objects.all(), actor, author_id, REVIEW)
    _after_commit("unban", author_id=author.pk, actor=actor)
    return author


@transaction.atomic
def unmute(actor: Membership, author_id: int) -> Author:
    author = in_workspace(Author.objects.all(), actor, author_id, REVIEW)
    _after_commit("unmute", author_id=author.pk, actor=actor)
    return author


@transaction.atomic
def undo(actor: Membership, action_id: int) -> ModerationAction:
    """Undo an audited action where the platform allows: hide → unhide, ban → unban, mute → unmute,
    hold → approve. A deleted message cannot be brought back (the text stays in Tandem's archive)."""
    done = in_workspace(ModerationAction.objects.select_related("comment"), actor, action_id, REVIEW)
    if done.undoes_id is not None or done.action not in (*actions.UNDO, "delete", "warn"):
        raise ServiceError(_("This action cannot be undone."))
    if done.action in ("delete", "warn"):
        raise ServiceError(
            _("A deleted message cannot be brought back on the platform; its text stays in Tandem's archive.")
        )
    if not done.ok:
        raise ServiceError(_("This action did not take effect, so there is nothing to undo."))
    if done.undone_by.exists():
        raise ServiceError(_("This action was already undone."))
    if done.action in ("hide", "hold") and done.comment is None:
        raise ServiceError(_("The comment of this action is gone."))
    _after_commit(
        actions.UNDO[done.action],
        [done.comment_id] if done.action in ("hide", "hold") else (),
        author_id=done.author_id,
        actor=actor,
        undoes_id=done.pk,
    )
    return done


# --- inbox --------------------------------------------------------------------------------------------------


def reply(actor: Membership, comment_id: int, text: str) -> Comment:
    """Answer the comment in its thread on the platform; the answer is stored as the team's comment and the
    answered comment is done. Raises ServiceError with the platform's reason when it refuses."""
    comment = in_workspace(Comment.objects.select_related("channel"), actor, comment_id, INBOX)
    text = text.strip()
    if not text:
        raise ServiceError(_("Write the reply first."))
    if len(text) > REPLY_MAX:
        raise ServiceError(_("The reply is too long (at most %(max)d characters).") % {"max": REPLY_MAX})
    if Feature.REPLY not in actions.features(comment.channel):
        raise ServiceError(_("This platform does not let Tandem reply."))
    if comment.status == CommentStatus.DELETED:
        raise ServiceError(_("The comment was deleted; there is nothing to answer on the platform."))
    # Outside any transaction: the platform may take a while, and the database must not wait for it.
    published, refusal = actions.platform_call(
        comment.channel, "reply", comment.chat_id, comment.external_id, text
    )
    if refusal:
        raise ServiceError(refusal)
    with transaction.atomic():
        answer, _created = Comment.objects.get_or_create(
            channel=comment.channel,
            chat_id=comment.chat_id,
            external_id=published.external_id,
            defaults={
                "workspace": actor.workspace,
                "delivery": comment.delivery,
                "parent": comment,
                "thread_id": comment.thread_id,
                "text": text,
                "sent_at": timezone.now(),
                "from_team": True,
                "sent_by": actor.user,
                "state": InboxState.DONE,
            },
        )
        Comment.objects.filter(pk=comment.pk).update(state=InboxState.DONE)
        ModerationAction.objects.create(
            workspace=actor.workspace,
            comment=comment,
            author=comment.author,
            action="reply",
            source=ModerationAction.Source.TEAM,
            actor=actor.user,
            platform_answer=_("sent as message %(id)s") % {"id": published.external_id},
        )
    return answer


@transaction.atomic
def assign(actor: Membership, comment_ids, user_id: int | None) -> int:
    """Give the comments to a member who answers the inbox (None: to nobody)."""
    comments = _comments(actor, comment_ids, INBOX)
    user = None
    if user_id is not None:
        member = (
            Membership.objects.filter(workspace=actor.workspace, user_id=user_id)
            .select_related("user")
            .first()
        )
        if member is None or not can(member.role, INBOX):
            raise ServiceError(_("Assign to a member of the team who answers the inbox."))
        user = member.user
    return comments.update(assignee=user)


@transaction.atomic
def set_state(actor: Membership, comment_ids, state: str) -> int:
    if state not in InboxState.values:
        raise ServiceError(_("Unknown inbox state."))
    return _comments(actor, comment_ids, INBOX).update(state=state)


@transaction.atomic
def save_author_notes(actor: Membership, author_id: int, notes: str) -> Author:
    author = in_workspace(Author.objects.all(), actor, author_id, INBOX)
    author.notes = notes.strip()[:10_000]
    author.save(update_fields=["notes"])
    return author


# --- saved replies -----------------------------------------------------------------------------------------


def _clean_saved_reply(title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise ServiceError(_("A saved reply needs a title and a text."))
    if len(title) > SavedReply._meta.get_field("title").max_length or len(text) > REPLY_MAX:
        raise ServiceError(_("The title or the text is too long."))
    return title, text


@transaction.atomic
def create_saved_reply(actor: Membership, title: str, text: str) -> SavedReply:
    _require(actor, INBOX)
    title, text = _clean_saved_reply(title, text)
    return SavedReply.objects.create(workspace=actor.workspace, title=title, text=text, created_by=actor.user)


@transaction.atomic
def update_saved_reply(actor: Membership, saved_reply_id: int, title: str, text: str) -> SavedReply:
    saved = in_workspace(SavedReply.objects.all(), actor, saved_reply_id, INBOX)
    saved.title, saved.text = _clean_saved_reply(title, text)
    saved.save(update_fields=["title", "text"])
    return saved


@transaction.atomic
def delete_saved_reply(actor: Membership, saved_reply_id: int) -> None:
    in_workspace(SavedReply.objects.all(), actor, saved_reply_id, INBOX).delete()


def members_for_assignment(actor: Membership):
    """The users a comment can be assigned to: members who answer the inbox."""
    roles = [role for role in Role if can(role, INBOX)]
    return (
        get_user_model()
        .objects.filter(memberships__workspace=actor.workspace, memberships__role__in=roles)
        .order_by("name")
    )
