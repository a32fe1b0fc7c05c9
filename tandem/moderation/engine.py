"""The moderation engine: rules, ready packs and the classifier judge a message; the verdict says what to do
and why.

    engine = Engine.for_workspace(workspace)            # or Engine.defaults(): every pack + shipped model
    verdict = engine.review(Message(text, author=AuthorFacts(...), sent_at=...), history)
    verdict.action, verdict.score, verdict.reasons_json()

How a verdict is reached:
  * every rule (the workspace's own and its packs') runs, higher priority first, and every match is a reason;
  * each classifier head (toxic, spam) with probability p gives "delete" at p >= its delete threshold, else
    "hold" at p >= its hold threshold;
  * a matching "allow" rule is an exception: the matches of rules of its priority or lower and the
    classifier's are set aside (a trusted domain, the team's own phrases), higher-priority rules still count;
  * the action is the strongest among the reasons (Action order: allow < hold < hide < delete < warn < mute
    < ban), "allow" when there is none; the score is the highest model probability, 1.0 when a rule matched;
  * a verdict that is a strike (warn, hide, delete) may escalate: with strikes_after = the author's
    warnings + 1, the ladder's highest step with strikes <= strikes_after applies if it is stronger.

Each message is normalised once; the classifier is called once per ``review_many`` batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError

from tandem.moderation.conditions import Context
from tandem.moderation.messages import (
    SEVERITY,
    STRIKE_ACTIONS,
    AuthorFacts,
    History,
    InMemoryHistory,
    Message,
    Reason,
    Verdict,
    fingerprint,
)
from tandem.moderation.rules import CompiledRule, compile_rule

__all__ = [
    "DEFAULT_DELETE_THRESHOLD",
    "AuthorFacts",
    "Engine",
    "History",
    "InMemoryHistory",
    "Message",
    "Reason",
    "Verdict",
    "fingerprint",
]

logger = logging.getLogger(__name__)

# The classifier alone deletes only when it is nearly sure; below that it holds for a person to decide.
DEFAULT_DELETE_THRESHOLD = 0.95
# Actions that carry a warning text to the author.
_WARN_TEXT_ACTIONS = frozenset({"warn", "mute", "ban"})


@dataclass(frozen=True)
class LadderStep:
    strikes: int
    action: str
    minutes: int | None = None


def _ladder_steps(ladder: Sequence[dict] | None) -> tuple[LadderStep, ...]:
    """The ladder's valid steps, fewest strikes first; a malformed step is skipped (and logged) rather than
    stopping moderation."""
    steps = []
    for step in ladder or ():
        try:
            strikes, action, minutes = int(step["strikes"]), str(step["action"]), step.get("minutes")
            minutes = int(minutes) if minutes is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("skipping a malformed escalation step %r", step)
            continue
        if strikes < 1 or action not in SEVERITY:
            logger.warning("skipping a malformed escalation step %r", step)
            continue
        steps.append(LadderStep(strikes, action, minutes))
    return tuple(sorted(steps, key=lambda s: s.strikes))


class Engine:
    """Judges messages with compiled rules, an optional classifier, its thresholds and an escalation ladder.

    ``classifier``: anything with ``heads``, ``thresholds`` ({head: float}) and ``probabilities(texts)``
    (an array of shape (len(texts), len(heads))), such as tandem.moderation.classifier.ShippedModel.
    ``thresholds``: {head: {"hold": p, "delete": p}}, overriding the model's own threshold for "hold" and
    DEFAULT_DELETE_THRESHOLD for "delete".
    """

    def __init__(
        self,
        rules: list[CompiledRule],
        classifier=None,
        thresholds: dict | None = None,
        ladder: list[dict] | None = None,
        warn_text: str = "",
    ):
        # Higher priority first; on a tie, the stronger action first (its reason leads the list).
        self.rules = tuple(sorted(rules, key=lambda rule: (-rule.priority, -rule.severity)))
        self.classifier = classifier
        self.thresholds = self._head_thresholds(classifier, thresholds or {})
        self.ladder = _ladder_steps(ladder)
        self.warn_text = warn_text

    @staticmethod
    def _head_thresholds(classifier, overrides: dict) -> dict[str, tuple[float, float]]:
        if classifier is None:
            return {}
        result = {}
        for head in classifier.heads:
            given = overrides.get(head) if isinstance(overrides.get(head), dict) else {}
            hold = given.get("hold")
            delete = given.get("delete")
            result[head] = (
                float(hold) if isinstance(hold, int | float) else float(classifier.thresholds[head]),
                float(delete) if isinstance(delete, int | float) else DEFAULT_DELETE_THRESHOLD,
            )
        return result

    # --- construction --------------------------------------------------------------------------------------

    @classmethod
    def defaults(cls) -> Engine:
        """Every ready pack with its default action, the shipped classifier, default thresholds and ladder
        (shared: building it compiles the packs and loads the model)."""
        return _default_engine()

    @classmethod
    def for_workspace(cls, workspace, max_age: float = 0.0) -> Engine:
        """The workspace's engine, cached per process and rebuilt when its rules, pack settings, moderation
        settings or active model change (one query per call to find out). With ``max_age`` seconds, a check
        made that recently is trusted: the worker judging a stream of comments asks once a second, not once
        per comment, so a rule change takes effect there within that time."""
        from tandem.moderation.models import ModerationSettings

        cached = _workspace_engines.get(workspace.pk)
        now = time.monotonic()
        if cached is not None and max_age and now - cached[2] < max_age:
            return cached[1]
        stamp = _workspace_stamp(workspace.pk)
        if cached is not None and cached[0] == stamp:
            _workspace_engines[workspace.pk] = (stamp, cached[1], now)
            return cached[1]
        if stamp["settings_updated"] is None:  # first use: create the settings so the stamp stays put
            ModerationSettings.objects.get_or_create(workspace=workspace)
            stamp = _workspace_stamp(workspace.pk)
        engine = _build_for_workspace(workspace)
        _workspace_engines[workspace.pk] = (stamp, engine, now)
        return engine

    # --- judging ---------------------------------------------------------------------------------------------

    def review(
        self, message: Message | str, history: History | None = None, *, record: bool = False
    ) -> Verdict:
        """The verdict on one message. ``record``: add the message to ``history`` (an InMemoryHistory)
        just before judging it, as a stream reader does."""
        return self.review_many([message], history, record=record)[0]

    def review_many(
        self, messages: Sequence[Message | str], history: History | None = None, *, record: bool = False
    ) -> list[Verdict]:
        """Verdicts for many messages in order, with one classifier call for all of them."""
        prepared = [m if isinstance(m, Message) else Message(m) for m in messages]
        matches: list[list[tuple[CompiledRule, Reason]]] = []
        normalised = []
        for message in prepared:
            ctx = Context(message, history)
            normalised.append(ctx.norm.text)
            if record:
                history.add(message, ctx.fingerprint)
            found = []
            for rule in self.rules:
                reason = rule.evaluate_context(ctx)
                if reason is not None:
                    found.append((rule, reason))
            matches.append(found)
        if self.classifier is not None:
            # plain floats: indexing a numpy row per head costs more than the rest of the verdict
            # the classifier's featurizer normalises with the same function: reuse the contexts' work
            rows = self.classifier.probabilities([m.text for m in prepared], normalised).tolist()
        else:
            rows = [()] * len(prepared)
        return [
            self._verdict(message, found, row)
            for message, found, row in zip(prepared, matches, rows, strict=True)
        ]

    def _verdict(
        self, message: Message, found: list[tuple[CompiledRule, Reason]], probabilities: Sequence[float]
    ) -> Verdict:
        score = 1.0 if found else 0.0
        exception = next((rule for rule, _reason in found if rule.action == "allow"), None)
        if exception is not None:  # the highest-priority allow rule (rules run in priority order)
            found = [
                (rule, reason)
                for rule, reason in found
                if rule.priority > exception.priority or rule is exception
            ]
        reasons = [reason for _, reason in found]
        if probabilities:
            for head, p in zip(self.classifier.heads, probabilities, strict=True):
                score = max(score, p)
                if exception is not None:
                    continue
                hold, delete = self.thresholds[head]
                if p >= delete:
                    reasons.append(Reason("model", head, "delete", f"{head} {p:.2f}"))
                elif p >= hold:
                    reasons.append(Reason("model", head, "hold", f"{head} {p:.2f}"))
        if not reasons:
            return Verdict("allow", round(score, 6), ())
        action = max((reason.action for reason in reasons), key=SEVERITY.__getitem__)
        mute_minutes = max(
            (rule.mute_minutes for rule, reason in found if reason.action == action and rule.mute_minutes),
            default=None,
        )
        warn_text = next(
            (rule.warn_text for rule, reason in found if reason.action == action and rule.warn_text),
            self.warn_text,
        )
        if action in STRIKE_ACTIONS and self.ladder:
            strikes_after = (message.author.warnings if message.author else 0) + 1
            step = next((s for s in reversed(self.ladder) if s.strikes <= strikes_after), None)
            if step is not None and SEVERITY[step.action] > SEVERITY[action]:
                action = step.action
                mute_minutes = step.minutes if step.action == "mute" else None
                detail = f"strike {strikes_after}: {step.action}" + (
                    f" {step.minutes} min" if step.minutes else ""
                )
                reasons.append(Reason("escalation", f"{step.strikes} strikes", step.action, detail))
        return Verdict(
            action,
            round(score, 6),
            tuple(reasons),
            mute_minutes if action == "mute" else None,
            warn_text if action in _WARN_TEXT_ACTIONS else "",
        )


@lru_cache(maxsize=1)
def _default_engine() -> Engine:
    from tandem.moderation.classifier import load_default
    from tandem.moderation.models import default_ladder
    from tandem.moderation.packs import PACKS

    rules = [rule for pack in PACKS.values() for rule in pack.rules]
    return Engine(rules, classifier=load_default(), ladder=default_ladder())


def compile_rule_rows(rows) -> list[CompiledRule]:
    """models.Rule rows as compiled rules; a row that no longer validates is skipped and logged (the editor
    validates on save, but a row may predate a validation change) so that one bad rule cannot stop the rest."""
    compiled = []
    for row in rows:
        try:
            compiled.append(
                compile_rule(
                    row.name,
                    row.match,
                    row.conditions,
                    row.action,
                    priority=row.priority,
                    mute_minutes=row.mute_minutes,
                    warn_text=row.warn_text,
                )
            )
        except ValidationError as error:
            logger.warning("skipping moderation rule %s (%r): %s", row.pk, row.name, error.messages)
    return compiled


# workspace pk → (stamp of its moderation rows, engine, when the stamp was last checked); a dict item
# assignment is atomic, so threads building the same engine at once only waste a little work.
_workspace_engines: dict[int, tuple[dict, Engine, float]] = {}


def _workspace_stamp(workspace_pk: int) -> dict:
    """One query whose answer changes whenever anything the workspace's engine is built from changes:
    its rules (count, enabled count, latest update), each pack's setting, its settings row, its active model.
    """
    from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
    from django.db.models.functions import Concat

    from tandem.moderation.models import ModerationSettings, PackSetting, Rule, WorkspaceModel
    from tandem.moderation.packs import PACKS
    from tandem.workspaces.models import Workspace

    def first(queryset, field):
        return Subquery(queryset.filter(workspace=OuterRef("pk")).order_by().values(field)[:1])

    rules = Rule.objects.filter(workspace=OuterRef("pk")).order_by().values("workspace")
    columns = {
        "rules": Subquery(rules.annotate(n=Count("pk")).values("n")),
        "rules_on": Subquery(rules.annotate(n=Count("pk", filter=Q(enabled=True))).values("n")),
        "rules_updated": first(Rule.objects.order_by("-updated_at"), "updated_at"),
        "settings_updated": first(ModerationSettings.objects, "updated_at"),
        "active_model": first(WorkspaceModel.objects.filter(active=True), "pk"),
    }
    for index, key in enumerate(PACKS):
        state = Case(
            When(enabled=True, then=Concat(Value("on:"), F("action"))),
            default=Concat(Value("off:"), F("action")),
            output_field=CharField(),
        )
        columns[f"pack_{index}"] = first(PackSetting.objects.filter(pack=key).annotate(state=state), "state")
    return Workspace.objects.filter(pk=workspace_pk).annotate(**columns).values(*columns).get()


def _build_for_workspace(workspace) -> Engine:
    from tandem.moderation.classifier import load_default
    from tandem.moderation.models import ModerationSettings, PackSetting, Rule
    from tandem.moderation.packs import PACKS
    from tandem.moderation.workspace_model import load_active, with_model_thresholds

    settings, _ = ModerationSettings.objects.get_or_create(workspace=workspace)
    rules = compile_rule_rows(Rule.objects.filter(workspace=workspace, enabled=True))
    pack_settings = {row.pack: row for row in PackSetting.objects.filter(workspace=workspace)}
    for key, pack in PACKS.items():
        row = pack_settings.get(key)  # a pack with no row is on, with its default action
        if row is None or row.enabled:
            rules += pack.with_action((row.action if row is not None else "") or pack.default_action)
    # The workspace's retrained classifier when a version is active, else the one that ships with Tandem.
    classifier = (load_active(workspace) or load_default()) if settings.classifier_enabled else None
    return Engine(
        rules,
        classifier=classifier,
        thresholds=with_model_thresholds(settings.thresholds, classifier),
        ladder=settings.ladder,
        warn_text=str(settings.warn_text),
    )
