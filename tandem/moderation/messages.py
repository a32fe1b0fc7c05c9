"""What the moderation engine judges and what it answers: messages, author facts, history, reasons, verdicts.

Plain dataclasses without Django, so that rules, packs, the engine, the CLI and the benchmark share them.
``tandem.moderation.engine`` re-exports everything here; import from there.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tandem.moderation.normalize import Normalized, normalize

__all__ = [
    "ACTIONS",
    "SEVERITY",
    "STRIKE_ACTIONS",
    "AuthorFacts",
    "History",
    "InMemoryHistory",
    "Message",
    "Reason",
    "Verdict",
    "fingerprint",
    "fingerprint_of",
]

# The verdict actions, mildest first, as in tandem.moderation.models.Action (kept here so that the engine
# imports without Django's app registry; a test checks both agree). Of several reasons the strongest wins.
ACTIONS = ("allow", "hold", "hide", "delete", "warn", "mute", "ban")
SEVERITY: dict[str, int] = {action: rank for rank, action in enumerate(ACTIONS)}
# Verdicts that count as a strike against the author (see Verdict.strike).
STRIKE_ACTIONS = frozenset({"warn", "hide", "delete"})


@dataclass(frozen=True, slots=True)
class AuthorFacts:
    """What the engine knows about the sender.

    ``message_count`` counts the author's messages *including* the one being judged (as Author.message_count
    once the message is stored), so 1 means "this is their first message". ``warnings`` are the strikes
    before this message.
    """

    external_id: str = ""
    first_seen: datetime | None = None
    message_count: int = 0
    warnings: int = 0


@dataclass(frozen=True, slots=True)
class Message:
    """One comment to judge. ``sent_at`` None means "now"."""

    text: str
    author: AuthorFacts | None = None
    sent_at: datetime | None = None
    channel_key: str = ""


class History(Protocol):
    """Recent traffic, for the flood and repeated-text conditions. Both counts include the current message."""

    def messages_by_author(self, author_id: str, since: datetime, channel_key: str) -> int: ...

    def authors_with_fingerprint(self, fingerprint: str, since: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a verdict was given: which rule, pack, model head or escalation step, and what it matched.

    ``span`` is [start, end) in the *original* text of the message, when a text condition matched one.
    """

    source: str
    name: str
    action: str
    detail: str = ""
    span: tuple[int, int] | None = None

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "name": self.name,
            "action": self.action,
            "detail": self.detail,
            "span": list(self.span) if self.span is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The engine's answer: the action to take, a score in [0, 1] (the strongest signal) and the reasons."""

    action: str
    score: float
    reasons: tuple[Reason, ...]
    mute_minutes: int | None = None
    warn_text: str = ""

    @property
    def strike(self) -> bool:
        """Whether the author earns a strike: a warn, hide or delete — or an escalation that turned one
        into a mute or ban (otherwise an escalated author would stop collecting strikes and never reach the
        next step of the ladder)."""
        return self.action in STRIKE_ACTIONS or any(r.source == "escalation" for r in self.reasons)

    def reasons_json(self) -> list[dict]:
        return [reason.as_json() for reason in self.reasons]


_FINGERPRINT_WORDS_RE = re.compile(r"\w+")


def fingerprint_of(normalized: Normalized) -> str:
    """``fingerprint`` of an already normalised text (the engine normalises each message once)."""
    words = _FINGERPRINT_WORDS_RE.findall(normalized.text)
    # Punctuation and spacing are not part of the fingerprint, so "Buy now!!!" repeats "buy now";
    # a text with no word at all (emoji) is fingerprinted as it is.
    key = " ".join(words) if words else normalized.text
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def fingerprint(text: str) -> str:
    """32 hex characters identifying a text up to disguise: "BUY NOW", "b.u.y n0w" and "buy now!" agree."""
    return fingerprint_of(normalize(text))


class InMemoryHistory:
    """``History`` over messages added with ``add`` (the CLI and the benchmark feed it as they read).

    Entries older than ``horizon`` before the newest one are dropped, so memory stays bounded on a long
    stream; no condition looks further back than that.
    """

    def __init__(self, messages: Iterable[Message] = (), horizon: timedelta = timedelta(days=1)):
        self.horizon = horizon
        self._by_author: dict[tuple[str, str], list[datetime]] = defaultdict(list)
        self._by_fingerprint: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        self._anonymous = itertools.count()
        self._added = 0
        self._latest: datetime | None = None
        for message in messages:
            self.add(message)

    def add(self, message: Message, text_fingerprint: str | None = None) -> None:
        """Record a message (``text_fingerprint`` when the caller already has it)."""
        sent_at = message.sent_at or datetime.now(UTC)
        author_id = message.author.external_id if message.author else ""
        if author_id:
            bisect.insort(self._by_author[(author_id, message.channel_key)], sent_at)
        else:
            # an unknown sender counts as a different person each time
            author_id = f"#anonymous-{next(self._anonymous)}"
        key = text_fingerprint or fingerprint(message.text)
        bisect.insort(self._by_fingerprint[key], (sent_at, author_id))
        if self._latest is None or sent_at > self._latest:
            self._latest = sent_at
        self._added += 1
        if self._added % 10_000 == 0:
            self._prune(self._latest - self.horizon)

    def _prune(self, before: datetime) -> None:
        for author_key, times in list(self._by_author.items()):
            del times[: bisect.bisect_left(times, before)]
            if not times:
                del self._by_author[author_key]
        for text_key, entries in list(self._by_fingerprint.items()):
            del entries[: bisect.bisect_left(entries, (before,))]
            if not entries:
                del self._by_fingerprint[text_key]

    def messages_by_author(self, author_id: str, since: datetime, channel_key: str) -> int:
        times = self._by_author.get((author_id, channel_key))
        if not times:
            return 0
        return len(times) - bisect.bisect_left(times, since)

    def authors_with_fingerprint(self, fingerprint: str, since: datetime) -> int:
        entries = self._by_fingerprint.get(fingerprint)
        if not entries:
            return 0
        return len({author for _, author in entries[bisect.bisect_left(entries, (since,)) :]})
