"""The conditions a moderation rule is made of, and what each one looks at in a message.

Every condition is built once (when a rule is compiled) and then asked ``check(context)`` for each message;
it answers ``None`` or a ``Hit``: a short human description and, for text conditions, the span it matched in
the *original* text. A ``Context`` holds one message with everything derived from it computed at most once
(the normalised text, its words, its links), so ten rules on a comment normalise it once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import NamedTuple

import regex

from tandem.moderation.lemmas import WORD_RE, lemmatize
from tandem.moderation.messages import History, Message, fingerprint_of
from tandem.moderation.normalize import Normalized, normalize

logger = logging.getLogger(__name__)

# A user's regex runs at most this long per text; a catastrophic pattern then simply does not match.
USER_REGEX_TIMEOUT = 0.02


class Hit(NamedTuple):
    detail: str
    span: tuple[int, int] | None = None


class Link(NamedTuple):
    domain: str
    start: int  # in the normalised text
    end: int


# --- links -----------------------------------------------------------------------------------------------

# Bare domains ("bit.ly/x", "example.ru") count as links only with a known top-level domain, so that
# "ok.so" or "hello.world" typed without a space are not taken for links; with a scheme or "www." any is.
_BARE_TLDS = (
    "com|net|org|info|biz|xyz|io|me|co|ly|gg|tv|app|dev|site|online|top|shop|store|club|link|live|pro|ai|gy|"
    "id|at|in|ink|ru|su|рф|ua|by|kz|uz|us|uk|de|fr|eu|cc|to|gl|be|tk|ml|ga|cf|ws|ph|cn|page|click|fun|icu|vip"
)
_LABEL = r"[a-z0-9\u0430-\u044f\u0451](?:[a-z0-9\u0430-\u044f\u0451-]*[a-z0-9\u0430-\u044f\u0451])?"
_LINK_RE = re.compile(
    rf"(?i)(?:(?:https?|ftp)://(?:www\.)?(?P<full>(?:{_LABEL}\.)+{_LABEL})"
    rf"|www\.(?P<www>(?:{_LABEL}\.)+{_LABEL})"
    rf"|(?<![\w@.-])(?P<bare>(?:{_LABEL}\.)+(?:{_BARE_TLDS}))(?![\w-]))"
    r"(?::\d+)?(?:[/?#](?:[^\s<>\"']*[^\s<>\"'.,!?;:)\]])?)?"  # less trailing punctuation
)
_DOMAIN_RE = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")
_LINK_HINT_RE = re.compile(rf"(?i)www\.|\.(?:{_BARE_TLDS})(?![\w-])")


def may_have_link(text: str) -> bool:
    """A cheap test that spares most comments (no link in them) the full link pattern."""
    return "://" in text or _LINK_HINT_RE.search(text) is not None


URL_SHORTENERS = frozenset(
    {
        "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rebrand.ly",
        "shorturl.at", "clck.ru", "vk.cc", "u.to", "tiny.cc", "rb.gy", "s.id", "lnkd.in", "bl.ink", "t.ly",
        "surl.li", "shorturl.com", "qps.ru",
    }
)  # fmt: skip


def domain_matches(domain: str, listed: Iterable[str]) -> bool:
    """Whether ``domain`` is one of ``listed`` or a subdomain of one ("m.example.com" is "example.com")."""
    return any(domain == d or domain.endswith("." + d) for d in listed)


# --- the context ------------------------------------------------------------------------------------------


class Context:
    """One message being judged, with its derived forms computed lazily and at most once."""

    __slots__ = ("_fingerprint", "_links", "_words", "folded", "history", "message", "norm", "now")

    def __init__(self, message: Message, history: History | None = None):
        self.message = message
        self.history = history
        self.norm: Normalized = normalize(message.text)
        # ё is written as е as often as not: words and phrases compare with both folded to е
        # (same length, so offsets in ``folded`` are offsets in the normalised text).
        self.folded = self.norm.text.replace("ё", "е")
        self.now = message.sent_at or datetime.now(UTC)
        self._words: list[tuple[str, int, int]] | None = None
        self._links: list[Link] | None = None
        self._fingerprint: str | None = None

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def words(self) -> list[tuple[str, int, int]]:
        """(word, start, end) for each word of the folded normalised text."""
        if self._words is None:
            self._words = [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(self.folded)]
        return self._words

    @property
    def links(self) -> list[Link]:
        if self._links is None:
            text = self.norm.text
            if not may_have_link(text):
                self._links = []
            else:
                self._links = [
                    Link((m["full"] or m["www"] or m["bare"]).lower(), m.start(), m.end())
                    for m in _LINK_RE.finditer(text)
                ]
        return self._links

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = fingerprint_of(self.norm)
        return self._fingerprint

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of what the author wrote."""
        return self.norm.span_in_original(start, end)

    def quote(self, start: int, end: int) -> str:
        """What the author wrote at a span of the normalised text, shortened for a reason's detail."""
        a, b = self.original_span(start, end)
        snippet = self.text[a:b]
        return snippet if len(snippet) <= 60 else snippet[:57] + "…"


# --- conditions -------------------------------------------------------------------------------------------


class Condition:
    """Base class: ``check`` answers a Hit when the message meets the condition."""

    def check(self, ctx: Context) -> Hit | None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


def _word_forms(word: str) -> tuple[set[str], set[str]]:
    """(forms, lemmas) that a words condition on ``word`` accepts.

    Forms: the normalised word, its lemma and every form of that lemma in pymorphy3's dictionary, so a
    message's words are looked up in a set with no morphology call; English words also with -s/-es.
    Lemmas: for words the dictionary does not know, a message word whose lemma is one of these matches.
    """
    normalised = normalize(word).text.replace("ё", "е")
    lemma = lemmatize(normalised).replace("ё", "е")
    forms = {normalised, lemma}
    if re.search("[\u0400-\u04ff]", lemma):
        forms |= _lexeme(lemma)
    elif lemma.isascii() and lemma.isalpha():
        forms |= {lemma + "s", lemma + "es"}
    return forms, {lemma}


@cache
def _lexeme(lemma: str) -> frozenset[str]:
    from tandem.moderation.lemmas import _morph  # the module's one shared analyzer

    forms: set[str] = set()
    for parse in _morph().parse(lemma):
        if parse.normal_form.replace("ё", "е") == lemma:
            forms.update(form.word.replace("ё", "е") for form in parse.lexeme)
    return frozenset(forms)


class WordsCondition(Condition):
    def __init__(self, words: list[str]):
        self.forms: set[str] = set()
        self.lemmas: set[str] = set()
        for word in words:
            forms, lemmas = _word_forms(word)
            self.forms |= forms
            self.lemmas |= lemmas
        # Only words that start like one of the lemmas are worth a morphology call.
        self.prefixes = {lemma[:3] for lemma in self.lemmas}

    def check(self, ctx: Context) -> Hit | None:
        forms, lemmas, prefixes = self.forms, self.lemmas, self.prefixes
        for word, start, end in ctx.words:
            if word in forms or (word[:3] in prefixes and lemmatize(word) in lemmas):
                return Hit(f'word "{ctx.quote(start, end)}"', ctx.original_span(start, end))
        return None


def phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern for all normalised phrases, each standing on word boundaries, longest first."""
    normalised = {normalize(p).text.replace("ё", "е") for p in phrases}
    alternatives = "|".join(re.escape(p) for p in sorted(normalised, key=len, reverse=True) if p)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class PhraseCondition(Condition):
    def __init__(self, phrases: list[str]):
        self.pattern = phrases_pattern(phrases)

    def check(self, ctx: Context) -> Hit | None:
        m = self.pattern.search(ctx.folded)
        if m is None:
            return None
        return Hit(f'phrase "{ctx.quote(m.start(), m.end())}"', ctx.original_span(m.start(), m.end()))


class RegexCondition(Condition):
    """An administrator's pattern, run with the ``regex`` package and a time limit (an accidental
    catastrophic pattern cannot stall the pipeline), on the normalised text and then on the original."""

    def __init__(self, pattern: str, ignore_case: bool = True):
        flags = regex.IGNORECASE if ignore_case else 0
        self.source = pattern
        self.pattern = regex.compile(pattern, flags | regex.VERSION0)

    def _search(self, text: str):
        try:
            return self.pattern.search(text, timeout=USER_REGEX_TIMEOUT)
        except TimeoutError:
            logger.warning("moderation regex %r timed out", self.source)
            return None

    def check(self, ctx: Context) -> Hit | None:
        m = self._search(ctx.norm.text)
        if m is not None and m.end() > m.start():
            return Hit(f'pattern "{ctx.quote(m.start(), m.end())}"', ctx.original_span(m.start(), m.end()))
        m = self._search(ctx.text)
        if m is not None:
            snippet = m.group()
            return Hit(f'pattern "{snippet[:60]}"', m.span())
        return None


class PatternCondition(Condition):
    """A trusted pattern of a ready pack: stdlib ``re`` on the folded normalised text, no time limit
    (the packs' patterns are written and tested here), optionally with words that must not match."""

    def __init__(
        self,
        pattern: re.Pattern[str],
        label: str,
        exceptions: re.Pattern[str] | None = None,
        needs: re.Pattern[str] | None = None,
    ):
        self.pattern = pattern
        self.label = label
        self.exceptions = exceptions  # whole words that are innocent
        self.needs = needs  # what the matched text must contain (e.g. a Cyrillic letter)

    def check(self, ctx: Context) -> Hit | None:
        needs = self.needs
        if needs is not None and needs.search(ctx.folded) is None:
            return None  # e.g. no Cyrillic letter anywhere: no need to scan
        for m in self.pattern.finditer(ctx.folded):
            if needs is not None and needs.search(m.group()) is None:
                continue
            if self.exceptions is not None and self.exceptions.fullmatch(_word_at(ctx.folded, m.start())):
                continue
            return Hit(
                f'{self.label} "{ctx.quote(m.start(), m.end())}"', ctx.original_span(m.start(), m.end())
            )
        return None


class AnyOf(Condition):
    """The first of several conditions that holds (packs use it inside an "all" rule)."""

    def __init__(self, *conditions: Condition):
        self.conditions = conditions

    def check(self, ctx: Context) -> Hit | None:
        for condition in self.conditions:
            hit = condition.check(ctx)
            if hit is not None:
                return hit
        return None


def _word_at(text: str, index: int) -> str:
    """The whole word of ``text`` around ``index``."""
    start = index
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    end = index
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


class LinksCondition(Condition):
    """Any link; or links to denied domains; or links outside the allowed ones; or to URL shorteners."""

    def __init__(self, deny_domains: list[str], allow_domains: list[str], shorteners: bool = False):
        self.deny = tuple(deny_domains)
        self.allow = tuple(allow_domains)
        self.shorteners = shorteners
        self.any_link = not (self.deny or self.allow or shorteners)

    def _offends(self, domain: str) -> bool:
        if self.any_link:
            return True
        if self.deny and domain_matches(domain, self.deny):
            return True
        if self.allow and not domain_matches(domain, self.allow):
            return True
        return self.shorteners and domain in URL_SHORTENERS

    def check(self, ctx: Context) -> Hit | None:
        for link in ctx.links:
            if self._offends(link.domain):
                return Hit(f"link to {link.domain}", ctx.original_span(link.start, link.end))
        return None


_INVITE_RE = re.compile(
    r"(?i)(?:https?://)?(?:www\.)?(?:"
    r"(?:t|telegram)\.(?:me|dog)/(?:\+|joinchat/)[\w-]+"
    r"|telegram\.(?:me|dog)/[\w+-]+"
    r"|tg://join\?invite=[\w-]+"
    r"|discord(?:app)?\.(?:gg|com/invite)/[\w-]+"
    r"|chat\.whatsapp\.com/[\w-]+"
    r"|vk\.(?:me|com)/join/[\w-]+"
    r")"
)


# Every invite has a "/" and names one of these hosts; a text without them is spared the full pattern.
_INVITE_HINT_RE = re.compile(r"(?i)t\.me|telegram|tg:|discord|whatsapp|vk\.")


class InvitesCondition(Condition):
    def check(self, ctx: Context) -> Hit | None:
        if "/" not in ctx.norm.text or _INVITE_HINT_RE.search(ctx.norm.text) is None:
            return None
        m = _INVITE_RE.search(ctx.norm.text)
        if m is None:
            return None
        return Hit(f'invite "{ctx.quote(m.start(), m.end())}"', ctx.original_span(m.start(), m.end()))


_MENTION_RE = re.compile(r"(?<![\w@.])@\w{2,}")


class MentionsCondition(Condition):
    def __init__(self, min_count: int = 1):
        self.min_count = min_count

    def check(self, ctx: Context) -> Hit | None:
        text = ctx.norm.text
        if "@" not in text:
            return None
        found = [m.span() for m in _MENTION_RE.finditer(text)]
        if not found or len(found) < self.min_count:
            return None
        return Hit(f"{len(found)} mention(s)", ctx.original_span(*found[0]))


class CapsCondition(Condition):
    def __init__(self, ratio: float = 0.7, min_letters: int = 10):
        self.ratio = ratio
        self.min_letters = min_letters

    def check(self, ctx: Context) -> Hit | None:
        text = ctx.text
        letters = sum(map(str.isalpha, text))
        if letters < self.min_letters:
            return None
        upper = sum(map(str.isupper, text))
        if upper < self.ratio * letters:
            return None
        return Hit(f"{round(100 * upper / letters)}% capitals")


_EMOJI_CHARS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
# Joiners, variation selectors, skin tones and keycap marks belong to an emoji; whitespace is allowed too.
_EMOJI_ONLY_RE = re.compile(
    rf"[\s\u200d\ufe0e\ufe0f\u20e3{_EMOJI_CHARS}]*[{_EMOJI_CHARS}][\s\u200d\ufe0e\ufe0f\u20e3{_EMOJI_CHARS}]*"
)


class EmojiOnlyCondition(Condition):
    def check(self, ctx: Context) -> Hit | None:
        if _EMOJI_ONLY_RE.fullmatch(ctx.text):
            return Hit("emoji only")
        return None


class LengthCondition(Condition):
    """The text (without surrounding spaces) is at least ``min`` and at most ``max`` characters long."""

    def __init__(self, min: int | None = None, max: int | None = None):
        self.min = min
        self.max = max

    def check(self, ctx: Context) -> Hit | None:
        length = len(ctx.text.strip())
        if self.min is not None and length < self.min:
            return None
        if self.max is not None and length > self.max:
            return None
        return Hit(f"{length} characters")


class RepeatedTextCondition(Condition):
    def __init__(self, authors: int = 3, seconds: int = 600):
        self.authors = authors
        self.window = timedelta(seconds=seconds)

    def check(self, ctx: Context) -> Hit | None:
        if ctx.history is None or not ctx.norm.text:
            return None
        count = ctx.history.authors_with_fingerprint(ctx.fingerprint, ctx.now - self.window)
        if count < self.authors:
            return None
        return Hit(f"same text from {count} authors in {int(self.window.total_seconds())} s")


class FloodCondition(Condition):
    def __init__(self, messages: int = 5, seconds: int = 10):
        self.messages = messages
        self.window = timedelta(seconds=seconds)

    def check(self, ctx: Context) -> Hit | None:
        author = ctx.message.author
        if ctx.history is None or author is None or not author.external_id:
            return None
        count = ctx.history.messages_by_author(
            author.external_id, ctx.now - self.window, ctx.message.channel_key
        )
        if count < self.messages:
            return None
        return Hit(f"{count} messages in {int(self.window.total_seconds())} s")


class AuthorAgeCondition(Condition):
    def __init__(self, hours: float = 24):
        self.age = timedelta(hours=hours)

    def check(self, ctx: Context) -> Hit | None:
        author = ctx.message.author
        if author is None or author.first_seen is None:
            return None
        age = ctx.now - author.first_seen
        if age >= self.age:
            return None
        return Hit(f"author first seen {age.total_seconds() / 3600:.1f} h ago")


class FirstMessageCondition(Condition):
    def check(self, ctx: Context) -> Hit | None:
        author = ctx.message.author
        if author is None or author.message_count > 1:
            return None
        return Hit("author's first message")


class WarningsCondition(Condition):
    def __init__(self, min: int = 1):
        self.min = min

    def check(self, ctx: Context) -> Hit | None:
        author = ctx.message.author
        if author is None or author.warnings < self.min:
            return None
        return Hit(f"author has {author.warnings} strike(s)")


def is_domain(value: str) -> bool:
    return _DOMAIN_RE.fullmatch(value) is not None
