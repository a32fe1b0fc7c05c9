"""The post page and its actions: approval, schedule, move, cancel, retry, confirm, published changes."""

import io
from datetime import time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tandem.content import scheduling, services
from tandem.content.models import Delivery, DeliveryState, PostEvent, PostStatus
from tandem.notifications.models import Notification
from tandem.platforms.sandbox.models import SandboxMessage


def url(team, name, *args):
    return reverse(f"content:{name}", args=[team.workspace.slug, *args])


def test_post_page_shows_the_post(team, client_as, write_post, rubric):
    post = write_post(text="Line one\nLine <two>", rubric=rubric)
    page = client_as(team.guest).get(url(team, "post", post.pk)).content.decode()
    assert "Line one<br>Line &lt;two&gt;" in page
    assert 'fill="#aa3300"' in page
    assert 'data-testid="history"' in page and "created the post" in page
    assert 'data-testid="approval-box"' not in page


def test_approval_flow_with_comments_and_notifications(team, client_as, write_post):
    post = write_post("administrator")
    admin = client_as(team.administrator)
    assert admin.post(url(team, "submit", post.pk)).status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING

    manager = client_as(team.manager)
    page = manager.get(url(team, "post", post.pk)).content.decode()
    assert 'data-testid="approval-box"' in page

    empty = manager.post(url(team, "reject", post.pk), {"comment": "  "})
    assert empty.status_code == 400
    assert "Say what to change" in empty.content.decode()

    Notification.objects.all().delete()
    assert manager.post(url(team, "reject", post.pk), {"comment": "Add the price"}).status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED
    note = Notification.objects.get(user=team.administrator)
    assert "Add the price" in note.text and note.url == url(team, "post", post.pk)

    admin = client_as(team.administrator)
    admin.post(url(team, "submit", post.pk))
    Notification.objects.all().delete()
    manager = client_as(team.manager)
    assert manager.post(url(team, "approve", post.pk), {"comment": "Nice"}).status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert Notification.objects.filter(user=team.administrator, text__contains="Nice").exists()
    assert set(PostEvent.objects.filter(post=post).values_list("kind", flat=True)) >= {
        "submitted",
        "rejected",
        "approved",
    }


def test_only_the_author_submits_a_draft(team, client_as, write_post):
    post = write_post("administrator")
    assert client_as(team.guest).post(url(team, "submit", post.pk)).status_code == 403
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_only_approvers_approve(team, client_as, write_post):
    post = write_post("administrator")
    services.submit(team.membership("administrator"), post)
    for role in ("administrator", "guest"):
        assert client_as(team.user(role)).post(url(team, "approve", post.pk)).status_code == 403
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING


def test_approving_twice_is_a_clear_400(team, client_as, write_post):
    post = write_post()
    response = client_as(team.manager).post(url(team, "approve", post.pk))
    assert response.status_code == 400
    assert "not waiting for approval" in response.content.decode()


def berlin(team):
    team.workspace.time_zone = "Europe/Berlin"
    team.workspace.save()
    return "Europe/Berlin"


def future_local(team, days, hour=10, minute=30):
    day = scheduling.to_local(timezone.now(), team.workspace.time_zone).date() + timedelta(days=days)
    return scheduling.local_to_utc(day, time(hour, minute), team.workspace.time_zone)


def test_move_keeps_the_local_time(team, client_as, write_post):
    zone = berlin(team)
    post = write_post()
    services.schedule(team.membership("manager"), post, at=future_local(team, 3))
    target = scheduling.to_local(timezone.now(), zone).date() + timedelta(days=10)
    response = client_as(team.manager).post(url(team, "move", post.pk), {"date": target.isoformat()})
    assert response.status_code == 302
    delivery = Delivery.objects.get(post=post)
    local = scheduling.to_local(delivery.due_at, zone)
    assert (local.date(), local.hour, local.minute) == (target, 10, 30)


def test_move_from_the_calendar_script(team, client_as, write_post):
    post = write_post()
    services.schedule(team.membership("manager"), post, at=future_local(team, 2))
    client = client_as(team.manager)
    target = (timezone.now() + timedelta(days=5)).date().isoformat()
    done = client.post(url(team, "move", post.pk), {"date": target}, headers={"accept": "text/plain"})
    assert done.status_code == 204
    bad = client.post(url(team, "move", post.pk), {"date": "31-02"}, headers={"accept": "text/plain"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("text/plain") and bad.content
    past = client.post(url(team, "move", post.pk), {"date": "2020-01-01"}, headers={"accept": "text/plain"})
    assert past.status_code == 400 and "in the past" in past.content.decode()


def test_move_is_for_schedulers_only(team, client_as, write_post):
    post = write_post()
    services.schedule(team.membership("manager"), post, at=future_local(team, 2))
    for role in ("administrator", "guest"):
        response = client_as(team.user(role)).post(url(team, "move", post.pk), {"date": "2099-01-01"})
        assert response.status_code == 403


def test_schedule_view_schedules_then_reschedules(team, client_as, write_post):
    post = write_post()
    client = client_as(team.manager)
    at = future_local(team, 2, 8, 15)
    local = scheduling.to_local(at, team.workspace.time_zone)
    data = {"date": local.date().isoformat(), "time": "08:15", "mode": "at"}
    assert client.post(url(team, "schedule", post.pk), data).status_code == 302
    assert Delivery.objects.get(post=post).due_at == at

    later = future_local(team, 4, 19, 0)
    local = scheduling.to_local(later, team.workspace.time_zone)
    data = {"date": local.date().isoformat(), "time": "19:00", "mode": "at"}
    assert client.post(url(team, "schedule", post.pk), data).status_code == 302
    assert Delivery.objects.get(post=post).due_at == later

    missing = client.post(url(team, "schedule", post.pk), {"mode": "at"})
    assert missing.status_code == 400 and "Choose the day." in missing.content.decode()


def test_cancel_stops_open_deliveries(team, client_as, write_post):
    post = write_post()
    services.schedule(team.membership("manager"), post, at=future_local(team, 2))
    assert client_as(team.guest).post(url(team, "cancel", post.pk)).status_code == 403
    assert client_as(team.manager).post(url(team, "cancel", post.pk)).status_code == 302
    assert Delivery.objects.get(post=post).state == DeliveryState.CANCELLED


def delivery_in(state, post, sandbox, **fields):
    now = timezone.now()
    return Delivery.objects.create(
        post=post, channel=sandbox, state=state, due_at=now, next_attempt_at=now, attempts=1, **fields
    )


def test_retry_sends_a_failed_delivery_again(team, client_as, write_post, sandbox):
    post = write_post()
    delivery = delivery_in(DeliveryState.FAILED, post, sandbox, error="The platform said no.")
    page = client_as(team.manager).get(url(team, "post", post.pk)).content.decode()
    assert "The platform said no." in page and f'data-testid="retry-{delivery.pk}"' in page
    for role in ("guest", "administrator"):
        assert client_as(team.user(role)).post(url(team, "retry", delivery.pk)).status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED

    assert client_as(team.manager).post(url(team, "retry", delivery.pk)).status_code == 302
    delivery.refresh_from_db()
    assert delivery.state in (DeliveryState.SCHEDULED, DeliveryState.SENT)
    assert PostEvent.objects.filter(post=post, kind="retried").exists()
    again = client_as(team.manager).post(url(team, "retry", delivery.pk))
    assert again.status_code == 400


def test_confirm_marks_an_unconfirmed_delivery_sent(team, client_as, write_post, sandbox):
    post = write_post()
    delivery = delivery_in(DeliveryState.UNCONFIRMED, post, sandbox, error="Timed out.")
    page = client_as(team.manager).get(url(team, "post", post.pk)).content.decode()
    assert f'data-testid="confirm-{delivery.pk}"' in page and f'data-testid="retry-{delivery.pk}"' in page
    assert client_as(team.guest).post(url(team, "confirm", delivery.pk)).status_code == 403
    bad = client_as(team.manager).post(url(team, "confirm", delivery.pk), {"url": "not a url at all"})
    assert bad.status_code == 400
    response = client_as(team.manager).post(
        url(team, "confirm", delivery.pk), {"url": "https://t.me/acme/42"}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.url == "https://t.me/acme/42"
    page = client_as(team.manager).get(url(team, "post", post.pk)).content.decode()
    assert 'href="https://t.me/acme/42"' in page
    assert client_as(team.manager).post(url(team, "confirm", delivery.pk)).status_code == 400


def test_deliveries_of_another_workspace_are_not_found(team, client_as, write_post, sandbox):
    post = write_post()
    delivery = delivery_in(DeliveryState.FAILED, post, sandbox)
    client = client_as(team.outsider)
    response = client.post(reverse("content:retry", args=[team.other_workspace.slug, delivery.pk]))
    assert response.status_code == 404


def test_edit_and_delete_published(team, client_as, write_post, sandbox):
    post = write_post(text="First")
    services.schedule(team.membership("manager"), post)
    message = SandboxMessage.objects.get(channel=sandbox)
    client = client_as(team.manager)
    page = client.get(url(team, "post", post.pk)).content.decode()
    assert 'data-testid="edit-published"' in page and 'data-testid="delete-published"' in page
    assert client_as(team.administrator).post(url(team, "edit_published", post.pk)).status_code == 403

    client = client_as(team.manager)
    services.save_post(
        team.membership("manager"), post, text="Second", rubric=None, tags=[], channels=[sandbox], variants={}
    )
    response = client.post(url(team, "edit_published", post.pk), follow=True)
    assert "Updated on Rehearsal." in response.content.decode()
    message.refresh_from_db()
    assert message.text == "Second"

    response = client.post(url(team, "delete_published", post.pk), follow=True)
    assert "Deleted from Rehearsal." in response.content.decode()
    message.refresh_from_db()
    assert message.deleted_at is not None


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_media_is_served_to_members_only(team, client_as, write_post):
    from tandem.content.media import attach_media

    post = write_post()
    [item] = attach_media(post, [SimpleUploadedFile("cup.png", png_bytes(), content_type="image/png")])
    address = url(team, "media", post.pk, item.pk)
    response = client_as(team.guest).get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()

    assert client_as(team.outsider).get(address).status_code == 404
    assert client_as(team.client).get(address).status_code == 403
    client_as(team.guest).logout()
    from django.test import Client

    assert Client().get(address).status_code == 302
    # A media id of another post is not found through this post.
    other = write_post()
    assert client_as(team.guest).get(url(team, "media", other.pk, item.pk)).status_code == 404
