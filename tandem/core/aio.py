"""Run async code (the platform SDKs) from sync code: one event loop per thread, reused for every call.

A new loop per call would break the SDKs' connection pools and cost a loop start each time; a loop shared
between threads is not safe. So each worker thread keeps its own.
"""

import asyncio
import threading

_local = threading.local()


def thread_loop() -> asyncio.AbstractEventLoop:
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def run(coroutine):
    """Run ``coroutine`` to completion on this thread's loop and return its result."""
    return thread_loop().run_until_complete(coroutine)
