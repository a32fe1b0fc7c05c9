"""The moderation engine: severity and priority of reasons, classifier thresholds, the escalation ladder, and
the workspace's engine built from its rows and rebuilt when they change."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tandem.moderation import engine as engine_module
from tandem.moderation.engine import (
    AuthorFacts,
    Engine,
    InMemoryHistory,
    Message,
    Reason,
    Verdict,
    fingerprint,
)
from tandem.moderation.models import ModerationSettings, PackSetting, Rule
from tandem.moderation.rules import compile_rule

pytestmark = pytest.mark.django_db


class FakeClassifier:
    """Probabilities looked up by text, so thresholds can be tested exactly."""

    heads = ["toxic", "spam"]
    thresholds = {"toxic": 0.5, "spam": 0.6}

    def __init__(self, table):
        self.table = table
        self.calls = 0

    def probabilities(self, texts, normalised=None):
        self.calls += 1
        return np.array([self.table.get(text, (0.0, 0.0)) for text in texts], dtype=float)


def words_rule(name, word, action, priority=0, **kwargs):
    return compile_rule(
        name, "all", [{"type": "words", "words": [word]}], action, priority=priority, **kwargs
    )


def test_nothing_matches_means_allow():
    verdict = Engine([words_rule("fools", "дурак", "hide")]).review("добрый вечер")
    assert verdict == Verdict("allow", 0.0, ())
    assert not verdict.strike
    assert verdict.reasons_json() == []


def test_strongest_action_wins_and_every_reason_is_kept_in_priority_order():
    rules = [
        words_rule("low", "дурак", "hold", priority=1),
        words_rule("high", "дурак", "hide", priority=5),
        words_rule("ban", "идиот", "ban", priority=0),
        words_rule("tie-strong", "дурак", "delete", priority=1),
    ]
    verdict = Engine(rules).review("ты дурак")
    assert verdict.action == "delete"
    assert verdict.score == 1.0
    assert [r.name for r in verdict.reasons] == ["high", "tie-strong", "low"]
    assert verdict.strike
    first = verdict.reasons_json()[0]
    assert first == {
        "source": "rule",
        "name": "high",
        "action": "hide",
        "detail": 'word "дурак"',
        "span": [3, 8],
    }


def test_mute_rule_gives_its_minutes_and_warn_text():
    rule = words_rule("mute fools", "дурак", "mute", mute_minutes=30, warn_text="Потише.")
    verdict = Engine([rule], warn_text="default").review("дурак")
    assert (verdict.action, verdict.mute_minutes, verdict.warn_text) == ("mute", 30, "Потише.")
    warn = Engine([words_rule("warn", "дурак", "warn")], warn_text="Keep it civil.").review("дурак")
    assert (warn.action, warn.warn_text, warn.mute_minutes) == ("warn", "Keep it civil.", None)


def test_classifier_thresholds_from_model_and_overrides():
    model = FakeClassifier({"a": (0.55, 0.1), "b": (0.97, 0.0), "c": (0.2, 0.65), "d": (0.49, 0.59)})
    engine = Engine([], classifier=model)
    verdicts = engine.review_many(["a", "b", "c", "d"])
    assert model.calls == 1  # one batch
    assert [v.action for v in verdicts] == ["hold", "delete", "hold", "allow"]
    assert verdicts[0].reasons == (Reason("model", "toxic", "hold", "toxic 0.55"),)
    assert verdicts[2].reasons[0].name == "spam"
    assert verdicts[3].score == 0.59

    strict = Engine([], classifier=model, thresholds={"toxic": {"hold": 0.3, "delete": 0.5}, "spam": {}})
    assert [v.action for v in strict.review_many(["a", "b", "c", "d"])] == [
        "delete",
        "delete",
        "hold",
        "hold",
    ]


def test_rule_and_model_reasons_together():
    model = FakeClassifier({"ты дурак": (0.7, 0.0)})
    verdict = Engine([words_rule("fools", "дурак", "hide")], classifier=model).review("ты дурак")
    assert verdict.action == "hide"
    assert [r.source for r in verdict.reasons] == ["rule", "model"]
    assert verdict.score == 1.0


def test_an_allow_rule_sets_aside_lower_rules_and_the_classifier_but_not_higher_rules():
    model = FakeClassifier({"дурак ourshop": (0.99, 0.99), "дурак ourshop идиот": (0.99, 0.99)})
    rules = [
        words_rule("fools", "дурак", "delete"),  # priority 0, like the packs
        words_rule("shop", "ourshop", "allow", priority=10),
        words_rule("slur", "идиот", "ban", priority=20),
    ]
    engine = Engine(rules, classifier=model)
    allowed = engine.review("дурак ourshop")
    assert allowed.action == "allow"
    assert [(r.source, r.name, r.action) for r in allowed.reasons] == [("rule", "shop", "allow")]
    assert not allowed.strike
    banned = engine.review("дурак ourshop идиот")
    assert banned.action == "ban"
    assert [r.name for r in banned.reasons] == ["slur", "shop"]
    # without the exception, the lower rule and the classifier decide as usual
    assert engine.review("дурак").action == "delete"
    same_priority = Engine([words_rule("fools", "дурак", "delete"), words_rule("ok", "ourshop", "allow")])
    assert same_priority.review("дурак ourshop").action == "allow"


LADDER = [{"strikes": 2, "action": "mute", "minutes": 60}, {"strikes": 4, "action": "ban"}]


@pytest.mark.parametrize(
    ("warnings", "action", "minutes"),
    [(0, "delete", None), (1, "mute", 60), (2, "mute", 60), (3, "ban", None), (9, "ban", None)],
)
def test_escalation_ladder(warnings, action, minutes):
    engine = Engine([words_rule("fools", "дурак", "delete")], ladder=LADDER)
    verdict = engine.review(Message("дурак", author=AuthorFacts("u1", warnings=warnings)))
    assert (verdict.action, verdict.mute_minutes) == (action, minutes)
    assert verdict.strike
    if action != "delete":
        assert verdict.reasons[-1].source == "escalation"


def test_escalation_only_for_strikes_and_only_upwards():
    held = Engine([words_rule("fools", "дурак", "hold")], ladder=LADDER)
    assert held.review(Message("дурак", author=AuthorFacts("u", warnings=5))).action == "hold"
    banned = Engine([words_rule("fools", "дурак", "ban")], ladder=LADDER)
    verdict = banned.review(Message("дурак", author=AuthorFacts("u", warnings=1)))
    assert verdict.action == "ban"
    assert all(r.source != "escalation" for r in verdict.reasons)


def test_malformed_ladder_steps_are_skipped():
    engine = Engine(
        [words_rule("f", "дурак", "warn")], ladder=[{"strikes": "x"}, {"action": "ban"}, 5, LADDER[1]]
    )
    assert engine.review(Message("дурак", author=AuthorFacts("u", warnings=3))).action == "ban"


def test_fingerprint_is_the_same_for_disguised_duplicates():
    assert len(fingerprint("Buy now")) == 32
    assert fingerprint("BUY NOW!!!") == fingerprint("b.u.y n0w") == fingerprint("buy  now")
    assert fingerprint("buy now") != fingerprint("buy later")


def test_review_many_records_history_for_flood():
    rule = compile_rule("flood", "all", [{"type": "flood", "messages": 3, "seconds": 10}], "mute")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    author = AuthorFacts("spammer")
    messages = [Message(f"hi {i}", author=author, sent_at=start + timedelta(seconds=i)) for i in range(4)]
    verdicts = Engine([rule]).review_many(messages, InMemoryHistory(), record=True)
    assert [v.action for v in verdicts] == ["allow", "allow", "mute", "mute"]


def test_defaults_has_every_pack_and_the_shipped_model():
    engine = Engine.defaults()
    assert engine is Engine.defaults()
    assert {rule.name for rule in engine.rules} == {"ru_obscenity", "en_profanity", "spam_scams", "flood"}
    assert engine.classifier is not None
    assert engine.review("иди нахуй").action == "delete"
    assert engine.review("Спасибо за пост, очень полезно!").action == "allow"


# --- the workspace's engine ------------------------------------------------------------------------------


def test_for_workspace_uses_rules_packs_and_settings(team):
    ws = team.workspace
    Rule.objects.create(
        workspace=ws, name="no fools", conditions=[{"type": "words", "words": ["дурак"]}], action="warn"
    )
    Rule.objects.create(
        workspace=ws,
        name="off",
        enabled=False,
        conditions=[{"type": "words", "words": ["привет"]}],
        action="ban",
    )
    PackSetting.objects.create(workspace=ws, pack="en_profanity", enabled=False)
    PackSetting.objects.create(workspace=ws, pack="ru_obscenity", action="hide")
    ModerationSettings.objects.create(workspace=ws, classifier_enabled=False, ladder=[], warn_text="Be nice.")

    engine = Engine.for_workspace(ws)
    assert engine.classifier is None
    fool = engine.review("ты дурак")
    assert (fool.action, fool.warn_text, fool.reasons[0].name) == ("warn", "Be nice.", "no fools")
    assert engine.review("привет").action == "allow"
    assert engine.review("fuck").action == "allow"
    assert engine.review("иди нахуй").action == "hide"
    assert engine.review("join t.me/+AbCdEf").action == "delete"  # spam pack: no row, so on by default


def test_for_workspace_creates_settings_and_skips_invalid_rules(team):
    Rule.objects.create(
        workspace=team.workspace, name="broken", conditions=[{"type": "regex", "pattern": "("}], action="ban"
    )
    engine = Engine.for_workspace(team.workspace)
    assert ModerationSettings.objects.filter(workspace=team.workspace).exists()
    assert engine.classifier is not None
    assert all(rule.name != "broken" for rule in engine.rules)


def test_for_workspace_is_cached_and_rebuilt_after_a_change(team, django_assert_num_queries):
    ws = team.workspace
    settings = ModerationSettings.objects.create(workspace=ws, classifier_enabled=False)
    rule = Rule.objects.create(
        workspace=ws, name="fools", conditions=[{"type": "words", "words": ["дурак"]}], action="hide"
    )
    first = Engine.for_workspace(ws)
    with django_assert_num_queries(1):
        assert Engine.for_workspace(ws) is first

    rule.action = "ban"
    rule.save()
    second = Engine.for_workspace(ws)
    assert second is not first
    assert second.review("дурак").action == "ban"

    setting = PackSetting.objects.create(workspace=ws, pack="ru_obscenity", action="warn")
    third = Engine.for_workspace(ws)
    assert third.review("хуй").action == "warn"
    setting.action = "hold"
    setting.save()
    assert Engine.for_workspace(ws).review("хуй").action == "hold"
    setting.enabled = False
    setting.save()
    assert Engine.for_workspace(ws).review("хуй").action == "allow"

    rule.delete()
    assert Engine.for_workspace(ws).review("дурак").action != "ban"

    settings.classifier_enabled = True
    settings.save()
    assert Engine.for_workspace(ws).classifier is not None


def test_workspaces_do_not_share_engines(team):
    Rule.objects.create(
        workspace=team.workspace, name="x", conditions=[{"type": "words", "words": ["кофе"]}], action="ban"
    )
    assert Engine.for_workspace(team.workspace).review("кофе").action == "ban"
    assert Engine.for_workspace(team.other_workspace).review("кофе").action != "ban"
    assert team.workspace.pk in engine_module._workspace_engines
