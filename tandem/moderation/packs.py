"""Ready rule packs a workspace can switch on: Russian obscenity, English profanity and slurs, spam and scams,
flood.

The word lists below are written here from knowledge of the languages, not copied from a list file. They run on
the normalised text (tandem.moderation.normalize has already undone homoglyphs, leetspeak, separators,
stretching and invisible characters, and folded case; ё is folded to е), so each pattern only needs the plain
spellings plus the few disguises that survive normalisation: a Latin letter in a word that is "really" mixed
(пиzдец), an asterisk for a vowel (х*й, f*ck), "3.14" for "пи". Each pack keeps a table of innocent words
that share letters with the obscene ones (небо, хлеб, оскорблять, страхует, шлюз, Scunthorpe…):
tests/moderation/test_packs.py holds both tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.moderation.conditions import (
    AnyOf,
    FloodCondition,
    InvitesCondition,
    LinksCondition,
    MentionsCondition,
    PatternCondition,
    RepeatedTextCondition,
)
from tandem.moderation.rules import CompiledRule

__all__ = ["PACKS", "Pack"]


@dataclass(frozen=True)
class Pack:
    """A ready set of rules with a name, a description and the action it takes unless the workspace picks
    another (models.PackSetting)."""

    key: str
    label: str | Promise
    description: str | Promise
    default_action: str
    rules: tuple[CompiledRule, ...]  # with the default action

    def with_action(self, action: str) -> list[CompiledRule]:
        """The pack's rules with the action the workspace chose for it."""
        return [replace(rule, action=action) for rule in self.rules]


# A letter of a word, for "not inside a word" checks; digits count (they stand for letters: 3.14здец).
_W = r"[0-9a-z\u0430-\u044f\u0451]"
_START = rf"(?<!{_W})"
_END = rf"(?!{_W})"

# Latin letters and digits that survive normalisation inside a Cyrillic word (a mixed word keeps them).
_CYR_LOOKALIKES = {
    "а": "аa@", "б": "б6b", "в": "вb", "г": "гr", "д": "дd", "е": "еe", "з": "з3z", "и": "иiu", "й": "йi",
    "к": "кk", "л": "лl", "м": "мm", "н": "нhn", "о": "оo0", "п": "пn", "р": "рp", "с": "сc$", "т": "тt",
    "у": "уyu", "х": "хx", "ч": "ч4", "ш": "шw",
}  # fmt: skip


def _cyr(stem: str) -> str:
    """A Cyrillic stem as a pattern that also accepts the look-alikes of each letter; "*" stands for any one
    masked letter (х*й)."""
    out = []
    for ch in stem:
        if ch == "*":
            out.append(r"[*]")
        elif ch in _CYR_LOOKALIKES:
            out.append(f"[{re.escape(_CYR_LOOKALIKES[ch])}]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _vowel(letters: str) -> str:
    """A vowel position that may also be masked with an asterisk."""
    return "(?:" + "|".join([_cyr(ch) for ch in letters] + [r"[*]"]) + ")"


def _rule(pack: str, action: str, *conditions, match: str = "any") -> CompiledRule:
    return CompiledRule(pack, match, tuple(conditions), action, source="pack")


def _word_conditions(
    patterns: list[str], label: str, exceptions: re.Pattern[str], needs: re.Pattern[str] | None = None
) -> tuple[PatternCondition, ...]:
    """Conditions for a list of patterns, in two groups for speed: those that must start a word share one
    look-behind in front (a position inside a word then fails at once), the others are left to begin with
    a plain letter (which the regex engine scans for without trying the whole pattern at each position)."""
    at_start = [p.removeprefix(_START) for p in patterns if p.startswith(_START)]
    anywhere = [p for p in patterns if not p.startswith(_START)]
    return tuple(
        PatternCondition(re.compile(pattern), label, exceptions, needs)
        for pattern in ("|".join(anywhere), _START + "(?:" + "|".join(at_start) + ")")
    )


# --- Russian obscenity (мат) ----------------------------------------------------------------------------

# Prefixes that Russian mat takes (по-хуй, на-ебать, от-ъ-ебись, долбо-ёб); the hard sign is often
# written as ь or dropped after a consonant, but "с" + "еб" without it is "себя", so those need ъ/ь.
_RU_PREFIX = r"(?:по|па|на|ни|за|до|вы|у|о|а|об|от|под|при|пере|раз|рас|из|вз|въ|долбо|недо)"
_RU_HARD_PREFIX = r"(?:съ|сь|отъ|оть|разъ|разь|подъ|подь|объ|обь|изъ|изь|въ|вь|взъ)"

_RU_OBSCENE = [
    # хуй and its family: хуй, хуе-, хуё-, хуя-, хую, хуи; only at the start of a word or after a prefix,
    # so страхует, психуешь, застрахую stay innocent.
    rf"{_START}{_RU_PREFIX}?{_cyr('х')}{_vowel('у')}{_cyr('й')}",
    rf"{_START}{_RU_PREFIX}?{_cyr('х')}{_vowel('у')}[еяюи]",
    # пизд-: no innocent Russian word has it; "3.14" reads "пи".
    rf"(?:{_cyr('п')}{_vowel('ие')}|3[.,]14)(?:{_cyr('з')}|[*]){_cyr('д')}",
    # еб-/ёб-: at the start of a word or after a prefix (небо, хлеб, ребята, себя, учеба are not).
    rf"{_START}(?:{_RU_PREFIX}|{_RU_HARD_PREFIX})?{_cyr('е')}{_cyr('б')}(?:[аеилнотуыья]|{_END})",
    rf"{_START}{_cyr('е')}{_cyr('п')}(?:{_cyr('т')}|{_cyr('т')}{_cyr('а')}){_END}",
    # бля, блядь, блять (бляха, бляшка, блеск are not)
    rf"{_START}{_cyr('б')}{_cyr('л')}(?:{_vowel('я')}(?:{_cyr('д')}\w*|{_cyr('т')}[ьи]|{_END})|а[тд][ьи])",
    # мудак, мудила, мудозвон (мудрый is not)
    rf"{_START}{_cyr('м')}{_vowel('у')}{_cyr('д')}(?:ак|ач|ил|озвон|ень|охал)",
    # пидор, пидорас, пидарас, пидр, педик (педикюр is an exception below)
    rf"{_START}{_cyr('п')}{_vowel('ие')}{_cyr('д')}(?:{_vowel('оа')}{_cyr('р')}|{_cyr('р')}{_END}|ик|ераст)",
    rf"{_START}{_cyr('з')}{_vowel('а')}{_cyr('л')}{_vowel('у')}{_cyr('п')}",
    # шлюха, шалава (шлюз is not)
    rf"{_cyr('ш')}{_cyr('л')}{_vowel('ю')}{_cyr('х')}",
    rf"{_START}{_cyr('ш')}{_vowel('а')}{_cyr('л')}{_vowel('а')}{_cyr('в')}",
    rf"{_START}{_cyr('с')}{_vowel('у')}(?:{_cyr('к')}(?:а|и|е|у|ой|ам|ами|ах|ин\w*){_END}|{_cyr('ч')}ар)",
    rf"{_START}{_cyr('г')}[оа]{_cyr('н')}{_cyr('д')}[оа]{_cyr('н')}",
    rf"{_START}(?:на|по|ни)?{_cyr('х')}{_vowel('е')}{_cyr('р')}(?:н[яиеюь]|ов\w*|ом)?{_END}",
    rf"{_START}(?:при|за|по|на|от|вз|рас)?{_cyr('д')}{_cyr('р')}{_vowel('о')}{_cyr('ч')}",
    rf"{_START}{_cyr('м')}{_vowel('а')}{_cyr('н')}{_cyr('д')}(?:а|ы|е|у|ой|авошк\w*){_END}",
]
# Mat in Latin transliteration.
_RU_TRANSLIT = rf"{_START}(?:blya[dt]\w*|pizd\w*|(?:na|po)hu[iy]|huy(?:nya|lo)?|ebat\w*|ebal\w*){_END}"
# The patterns above accept Latin look-alikes for words that stay mixed after normalisation (пиzдец, muдак);
# a match must still have a Cyrillic letter, or "ent" and "eb" in English would be "епт" and "еб".
_CYRILLIC = re.compile("[\u0430-\u044f]")
# Whole words that a pattern above reaches but that are innocent.
_RU_INNOCENT = re.compile(r"педикюр\w*|ебург\w*|ебитд\w*")

ru_obscenity = Pack(
    key="ru_obscenity",
    label=_("Russian obscenity"),
    description=_("Russian mat in every form, including disguised spellings (х.у-й, xyй, пиzдец, бляяя)."),
    default_action="delete",
    rules=(
        _rule(
            "ru_obscenity",
            "delete",
            *_word_conditions(_RU_OBSCENE, "obscenity", _RU_INNOCENT, needs=_CYRILLIC),
            PatternCondition(re.compile(_RU_TRANSLIT), "obscenity"),
        ),
    ),
)

# --- English profanity and slurs -------------------------------------------------------------------------

_EN_PROFANE = [
    # anywhere in a word: motherfucker, clusterfuck, bullshit, dipshit, sonofabitch
    r"f[u*@#]+ck|f[*]+k",
    rf"{_START}(?:fuk|fuks|fukin|fuking|fukk\w*|fck\w*|fcuk\w*|phuck\w*){_END}",
    r"sh[i*!]+t",
    r"b[i*!]+tch",
    r"a[s*]{2}hole",
    r"arsehole",
    r"cunt",
    rf"{_START}wank",
    r"cocksuck",
    rf"{_START}douche(?:bag\w*|s)?{_END}",
    # whole words only (class, pass, Dickens, cockpit are not)
    rf"{_START}(?:ass|asses|dumbass|jackass|fatass|asswipe|asshat|dickhead|dickface|twat|twats|pussy|pussies"
    rf"|bastard|bastards|whore|whores|slut|sluts|slutty|prick|pricks|bollocks|jerkoff){_END}",
    # slurs, whole words (snigger and niggardly are not)
    rf"{_START}(?:n[i*!]gg(?:er|a|ah|az)s?|fag|fags|faggot|faggots|retard|retards|retarded|tranny|trannies"
    rf"|kike|kikes|spic|spics|wetback|wetbacks|gook|gooks|towelhead|raghead|beaner|beaners){_END}",
]
_EN_INNOCENT = re.compile(r"shiitake|shitake|shitzu|scunthorpe\w*|wankel")

en_profanity = Pack(
    key="en_profanity",
    label=_("English profanity and slurs"),
    description=_("English swear words and slurs, including disguised spellings (f u c k, sh1t, f*ck)."),
    default_action="delete",
    rules=(
        _rule(
            "en_profanity",
            "delete",
            *_word_conditions(_EN_PROFANE, "profanity", _EN_INNOCENT),
        ),
    ),
)

# --- spam and scams ---------------------------------------------------------------------------------------

# An amount of money: "$500", "500$", "5 000 руб", "300k", "100 usdt", "₹40".
_AMOUNT = (
    r"(?:[$€₽₹]\s*\d[\d.,]*\s*(?:k|к)?|\d[\d .,]*\s*(?:k|к|тыс\w*)?\s*"
    r"(?:[$€₽₹]|usdt|usd|btc|eth|dollars?|euros?|руб\w*|р\.))"
)
_PER_DAY = r"(?:в|a|per|за|every|each|каждый)\s*(?:день|сутки|неделю|час|месяц|day|week|hour|month)"
_EARNING = r"(?:доход\w*|прибыл\w*|заработ\w*|зп|зарплат\w*|оплат\w*|earn\w*|profit\w*|income|make|paid)"

# Signals that are spam on their own.
_SCAM = [
    r"(?:double|triple|x2|x10) your (?:money|btc|bitcoin|crypto|investment)",
    r"(?:guaranteed|daily|weekly) (?:profits?|returns?|income)|\d+ ?% (?:profit|returns?) (?:in|within|every)",
    r"(?:free|claim your) (?:bitcoin|btc|crypto|usdt|eth|airdrop)|drop your wallets?|shill me",
    r"(?:гарантированн\w+|ежедневн\w+) (?:доход\w*|прибыл\w*|заработ\w*)|заработ\w* без вложений",
    rf"{_EARNING}\W+(?:\w+\W+){{0,4}}?(?:от|from|up to|до)?\W*{_AMOUNT}\W*{_PER_DAY}",
    r"(?:earn|make) (?:money|cash) (?:from|at) home|(?:работа|заработок|подработка) на дому",
    r"ставим (?:строго )?на (?:точный )?тотал|\d+ выигрыш\w* в ряд",
]
_SELF_PROMOTION = [
    r"(?:check out|visit|subscribe to|sub to) my (?:channel|page|profile|site|website|videos?)",
    r"(?:please|pls|plz) (?:subscribe|sub)\b|sub ?4 ?sub|sub for sub",
    r"подпи(?:шись|шитесь|сывайтесь) на (?:мой|наш) (?:канал|профиль|паблик)",
]
# Lures: an offer of money, work, investment, adult content or bets. Alone they are conversation ("где ты
# работаешь на дому?", "порно запретят"); with a way to get in touch (below) they are an advertisement.
_LURE = [
    r"(?:пассивн\w+|стабильн\w+|высок\w+) (?:доход\w*|заработ\w*|прибыл\w*)|passive income",
    r"(?:crypto|forex|trading|investment|binary options?)\s+(?:signals?|platform|expert|mentor|plan|opportunit\w+)",
    r"(?:крипт\w*|инвестиц\w*|трейдинг\w*|арбитраж\w*)\W+(?:\w+\W+){0,3}?(?:доход\w*|прибыл\w*|заработ\w*|сигнал\w*)",
    r"(?:работ\w*|заработ\w*|доход\w*|подработ\w*) (?:на дому|из дома|не выходя из дома|в интернете|онлайн)",
    r"(?:удаленн\w+|удалённ\w+) (?:работ\w*|подработ\w*|заработ\w*)|(?:work|jobs?) from home|без опыта",
    r"(?:ищу|нужны|нужен|требуются|требуется|набираю|набираем|приглашаю|приглашаем|открыт набор|looking for|hiring)"
    r"\W+(?:\w+\W+){0,3}?(?:людей|человек|сотрудник\w*|партн[её]р\w*|помощник\w*|курьер\w*|менеджер\w*|"
    r"администратор\w*|people|partners|assistants?|workers|agents)",
    rf"{_EARNING}\W+(?:\w+\W+){{0,3}}?(?:от|from|up to|до)\W*{_AMOUNT}",
    r"(?<!\w)(?:porn\w*|порно\w*|xxx|onlyfans|nudes?|webcam girls?|sex ?chat|hot girls|эротик\w*|интим\w*"
    r"|секс[ -]?знакомств\w*|знакомств\w* для секса|девушки (?:твоего|вашего) города"
    r"|girls? (?:in|from) your (?:city|area))(?!\w)|18\+",
    r"ставк\w* на спорт|прогноз\w* на (?:матч|спорт)|betting tips|casino|казино",
]
# Ways to get in touch: private messages, a link, a bot or account handle.
_CONTACT = (
    r"(?:пиши|пишите|напиши|напишите|жду|стучи|стучите|обращайтесь|писать)\W+(?:\w+\W+){0,2}?(?:в\s+)?"
    r"(?:лс|личку|личные|директ|dm|pm|telegram|телеграм|тг|whatsapp|ватсап)"
    r"|(?:write|message|text|dm|pm|contact) me\b|(?:in|via) (?:dm|pm|private|direct)"
    r"|в (?:лс|личку|личные сообщения|директ)|(?:\+|плюс) в (?:лс|личку)"
)


def _patterns(label: str, patterns: list[str]) -> PatternCondition:
    """One condition for phrases that each start a word (one shared look-behind keeps the scan fast)."""
    return PatternCondition(re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"), label)


spam_scams = Pack(
    key="spam_scams",
    label=_("Spam and scams"),
    description=_(
        'Crypto and investment schemes, "earn from home", job offers in private messages, adult content, '
        "invite links to other chats, channel self-promotion."
    ),
    default_action="delete",
    rules=(
        _rule(
            "spam_scams",
            "delete",
            _patterns("scam", _SCAM),
            _patterns("self-promotion", _SELF_PROMOTION),
            InvitesCondition(),
        ),
        _rule(
            "spam_scams",
            "delete",
            _patterns("offer", _LURE),
            AnyOf(_patterns("private messages", [_CONTACT]), LinksCondition([], []), MentionsCondition(1)),
            match="all",
        ),
    ),
)

# --- flood ------------------------------------------------------------------------------------------------

flood = Pack(
    key="flood",
    label=_("Flood"),
    description=_(
        "Five or more messages from one author within 10 seconds, and the same text from three or more "
        "authors within 10 minutes."
    ),
    default_action="delete",
    rules=(
        _rule(
            "flood",
            "delete",
            FloodCondition(messages=5, seconds=10),
            RepeatedTextCondition(authors=3, seconds=600),
        ),
    ),
)

PACKS: dict[str, Pack] = {pack.key: pack for pack in (ru_obscenity, en_profanity, spam_scams, flood)}
