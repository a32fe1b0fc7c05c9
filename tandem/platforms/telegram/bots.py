"""One ``telegram.Bot`` per (token, API address, event loop), shared by the connectors that use it.

A Bot owns an httpx connection pool bound to the loop it was first used on, and its ``initialize()`` costs
a getMe; the engine runs one loop per worker thread (tandem.core.aio) and may send hundreds of posts at once
through one bot, so every connector on a loop borrows the same Bot. Each connector takes a share on first
use and gives it back in ``close()``; the last share shuts the Bot down. A loop's table is dropped with the
loop (weak keys), so a thread that ends takes its Bots with it.
"""

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot

# httpx logs every request's URL at INFO, and a Bot API URL contains the bot token: keep it out of the logs.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(eq=False)
class SharedBot:
    bot: Bot
    shares: int = 0
    initializing: asyncio.Future | None = None

    async def ready(self) -> Bot:
        """The Bot, initialized once (getMe) however many coroutines ask at the same moment."""
        task = self.initializing
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            # First use, or the last attempt failed (bad token, Telegram unreachable): try again.
            task = self.initializing = asyncio.ensure_future(self.bot.initialize())
        # Shielded: one waiter being cancelled must not cancel the initialization the others wait for.
        await asyncio.shield(task)
        return self.bot


_lock = threading.Lock()
_tables: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, SharedBot]]" = (
    weakref.WeakKeyDictionary()
)


def take_share(key: tuple, make_bot: Callable[[], Bot]) -> SharedBot:
    """A share of this loop's Bot for ``key``, made on first use. Call from the loop's own thread."""
    loop = asyncio.get_running_loop()
    with _lock:
        table = _tables.setdefault(loop, {})
        shared = table.get(key)
        if shared is None:
            shared = table[key] = SharedBot(make_bot())
        shared.shares += 1
        return shared


async def give_back(key: tuple, shared: SharedBot) -> None:
    """Return a share; the last one shuts the Bot down and forgets it."""
    loop = asyncio.get_running_loop()
    with _lock:
        shared.shares -= 1
        if shared.shares > 0:
            return
        table = _tables.get(loop, {})
        if table.get(key) is shared:
            del table[key]
    await shared.bot.shutdown()


def shared_bots(loop: asyncio.AbstractEventLoop | None = None) -> dict[tuple, SharedBot]:
    """This loop's shared Bots (tests and diagnostics)."""
    with _lock:
        return dict(_tables.get(loop or asyncio.get_running_loop(), {}))
