"""Playwright in Debian's Chromium against pytest-django's live server.

pytest-playwright provides the fixtures (one browser for the session, a new context and page per test);
this file points them at /usr/bin/chromium, gives each context the live server as its base URL, and makes
every page fail its test on a console error, which is also where Chromium reports CSP violations.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

# Playwright's sync API keeps an event loop running in the test thread, so Django refuses ORM calls from it
# (fixtures such as `team`, checks in the tests). Nothing here shares a connection with the server thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Never fetch Playwright's own browser builds: the browser is the system's Chromium.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name != "chromium":
        raise pytest.UsageError("the browser tests run in Debian's Chromium only; drop --browser")
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args():
    """Replaces pytest-playwright's, whose `base_url` fixture pytest deprecates; the live server's URL is
    only known per test, see `context`."""
    return {"locale": "en-US"}


@pytest.fixture
def context(new_context, live_server):
    """A fresh browser profile per test, in English, resolving relative URLs against the live server."""
    return new_context(base_url=live_server.url)


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(context, console_errors):
    """A page that fails the test on any console error or uncaught exception (CSP violations included)."""
    page = context.new_page()

    def on_console(message):
        if message.type == "error":
            console_errors.append(f"{message.text} (at {message.location.get('url') or page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught {error} (at {page.url})"))
    yield page
    if not page.is_closed():
        page.evaluate("0")  # a round trip, so messages the page sent before it are delivered
    assert not console_errors, "the browser console reported errors:\n" + "\n".join(console_errors)


@pytest.fixture
def live_team(transactional_db, team):
    """The `team` fixture's workspace and users, committed so the live server's thread can see them."""
    return team
