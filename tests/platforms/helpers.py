"""Helpers shared by the connector tests."""

import time

import pytest

from tandem.core import aio


def failure(coroutine) -> Exception:
    """The exception the connector call raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        aio.run(coroutine)
    return caught.value


def eventually(condition, seconds: float = 5) -> bool:
    """Whether ``condition()`` came true within ``seconds`` (for what a background thread does)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()
