"""The administrator writes a moderation rule in a real browser and tries it in the test box."""

import re

import pytest
from playwright.sync_api import expect

from tandem.moderation.models import Rule
from tests.browser.test_roles_in_browser import nav_link, sign_in

pytestmark = pytest.mark.browser


NEW_RULE = "/w/acme/moderation/rules/new/"


def test_administrator_writes_a_two_condition_rule_fixes_its_regex_and_tests_it(
    live_team, page, console_errors
):
    sign_in(page, "administrator@acme.test")
    nav_link(page, "Moderation").click()
    expect(page).to_have_url(re.compile(r"/w/acme/moderation/$"))
    page.get_by_test_id("new-rule").click()

    form = page.get_by_test_id("rule-form")
    form.get_by_label("Name").fill("Glorp coins")
    form.get_by_label("Action").select_option("delete")
    form.locator("select[name='cond-0-type']").select_option("words")
    # Only the chosen type's parameters show.
    expect(form.locator("textarea[name='cond-0-words-words']")).to_be_visible()
    expect(form.locator("input[name='cond-0-regex-pattern']")).to_be_hidden()
    form.locator("textarea[name='cond-0-words-words']").fill("glorp")

    form.get_by_test_id("add-condition").click()
    expect(form.get_by_test_id("condition-row")).to_have_count(2)
    form.locator("select[name='cond-1-type']").select_option("regex")
    form.locator("input[name='cond-1-regex-pattern']").fill(r"zorb(\w+")
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        form.get_by_test_id("save-rule").click()

    rows = page.get_by_test_id("condition-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_test_id("condition-error")).to_contain_text(
        "Condition 2 (regex): invalid pattern"
    )
    expect(rows.nth(0).get_by_test_id("condition-error")).to_have_count(0)
    assert not Rule.objects.exists()
    # A refused form answers 400, which Chromium reports on the console: expected here, and the only one.
    assert sent.value.status == 400
    page.evaluate("0")
    refused = [line for line in console_errors if "status of 400" in line and line.endswith(f"{NEW_RULE})")]
    assert len(refused) == 1, console_errors
    console_errors.remove(refused[0])

    page.locator("input[name='cond-1-regex-pattern']").fill(r"zorb\w+")
    page.get_by_test_id("save-rule").click()
    expect(page).to_have_url(re.compile(r"/w/acme/moderation/$"))
    expect(page.get_by_test_id("rules")).to_contain_text("Glorp coins")
    rule = Rule.objects.get()
    assert [condition["type"] for condition in rule.conditions] == ["words", "regex"]

    box = page.get_by_test_id("test-box")
    box.get_by_label("Sample text").fill("<b>psst</b> you glorp, buy zorbcoin")
    box.get_by_role("button", name="Check").click()
    expect(box.get_by_test_id("verdict-action")).to_have_attribute("data-action", "delete")
    reason = box.locator("[data-testid='reason'][data-source='rule']")
    expect(reason).to_contain_text("Glorp coins")
    expect(reason.locator("mark")).to_have_text("glorp")
    # The sample is shown as text, never as markup.
    expect(reason.get_by_test_id("matched-span")).to_contain_text("<b>psst</b> you glorp, buy zorbcoin")
