""" "What would my rules have done last month": the workspace's moderation engine run over imported comments
of a period, counting verdicts by action and by rule, acting on nothing (imported comments are history).

Comments are judged in the order they were sent, with an in-memory history, so the flood and repeated-text
rules see the traffic as it was; each author's facts are what the import knew (first seen, message count).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from tandem.community.models import AuditAction, Comment, ModerationAction
from tandem.moderation.engine import AuthorFacts, Engine, InMemoryHistory, Message

from .periods import Period

# A page waits for the answer: the replay judges at most this many comments (the earliest of the period).
REPLAY_LIMIT = 5000
BATCH = 500


@dataclass
class Replay:
    period: Period
    judged: int = 0
    in_period: int = 0  # imported comments of the period (more than judged when over the limit)
    actions: Counter = field(default_factory=Counter)  # verdict action → comments
    rules: Counter = field(default_factory=Counter)  # (reason source, name) → comments

    @property
    def limited(self) -> bool:
        return self.in_period > self.judged

    def action_rows(self) -> list[tuple[str, int]]:
        """(the action as the audit log names it, comments), most frequent first."""
        labels = dict(AuditAction.choices)
        return [(str(labels.get(action, action)), count) for action, count in self.actions.most_common()]

    def rule_rows(self) -> list[tuple[str, int]]:
        """("Rule: name", comments), most frequent first; the source as the audit log names it."""
        labels = dict(ModerationAction.Source.choices)
        return [
            (f"{labels.get(source, source)}: {name}", count)
            for (source, name), count in self.rules.most_common()
        ]


def what_would_rules_do(workspace, period: Period, channel=None) -> Replay:
    """Verdicts of the workspace's current rules, packs and classifier on the period's imported comments
    from the public (of one channel, or every channel)."""
    start, end = period.bounds()
    comments = Comment.objects.filter(
        workspace=workspace, imported=True, from_team=False, sent_at__gte=start, sent_at__lt=end
    )
    if channel is not None:
        comments = comments.filter(channel=channel)
    replay = Replay(period=period, in_period=comments.count())
    if not replay.in_period:
        return replay
    engine = Engine.for_workspace(workspace)
    history = InMemoryHistory()
    rows = comments.order_by("sent_at", "pk").values_list(
        "text", "sent_at", "channel_id", "author__external_id", "author__first_seen", "author__message_count"
    )[:REPLAY_LIMIT]
    for batch in itertools.batched(rows, BATCH):
        messages = [
            Message(
                text,
                author=AuthorFacts(author, first_seen=first_seen, message_count=count or 0)
                if author
                else None,
                sent_at=sent_at,
                channel_key=str(channel_id),
            )
            for text, sent_at, channel_id, author, first_seen, count in batch
        ]
        for verdict in engine.review_many(messages, history, record=True):
            replay.judged += 1
            replay.actions[verdict.action] += 1
            for key in {(reason.source, reason.name) for reason in verdict.reasons}:
                replay.rules[key] += 1
    return replay
