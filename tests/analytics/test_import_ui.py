"""Importing from the browser: who may, the queued run and its page, and trying the rules on imported history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.analytics.import_runs import run_import
from tandem.analytics.models import ChannelPost, DailyRollup, ImportRun
from tandem.analytics.moderation_replay import what_would_rules_do
from tandem.analytics.periods import Period
from tandem.community.models import Comment, ModerationAction
from tandem.moderation.models import Rule
from tests.analytics.export_generator import write_channel_export, write_group_export


@pytest.fixture
def export_bytes(tmp_path):
    path = tmp_path / "result.json"
    facts = write_channel_export(path, messages=60)
    return path.read_bytes(), facts


def upload(data: bytes, name: str = "result.json"):
    return SimpleUploadedFile(name, data, content_type="application/json")


def imports_url(team):
    return reverse("analytics:imports", args=[team.workspace.slug])


@pytest.mark.parametrize("role", ["owner", "manager", "administrator"])
def test_staff_upload_an_export_and_see_it_imported(
    team, client_as, export_bytes, role, django_capture_on_commit_callbacks
):
    data, facts = export_bytes
    client = client_as(team.user(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(imports_url(team), {"export": upload(data), "chat": ""})

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("analytics:import", args=[team.workspace.slug, run.pk])
    assert run.state == ImportRun.State.DONE and run.created_by == team.user(role)
    assert run.summary["totals"]["messages"] == facts.messages
    assert not run.file  # the upload is not kept
    assert ChannelPost.objects.filter(workspace=team.workspace).count() == facts.messages
    assert DailyRollup.objects.filter(workspace=team.workspace, posts__gt=0).exists()  # dashboards refreshed
    page = client.get(response.url)
    assert page.status_code == 200
    assert b'data-testid="import-summary"' in page.content and b"hx-trigger" not in page.content
    listing = client.get(imports_url(team))
    assert f"import-run-{run.pk}".encode() in listing.content


@pytest.mark.parametrize("role", ["guest", "client"])
def test_guests_and_clients_may_not_import(team, client_as, export_bytes, role):
    client = client_as(team.user(role))
    assert client.get(imports_url(team)).status_code == 403
    assert client.post(imports_url(team), {"export": upload(export_bytes[0])}).status_code == 403
    assert not ImportRun.objects.exists()


def test_an_outsider_does_not_see_the_workspace_or_its_runs(team, client_as, export_bytes):
    run = ImportRun.objects.create(workspace=team.workspace, original_name="result.json")
    client = client_as(team.outsider)
    assert client.post(imports_url(team), {"export": upload(export_bytes[0])}).status_code == 404
    assert client.get(reverse("analytics:import", args=[team.workspace.slug, run.pk])).status_code == 404
    # nor a run of another workspace through one's own
    other = reverse("analytics:import", args=[team.other_workspace.slug, run.pk])
    assert client.get(other).status_code == 404


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "Choose the export"),
        ({"export": upload(b"", "result.json")}, "empty"),
        ({"export": upload(b"<html></html>", "messages.html")}, "JSON format"),
    ],
)
def test_an_upload_that_cannot_be_an_export_is_refused_at_once(team, client_as, files, message):
    response = client_as(team.manager).post(imports_url(team), files)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_an_export_over_the_configured_size_is_refused_and_the_page_says_the_limit(
    team, client_as, export_bytes, settings
):
    settings.TANDEM_IMPORT_MAX_BYTES = 1000
    client = client_as(team.manager)
    assert "Up to 1000\xa0bytes" in client.get(imports_url(team)).content.decode()
    response = client.post(imports_url(team), {"export": upload(b" " * 1001)})
    assert response.status_code == 400
    assert "larger than 1000\xa0bytes" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_broken_export_fails_with_the_reason_and_imports_nothing(
    team, client_as, export_bytes, django_capture_on_commit_callbacks
):
    data = export_bytes[0][: len(export_bytes[0]) // 2]
    client = client_as(team.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(imports_url(team), {"export": upload(data)})
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.FAILED and "byte" in run.error and run.finished_at
    assert not ChannelPost.objects.exists()
    page = client.get(response.url).content.decode()
    assert "import-error" in page and "Nothing from this file was imported" in page


def test_a_queued_run_page_polls_and_a_run_is_imported_once(team, client_as, export_bytes):
    client = client_as(team.manager)
    response = client.post(imports_url(team), {"export": upload(export_bytes[0]), "chat": "Acme Coffee News"})
    run = ImportRun.objects.get()  # the commit hook did not run: the run waits for the worker
    assert run.state == ImportRun.State.QUEUED and run.chat == "Acme Coffee News"
    partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in partial and "<html" not in partial

    assert run_import(run.pk) is True
    assert run_import(run.pk) is False
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    assert ChannelPost.objects.count() == export_bytes[1].messages


def test_a_chat_the_export_lacks_fails_the_run(team, client_as, export_bytes):
    client_as(team.manager).post(imports_url(team), {"export": upload(export_bytes[0]), "chat": "Other"})
    run = ImportRun.objects.get()
    run_import(run.pk)
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and 'named "Other"' in run.error


# --- what would the rules have done -------------------------------------------------------------------------


@pytest.fixture
def imported_group(team, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "group.json"
    facts = write_group_export(path, messages=200, people=30)
    run = ImportRun.objects.create(workspace=team.workspace, original_name="group.json")
    with path.open("rb") as export:
        run.file.save("group.json", export)
    run_import(run.pk)
    return facts


def test_the_rules_are_tried_on_imported_comments_without_acting(team, imported_group):
    Rule.objects.create(
        workspace=team.workspace, name="No latte talk", conditions=[{"type": "words", "words": ["latte"]}],
        action="hold",
    )  # fmt: skip
    period = Period.parse({"start": "2025-01-01", "end": "2025-12-31"}, "UTC")
    replay = what_would_rules_do(team.workspace, period)

    public = Comment.objects.filter(imported=True, from_team=False)
    assert replay.judged == replay.in_period == public.count()
    assert sum(replay.actions.values()) == replay.judged
    latte = public.filter(text__icontains="latte").count()
    assert latte and replay.rules[("rule", "No latte talk")] == latte
    assert ("Rule: No latte talk", latte) in replay.rule_rows()
    assert replay.actions["hold"] >= latte
    assert not ModerationAction.objects.exists()  # nothing was acted on
    assert set(public.values_list("status", flat=True)) == {"visible"}


def test_the_replay_shows_on_the_imports_page(team, client_as, imported_group):
    client = client_as(team.manager)
    response = client.get(imports_url(team), {"replay": "1", "start": "2025-01-01", "end": "2025-12-31"})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="replay-actions"' in page
    empty = client.get(imports_url(team), {"replay": "1", "start": "2020-01-01", "end": "2020-01-31"})
    assert "No imported comments from the public in this period" in empty.content.decode()
    bad = client.get(imports_url(team), {"replay": "1", "start": "2025-02-01", "end": "2025-01-01"})
    assert bad.status_code == 400 and "before its first day" in bad.content.decode()
    other_channel = client.get(imports_url(team), {"replay": "1", "channel": "999999"})
    assert other_channel.status_code == 404
