"""The moderation pages: rules and packs, the rule editor, the test box, settings and classifier versions."""

import re

import pytest
from django.urls import reverse

from tandem.moderation import workspace_model
from tandem.moderation.models import ModerationSettings, PackSetting, Rule, WorkspaceModel
from tandem.moderation.packs import PACKS
from tandem.moderation.rules import CONDITION_TYPES
from tests.moderation.test_workspace_model import add_labelled

# One valid set of parameters per condition type, as the editor posts them.
SAMPLE_PARAMS = {
    "words": {"words": "дурак\nидиот"},
    "phrase": {"phrases": "buy now\nfree money"},
    "regex": {"pattern": r"fo+bar", "ignore_case": "on"},
    "links": {"deny_domains": "spam.com", "allow_domains": "", "shorteners": "on"},
    "invites": {},
    "mentions": {"min_count": "4"},
    "caps": {"ratio": "0.8", "min_letters": "12"},
    "emoji_only": {},
    "length": {"min": "", "max": "500"},
    "repeated_text": {"authors": "3", "seconds": "600"},
    "flood": {"messages": "5", "seconds": "10"},
    "author_age": {"hours": "24"},
    "first_message": {},
    "warnings": {"min": "2"},
}


def url(name, team, *args):
    return reverse(f"moderation:{name}", args=[team.workspace.slug, *args])


def rule_post(
    name="No foobar", action="delete", match="all", conditions=(("regex", {"pattern": "fo+bar"}),), **extra
):
    data = {"name": name, "match": match, "action": action, "priority": "0", "enabled": "on", "warn_text": ""}
    for index, (kind, params) in enumerate(conditions):
        data[f"cond-{index}-type"] = kind
        data.update({f"cond-{index}-{kind}-{param}": value for param, value in params.items()})
    data.update(extra)
    return data


@pytest.fixture
def rule(team):
    return Rule.objects.create(
        workspace=team.workspace,
        name="Foobar",
        conditions=[{"type": "regex", "pattern": "fo+bar", "ignore_case": True}],
        action="delete",
    )


@pytest.fixture
def version(team):
    add_labelled(team, {"ok": 40, "toxic": 24, "spam": 24})
    return workspace_model.retrain(team.membership("administrator"))


PAGES = ["rules", "rule_new", "rule_edit", "test", "settings", "models", "model"]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_opens_for_staff_only(page, team, client_as, rule, version):
    args = {"rule_edit": [rule.pk], "model": [version.pk]}.get(page, [])
    for role, expected in [
        ("administrator", 200),
        ("manager", 200),
        ("guest", 403),
        ("client", 403),
        ("outsider", 404),
    ]:
        response = client_as(team.user(role)).get(url(page, team, *args))
        assert response.status_code == expected, f"{page} as {role}: {response.status_code}"


def test_the_rules_page_lists_rules_packs_and_links(team, client_as, rule):
    page = client_as(team.administrator).get(url("rules", team)).content.decode()
    assert "Foobar" in page and "Regular expression: Pattern fo+bar, Ignore case" in page
    rule.conditions = [{"type": "words", "words": list("abcdefg")}]
    rule.save()
    page = client_as(team.administrator).get(url("rules", team)).content.decode()
    assert "Words: a, b, c, d, e and 2 more" in page
    for pack in PACKS.values():
        assert str(pack.label) in page
    assert url("settings", team) in page and url("models", team) in page
    assert 'data-testid="test-box"' in page


def test_the_navigation_shows_moderation_to_staff_only(team, client_as):
    dashboard = reverse("workspaces:dashboard", args=[team.workspace.slug])
    assert url("rules", team) in client_as(team.administrator).get(dashboard).content.decode()
    assert url("rules", team) not in client_as(team.guest).get(dashboard).content.decode()


def test_every_condition_type_has_a_sample():
    assert set(SAMPLE_PARAMS) == set(CONDITION_TYPES)


@pytest.mark.parametrize("kind", sorted(SAMPLE_PARAMS))
def test_a_rule_with_each_condition_type_is_created(kind, team, client_as):
    client = client_as(team.administrator)
    response = client.post(
        url("rule_new", team), rule_post(name=f"Rule {kind}", conditions=[(kind, SAMPLE_PARAMS[kind])])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Rule.objects.get(name=f"Rule {kind}")
    assert saved.workspace == team.workspace and saved.created_by == team.administrator
    assert [condition["type"] for condition in saved.conditions] == [kind]
    # The editor shows the saved values again.
    assert client.get(url("rule_edit", team, saved.pk)).status_code == 200


def test_lists_and_numbers_are_stored_cleaned(team, client_as):
    client_as(team.manager).post(
        url("rule_new", team),
        rule_post(
            conditions=[("words", SAMPLE_PARAMS["words"]), ("caps", SAMPLE_PARAMS["caps"])], match="any"
        ),
    )
    saved = Rule.objects.get()
    assert saved.match == "any"
    assert saved.conditions == [
        {"type": "words", "words": ["дурак", "идиот"]},
        {"type": "caps", "ratio": 0.8, "min_letters": 12},
    ]


def test_an_invalid_regex_is_shown_next_to_its_row_and_nothing_is_saved(team, client_as):
    data = rule_post(conditions=[("words", {"words": "spam"}), ("regex", {"pattern": "(unclosed"})])
    response = client_as(team.administrator).post(url("rule_new", team), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Condition 2 (regex): invalid pattern" in page
    rows = page.split('data-testid="condition-row"')
    assert 'data-testid="condition-error"' not in rows[1] and 'data-testid="condition-error"' in rows[2]
    assert "(unclosed" in page  # what was typed is kept
    assert not Rule.objects.exists()


def test_a_rule_without_conditions_is_refused(team, client_as):
    response = client_as(team.administrator).post(url("rule_new", team), rule_post(conditions=[]))
    assert response.status_code == 400
    assert "Add at least one condition." in response.content.decode()
    assert not Rule.objects.exists()


def test_a_mute_rule_needs_its_minutes(team, client_as):
    response = client_as(team.administrator).post(url("rule_new", team), rule_post(action="mute"))
    assert response.status_code == 400
    assert not Rule.objects.exists()
    client_as(team.administrator).post(url("rule_new", team), rule_post(action="mute", mute_minutes="30"))
    assert Rule.objects.get().mute_minutes == 30


def test_a_rule_is_edited_toggled_and_deleted(team, client_as, rule):
    client = client_as(team.administrator)
    response = client.post(
        url("rule_edit", team, rule.pk),
        rule_post(name="Renamed", action="hold", conditions=[("phrase", {"phrases": "free money"})]),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.action, rule.conditions) == (
        "Renamed",
        "hold",
        [{"type": "phrase", "phrases": ["free money"]}],
    )

    client.post(url("rule_toggle", team, rule.pk))
    rule.refresh_from_db()
    assert rule.enabled is False
    client.post(url("rule_toggle", team, rule.pk), {"enabled": "on"})
    rule.refresh_from_db()
    assert rule.enabled is True

    assert client.post(url("rule_delete", team, rule.pk)).status_code == 302
    assert not Rule.objects.exists()


def test_another_workspaces_rule_is_not_found(team, client_as, rule):
    other = Rule.objects.create(
        workspace=team.other_workspace, name="Theirs", conditions=rule.conditions, action="hold"
    )
    client = client_as(team.administrator)
    assert client.get(url("rule_edit", team, other.pk)).status_code == 404
    assert client.post(url("rule_delete", team, other.pk)).status_code == 404
    assert Rule.objects.filter(pk=other.pk).exists()


def test_a_guest_cannot_write_rules(team, client_as):
    response = client_as(team.guest).post(url("rule_new", team), rule_post())
    assert response.status_code == 403
    assert not Rule.objects.exists()


def test_the_test_box_gives_the_verdict_and_highlights_the_span(team, client_as, rule):
    text = "<script>alert(1)</script> try foooobar today"
    response = client_as(team.administrator).post(
        url("test", team), {"text": text, "strikes": "0"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-action="delete"' in page
    assert "<mark>foooobar</mark>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; try " in page and "<script>" not in page
    assert 'data-source="rule"' in page and "Foobar" in page


def test_the_test_box_uses_the_authors_facts(team, client_as):
    Rule.objects.create(
        workspace=team.workspace, name="Newcomers", conditions=[{"type": "first_message"}], action="hold"
    )
    client = client_as(team.administrator)
    first = client.post(
        url("test", team), {"text": "hello there", "first_message": "on"}, HTTP_HX_REQUEST="true"
    )
    assert "Newcomers" in first.content.decode()
    later = client.post(url("test", team), {"text": "hello there"}, HTTP_HX_REQUEST="true")
    assert "Newcomers" not in later.content.decode()


def test_the_test_box_escalates_with_strikes(team, client_as, rule):
    page = (
        client_as(team.administrator)
        .post(url("test", team), {"text": "foobar", "strikes": "3"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert 'data-source="escalation"' in page and 'data-action="ban"' in page


def test_the_test_box_works_without_htmx(team, client_as, rule):
    response = client_as(team.administrator).post(url("test", team), {"text": "foobar"})
    assert response.status_code == 200
    assert "<mark>foobar</mark>" in response.content.decode()
    assert "<html" in response.content.decode()
    assert client_as(team.administrator).post(url("test", team), {"text": ""}).status_code == 400


def test_a_pack_is_switched_off_and_its_action_chosen(team, client_as):
    key = next(iter(PACKS))
    client = client_as(team.administrator)
    response = client.post(url("packs", team), {"pack": key, "action": "hold"})
    assert response.status_code == 302
    setting = PackSetting.objects.get(workspace=team.workspace, pack=key)
    assert (setting.enabled, setting.action) == (False, "hold")
    client.post(url("packs", team), {"pack": key, "enabled": "on", "action": ""})
    setting.refresh_from_db()
    assert (setting.enabled, setting.action) == (True, "")
    client.post(url("packs", team), {"pack": "no-such-pack", "enabled": "on"})
    assert not PackSetting.objects.filter(pack="no-such-pack").exists()


def settings_post(**changes):
    data = {
        "classifier_enabled": "on",
        "warn_text": "Please be kind.",
        "ladder-TOTAL_FORMS": "2",
        "ladder-INITIAL_FORMS": "0",
        "ladder-MIN_NUM_FORMS": "0",
        "ladder-MAX_NUM_FORMS": "20",
        "ladder-0-strikes": "3",
        "ladder-0-action": "ban",
        "ladder-1-strikes": "2",
        "ladder-1-action": "mute",
        "ladder-1-minutes": "90",
        "toxic_hold": "0.4",
        "toxic_delete": "",
        "spam_hold": "",
        "spam_delete": "0.9",
    }
    data.update(changes)
    return data


def test_settings_are_saved(team, client_as):
    response = client_as(team.administrator).post(url("settings", team), settings_post())
    assert response.status_code == 302
    stored = ModerationSettings.objects.get(workspace=team.workspace)
    assert stored.classifier_enabled is True
    assert stored.thresholds == {"toxic": {"hold": 0.4}, "spam": {"delete": 0.9}}
    assert stored.ladder == [{"strikes": 2, "action": "mute", "minutes": 90}, {"strikes": 3, "action": "ban"}]
    assert stored.warn_text == "Please be kind."
    page = client_as(team.administrator).get(url("settings", team)).content.decode()
    assert 'value="0.4"' in page and "Please be kind." in page


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"toxic_hold": "0.9", "toxic_delete": "0.5"}, "hold threshold is above the delete one"),
        ({"toxic_hold": "1.5"}, "less than or equal to 1"),
        ({"ladder-1-minutes": ""}, "For how many minutes?"),
        ({"ladder-1-strikes": "3"}, "Each number of strikes may have one step only."),
        ({"ladder-0-action": "delete"}, "Select a valid choice"),
    ],
)
def test_settings_are_validated(changes, message, team, client_as):
    response = client_as(team.administrator).post(url("settings", team), settings_post(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ModerationSettings.objects.filter(
        workspace=team.workspace, warn_text="Please be kind."
    ).exists()


def test_how_to_warn_is_saved_shown_and_validated(team, client_as):
    client = client_as(team.administrator)
    page = client.get(url("settings", team)).content.decode()
    assert 'data-testid="warn-mode"' in page
    assert re.search(r'value="thread"[^>]*checked', page) and "started a conversation with it" in page
    assert client.post(url("settings", team), settings_post(warn_mode="private")).status_code == 302
    assert ModerationSettings.objects.get(workspace=team.workspace).warn_mode == "private"
    page = client.get(url("settings", team)).content.decode()
    assert re.search(r'value="private"[^>]*checked', page)

    refused = client.post(url("settings", team), settings_post(warn_mode="loudly", warn_text="Changed."))
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    stored = ModerationSettings.objects.get(workspace=team.workspace)
    assert (stored.warn_mode, stored.warn_text) == ("private", "Please be kind.")  # nothing saved

    # A form without the choice (an older page) warns in the thread.
    assert client.post(url("settings", team), settings_post()).status_code == 302
    assert ModerationSettings.objects.get(workspace=team.workspace).warn_mode == "thread"


def test_save_settings_refuses_an_unknown_way_to_warn(team):
    from django.core.exceptions import ValidationError

    from tandem.moderation import configuration
    from tandem.workspaces.models import Membership

    actor = Membership.objects.get(workspace=team.workspace, user=team.administrator)
    with pytest.raises(ValidationError, match="Choose how to warn"):
        configuration.save_settings(
            actor,
            classifier_enabled=True,
            thresholds={},
            ladder=[],
            warn_text="",
            heads=(),
            warn_mode="loudly",
        )
    assert not ModerationSettings.objects.filter(workspace=team.workspace, warn_mode="loudly").exists()


def test_the_models_page_shows_counts_and_versions_against_the_shipped_model(team, client_as, version):
    page = client_as(team.administrator).get(url("models", team)).content.decode()
    assert 'data-testid="version-1"' in page and "in use" in page
    assert "66 to learn, 22 to test" in page
    detail = client_as(team.administrator).get(url("model", team, version.pk)).content.decode()
    assert detail.count('data-testid="confusion"') == 4  # shipped and this version, per head


def test_retrain_now_trains_in_the_background(team, client_as, django_capture_on_commit_callbacks):
    add_labelled(team, {"ok": 40, "toxic": 24, "spam": 24})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(team.administrator).post(url("retrain", team))
    assert response.status_code == 302
    assert WorkspaceModel.objects.get(workspace=team.workspace).version == 1


def test_the_page_says_training_until_the_version_appears(
    team, client_as, django_capture_on_commit_callbacks
):
    add_labelled(team, {"ok": 40, "toxic": 24, "spam": 24})
    with django_capture_on_commit_callbacks() as queued:
        client_as(team.administrator).post(url("retrain", team))
    assert "Training…" in client_as(team.administrator).get(url("models", team)).content.decode()
    for callback in queued:
        callback()
    page = client_as(team.administrator).get(url("models", team)).content.decode()
    assert "Training…" not in page and 'data-testid="version-1"' in page


def test_retrain_with_too_few_labels_says_how_many_more(team, client_as):
    add_labelled(team, {"ok": 5, "toxic": 3})
    response = client_as(team.administrator).post(url("retrain", team), follow=True)
    assert "15 more acceptable comments" in response.content.decode()
    assert not WorkspaceModel.objects.exists()


def test_a_version_is_activated_and_rolled_back(team, client_as, version):
    client = client_as(team.administrator)
    client.post(url("use_shipped", team))
    assert workspace_model.load_active(team.workspace) is None
    client.post(url("model_activate", team, version.pk))
    assert workspace_model.load_active(team.workspace).version == 1


def test_a_guest_cannot_retrain_or_activate(team, client_as, version):
    client = client_as(team.guest)
    workspace_model.deactivate(team.membership("administrator"))
    assert client.post(url("retrain", team)).status_code == 403
    assert client.post(url("model_activate", team, version.pk)).status_code == 403
    assert workspace_model.load_active(team.workspace) is None
