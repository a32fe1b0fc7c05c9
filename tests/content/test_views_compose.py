"""Composing a post in the browser's forms: save, submit, schedule, publish now, uploads, the live check."""

import io
from datetime import time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tandem.channels.models import Channel
from tandem.content import scheduling
from tandem.content.models import Delivery, DeliveryState, Post, PostMedia, PostStatus, Tag
from tandem.platforms.sandbox.models import SandboxMessage


def png(name="photo.png", size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def new_url(team):
    return reverse("content:new", args=[team.workspace.slug])


def local_tomorrow(team, hour=10, minute=30):
    day = scheduling.to_local(timezone.now(), team.workspace.time_zone).date() + timedelta(days=1)
    return day, f"{hour:02d}:{minute:02d}"


def test_manager_publishes_now_to_the_sandbox(team, client_as, sandbox, rubric):
    client = client_as(team.manager)
    response = client.post(
        new_url(team),
        {
            "text": "Fresh roast on Friday",
            "rubric": rubric.pk,
            "tags": "coffee, Roastery, coffee",
            "channels": [sandbox.pk],
            "intent": "now",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert response["Location"] == reverse("content:post", args=[team.workspace.slug, post.pk])
    assert post.rubric == rubric and post.author == team.manager
    assert {t.name for t in post.tags.all()} == {"coffee", "Roastery"}
    assert Tag.objects.filter(workspace=team.workspace).count() == 2
    assert Delivery.objects.get(post=post).state == DeliveryState.SENT
    assert SandboxMessage.objects.get(channel=sandbox).text == "Fresh roast on Friday"


def test_existing_tags_are_reused(team, client_as, sandbox):
    Tag.objects.create(workspace=team.workspace, name="Coffee")
    client_as(team.manager).post(
        new_url(team), {"text": "x", "tags": "coffee", "channels": [sandbox.pk], "intent": "draft"}
    )
    assert list(Post.objects.get().tags.values_list("name", flat=True)) == ["Coffee"]
    assert Tag.objects.count() == 1


def test_manager_schedules_at_a_local_time(team, client_as, sandbox):
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    day, at = local_tomorrow(team)
    response = client_as(team.manager).post(
        new_url(team),
        {
            "text": "Tomorrow morning",
            "channels": [sandbox.pk],
            "when": "at",
            "date": day.isoformat(),
            "time": at,
            "intent": "schedule",
        },
    )
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SCHEDULED
    local = scheduling.to_local(delivery.due_at, "Europe/Berlin")
    assert (local.date(), local.strftime("%H:%M")) == (day, at)
    assert not SandboxMessage.objects.exists()


def test_manager_adds_to_the_queue_with_a_weekly_recurrence(team, client_as, sandbox):
    response = client_as(team.manager).post(
        new_url(team),
        {
            "text": "Weekly digest",
            "channels": [sandbox.pk],
            "when": "queue",
            "recurrence": "weekly",
            "intent": "schedule",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.use_queue and post.recurrence == "weekly" and post.next_occurrence_at
    assert Delivery.objects.get(post=post).state == DeliveryState.SCHEDULED


def test_administrator_submits_with_a_wish_applied_on_approval(team, client_as, sandbox):
    day, at = local_tomorrow(team, 9, 0)
    client = client_as(team.administrator)
    page = client.get(new_url(team)).content.decode()
    assert 'value="submit"' in page and 'value="schedule"' not in page and 'value="now"' not in page
    response = client.post(
        new_url(team),
        {
            "text": "From the community",
            "channels": [sandbox.pk],
            "when": "at",
            "date": day.isoformat(),
            "time": at,
            "intent": "submit",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.status == PostStatus.PENDING
    assert post.planned_at == scheduling.local_to_utc(day, time(9, 0), team.workspace.time_zone)
    assert not Delivery.objects.exists()

    # Scheduling is not the administrator's to do while approval is on.
    refused = client.post(
        reverse("content:edit", args=[team.workspace.slug, post.pk]),
        {"text": "x", "channels": [sandbox.pk], "intent": "now"},
    )
    assert refused.status_code in (302, 400)
    assert not Delivery.objects.exists()

    client_as(team.manager).post(reverse("content:approve", args=[team.workspace.slug, post.pk]), {})
    delivery = Delivery.objects.get(post=post)
    assert delivery.due_at == post.planned_at and delivery.state == DeliveryState.SCHEDULED


def test_administrator_cannot_schedule_while_approval_is_required(team, client_as, sandbox):
    response = client_as(team.administrator).post(
        new_url(team), {"text": "Sneaky", "channels": [sandbox.pk], "intent": "now"}
    )
    assert response.status_code == 400
    assert not Post.objects.exists() and not Delivery.objects.exists()


def test_administrator_schedules_when_approval_is_off(team, client_as, sandbox):
    team.workspace.approval_required = False
    team.workspace.save()
    response = client_as(team.administrator).post(
        new_url(team), {"text": "No gate", "channels": [sandbox.pk], "intent": "now"}
    )
    assert response.status_code == 302
    assert SandboxMessage.objects.filter(channel=sandbox).exists()


def test_a_past_time_keeps_the_post_and_says_why(team, client_as, sandbox):
    yesterday = scheduling.to_local(timezone.now(), "UTC").date() - timedelta(days=1)
    response = client_as(team.manager).post(
        new_url(team),
        {
            "text": "Too late",
            "channels": [sandbox.pk],
            "when": "at",
            "date": yesterday.isoformat(),
            "time": "10:00",
            "intent": "schedule",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "in the past" in page and "Your post is saved" in page
    post = Post.objects.get()
    assert post.text == "Too late" and not Delivery.objects.exists()
    # The form now edits the saved post instead of creating another one.
    assert reverse("content:edit", args=[team.workspace.slug, post.pk]) in page


def test_a_time_the_clocks_skip_is_refused_before_saving(team, client_as, sandbox):
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    response = client_as(team.manager).post(
        new_url(team),
        {
            "text": "Gap",
            "channels": [sandbox.pk],
            "when": "at",
            "date": "2027-03-28",
            "time": "02:30",
            "intent": "schedule",
        },
    )
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    assert not Post.objects.exists()


def test_a_non_image_upload_is_refused_and_nothing_is_saved(team, client_as, sandbox):
    fake = SimpleUploadedFile("notes.png", b"this is not an image", content_type="image/png")
    response = client_as(team.manager).post(
        new_url(team),
        {"text": "With a picture", "channels": [sandbox.pk], "images": [fake], "intent": "draft"},
    )
    assert response.status_code == 400
    assert "notes.png is not an image Tandem can read." in response.content.decode()
    assert not Post.objects.exists() and not PostMedia.objects.exists()


def test_images_upload_and_per_channel_variants(team, client_as, sandbox):
    other = Channel.objects.create(workspace=team.workspace, platform="sandbox", name="Second")
    client = client_as(team.manager)
    response = client.post(
        new_url(team),
        {"text": "Album", "channels": [sandbox.pk, other.pk], "images": [png("a.png"), png("b.png")]},
    )
    assert response.status_code == 302
    post = Post.objects.get()
    first, second = post.media.all()
    assert (first.mime, first.width) == ("image/png", 8)

    edit = reverse("content:edit", args=[team.workspace.slug, post.pk])
    page = client.get(edit).content.decode()
    assert f'name="variant-{other.pk}-media"' in page
    response = client.post(
        edit,
        {
            "text": "Album",
            "channels": [sandbox.pk, other.pk],
            f"variant-{other.pk}-text": "Short for the second",
            f"variant-{other.pk}-shown": "1",
            f"variant-{other.pk}-media": [first.pk],
            f"variant-{sandbox.pk}-shown": "1",
            f"variant-{sandbox.pk}-media": [first.pk, second.pk],
            "images": [png("c.png")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    third = post.media.order_by("-position").first()
    variant = post.variants.get()
    assert variant.channel == other and variant.text == "Short for the second"
    assert variant.media_ids == [first.pk, third.pk]

    # Removing an image removes it from the variant too.
    response = client.post(
        edit,
        {
            "text": "Album",
            "channels": [sandbox.pk, other.pk],
            "remove_images": [first.pk],
            f"variant-{other.pk}-text": "Short for the second",
            f"variant-{other.pk}-shown": "1",
            f"variant-{other.pk}-media": [first.pk, third.pk],
        },
    )
    assert response.status_code == 302
    assert list(post.media.values_list("pk", flat=True)) == [second.pk, third.pk]
    assert post.variants.get().media_ids == [third.pk]


def test_editing_a_post_someone_else_wrote_is_refused(team, client_as, write_post):
    post = write_post("manager")
    response = client_as(team.guest).get(reverse("content:edit", args=[team.workspace.slug, post.pk]))
    assert response.status_code == 302
    response = client_as(team.guest).post(
        reverse("content:edit", args=[team.workspace.slug, post.pk]), {"text": "hijack", "intent": "draft"}
    )
    post.refresh_from_db()
    assert post.text != "hijack"


def check(client, team, data, post=None):
    url = reverse("content:check", args=[team.workspace.slug])
    if post is not None:
        url += f"?post={post.pk}"
    return client.post(url, data)


def test_live_check_warns_over_the_limit(team, client_as, sandbox):
    response = check(client_as(team.manager), team, {"text": "x" * 4097, "channels": [sandbox.pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "4097 of 4096 characters" in page
    assert "The text is 4097 characters; the limit is 4096." in page
    assert 'hx-swap-oob="true"' in page and f'data-testid="preview-{sandbox.pk}"' in page


def test_live_check_counts_telegram_units_and_images(team, client_as):
    pytest.importorskip("tandem.platforms.telegram.connector")
    telegram = Channel(workspace=team.workspace, platform="telegram", name="TG", external_id="@acme")
    telegram.secret_values = {"token": "1:x"}
    telegram.save()
    client = client_as(team.manager)
    page = check(client, team, {"text": "x" * 4097, "channels": [telegram.pk]}).content.decode()
    assert "The text is 4097 characters; the limit is 4096." in page
    # An emoji outside the BMP is two UTF-16 units; with an image the caption limit applies.
    page = check(
        client, team, {"text": "😀" * 600, "channels": [telegram.pk], "new_images": "1"}
    ).content.decode()
    assert "1200 of 1024 characters" in page and "with images the limit is 1024" in page
    assert "Sent as an image with the text as its caption" in page


def test_live_check_ignores_foreign_channels_and_needs_draft_rights(team, client_as, sandbox):
    foreign = Channel.objects.create(workspace=team.other_workspace, platform="sandbox", name="Rival")
    page = check(client_as(team.manager), team, {"text": "hi", "channels": [foreign.pk, "junk"]}).content
    assert b"Rival" not in page
    assert check(client_as(team.client), team, {"text": "hi"}).status_code == 403


def test_compose_page_has_the_live_check_wired(team, client_as, sandbox):
    page = client_as(team.manager).get(new_url(team)).content.decode()
    assert 'data-testid="compose-form"' in page and 'data-testid="limit-check"' in page
    assert 'hx-trigger="input delay:400ms"' in page
    assert 'hx-params="not images"' in page
    assert "tandem/compose.js" in page and "<script>" not in page
