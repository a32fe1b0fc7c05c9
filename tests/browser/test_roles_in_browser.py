"""What the SMM manager, the administrator and an anonymous visitor see, in a real browser.

Each page a test opens must load without a console error (see `page` in conftest.py): a CSP violation, a
missing static file or a script error fails the test.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tandem.hiring.questionnaire import QUESTIONS
from tandem.workspaces.models import Invitation
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DASHBOARD = re.compile(r"/w/acme/$")
MODERATION = ["Review held comments, hide, delete, ban", "Write moderation rules and switch rule packs"]
PUBLISHING = "Approve, schedule and publish posts"
# A business that wants its existing followers looked after, not growth: clearly a community administrator.
COMMUNITY_ANSWERS = {
    "focus": "community",
    "strategy": "working",
    "content": "covered",
    "analytics": "activity",
    "volume": "hundreds",
    "engagement": "weekly",
    "budget": "one_person",
}


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    form = page.get_by_test_id("login-form")
    form.locator('input[name="username"]').fill(email)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(DASHBOARD)


def nav_link(page: Page, label: str):
    return page.get_by_test_id("workspace-nav").get_by_role("link", name=label, exact=True)


def expect_nav(page: Page, *, shows: list[str], hides: list[str]) -> None:
    for label in shows:
        expect(nav_link(page, label)).to_be_visible()
    for label in hides:
        expect(nav_link(page, label)).to_have_count(0)


def test_manager_sees_publishing_work_and_may_invite_but_has_no_settings(live_team, page):
    sign_in(page, "manager@acme.test")

    expect(page.get_by_test_id("role-badge")).to_have_text("SMM manager")
    expect_nav(page, shows=["Dashboard", "Team"], hides=["Settings"])
    capabilities = page.get_by_test_id("role-capabilities")
    expect(capabilities).to_contain_text(PUBLISHING)
    expect(capabilities).to_contain_text("Invite people, change and revoke their roles")

    nav_link(page, "Team").click()
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    expect(page.get_by_test_id("invite-form")).to_be_visible()
    expect(page.get_by_test_id("member-administrator@acme.test")).to_be_visible()


def test_administrator_sees_moderation_work_and_the_role_guide_but_cannot_invite(live_team, page):
    sign_in(page, "administrator@acme.test")

    expect(page.get_by_test_id("role-badge")).to_have_text("Administrator")
    expect_nav(page, shows=["Dashboard", "Team"], hides=["Settings"])
    capabilities = page.get_by_test_id("role-capabilities")
    for label in MODERATION:
        expect(capabilities).to_contain_text(label)
    expect(capabilities).not_to_contain_text(PUBLISHING)

    nav_link(page, "Team").click()
    expect(page.get_by_test_id("members")).to_be_visible()
    expect(page.get_by_test_id("capability-matrix")).to_be_visible()
    expect(page.get_by_test_id("invite-form")).to_have_count(0)


def test_owner_also_gets_the_workspace_settings(live_team, page):
    sign_in(page, "owner@acme.test")

    expect_nav(page, shows=["Dashboard", "Team", "Settings"], hides=[])


def test_manager_invites_an_administrator_and_the_invitation_is_pending(live_team, page):
    sign_in(page, "manager@acme.test")
    page.goto("/w/acme/team/")

    form = page.get_by_test_id("invite-form")
    form.get_by_label("E-mail").fill("newcomer@acme.test")
    form.get_by_label("Role").select_option(label="Administrator")
    form.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("status")).to_contain_text("Invitation sent to newcomer@acme.test.")
    pending = page.get_by_test_id("invitations").get_by_role("row").filter(has_text="newcomer@acme.test")
    expect(pending).to_contain_text("Administrator")
    expect(pending.get_by_role("button", name="Revoke")).to_be_visible()
    assert Invitation.objects.pending().filter(email="newcomer@acme.test", role="administrator").exists()

    nav_link(page, "Dashboard").click()
    expect(page.get_by_text("1 pending invitation")).to_be_visible()


def test_visitor_finds_the_questionnaire_from_sign_in_and_gets_a_recommendation(live_team, page):
    response = page.goto("/accounts/login/")
    assert "script-src" in response.headers["content-security-policy"], "the no-CSP-error check needs a CSP"
    page.get_by_role("link", name="Which specialist do I need?").click()
    expect(page).to_have_url(re.compile(r"/hire/$"))

    form = page.get_by_test_id("hiring-form")
    expect(form.get_by_role("group")).to_have_count(len(QUESTIONS))
    with translation.override("en"):
        for question in QUESTIONS:
            option = question.option(COMMUNITY_ANSWERS[question.key])
            group = form.get_by_role("group", name=str(question.text))
            group.get_by_label(str(option.label), exact=True).check()
    form.get_by_test_id("hiring-submit").click()

    result = page.get_by_test_id("hiring-result")
    expect(result).to_have_attribute("data-outcome", "administrator")
    expect(result.get_by_role("heading", level=1)).to_have_text("Look for a community administrator")
    expect(result.get_by_test_id("hiring-reasons").get_by_role("listitem").first).to_be_visible()
    advice = page.get_by_test_id("hiring-advice")
    expect(advice).to_have_count(1)
    expect(advice.get_by_role("heading", level=2)).to_have_text("Community administrator")


def test_visitor_switches_the_sign_in_page_to_russian(live_team, page):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Русский").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="English")).to_be_visible()
    page.goto("/hire/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
