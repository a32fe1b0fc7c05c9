"""Carrying out what the engine or the team decided: the platform call, the comment's and the author's new
state, and one immutable audit row (ModerationAction) per action.

Platform calls run outside any database transaction (SQLite has one writer, and a slow platform must not
hold it). A refusal never raises: the comment keeps its status (it stays visible) and the audit row says
ok=False with the platform's answer, so the team sees what happened and why.

About "hold" on Telegram: the Bot API cannot hide a message, so a held comment stays visible in the group
while it waits in Tandem's review queue; approving it changes nothing there, deleting it removes it.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.channels.models import Channel
from tandem.content.publishing import thread_connector
from tandem.core.aio import run
from tandem.moderation.models import WarnMode
from tandem.platforms.base import ConnectorError, Feature
from tandem.platforms.registry import connector_class

from .history import CommentHistory
from .models import Author, Comment, CommentStatus, ModerationAction

log = logging.getLogger(__name__)

# Actions that count one strike against the author when the team takes them (the engine says so itself
# through verdict.strike).
TEAM_STRIKES = frozenset({"hide", "delete", "warn"})
# What undoes what; "delete" and "warn" removed the message, which no platform brings back.
UNDO = {"hide": "unhide", "ban": "unban", "mute": "unmute", "hold": "approve"}


def can_undo(action: str, comment_ids) -> bool:
    """Whether ``action`` on these comments can be undone: a hide only where the platform hides (elsewhere it
    deletes)."""
    if action not in UNDO:
        return False
    if action != "hide":
        return True
    channels = Channel.objects.filter(comments__pk__in=comment_ids).distinct()
    return all(Feature.HIDE_COMMENT in features(channel) for channel in channels)


@dataclass(frozen=True)
class Decision:
    """Who or what decided an action, as its audit row records it."""

    source: str
    actor_id: int | None = None
    rule_name: str = ""
    reasons: list = field(default_factory=list)
    undoes_id: int | None = None
    # The engine says whether its verdict counts as a strike; the team's actions count by TEAM_STRIKES.
    strike: bool = False

    @classmethod
    def by_team(cls, user_id: int, undoes_id: int | None = None) -> "Decision":
        return cls(ModerationAction.Source.TEAM, actor_id=user_id, undoes_id=undoes_id)

    @classmethod
    def by_engine(cls, verdict) -> "Decision":
        """The deciding reason names the source and the rule: an escalation step when the ladder decided,
        else the first reason (the highest priority) that asked for the verdict's action."""
        reasons = verdict.reasons_json()
        deciding = [r for r in reasons if r.get("action") == verdict.action] or reasons or [{}]
        first = deciding[-1] if deciding[-1].get("source") == "escalation" else deciding[0]
        source = first.get("source")
        if source not in ModerationAction.Source.values or source == ModerationAction.Source.TEAM:
            source = ModerationAction.Source.MODEL
        rule_name = str(first.get("name", ""))[:200]
        return cls(source, rule_name=rule_name, reasons=reasons, strike=bool(verdict.strike))


@dataclass
class Outcome:
    """What the platform said to one action: ok, and its answer in words."""

    ok: bool = True
    answers: list[str] = field(default_factory=list)
    until: datetime | None = None
    # What was done instead, when the platform could not do what was asked (a hide that had to delete): the
    # audit row records it, so no undo is offered for something the platform cannot bring back.
    done_instead: str | None = None

    def add(self, ok: bool, answer: str) -> bool:
        self.ok = self.ok and ok
        self.answers.append(answer)
        return ok


def features(channel: Channel) -> frozenset[Feature]:
    return connector_class(channel.platform).features


def platform_call(channel: Channel, method: str, *args) -> tuple[object, str | None]:
    """Call the connector's ``method(*args)`` for the channel: (its result, None) when done, else (None, the
    refusal in words with the platform's own detail). Never raises."""
    try:
        return run(getattr(thread_connector(channel), method)(*args)), None
    except ConnectorError as error:
        return None, str(error)
    except Exception:
        # A crash in a connector must not lose the audit row (or kill the webhook's worker).
        log.exception("community action %s failed on channel %s", method, channel.pk)
        return None, _("The action failed unexpectedly; see the worker log.")


# --- one action on one comment -------------------------------------------------------------------------------


def _set_status(comment: Comment, status: str) -> None:
    comment.status = status
    Comment.objects.filter(pk=comment.pk).update(status=status)


def _delete(comment: Comment, outcome: Outcome) -> bool:
    if comment.status == CommentStatus.DELETED:
        return outcome.add(True, _("already deleted"))
    if Feature.DELETE_COMMENT not in features(comment.channel):
        return outcome.add(False, _("This platform does not let Tandem delete comments."))
    _result, refusal = platform_call(comment.channel, "delete_comment", comment.chat_id, comment.external_id)
    if refusal:
        return outcome.add(False, refusal)
    _set_status(comment, CommentStatus.DELETED)
    return outcome.add(True, _("deleted"))


def _hide(comment: Comment, outcome: Outcome) -> bool:
    if Feature.HIDE_COMMENT not in features(comment.channel):
        outcome.done_instead = "delete"
        if _delete(comment, outcome):
            outcome.answers.append(_("the platform cannot hide comments, so it was deleted"))
        return outcome.ok
    _result, refusal = platform_call(comment.channel, "hide_comment", comment.chat_id, comment.external_id)
    if refusal:
        return outcome.add(False, refusal)
    _set_status(comment, CommentStatus.HIDDEN)
    return outcome.add(True, _("hidden"))


def _show(comment: Comment, outcome: Outcome) -> bool:
    """Approve or unhide: a hidden comment is shown on the platform again, a held one only in Tandem."""
    if comment.status == CommentStatus.DELETED:
        return outcome.add(False, _("The comment was deleted; it cannot be shown again."))
    if comment.status == CommentStatus.HIDDEN:
        _result, refusal = platform_call(
            comment.channel, "unhide_comment", comment.chat_id, comment.external_id
        )
        if refusal:
            return outcome.add(False, refusal)
    _set_status(comment, CommentStatus.VISIBLE)
    return outcome.add(True, _("visible"))


def _warn(comment: Comment, outcome: Outcome, text: str) -> bool:
    """Delete the comment and warn its author: in its thread, naming the author, or — when the workspace warns
    privately — in a message from the bot to the person, falling back to the thread when that is refused."""
    author = comment.author
    mention = f"@{author.username}" if author and author.username else (str(author) if author else "")
    warning = f"{mention}, {text}" if mention else text
    privately = author is not None and warn_mode(comment.workspace_id) == WarnMode.PRIVATE

    def tell(to_message_id: str) -> None:
        if not (privately and _warn_privately(comment, text, outcome)):
            _reply_in_thread(comment, to_message_id, warning, outcome)

    # The answer quotes the thread's post or the comment answered; a plain group message has neither, so
    # the warning answers the comment itself, before it is deleted.
    anchor = comment.thread_id or (comment.parent.external_id if comment.parent else "")
    if not anchor:
        tell(comment.external_id)
    if not _delete(comment, outcome):
        return False
    if anchor:
        tell(anchor)
    return outcome.ok


def warn_mode(workspace_id: int) -> str:
    """How the workspace warns (WarnMode); in the thread until its settings say otherwise."""
    from tandem.moderation.models import ModerationSettings

    stored = ModerationSettings.objects.filter(workspace_id=workspace_id).values_list("warn_mode", flat=True)
    return stored.first() or WarnMode.THREAD


def _warn_privately(comment: Comment, text: str, outcome: Outcome) -> bool:
    """Send the warning to the author directly. A refusal is no failure of the warn: it is recorded with the
    platform's answer and the caller warns in the thread instead. Any failure falls back, even one that may
    have reached the person (AMBIGUOUS): a warning seen twice does less harm than none."""
    if Feature.PRIVATE_MESSAGE not in features(comment.channel):
        refusal = _("this platform does not let Tandem message people privately")
    else:
        where = comment.channel.name
        message = f"{where}: {text}" if where else text
        _result, refusal = platform_call(comment.channel, "send_private", comment.author.external_id, message)
        if refusal is None:
            outcome.answers.append(_("warned privately"))
            return True
    # Appended, not added: the warn still succeeds if the thread takes the warning.
    outcome.answers.append(
        _("not warned privately: %(refusal)s; warning in the thread instead") % {"refusal": refusal}
    )
    return False


def _reply_in_thread(comment: Comment, to_message_id: str, text: str, outcome: Outcome) -> bool:
    if Feature.REPLY not in features(comment.channel):
        return outcome.add(False, _("This platform does not let Tandem reply."))
    _result, refusal = platform_call(comment.channel, "reply", comment.chat_id, to_message_id, text)
    return outcome.add(refusal is None, refusal or _("warned in the thread"))


# --- actions on an author --------------------------------------------------------------------------------------


def author_chats(author: Author) -> list[tuple[Channel, str]]:
    """Every chat (with its channel) the author wrote in: a mute or a ban applies in each."""
    pairs = (
        Comment.objects.filter(author=author, from_team=False).values_list("channel_id", "chat_id").distinct()
    )
    channels = Channel.objects.in_bulk({channel_id for channel_id, _chat in pairs})
    return [(channels[channel_id], chat_id) for channel_id, chat_id in pairs]


def _restrict(author: Author, chats, action: str, outcome: Outcome, until: datetime | None = None) -> bool:
    """ban, unban, mute (until), unmute the author in ``chats``; updates the author's state when done."""
    needed = Feature.BAN if action in ("ban", "unban") else Feature.MUTE
    if not chats:
        return outcome.add(False, _("The author has written in no chat Tandem knows."))
    for channel, chat_id in chats:
        if needed not in features(channel):
            outcome.add(False, _("This platform does not let Tandem ban or mute people."))
            continue
        extra = (until,) if action == "mute" else ()
        _result, refusal = platform_call(channel, action, chat_id, author.external_id, *extra)
        outcome.add(refusal is None, refusal or _restricted_answer(action, until))
    if outcome.ok:
        fields = {
            "ban": {"banned_at": timezone.now()},
            "unban": {"banned_at": None},
            "mute": {"muted_until": until},
            "unmute": {"muted_until": None},
        }[action]
        Author.objects.filter(pk=author.pk).update(**fields)
        for name, value in fields.items():
            setattr(author, name, value)
    return outcome.ok


def _restricted_answer(action: str, until: datetime | None) -> str:
    if action == "mute":
        return _("muted until %(until)s") % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M %Z")}
    return {"ban": _("banned"), "unban": _("ban lifted"), "unmute": _("can write again")}[action]


# --- the one entry point for every action ------------------------------------------------------------------


def carry_out(
    action: str,
    decision: Decision,
    *,
    comment: Comment | None = None,
    author: Author | None = None,
    minutes: int | None = None,
    text: str = "",
) -> ModerationAction:
    """Do ``action`` (hold, hide, delete, warn, mute, ban, approve, unhide, unmute, unban) on the comment
    and/or its author, then write its one audit row. Returns the row; never raises for a platform refusal."""
    author = author or (comment.author if comment else None)
    outcome = Outcome()
    if action == "hold":
        _set_status(comment, CommentStatus.HELD)
        outcome.add(True, _("held for review"))
    elif action == "delete":
        _delete(comment, outcome)
    elif action == "hide":
        _hide(comment, outcome)
    elif action in ("approve", "unhide"):
        _show(comment, outcome)
    elif action == "warn":
        _warn(comment, outcome, text)
    elif action in ("mute", "ban"):
        # The comment goes first: what broke the rules disappears even if the restriction is refused.
        if comment is not None:
            _delete(comment, outcome)
        if author is None:
            outcome.add(False, _("The comment has no known author."))
        else:
            chats = [(comment.channel, comment.chat_id)] if comment is not None else author_chats(author)
            if action == "mute":
                outcome.until = timezone.now() + timedelta(minutes=minutes or 60)
            _restrict(author, chats, action, outcome, outcome.until)
    elif action in ("unmute", "unban"):
        _restrict(author, author_chats(author), action, outcome)
    else:
        raise ValueError(f"unknown moderation action {action!r}")
    if outcome.ok and author is not None and _is_strike(action, decision):
        Author.objects.filter(pk=author.pk).update(warnings=F("warnings") + 1)
        author.warnings += 1
    return ModerationAction.objects.create(
        workspace_id=(comment or author).workspace_id,
        comment=comment,
        author=author,
        action=outcome.done_instead or action,
        source=decision.source,
        actor_id=decision.actor_id,
        rule_name=decision.rule_name,
        reasons=decision.reasons,
        ok=outcome.ok,
        platform_answer="; ".join(outcome.answers),
        until=outcome.until,
        undoes_id=decision.undoes_id,
    )


def _is_strike(action: str, decision: Decision) -> bool:
    if decision.source == ModerationAction.Source.TEAM:
        return action in TEAM_STRIKES
    return decision.strike


# --- the engine's verdict ----------------------------------------------------------------------------------------


def review(comment: Comment):
    """The engine's verdict on the comment, stored on it (action, score, reasons)."""
    from tandem.moderation.engine import AuthorFacts, Engine, Message

    author = comment.author
    facts = AuthorFacts(
        external_id=author.external_id if author else "",
        first_seen=author.first_seen if author else comment.sent_at,
        message_count=author.message_count if author else 1,
        warnings=author.warnings if author else 0,
    )
    message = Message(comment.text, author=facts, sent_at=comment.sent_at, channel_key=comment.chat_id)
    engine = Engine.for_workspace(comment.workspace, max_age=settings.TANDEM_MODERATION_RECHECK_SECONDS)
    verdict = engine.review(message, CommentHistory(comment.workspace_id, until=comment.sent_at))
    comment.verdict_action = verdict.action
    comment.verdict_score = verdict.score
    comment.verdict_reasons = verdict.reasons_json()
    Comment.objects.filter(pk=comment.pk).update(
        verdict_action=comment.verdict_action,
        verdict_score=comment.verdict_score,
        verdict_reasons=comment.verdict_reasons,
    )
    return verdict


def moderate_comment(comment: Comment) -> ModerationAction | None:
    """Review the comment and carry out the verdict (allow does nothing). The team's word wins: a comment the
    team already labelled, a deleted one and the team's own replies get a verdict but no action."""
    verdict = review(comment)
    if (
        verdict.action == "allow"
        or comment.from_team
        or comment.label
        or comment.status == CommentStatus.DELETED
        or (verdict.action == "hold" and comment.status == CommentStatus.HELD)
    ):
        return None
    return carry_out(
        verdict.action,
        Decision.by_engine(verdict),
        comment=comment,
        minutes=verdict.mute_minutes,
        text=verdict.warn_text,
    )


def run_team_action(
    action: str,
    comment_ids: list[int],
    user_id: int,
    *,
    author_id: int | None = None,
    minutes: int | None = None,
    text: str = "",
    undoes_id: int | None = None,
) -> list[ModerationAction]:
    """The platform side of a team decision (tandem.community.services), one audit row per comment or, for
    an action on an author alone, one row. A ban bans each author once; their other comments are deleted."""
    decision = Decision.by_team(user_id, undoes_id)
    if not comment_ids:
        author = Author.objects.filter(pk=author_id).first() if author_id else None
        return [carry_out(action, decision, author=author, minutes=minutes)] if author else []
    done, banned = [], set()
    comments = Comment.objects.filter(pk__in=comment_ids).select_related("channel", "author", "parent")
    for comment in comments.order_by("sent_at", "pk"):
        kind = action
        if action == "ban":
            kind = "delete" if comment.author_id in banned else "ban"
            banned.add(comment.author_id)
        done.append(carry_out(kind, decision, comment=comment, minutes=minutes, text=text))
    return done
