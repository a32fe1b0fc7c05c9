import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.channels import services as channel_services
from tandem.content import scheduling, services
from tandem.content.models import Delivery, Post
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, email):
    page.goto("/accounts/login/")
    form = page.get_by_test_id("login-form")
    form.locator('input[name="username"]').fill(email)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/w/acme/$"))


def test_compose_check_and_calendar_drag(live_team, page):
    team = live_team
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    sandbox = channel_services.connect_sandbox(team.membership("manager"), "Rehearsal")
    sign_in(page, "manager@acme.test")
    page.goto("/w/acme/content/new/")
    form = page.get_by_test_id("compose-form")
    form.get_by_label("Rehearsal (Sandbox)").check()
    form.locator("textarea[name=text]").fill("x" * 4097)
    expect(page.get_by_test_id("limit-check")).to_contain_text("4097 of 4096 characters")
    expect(page.get_by_test_id("preview")).to_contain_text("Sent as a text message")
    form.locator("textarea[name=text]").fill("Hello\nworld")
    expect(page.get_by_test_id("limit-check")).to_contain_text("11 of 4096 characters")
    # the when/date toggle
    expect(form.locator("[data-show-when=at]")).to_be_hidden()
    form.get_by_label("At a date and time").check()
    expect(form.locator("[data-show-when=at]")).to_be_visible()
    day = scheduling.to_local(timezone.now(), "Europe/Berlin").date() + timedelta(days=2)
    form.locator("input[name=date]").fill(day.isoformat())
    form.locator("input[name=time]").fill("10:30")
    form.get_by_role("button", name="Schedule").click()
    expect(page.get_by_test_id("deliveries")).to_contain_text("Scheduled")
    post = Post.objects.get()
    page.goto(f"/w/acme/content/calendar/?date={day.isoformat()}")
    item = page.get_by_test_id(f"calendar-item-{post.pk}")
    expect(page.get_by_test_id(f"calendar-day-{day.isoformat()}")).to_contain_text("10:30")
    target = day + timedelta(days=1)
    if target.month != day.month:
        target = day - timedelta(days=1)
    item.drag_to(page.get_by_test_id(f"calendar-day-{target.isoformat()}"))
    expect(page.get_by_test_id(f"calendar-day-{target.isoformat()}").get_by_test_id(f"calendar-item-{post.pk}")).to_be_visible()
    local = scheduling.to_local(Delivery.objects.get().due_at, "Europe/Berlin")
    assert local.date() == target and local.strftime("%H:%M") == "10:30"
    page.goto(f"/w/acme/content/{post.pk}/")
    page.goto("/w/acme/content/")
    page.goto("/w/acme/content/rubrics/")


def test_more(live_team, page, tmp_path):
    import io
    from PIL import Image
    team = live_team
    sandbox = channel_services.connect_sandbox(team.membership("manager"), "Rehearsal")
    from tandem.content.models import Rubric
    Rubric.objects.create(workspace=team.workspace, name="News", colour="#cc3300", target_share=40)
    img = tmp_path / "cup.png"
    Image.new("RGB", (30, 20), "orange").save(img)
    sign_in(page, "manager@acme.test")
    page.goto("/w/acme/content/new/")
    form = page.get_by_test_id("compose-form")
    form.get_by_label("Rehearsal (Sandbox)").check()
    form.locator("select[name=rubric]").select_option(label="News")
    form.locator("textarea[name=text]").fill("Hello with a picture " + "y" * 1100)
    form.locator("input[name=images]").set_input_files(str(img))
    expect(page.get_by_test_id("limit-check")).to_contain_text("1 of 10 images")
    expect(page.get_by_test_id("limit-check")).to_contain_text("with images the limit is 1024")
    form.locator("textarea[name=text]").fill("Hello with a picture")
    expect(page.get_by_test_id("limit-check")).to_contain_text("within the limits")
    page.screenshot(path="/tmp/shot_compose.png", full_page=True)
    form.get_by_role("button", name="Publish now").click()
    expect(page.get_by_test_id("deliveries")).to_contain_text("Sent")
    page.screenshot(path="/tmp/shot_post.png", full_page=True)
    post = Post.objects.get()
    page.goto(f"/w/acme/content/{post.pk}/edit/")
    expect(page.get_by_test_id("preview").locator("img")).to_have_count(1)
    assert page.get_by_test_id("preview").locator("img").evaluate("i => i.naturalWidth") == 30
    page.goto("/w/acme/content/")
    page.screenshot(path="/tmp/shot_list.png", full_page=True)
    page.goto("/w/acme/content/calendar/")
    page.screenshot(path="/tmp/shot_calendar.png", full_page=True)
    page.goto("/w/acme/content/rubrics/")
    page.screenshot(path="/tmp/shot_rubrics.png", full_page=True)


def test_drag_into_the_past_shows_the_reason(live_team, page):
    team = live_team
    sandbox = channel_services.connect_sandbox(team.membership("manager"), "Rehearsal")
    post = services.save_post(team.membership("manager"), None, text="Soon", rubric=None, tags=[], channels=[sandbox], variants={})
    today = scheduling.to_local(timezone.now(), "UTC").date()
    services.schedule(team.membership("manager"), post, at=timezone.now() + timedelta(hours=30))
    sign_in(page, "manager@acme.test")
    page.goto(f"/w/acme/content/calendar/?view=week&date={today.isoformat()}")
    day = scheduling.to_local(post.planned_at, "UTC").date()
    page.screenshot(path="/tmp/shot_week.png", full_page=True)
    past = today - timedelta(days=1)
    if past.isocalendar()[1] != today.isocalendar()[1]:
        pytest.skip("monday")
    page.get_by_test_id(f"calendar-item-{post.pk}").drag_to(page.get_by_test_id(f"calendar-day-{past.isoformat()}"))
    expect(page.get_by_test_id("calendar-message")).to_contain_text("in the past")
