"""Rule conditions, one by one (a match and a near miss each), their validation, and spans in the original text."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tandem.moderation.engine import AuthorFacts, InMemoryHistory, Message
from tandem.moderation.messages import ACTIONS
from tandem.moderation.models import Action
from tandem.moderation.rules import CONDITION_TYPES, PARAM_KINDS, compile_rule, validate_conditions

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def rule(*conditions, match="all", action="hide"):
    return compile_rule("test rule", match, list(conditions), action)


def matches(condition, text, **message):
    return rule(condition).evaluate(Message(text, **message), message.pop("history", None)) is not None


def test_actions_follow_the_model_choices():
    assert tuple(Action.values) == ACTIONS


def test_every_condition_type_describes_itself_for_the_editor():
    assert set(CONDITION_TYPES) == {
        "words", "phrase", "regex", "links", "invites", "mentions", "caps", "emoji_only", "length",
        "repeated_text", "flood", "author_age", "first_message", "warnings",
    }  # fmt: skip
    for key, ctype in CONDITION_TYPES.items():
        assert ctype.key == key and str(ctype.label) and str(ctype.help)
        for param in ctype.params:
            assert param.kind in PARAM_KINDS and str(param.label)
        defaults = {p.name: p.default for p in ctype.params if not p.required and p.default is not None}
        if not any(p.required for p in ctype.params) and key != "length":
            assert validate_conditions([{"type": key, **defaults}])[0]["type"] == key


# --- text conditions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["ты дурак", "одни дураки тут", "ДУРАКОВ не слушаю", "д у р а к", "д.у.р.а.к", "дурaк", "ДУРАКАМИ"],
)
def test_words_match_every_form_and_disguise(text):
    assert matches({"type": "words", "words": ["дурак"]}, text)


@pytest.mark.parametrize("text", ["дурачок", "придурковатый", "дура", "hello"])
def test_words_do_not_match_other_words(text):
    assert not matches({"type": "words", "words": ["дурак"]}, text)


def test_words_given_in_any_form_match_by_lemma():
    condition = {"type": "words", "words": ["идиотами", "Scam"]}
    assert matches(condition, "какой идиот")
    assert matches(condition, "это идиоты")
    assert matches(condition, "total SCAMS")
    assert not matches(condition, "scammer")


def test_words_with_yo_and_without():
    assert matches({"type": "words", "words": ["ёж"]}, "ежи пришли")
    assert matches({"type": "words", "words": ["еж"]}, "ёжик и ёж")


def test_phrase_on_word_boundaries_after_normalisation():
    condition = {"type": "phrase", "phrases": ["заработок в интернете"]}
    assert matches(condition, "Лёгкий ЗАРАБОТОК  в   интернете!")
    assert matches(condition, "з.а.р.а.б.о.т.о.к в интернете")
    assert not matches(condition, "заработок в интернетах")
    assert not matches({"type": "phrase", "phrases": ["кот"]}, "который час")


def test_regex_on_normalised_and_original_text():
    assert matches({"type": "regex", "pattern": r"\bcasino\b"}, "Best C A S I N O here")
    assert matches({"type": "regex", "pattern": "Promo[0-9]+", "ignore_case": False}, "code Promo2026")
    assert not matches({"type": "regex", "pattern": "Promo[0-9]+", "ignore_case": False}, "code promo2026")
    assert not matches({"type": "regex", "pattern": r"\bcasino\b"}, "casinos")


def test_catastrophic_regex_times_out_instead_of_hanging():
    condition = rule({"type": "regex", "pattern": r"(a+)+$"})
    started = datetime.now(UTC)
    assert condition.evaluate(Message("a" * 40 + "!")) is None
    assert datetime.now(UTC) - started < timedelta(seconds=2)


@pytest.mark.parametrize(
    ("condition", "text", "expected"),
    [
        ({"type": "links"}, "see https://example.com/page", True),
        ({"type": "links"}, "see www.example.org", True),
        ({"type": "links"}, "see example.ru/x", True),
        ({"type": "links"}, "ok.so what now", False),
        ({"type": "links"}, "no links here.", False),
        ({"type": "links", "deny_domains": ["casino.com"]}, "go to https://m.casino.com/win", True),
        ({"type": "links", "deny_domains": ["casino.com"]}, "go to https://notcasino.com", False),
        ({"type": "links", "allow_domains": ["acme.com", "youtube.com"]}, "https://www.youtube.com/x", False),
        ({"type": "links", "allow_domains": ["acme.com"]}, "https://shop.acme.com/x", False),
        ({"type": "links", "allow_domains": ["acme.com"]}, "https://evil.com/x", True),
        ({"type": "links", "shorteners": True}, "click bit.ly/3abc", True),
        ({"type": "links", "shorteners": True}, "https://github.com/x", False),
    ],
)
def test_links(condition, text, expected):
    assert matches(condition, text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("join https://t.me/+AbCdEf123", True),
        ("t.me/joinchat/AAAAAE", True),
        ("telegram.me/somechannel", True),
        ("our server discord.gg/abc123", True),
        ("https://chat.whatsapp.com/Kx12", True),
        ("vk.me/join/abcdef", True),
        ("read t.me/durov for news", False),
        ("telegram is nice", False),
    ],
)
def test_invites(text, expected):
    assert matches({"type": "invites"}, text) is expected


def test_mentions():
    assert matches({"type": "mentions", "min_count": 2}, "@anna and @boris look")
    assert not matches({"type": "mentions", "min_count": 3}, "@anna and @boris look")
    assert not matches({"type": "mentions", "min_count": 1}, "mail me: anna@example.com")


def test_caps():
    assert matches({"type": "caps"}, "КУПИТЕ СЕЙЧАС ПОКА ДЁШЕВО")
    assert not matches({"type": "caps"}, "Купите сейчас пока дёшево")
    assert not matches({"type": "caps"}, "OK FINE")  # too few letters
    assert matches({"type": "caps", "ratio": 0.5, "min_letters": 4}, "OK FINE")


def test_emoji_only():
    assert matches({"type": "emoji_only"}, "😂😂😂")
    assert matches({"type": "emoji_only"}, " 👍🏽 ❤️ 🇷🇺 ")
    assert not matches({"type": "emoji_only"}, "ok 😂")
    assert not matches({"type": "emoji_only"}, "   ")


def test_length():
    assert matches({"type": "length", "min": 5}, "hello")
    assert not matches({"type": "length", "min": 6}, "hello")
    assert matches({"type": "length", "max": 2}, " +  ")
    assert matches({"type": "length", "min": 1, "max": 10}, "hello")


# --- history and author conditions -------------------------------------------------------------------


def test_repeated_text_counts_distinct_authors_within_the_window():
    condition = rule({"type": "repeated_text", "authors": 3, "seconds": 60})
    history = InMemoryHistory()

    def send(author, text, seconds):
        message = Message(text, author=AuthorFacts(author), sent_at=NOW + timedelta(seconds=seconds))
        history.add(message)
        return condition.evaluate(message, history)

    assert send("a", "Buy followers now", 0) is None
    assert send("a", "Buy followers now", 1) is None  # the same author again
    assert send("b", "BUY f.o.l.l.o.w.e.r.s now!", 2) is None
    assert send("c", "buy followers  now", 3) is not None
    assert send("d", "buy followers now", 200) is None  # the others are outside the window


def test_flood_counts_the_author_in_the_channel():
    condition = rule({"type": "flood", "messages": 3, "seconds": 10})
    history = InMemoryHistory()
    verdicts = []
    for i, (author, channel) in enumerate([("a", "x"), ("a", "x"), ("a", "y"), ("b", "x"), ("a", "x")]):
        message = Message(
            f"m{i}", author=AuthorFacts(author), sent_at=NOW + timedelta(seconds=i), channel_key=channel
        )
        history.add(message)
        verdicts.append(condition.evaluate(message, history) is not None)
    assert verdicts == [False, False, False, False, True]
    assert condition.evaluate(Message("x", author=AuthorFacts("a"))) is None  # no history, no flood


def test_author_conditions():
    new = AuthorFacts("a", first_seen=NOW - timedelta(hours=2), message_count=1, warnings=0)
    old = AuthorFacts("b", first_seen=NOW - timedelta(days=3), message_count=40, warnings=3)
    assert matches({"type": "author_age", "hours": 24}, "hi", author=new, sent_at=NOW)
    assert not matches({"type": "author_age", "hours": 24}, "hi", author=old, sent_at=NOW)
    assert matches({"type": "first_message"}, "hi", author=new)
    assert not matches({"type": "first_message"}, "hi", author=old)
    assert not matches({"type": "first_message"}, "hi")
    assert matches({"type": "warnings", "min": 3}, "hi", author=old)
    assert not matches({"type": "warnings", "min": 1}, "hi", author=new)


# --- combining, spans -----------------------------------------------------------------------------------


def test_all_and_any():
    link = {"type": "links"}
    first = {"type": "first_message"}
    newcomer = AuthorFacts("n", message_count=1)
    regular = AuthorFacts("r", message_count=50)
    both = rule(link, first)
    either = rule(link, first, match="any")
    assert both.evaluate(Message("see example.com", author=newcomer)) is not None
    assert both.evaluate(Message("see example.com", author=regular)) is None
    assert either.evaluate(Message("see example.com", author=regular)) is not None
    assert either.evaluate(Message("hello", author=newcomer)) is not None
    assert either.evaluate(Message("hello", author=regular)) is None


def test_reason_details_and_span_of_the_first_text_condition():
    reason = rule({"type": "first_message"}, {"type": "words", "words": ["дурак"]}).evaluate(
        Message("Ну ты и Д.У.Р.А.К!", author=AuthorFacts("n", message_count=1))
    )
    assert reason.source == "rule" and reason.name == "test rule" and reason.action == "hide"
    assert reason.detail == 'author\'s first message; word "Д.У.Р.А.К"'
    assert reason.span == (8, 17)


@pytest.mark.parametrize(
    ("condition", "text", "matched"),
    [
        ({"type": "words", "words": ["идиот"]}, "ну ты\u200b И.Д.И.О.Т!", "И.Д.И.О.Т"),
        ({"type": "words", "words": ["дурак"]}, "ДУУУРАК!!", "ДУУУРАК"),
        ({"type": "words", "words": ["scam"]}, "total ｓｃａｍ here", "ｓｃａｍ"),
        ({"type": "phrase", "phrases": ["free money"]}, "get FR3E m0ney now", "FR3E m0ney"),
        ({"type": "regex", "pattern": "казино"}, "лучшее kaзино тут", "kaзино"),
        ({"type": "links"}, "  смотри тут: https://Example.com/A?b=1.", "https://Example.com/A?b=1"),
        ({"type": "mentions", "min_count": 1}, "привет @anna_b!", "@anna_b"),
    ],
)
def test_span_maps_back_to_the_original_text(condition, text, matched):
    reason = rule(condition).evaluate(Message(text))
    start, end = reason.span
    assert text[start:end] == matched


# --- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ("words", "Conditions must be a list."),
        ({"type": "words"}, "Conditions must be a list."),
        ([], "Add at least one condition."),
        ([5], "Condition 1: must be an object"),
        ([{"words": ["x"]}], 'Condition 1: unknown type "None"'),
        ([{"type": "nope"}], 'Condition 1: unknown type "nope"'),
        ([{"type": ["words"]}], "Condition 1: unknown type"),
        (
            [{"type": "caps"}, {"type": "regex", "pattern": "a(b"}],
            "Condition 2 (regex): invalid pattern: missing )",
        ),
        ([{"type": "regex", "pattern": "x*"}], "Condition 1 (regex): the pattern matches an empty text"),
        ([{"type": "regex"}], "Condition 1 (regex): pattern is required"),
        ([{"type": "regex", "pattern": 5}], "Condition 1 (regex): pattern must be a text"),
        ([{"type": "regex", "pattern": "a" * 1001}], "longer than 1000"),
        ([{"type": "words", "words": []}], "Condition 1 (words): add at least one item"),
        ([{"type": "words", "words": [1, 2]}], "Condition 1 (words): words must be a list of texts"),
        ([{"type": "words", "words": {"a": 1}}], "words must be a list of texts"),
        ([{"type": "words", "words": ["два слова"]}], "is more than one word: use a phrase"),
        ([{"type": "phrase", "phrases": ["!!!"]}], '"!!!" has no letters or digits'),
        ([{"type": "author_age", "hours": 1e300}], "hours must be at most"),
        ([{"type": "caps", "ratio": "lots"}], "Condition 1 (caps): ratio must be a number"),
        ([{"type": "caps", "ratio": 1.5}], "ratio must be at most 1"),
        ([{"type": "caps", "ratio": True}], "ratio must be a number"),
        ([{"type": "caps", "ratio": [1]}], "ratio must be a number"),
        ([{"type": "caps", "ratio": float("nan")}], "ratio must be a number"),
        ([{"type": "caps", "min_letters": 2.5}], "min_letters must be a whole number"),
        ([{"type": "caps", "shout": 1}], 'Condition 1 (caps): unknown parameter "shout"'),
        ([{"type": "flood", "messages": -1}], "messages must be at least 2"),
        ([{"type": "links", "deny_domains": ["not a domain"]}], '"not a domain" is not a domain'),
        ([{"type": "links", "shorteners": "maybe"}], "shorteners must be true or false"),
        ([{"type": "length"}], "give a minimum, a maximum or both"),
        ([{"type": "length", "min": 5, "max": 2}], "the minimum is larger than the maximum"),
    ],
)
def test_validation_errors_name_the_condition(conditions, message):
    with pytest.raises(ValidationError) as raised:
        validate_conditions(conditions)
    assert any(message in text for text in raised.value.messages), raised.value.messages


def test_every_bad_condition_is_reported():
    with pytest.raises(ValidationError) as raised:
        validate_conditions([{"type": "nope"}, {"type": "caps"}, {"type": "regex", "pattern": "("}])
    assert len(raised.value.messages) == 2
    assert raised.value.messages[1].startswith("Condition 3 (regex)")


def test_validation_cleans_and_fills_defaults():
    cleaned = validate_conditions(
        [
            {"type": "words", "words": "дурак\nидиот, дурак\n"},
            {"type": "caps", "ratio": "0,8"},
            {"type": "links", "deny_domains": ["https://WWW.Casino.com/path"], "shorteners": "on"},
            {"type": "flood", "messages": "7"},
        ]
    )
    assert cleaned == [
        {"type": "words", "words": ["дурак", "идиот"]},
        {"type": "caps", "ratio": 0.8, "min_letters": 10},
        {"type": "links", "deny_domains": ["casino.com"], "allow_domains": [], "shorteners": True},
        {"type": "flood", "messages": 7, "seconds": 10},
    ]


def test_compile_rule_checks_match_and_action():
    with pytest.raises(ValidationError, match="all"):
        compile_rule("r", "some", [{"type": "caps"}], "hide")
    with pytest.raises(ValidationError, match="Unknown action"):
        compile_rule("r", "all", [{"type": "caps"}], "explode")
    with pytest.raises(ValidationError, match="Condition 1"):
        compile_rule("r", "all", [{"type": "regex", "pattern": "["}], "hide")


JUNK = [
    None,
    True,
    0,
    -1,
    2**70,
    1e308,
    float("inf"),
    "",
    " ",
    "x",
    "5",
    "((",
    "🙂",
    [],
    [None],
    ["a", 1],
    {},
    {"a": 1},
]


def test_any_json_shape_gives_a_validation_error_or_a_rule():
    """Whatever a form or an API sends, the answer is a cleaned rule or a ValidationError, nothing else."""
    rng = random.Random(4)
    for _ in range(3000):
        kind = rng.choice([*CONDITION_TYPES, "nope", None, 5])
        params = {p.name for p in CONDITION_TYPES[kind].params} if kind in CONDITION_TYPES else {"x"}
        condition = {name: rng.choice(JUNK) for name in params if rng.random() < 0.8}
        if rng.random() < 0.95:
            condition["type"] = kind
        conditions = rng.choice([[condition], [condition, condition], condition, "x", None])
        try:
            compiled = compile_rule("fuzz", rng.choice(["all", "any"]), conditions, "hold")
        except ValidationError as error:
            assert error.messages
        else:
            compiled.evaluate(Message("проверка 🙂 @a https://x.com", author=AuthorFacts("a")))
