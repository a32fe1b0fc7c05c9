"""Spacing of requests so Tandem stays under a platform's rate limits instead of collecting 429s.

A *pace key* names one limit ("telegram-bot:123" at 30 per second, "telegram-chat:-100…" at 1 per second).
``wait(key, interval)`` reserves the next free slot of that key and sleeps until it. Reservations are shared by
every thread of the process under one lock, so concurrent sends through one bot queue up evenly. Written here
because the async limiters on PyPI (aiolimiter) are bound to one event loop, and Tandem runs one loop per
worker thread.
"""

import asyncio
import threading
import time

_lock = threading.Lock()
_next_free: dict[str, float] = {}


def reserve(key: str, interval: float, now: float | None = None) -> float:
    """Reserve the next slot of ``key``; returns how many seconds to wait for it (0 when free now)."""
    now = time.monotonic() if now is None else now
    with _lock:
        slot = max(now, _next_free.get(key, 0.0))
        _next_free[key] = slot + interval
    return slot - now


def push_back(key: str, seconds: float) -> None:
    """The platform said "retry after N s": no slot of ``key`` before then."""
    until = time.monotonic() + seconds
    with _lock:
        _next_free[key] = max(_next_free.get(key, 0.0), until)


async def wait(key: str, interval: float) -> None:
    delay = reserve(key, interval)
    if delay > 0:
        await asyncio.sleep(delay)


def reset() -> None:
    """Forget every reservation (tests)."""
    with _lock:
        _next_free.clear()
