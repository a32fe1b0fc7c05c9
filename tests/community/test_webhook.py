"""The Telegram webhook: forged or broken deliveries are refused with nothing stored; good ones are stored
once and processed; switching a bot between webhook and polling."""

import json

import pytest
from django.urls import reverse

from tandem.community import actions, tasks, webhooks
from tandem.community.models import Comment, PlatformUpdate
from tandem.core.errors import ServiceError
from tandem.moderation.engine import Engine
from tests.community import payloads

BOT = "7000000042"


def post(client, body, *, secret: str | None = None, bot: str = BOT, content_type="application/json"):
    headers = {} if secret is None else {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(reverse("telegram_webhook", args=[bot]), data, content_type=content_type, **headers)


def a_message(update_id: int = 1) -> dict:
    return payloads.update(update_id, payloads.comment_message(-1001234, 5, "Hello"))


def test_the_secret_is_per_bot_and_fits_telegrams_alphabet(settings):
    secret = webhooks.webhook_secret(BOT)
    assert secret != webhooks.webhook_secret("7000000043")
    assert len(secret) == 64 and secret.isalnum()
    settings.SECRET_KEY = "another key"
    assert webhooks.webhook_secret(BOT) != secret


@pytest.mark.parametrize("secret", [None, "", "wrong", webhooks.webhook_secret("1")])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(client, db, secret):
    response = post(client, a_message(), secret=secret)
    assert response.status_code == 403
    assert not PlatformUpdate.objects.exists()


def test_another_bots_secret_does_not_open_this_bots_hook(client, db):
    response = post(client, a_message(), secret=webhooks.webhook_secret("7000000043"))
    assert response.status_code == 403


def test_the_right_secret_stores_the_update_and_answers_200(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = post(client, a_message(), secret=webhooks.webhook_secret(BOT))
    assert response.status_code == 200
    assert response.json() == {"ok": True, "duplicate": False}
    update = PlatformUpdate.objects.get()
    assert (update.platform, update.account, update.update_id) == ("telegram", BOT, 1)
    assert len(queued) == 1
    update.refresh_from_db()
    assert update.processed_at is not None  # by the queue (immediate in tests) after the commit


@pytest.mark.parametrize(
    "body,needle",
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"update_id": "7"}', "integer update_id"),
        (b'{"message": {}}', "integer update_id"),
        (b'{"update_id": true}', "integer update_id"),
    ],
)
def test_a_body_that_is_no_update_is_a_400_with_a_clear_error(client, db, body, needle):
    response = post(client, body, secret=webhooks.webhook_secret(BOT))
    assert response.status_code == 400
    assert needle in response.json()["error"]
    assert not PlatformUpdate.objects.exists()


def test_a_huge_body_is_refused(client, db):
    body = json.dumps({"update_id": 1, "message": {"text": "x" * (webhooks.MAX_BODY_BYTES + 1)}})
    response = post(client, body, secret=webhooks.webhook_secret(BOT))
    assert response.status_code == 413
    assert not PlatformUpdate.objects.exists()


def test_only_post_is_accepted(client, db):
    assert client.get(reverse("telegram_webhook", args=[BOT])).status_code == 405


def test_a_repeated_delivery_answers_200_and_is_stored_once(client, db, django_capture_on_commit_callbacks):
    secret = webhooks.webhook_secret(BOT)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert post(client, a_message(), secret=secret).json()["duplicate"] is False
        second = post(client, a_message(), secret=secret)
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert PlatformUpdate.objects.count() == 1
    assert len(queued) == 1  # processed once


def test_a_delivered_comment_is_processed_by_the_queue(
    client, telegram, tg_channel, django_capture_on_commit_callbacks
):
    message = payloads.comment_message(telegram.group.id, 41, "Во сколько открываетесь?", thread_id=40)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            payloads.update(3, message),
            secret=webhooks.webhook_secret(telegram.bot.id),
            bot=str(telegram.bot.id),
        )
    assert response.status_code == 200
    assert Comment.objects.get().text == "Во сколько открываетесь?"


# --- switching between webhook and polling --------------------------------------------------------------


def test_enabling_the_webhook_registers_the_address_and_the_secret(team, telegram, tg_channel, settings):
    settings.BASE_URL = "https://tandem.example.com"
    url = webhooks.enable_webhook(team.membership("manager"), tg_channel)
    assert url == f"https://tandem.example.com/hooks/telegram/{telegram.bot.id}/"
    calls = [call.method for call in telegram.calls]
    assert "setwebhook" in calls
    tg_channel.refresh_from_db()
    assert tg_channel.details["webhook"] is True
    assert str(telegram.bot.id) not in webhooks.polled_bots()
    webhooks.disable_webhook(team.membership("manager"), tg_channel)
    tg_channel.refresh_from_db()
    assert tg_channel.details["webhook"] is False
    assert webhooks.polled_bots()[str(telegram.bot.id)] == tg_channel


def test_only_channel_managers_switch_webhooks(team, telegram, tg_channel):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(PermissionDenied):
        webhooks.enable_webhook(team.membership("administrator"), tg_channel)
    outsider = team.other_workspace.memberships.get()
    with pytest.raises(Http404):
        webhooks.enable_webhook(outsider, tg_channel)


def test_the_sandbox_has_no_webhook(team, sandbox_channel):
    with pytest.raises(ServiceError):
        webhooks.enable_webhook(team.membership("manager"), sandbox_channel)


def test_a_starting_worker_judges_sample_comments_with_each_active_workspaces_engine(
    team, sandbox_channel, monkeypatch
):
    """So that the first real comment does not pay for the imports and lazy tables of a first verdict."""
    from django.db import connection

    judged = []
    monkeypatch.setattr(Engine, "review_many", lambda engine, messages, *a, **k: judged.append(messages))
    monkeypatch.setattr(actions, "platform_call", lambda *a, **k: None)
    monkeypatch.setattr(connection, "close", lambda: None)  # the test's transaction stays open
    tasks.warm_up_moderation()
    assert judged == [tasks.WARM_UP_COMMENTS]
