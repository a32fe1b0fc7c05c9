"""The community pages in a real browser: the inbox's live update, filters and a saved reply; the review
queue by keyboard and in bulk; and a corpus of XSS payloads, arriving through Telegram ingest as comment
texts and author names, shown literally on every page and never run.

Tasks run in the request in tests (TANDEM_HUEY_IMMEDIATE), so a decision's platform side (the sandbox or the
fake Telegram server) is done by the time the page answers.
"""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.channels.services import connect_sandbox
from tandem.community.ingest import process_update, receive_update
from tandem.community.models import Author, Comment, ModerationAction, SavedReply
from tests.browser.test_roles_in_browser import nav_link, sign_in
from tests.community import payloads
from tests.community.conftest import telegram_channel

pytestmark = pytest.mark.browser

# The inbox polls every 5 s: a new comment shows within two polls.
POLL_WAIT_MS = 12_000
_message_ids = itertools.count(1)


@pytest.fixture
def sandbox(live_team):
    return connect_sandbox(live_team.membership("manager"), "Rehearsal")


def comment_on(channel, text, *, author="anna", **fields) -> Comment:
    """A comment as ingest stores it (the sandbox has no updates to ingest)."""
    now = timezone.now()
    person, _created = Author.objects.get_or_create(
        workspace=channel.workspace,
        platform=channel.platform,
        external_id=author,
        defaults={"display_name": author.title(), "first_seen": now, "last_seen": now},
    )
    values = {
        "chat_id": channel.external_id,
        "external_id": f"incoming-{next(_message_ids)}",
        "sent_at": now,
        **fields,
    }
    return Comment.objects.create(
        workspace=channel.workspace, channel=channel, author=person, text=text, **values
    )


def test_administrator_sees_a_new_comment_arrive_filters_and_answers_with_a_saved_reply(
    live_team, sandbox, page
):
    first = comment_on(sandbox, "Do you open on Sundays?")
    held = comment_on(sandbox, "cheap followers here", author="spammer", status="held", verdict_action="hold")
    SavedReply.objects.create(workspace=live_team.workspace, title="Hours", text="We open at 9 every day.")

    sign_in(page, "administrator@acme.test")
    nav_link(page, "Inbox").click()
    expect(page.get_by_test_id(f"inbox-item-{first.pk}")).to_contain_text("Do you open on Sundays?")
    page.evaluate("window.inboxNotReloaded = true")

    fresh = comment_on(sandbox, "Is the Kenya roast back?", author="boris")
    expect(page.get_by_test_id(f"inbox-item-{fresh.pk}")).to_contain_text(
        "Is the Kenya roast back?", timeout=POLL_WAIT_MS
    )
    assert page.evaluate("window.inboxNotReloaded") is True
    # The newest comment is on top.
    expect(page.locator("[data-testid^='inbox-item-']").first).to_have_attribute(
        "data-testid", f"inbox-item-{fresh.pk}"
    )

    filters = page.get_by_test_id("inbox-filters")
    filters.get_by_label("Status").select_option("held")
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id(f"inbox-item-{held.pk}")).to_be_visible()
    expect(page.locator("[data-testid^='inbox-item-']")).to_have_count(1)

    filters = page.get_by_test_id("inbox-filters")
    filters.get_by_label("Status").select_option("")
    filters.get_by_label("Author").fill("Boris")
    filters.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-testid^='inbox-item-']")).to_have_count(1)
    page.get_by_test_id(f"inbox-item-{fresh.pk}").get_by_test_id("open-comment").click()

    box = page.get_by_test_id("reply-box")
    box.get_by_role("button", name="Hours").click()
    expect(box.get_by_label("Reply")).to_have_value("We open at 9 every day.")
    box.get_by_test_id("send-reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent.")
    answer = Comment.objects.get(from_team=True)
    expect(page.get_by_test_id(f"thread-reply-{answer.pk}")).to_contain_text("We open at 9 every day.")
    assert answer.parent == fresh and answer.sent_by == live_team.administrator


def test_review_queue_by_keyboard_and_in_bulk(live_team, sandbox, page):
    start = timezone.now() - timedelta(hours=1)
    held = [
        comment_on(sandbox, f"held number {n}", author=f"author{n}", status="held", verdict_action="hold",
                   sent_at=start + timedelta(minutes=n))
        for n in range(4)
    ]  # fmt: skip

    sign_in(page, "administrator@acme.test")
    nav_link(page, "Review").click()
    items = page.locator("[data-review-item]")
    expect(items).to_have_count(4)
    page.wait_for_load_state("load")  # the deferred script listens to the keyboard from here on

    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcut-help")).to_be_visible()
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcut-help")).to_be_hidden()

    page.keyboard.press("j")
    expect(page.get_by_test_id(f"review-item-{held[0].pk}")).to_have_class("card review-item current")
    page.keyboard.press("a")
    expect(page.get_by_test_id("review-done").first).to_contain_text("1 comment approved.")
    expect(items).to_have_count(3)
    # The next comment is the current one now: "d" deletes it.
    expect(page.get_by_test_id(f"review-item-{held[1].pk}")).to_have_class("card review-item current")
    page.keyboard.press("d")
    expect(page.get_by_test_id("review-done").nth(1)).to_contain_text("1 comment deleted.")
    expect(items).to_have_count(2)
    held[0].refresh_from_db()
    held[1].refresh_from_db()
    assert (held[0].status, held[0].label) == ("visible", "ok")
    assert (held[1].status, held[1].label) == ("deleted", "toxic")

    page.get_by_test_id("select-all").check()
    page.get_by_test_id("bulk-approve").click()
    expect(page.get_by_role("status").first).to_contain_text("2 comments approved.")
    expect(page.get_by_test_id("review-empty")).to_be_visible()
    assert set(Comment.objects.filter(pk__in=[c.pk for c in held[2:]]).values_list("status", flat=True)) == {
        "visible"
    }

    # A comment held now joins the queue without a reload, and the keyboard takes it.
    page.evaluate("window.queueNotReloaded = true")
    fresh = comment_on(sandbox, "held just now", author="late", status="held", verdict_action="hold")
    ModerationAction.objects.create(
        workspace=fresh.workspace, comment=fresh, author=fresh.author, action="hold", source="model"
    )
    expect(page.get_by_test_id(f"review-item-{fresh.pk}")).to_contain_text(
        "held just now", timeout=POLL_WAIT_MS
    )
    expect(page.get_by_test_id("review-empty")).to_be_hidden()
    expect(page.get_by_test_id("review-poll")).to_contain_text("1 new comment to review")
    assert page.evaluate("window.queueNotReloaded") is True
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.get_by_test_id("review-done").last).to_contain_text("1 comment approved.")
    fresh.refresh_from_db()
    assert fresh.status == "visible"


@pytest.fixture
def discussion(live_team, telegram_server, settings):
    """The fake Telegram with a channel of the team's workspace and its discussion group: (bot, group)."""
    settings.TANDEM_TELEGRAM_API_URL = telegram_server.url
    bot = telegram_server.bot = telegram_server.add_bot()
    channel_chat = telegram_server.add_chat("channel", "Acme News", username="acme_news")
    group = telegram_server.add_chat("supergroup", "Acme Chat")
    for chat in (channel_chat, group):
        telegram_server.set_member(bot, chat, "administrator")
    telegram_channel(live_team.workspace, telegram_server, channel_chat, linked_chat_id=group.id)
    return bot, group


def test_a_delete_the_platform_refuses_is_said_and_its_comment_comes_back(
    live_team, telegram_server, discussion, page
):
    bot, group = discussion
    said = telegram_server.user_says(group, 4242, "Anna", "an old complaint")
    message = payloads.comment_message(
        group.id, said["message_id"], "an old complaint", sender=payloads.user(4242)
    )
    process_update(receive_update("telegram", str(bot.id), payloads.update(1, message)).pk)
    comment = Comment.objects.get(workspace=live_team.workspace)
    Comment.objects.filter(pk=comment.pk).update(status="held")
    telegram_server.set_message_date(group, int(comment.external_id), 0)  # older than Telegram deletes

    sign_in(page, "administrator@acme.test")
    nav_link(page, "Review").click()
    expect(page.get_by_test_id(f"review-item-{comment.pk}")).to_be_visible()
    page.get_by_test_id(f"delete-{comment.pk}").click()
    expect(page.get_by_test_id("review-done").first).to_be_visible()
    refused = page.locator("[data-testid^='refused-']")
    expect(refused).to_contain_text("The platform answered:", timeout=POLL_WAIT_MS)
    expect(refused).to_contain_text("48 hours")
    expect(page.get_by_test_id(f"review-item-{comment.pk}")).to_be_visible()
    comment.refresh_from_db()
    assert comment.status == "held"


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "{% debug %}",
    "</textarea><script>alert(1)</script>",
    "\u202eRTL override <b>txet</b>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click me</a>',
    "'';!--\"<XSS>=&{()}",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<marquee onstart=alert(1)>x</marquee>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "' onmouseover='alert(1)",
    '" onmouseover="alert(1)',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<template><script>alert(1)</script></template>",
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<x onclick=alert(1)>click",
]

# Any of these in the page came from a payload: the product's pages have none of them.
INJECTED = (
    "script:not([src]), iframe, object, embed, base, meta[http-equiv], svg, math, video, marquee, details,"
    " [onerror], [onload], [onfocus], [onclick], [onmouseover], [ontoggle], [onstart], a[href^='javascript:']"
)


@pytest.fixture
def hostile(live_team, discussion):
    """Each payload sent to the discussion group of a Telegram channel, by an author named with it."""
    bot, group = discussion
    for number, payload in enumerate(XSS_PAYLOADS, start=1):
        sender = payloads.user(9000 + number, first_name=payload, username=f"user{number}")
        message = payloads.comment_message(group.id, 100 + number, payload, sender=sender)
        update = receive_update("telegram", str(bot.id), payloads.update(number, message))
        assert process_update(update.pk)
    comments = list(Comment.objects.filter(workspace=live_team.workspace).select_related("author"))
    assert sorted(c.text for c in comments) == sorted(XSS_PAYLOADS)
    assert sorted(c.author.display_name for c in comments) == sorted(XSS_PAYLOADS)
    # All of them in the review queue, and each with an audit row naming it (and a rule named like it).
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(status="held")
    for comment in comments:
        ModerationAction.objects.create(
            workspace=live_team.workspace, comment=comment, author=comment.author, action="hold", source="rule",
            rule_name=comment.text, platform_answer=comment.text,
        )  # fmt: skip
    return comments


def expect_nothing_injected(page: Page, dialogs: list) -> None:
    page.wait_for_load_state("load")
    assert page.locator(INJECTED).count() == 0, page.locator(INJECTED).evaluate_all(
        "els => els.map(e => e.outerHTML)"
    )
    # Inside a comment's text only the highlight (<mark>) is an element.
    assert page.locator("[data-testid='comment-text'] *:not(mark)").count() == 0
    assert page.locator("[data-testid='author-link'] *").count() == 0
    assert page.evaluate("document.title").endswith("· Tandem")
    assert not dialogs, f"a payload opened a dialog: {dialogs}"


def shown_texts(page: Page) -> set[str]:
    return set(page.get_by_test_id("comment-text").all_inner_texts())


def test_xss_payloads_from_ingest_are_shown_literally_and_never_run(live_team, hostile, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, "administrator@acme.test")

    nav_link(page, "Inbox").click()
    expect(page.locator("[data-testid^='inbox-item-']")).to_have_count(len(XSS_PAYLOADS))
    expect_nothing_injected(page, dialogs)
    assert shown_texts(page) == set(XSS_PAYLOADS)
    assert set(page.get_by_test_id("author-link").all_inner_texts()) == set(XSS_PAYLOADS)

    nav_link(page, "Review").click()
    expect(page.locator("[data-review-item]")).to_have_count(len(XSS_PAYLOADS))
    expect_nothing_injected(page, dialogs)
    assert shown_texts(page) == set(XSS_PAYLOADS)

    page.get_by_test_id("community-nav").get_by_role("link", name="Audit log").click()
    # The engine's own rows (it may act on a payload) come with the ones the fixture added.
    audited = ModerationAction.objects.filter(workspace=live_team.workspace).count()
    expect(page.locator("[data-testid^='audit-row-']")).to_have_count(audited)
    expect_nothing_injected(page, dialogs)
    audit_text = page.get_by_test_id("audit-rows").inner_text()
    for payload in XSS_PAYLOADS:
        assert payload in audit_text

    for comment in hostile:
        page.goto(f"/w/acme/community/comments/{comment.pk}/")
        expect(page.get_by_test_id("thread-comment").get_by_test_id("comment-text")).to_have_text(
            comment.text
        )
        expect(page.get_by_test_id("thread-comment").get_by_test_id("author-link")).to_have_text(comment.text)
        expect_nothing_injected(page, dialogs)

        page.goto(f"/w/acme/community/authors/{comment.author_id}/")
        expect(page.get_by_test_id("author-name")).to_have_text(comment.text)
        expect_nothing_injected(page, dialogs)
