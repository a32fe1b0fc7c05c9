"""The content plan in a real browser: connect a sandbox, compose, schedule, drag in the calendar, approve,
and see what the sandbox "published".

The engine runs its tasks in the request in tests (TANDEM_HUEY_IMMEDIATE), so "Publish now" has published
by the time the post page shows, and a post scheduled days ahead stays scheduled for the whole test.
"""

import re
from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.channels.models import Channel
from tandem.channels.services import connect_sandbox
from tandem.content import scheduling
from tandem.content.models import Delivery, DeliveryState, Post, PostStatus
from tandem.platforms.sandbox.models import SandboxMessage
from tests.browser.test_roles_in_browser import nav_link, sign_in

pytestmark = pytest.mark.browser

# Not UTC: the calendar must keep the wall-clock time of a zone with an offset (and its DST rules).
ZONE = "Europe/Berlin"
POST_PAGE = re.compile(r"/w/acme/content/(\d+)/$")
COMPOSE = "/w/acme/content/new/"
TELEGRAM_TEXT_MAX = 4096


def post_id_of(page: Page) -> int:
    expect(page).to_have_url(POST_PAGE)
    return int(POST_PAGE.search(page.url).group(1))


def local_today(workspace) -> date:
    return scheduling.to_local(timezone.now(), workspace.time_zone).date()


def compose_for(page: Page, channel: Channel, text: str) -> None:
    """On the compose page: tick the channel, type the text, and wait for the live check to count it."""
    form = page.get_by_test_id("compose-form")
    form.get_by_test_id("compose-channels").get_by_label(str(channel)).check()
    form.get_by_label("Text:", exact=True).fill(text)
    expect(page.get_by_test_id(f"check-length-{channel.pk}")).to_have_text(
        f"{len(text)} of {TELEGRAM_TEXT_MAX} characters"
    )


def test_manager_connects_a_sandbox_composes_schedules_sees_it_in_the_calendar_and_drags_it(live_team, page):
    workspace = live_team.workspace
    workspace.time_zone = ZONE
    workspace.save(update_fields=["time_zone"])
    today = local_today(workspace)
    planned_day = today + timedelta(days=3)
    # The drop day stays in the planned day's month, so both cells are in one month view; never in the past.
    drop_day = planned_day + timedelta(days=1)
    if drop_day.month != planned_day.month:
        drop_day = planned_day - timedelta(days=1)

    sign_in(page, "manager@acme.test")

    nav_link(page, "Channels").click()
    expect(page.get_by_test_id("no-channels")).to_be_visible()
    connect = page.get_by_test_id("connect-sandbox-form")
    connect.get_by_label("Name").fill("Rehearsal")
    connect.get_by_role("button", name="Create a sandbox channel").click()
    expect(page.get_by_role("status")).to_contain_text("Sandbox channel “Rehearsal” created.")
    channel = Channel.objects.get(workspace=workspace, name="Rehearsal")
    nav_link(page, "Channels").click()
    row = page.get_by_test_id(f"channel-{channel.pk}")
    expect(row).to_contain_text("Rehearsal")
    expect(row).to_contain_text("Sandbox")

    nav_link(page, "Posts").click()
    page.get_by_test_id("new-post").click()
    expect(page.get_by_test_id("limit-check")).to_contain_text("Choose a channel")
    text = "Fresh beans from Kenya arrive on Friday."
    compose_for(page, channel, text)
    expect(page.get_by_test_id(f"check-{channel.pk}")).to_contain_text("within the limits")
    expect(page.get_by_test_id(f"preview-{channel.pk}")).to_contain_text(text)
    schedule = page.get_by_test_id("compose-schedule")
    schedule.get_by_label("At a date and time").check()
    schedule.get_by_label("Date:", exact=True).fill(planned_day.isoformat())
    schedule.get_by_label("Time:", exact=True).fill("10:30")
    page.get_by_test_id("schedule").click()

    post_id = post_id_of(page)
    expect(page.get_by_role("status")).to_contain_text("Saved and scheduled.")
    deliveries = page.get_by_test_id("deliveries")
    expect(deliveries.get_by_role("row").filter(has_text="Rehearsal")).to_contain_text("Scheduled")
    delivery = Delivery.objects.get(post_id=post_id)
    planned = scheduling.to_local(delivery.due_at, ZONE)
    assert (planned.date(), planned.time()) == (planned_day, time(10, 30))

    nav_link(page, "Calendar").click()
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_have_attribute("data-view", "month")
    if planned_day.month != today.month:
        page.get_by_test_id("calendar-next").click()
    item = page.get_by_test_id(f"calendar-day-{planned_day.isoformat()}").get_by_test_id(
        f"calendar-item-{post_id}"
    )
    expect(item).to_contain_text("10:30")
    expect(item).to_contain_text("Fresh beans")

    target = page.get_by_test_id(f"calendar-day-{drop_day.isoformat()}")
    item.drag_to(target)

    # The page reloads after the move; the item is then drawn in the new day, at the same time of day.
    moved = target.get_by_test_id(f"calendar-item-{post_id}")
    expect(moved).to_contain_text("10:30")
    expect(
        page.get_by_test_id(f"calendar-day-{planned_day.isoformat()}").get_by_test_id(
            f"calendar-item-{post_id}"
        )
    ).to_have_count(0)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SCHEDULED
    local = scheduling.to_local(delivery.due_at, ZONE)
    assert (local.date(), local.time()) == (drop_day, time(10, 30))
    assert local.replace(tzinfo=None) - planned.replace(tzinfo=None) == drop_day - planned_day


def test_administrators_draft_goes_through_approval_and_appears_on_the_sandbox_page(live_team, page):
    channel = connect_sandbox(live_team.membership("manager"), "Rehearsal")
    text = "Our latte art workshop is back on Saturday!"

    sign_in(page, "administrator@acme.test")
    nav_link(page, "Posts").click()
    page.get_by_test_id("new-post").click()
    compose_for(page, channel, text)
    form = page.get_by_test_id("compose-form")
    # With approval required an administrator can only save and submit; there is no "Publish now".
    expect(form.get_by_test_id("publish-now")).to_have_count(0)
    expect(form.get_by_label("Not planned yet")).to_be_checked()
    form.get_by_test_id("submit-for-approval").click()

    post_id = post_id_of(page)
    expect(page.get_by_role("status")).to_contain_text("Saved and sent for approval.")
    expect(page.get_by_test_id("editorial-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("approval-box")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "manager@acme.test")
    notifications = page.get_by_test_id("notifications-link")
    expect(notifications).to_have_text("Notifications (1)")
    notifications.click()
    page.get_by_test_id("notification").get_by_role("link").filter(has_text="Our latte art").click()
    expect(page).to_have_url(re.compile(rf"/w/acme/content/{post_id}/$"))
    expect(page.get_by_test_id("notifications-link")).to_have_text("Notifications (0)")

    approval = page.get_by_test_id("approval-box")
    approval.get_by_label("Comment").fill("Lovely, send it.")
    approval.get_by_test_id("approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved. The author has been told.")
    expect(page.get_by_test_id("editorial-status")).to_have_text("Approved")
    # The administrator chose no time, so approving planned nothing: the manager publishes it now.
    expect(page.get_by_test_id("deliveries")).to_contain_text("Not scheduled yet.")
    page.get_by_test_id("plan-form").get_by_role("button", name="Publish now").click()
    expect(page.get_by_role("status")).to_contain_text("Sent to publishing.")
    expect(page.get_by_test_id("deliveries").get_by_role("row").filter(has_text="Rehearsal")).to_contain_text(
        "Sent"
    )
    expect(page.get_by_test_id("history")).to_contain_text("Lovely, send it.")

    nav_link(page, "Channels").click()
    page.get_by_test_id(f"channel-{channel.pk}").get_by_role("link", name="Rehearsal").click()
    message = page.get_by_test_id("sandbox-feed").get_by_test_id("sandbox-message")
    expect(message).to_have_count(1)
    expect(message).to_contain_text(text)
    assert Post.objects.get(pk=post_id).status == PostStatus.APPROVED
    assert list(SandboxMessage.objects.filter(channel=channel).values_list("text", flat=True)) == [text]


def test_compose_shows_a_clear_error_for_over_limit_text(live_team, page, console_errors):
    channel = connect_sandbox(live_team.membership("manager"), "Rehearsal")
    sign_in(page, "manager@acme.test")
    page.goto(COMPOSE)

    compose_for(page, channel, "x" * 4200)
    expect(page.get_by_test_id(f"check-problems-{channel.pk}")).to_have_text(
        "The text is 4200 characters; the limit is 4096."
    )
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(COMPOSE)
    ) as sent:
        page.get_by_test_id("publish-now").click()

    errors = page.get_by_test_id("compose-errors")
    expect(errors).to_contain_text("Rehearsal: The text is 4200 characters; the limit is 4096.")
    expect(errors).to_contain_text("Your post is saved; nothing was lost.")
    # A refused form answers 400, which Chromium reports on the console for the page itself: expected here,
    # and the only console error allowed (see `page` in conftest.py).
    assert sent.value.status == 400
    page.evaluate("0")
    refused = [line for line in console_errors if "status of 400" in line and line.endswith(f"{COMPOSE})")]
    assert len(refused) == 1, console_errors
    console_errors.remove(refused[0])
    assert not Delivery.objects.exists()
    assert not SandboxMessage.objects.exists()
