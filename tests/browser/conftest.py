"""Playwright in Debian's Chromium against pytest-django's live server.

pytest-playwright provides the fixtures (`browser`, `context`, `page`, its --tracing and --screenshot
options); this file points them at /usr/bin/chromium, gives each context the live server as its base URL,
and makes every page fail its test on a console error, which is also where Chromium reports CSP violations.

Playwright's sync API runs an event loop in the test thread for as long as Playwright is started. So the
Playwright driver and the browser live for this package only (one browser for all browser tests), not for
the whole session as pytest-playwright's do: tests collected after these ones must not find a running loop
(`aio.run` would refuse to start its own) nor Django's async-safety check switched off.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import skip_or_fail

# Playwright's default 5 s wait is short on a busy machine (a CI runner with other suites beside); a longer
# wait only delays the report of a failure, never a pass.
BROWSER_TIMEOUT_MS = 15_000
expect.set_options(timeout=BROWSER_TIMEOUT_MS)

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


@pytest.fixture(scope="package", autouse=True)
def django_orm_beside_playwright():
    """With Playwright's loop running in the test thread, Django refuses ORM calls from it (fixtures such as
    `team`, checks in the tests) unless told it is safe, which it is: nothing awaits in this thread."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name != "chromium":
        raise pytest.UsageError("the browser tests run in Debian's Chromium only; drop --browser")
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # An explicit executable: Playwright never looks for, nor downloads, a browser build of its own.
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="package")
def playwright():
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser_type(playwright):
    return playwright.chromium


@pytest.fixture(scope="package")
def browser(browser_type, browser_type_launch_args):
    browser = browser_type.launch(**browser_type_launch_args)
    yield browser
    browser.close()


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
    page.set_default_timeout(BROWSER_TIMEOUT_MS)

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
