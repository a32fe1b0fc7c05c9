"""Ready packs: a table of disguised spellings each pack must catch and of innocent words it must leave alone."""

from datetime import UTC, datetime, timedelta

import pytest

from tandem.moderation.conditions import Context
from tandem.moderation.engine import AuthorFacts, Engine, InMemoryHistory, Message
from tandem.moderation.packs import PACKS


def pack_reason(key, text):
    ctx = Context(Message(text))
    return next((reason for rule in PACKS[key].rules if (reason := rule.evaluate_context(ctx))), None)


RU_OBSCENE = [
    "хуй", "х.у-й", "xyй", "Х У Й", "х*й", "нахуй", "н@хуй", "похуй", "охуеть", "ахуеть", "нихуя", "хуйня",
    "пиздец", "пиzдец", "п1зда", "3.14здец", "3,14зда", "пи*дец", "ПИЗДЕЦ",
    "ёб твою мать", "ебать", "еб@ть", "заебал", "отъебись", "съебал", "сьебал", "уёбок", "долбоёб", "ебанутый",
    "выебон", "еблан",
    "бля", "бляяяя", "блядь", "блять", "бл*ть", "бл@ть", "6ля",
    "мудак", "muдак", "пидорас", "п1д0р", "педик", "залупа", "шлюха", "шалава", "сука", "гандон", "херня",
    "нахер", "дрочить", "мандавошка", "ёпта", "blyat", "pizdec",
]  # fmt: skip
RU_INNOCENT = [
    "оскорблять", "употреблять", "употребление", "колебаться", "колеблется", "небо", "Неба", "ребята", "хлеб",
    "хлебушек", "себя", "тебя", "учеба", "учебник", "служебный", "потребовать", "требуется", "жеребец",
    "лебедь", "гребень", "дебют", "обед", "победа", "страхует", "застрахую", "психуешь", "мудрый",
    "мудрость", "шлюз", "бляха", "бляшка", "блеск", "блатной", "педикюр", "педагог", "педаль", "херсон",
    "херес", "мандарин", "мандат", "Ебург", "хулиган", "Хуан", "спидометр", "сукно", "сучок", "скорбь",
    "ent", "eb", "Ebay", "Hui Zhang",
]  # fmt: skip
EN_PROFANE = [
    "fuck", "f u c k", "f.u.c.k", "f*ck", "f**k", "fuuuuck", "FUCKING", "motherfucker", "fck", "shit", "sh1t",
    "sh!t", "sh*t", "bullshit", "b1tch", "bitch", "a$$hole", "asshole", "cunt", "dumbass", "wanker", "n1gger",
    "faggot", "retard", "ｆｕｃｋ",
]  # fmt: skip
EN_INNOCENT = [
    "class", "pass", "assess", "assassin", "Scunthorpe", "Dickens", "cockpit", "peacock", "cocktail", "shiitake",
    "snigger", "niggardly", "Niger", "swanky", "Fukushima", "title", "butter", "classic", "grass", "analysis",
    "therapist", "spice", "raccoon", "bass", "document", "Sussex",
]  # fmt: skip


@pytest.mark.parametrize("text", RU_OBSCENE)
def test_russian_obscenity_is_caught_in_every_disguise(text):
    reason = pack_reason("ru_obscenity", f"ну {text} конечно")
    assert reason is not None, text
    start, end = reason.span
    assert 3 <= start < end <= 3 + len(text)  # within the word as written


@pytest.mark.parametrize("text", RU_INNOCENT)
def test_russian_innocent_words_pass(text):
    assert pack_reason("ru_obscenity", f"вот {text} тут") is None


@pytest.mark.parametrize("text", EN_PROFANE)
def test_english_profanity_is_caught_in_every_disguise(text):
    assert pack_reason("en_profanity", f"oh {text} really") is not None


@pytest.mark.parametrize("text", EN_INNOCENT)
def test_english_innocent_words_pass(text):
    assert pack_reason("en_profanity", f"the {text} here") is None


def test_obscenity_span_is_the_disguised_word_as_written():
    text = "Ты х.у-й!"
    reason = pack_reason("ru_obscenity", text)
    assert text[slice(*reason.span)] == "х.у-й"


SPAM = [
    "Earn $500 a day from home, no experience needed!",
    "Заработок от 5000 руб в день, пишите в лс",
    "Double your bitcoin in 24 hours, guaranteed",
    "Drop your wallet for 0.5 ETH",
    "Пассивный доход на крипте, подробности в личку",
    "Требуются сотрудники на удалённую работу, ЗП от 950$ за неделю, писать в телеграм",
    "Ищу людей в команду, доход от 3000$ https://example.xyz/join",
    "Горячие девушки твоего города 18+ https://t.me/hotgirls",
    "Join our group https://t.me/+AbCdEfGh123",
    "чат для своих: t.me/joinchat/BBBBBB",
    "Please subscribe to my channel!!",
    "Подпишись на мой канал, там интересно",
    "ЗАРАБОТОК БЕЗ ВЛОЖЕНИЙ!!!",
    "Check out my channel for free stuff",
    "Работа на дому, от 2000 руб в день",
]
NOT_SPAM = [
    "Где вы работаете? Я вот на удалёнке",
    "Сколько сейчас доход у таких блогеров?",
    "Порно запретят, говорят",
    "напиши мне в лс, скину фото с поездки",
    "см. https://docs.python.org/3/",
    "Our team is looking for feedback on the new design",
    "Привет всем! Как дела?",
    "I make bread at home every weekend",
    "Invest in your education, it pays the best interest",
    "read t.me/durov for news",
]


@pytest.mark.parametrize("text", SPAM)
def test_spam_and_scams_are_caught(text):
    assert pack_reason("spam_scams", text) is not None


@pytest.mark.parametrize("text", NOT_SPAM)
def test_conversation_is_not_spam(text):
    assert pack_reason("spam_scams", text) is None


def test_flood_pack_needs_history():
    history = InMemoryHistory()
    start = datetime(2026, 5, 1, tzinfo=UTC)
    engine = Engine(list(PACKS["flood"].rules))
    author = AuthorFacts("flooder")
    actions = [
        engine.review(
            Message(f"msg {i}", author=author, sent_at=start + timedelta(seconds=i)), history, record=True
        )
        for i in range(6)
    ]
    assert [v.action for v in actions] == ["allow"] * 4 + ["delete"] * 2
    repeated = [
        engine.review(Message("Free gift!", author=AuthorFacts(f"u{i}"), sent_at=start), history, record=True)
        for i in range(3)
    ]
    assert [v.action for v in repeated] == ["allow", "allow", "delete"]
    assert "same text from 3 authors" in repeated[-1].reasons[0].detail


def test_every_pack_describes_itself():
    assert set(PACKS) == {"ru_obscenity", "en_profanity", "spam_scams", "flood"}
    for key, pack in PACKS.items():
        assert pack.key == key and str(pack.label) and str(pack.description)
        assert pack.default_action in ("hold", "hide", "delete")
        assert pack.rules and all(rule.source == "pack" and rule.name == key for rule in pack.rules)
        assert {rule.action for rule in pack.with_action("hold")} == {"hold"}
