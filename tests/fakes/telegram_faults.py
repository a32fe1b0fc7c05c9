"""The fake Bot API's bookkeeping on the HTTP side: programmed faults, the record of calls, statistics and the
simulated flood control. Used by tests.fakes.telegram."""

import math
import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from tests.fakes.telegram_objects import FakeChat


@dataclass
class Fault:
    """One programmed misbehaviour for the next ``times`` matching requests.

    kind "error" answers ``status`` without doing anything; "drop" performs the call, then closes the
    connection without an answer; "hang" performs the call, then keeps the connection silent for ``seconds``.
    """

    kind: str
    times: int
    method: str | None = None
    chat_id: int | None = None
    status: int = 500
    retry_after: int = 1
    description: str | None = None
    seconds: float = 30.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        return (self.method in (None, method)) and (self.chat_id in (None, chat_id))


@dataclass
class Call:
    received_at: float  # time.monotonic() when the request was read
    method: str
    chat_id: int | None
    status: int | None = None  # None while in flight, or when the connection was dropped


@dataclass
class ServerStats:
    requests: int = 0
    by_method: Counter = field(default_factory=Counter)
    # HTTP status of every answer, 200 included; injected and flood-control 429s both count here.
    by_status: Counter = field(default_factory=Counter)
    # 429s answered by the simulated flood control (not injected ones).
    rate_limited: int = 0
    dropped: int = 0
    hung: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


class FloodControl:
    """Sliding windows like Telegram's: per bot 30 sends/s, per chat 1/s, per group also 20/min."""

    def __init__(self, per_bot=(30, 1.0), per_chat=(1, 1.0), per_group=(20, 60.0), slack=0.1):
        self.per_bot, self.per_chat, self.per_group, self.slack = per_bot, per_chat, per_group, slack
        self._lock = threading.Lock()
        self._events: dict[tuple, deque] = defaultdict(deque)

    def check(self, bot_id: int, chat: FakeChat, now: float) -> int | None:
        """Record a send, or return the retry_after (whole seconds ≥ 1) when a window is full."""
        windows = [(("bot", bot_id), *self.per_bot), (("chat", chat.id), *self.per_chat)]
        if chat.type in ("group", "supergroup"):
            windows.append((("group", chat.id), *self.per_group))
        with self._lock:
            wait = 0.0
            for key, limit, seconds in windows:
                events = self._events[key]
                span = seconds - self.slack
                while events and events[0] <= now - span:
                    events.popleft()
                if len(events) >= limit:
                    wait = max(wait, events[0] + span - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            for key, _, _ in windows:
                self._events[key].append(now)
            return None
