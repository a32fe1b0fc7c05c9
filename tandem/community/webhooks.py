"""Receiving Telegram's updates: the webhook endpoint, switching a bot's webhook on and off, and polling
(getUpdates) for installs that Telegram cannot reach.

The webhook answers as soon as the raw update is stored; the worker does the rest (tasks.process_update).
Telegram signs each delivery with the secret given to setWebhook, in the X-Telegram-Bot-Api-Secret-Token
header. The secret is derived from SECRET_KEY and the bot id, so nothing needs storing and each bot's secret
differs. A bot has either a webhook or getUpdates (Telegram refuses getUpdates while a webhook is set); the
channels of a bot with a webhook carry details["webhook"] = True.
"""

import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from huey.contrib.djhuey import HUEY

from tandem.channels.models import Channel, ChannelStatus
from tandem.core.errors import ServiceError
from tandem.core.views import public_view
from tandem.platforms.base import Feature
from tandem.workspaces.access import in_workspace

from . import actions
from .ingest import bot_id, process_update, receive_update
from .models import PlatformUpdate

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a message is at most 4096 characters.
MAX_BODY_BYTES = 1_000_000


def webhook_secret(bot: str | int) -> str:
    """The secret Telegram sends with every update for this bot (64 hex characters, within Telegram's
    1–256 of [A-Za-z0-9_-])."""
    message = f"telegram-webhook:{bot}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


@public_view
@csrf_exempt
@require_POST
def telegram_webhook(request, account: str):
    """Store one update (once, however often Telegram repeats it) and queue its processing."""
    given = request.headers.get(SECRET_HEADER, "")
    if not account.isdigit() or not hmac.compare_digest(given.encode(), webhook_secret(account).encode()):
        return _error(403, "wrong or missing secret token")
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
        return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(request.body)
    except ValueError:
        return _error(400, "the body is not JSON")
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return _error(400, "the body must be a JSON object with an integer update_id")
    update = receive_update("telegram", account, payload)
    if update is not None:
        transaction.on_commit(lambda: _queue(update.pk))
    return JsonResponse({"ok": True, "duplicate": update is None})


def _queue(update_pk: int) -> None:
    from .tasks import process_update_task

    process_update_task(update_pk)


urlpatterns = [path("telegram/<str:account>/", telegram_webhook, name="telegram_webhook")]


# --- switching a bot between webhook and polling -------------------------------------------------------------


def bot_channels(bot: str) -> list[Channel]:
    """Every live Telegram channel served by this bot (in any workspace: a webhook belongs to the bot)."""
    telegram = Channel.objects.filter(platform="telegram").exclude(status=ChannelStatus.REMOVED)
    return [channel for channel in telegram if bot_id(channel) == bot]


def _mark_webhook(bot: str, on: bool) -> None:
    with transaction.atomic():
        for channel in bot_channels(bot):
            channel.details = {**channel.details, "webhook": on}
            channel.save(update_fields=["details"])


def _telegram_channel(actor, channel: Channel) -> Channel:
    """The channel, checked: the actor's workspace, their right to manage channels, a platform with webhooks."""
    channel = in_workspace(Channel.objects.connected(), actor, channel.pk, "channels.manage")
    if Feature.WEBHOOK not in actions.features(channel):
        raise ServiceError(_("This platform does not send events to Tandem."))
    return channel


def webhook_url(bot: str) -> str:
    return settings.BASE_URL + reverse("telegram_webhook", args=[bot])


def enable_webhook(actor, channel: Channel) -> str:
    """Have Telegram post this channel's bot's updates to Tandem (TANDEM_BASE_URL must be reachable from the
    internet over HTTPS). Returns the webhook's address."""
    channel = _telegram_channel(actor, channel)
    bot = bot_id(channel)
    url = webhook_url(bot)
    _result, refusal = actions.platform_call(channel, "set_webhook", url, webhook_secret(bot))
    if refusal:
        raise ServiceError(refusal)
    _mark_webhook(bot, True)
    return url


def disable_webhook(actor, channel: Channel) -> None:
    """Stop the webhook; the bot's updates wait for polling (the worker, or `tandem listen`)."""
    channel = _telegram_channel(actor, channel)
    _result, refusal = actions.platform_call(channel, "delete_webhook")
    if refusal:
        raise ServiceError(refusal)
    _mark_webhook(bot_id(channel), False)


# --- polling -----------------------------------------------------------------------------------------------

# `tandem listen` stamps each bot it long-polls at least this often; the worker's minute tick leaves such bots
# alone, since two getUpdates at once end one of them with 409.
LISTENER_STAMP_SECONDS = 60


def _listener_key(bot: str) -> str:
    return f"telegram-listener:{bot}"


def mark_listening(bot: str) -> None:
    """Say (in the queue's shared store) that a `tandem listen` process polls this bot now."""
    HUEY.put(_listener_key(bot), time.time())


def has_listener(bot: str) -> bool:
    stamp = HUEY.get(_listener_key(bot), peek=True)
    return stamp is not None and time.time() - stamp < LISTENER_STAMP_SECONDS


def polled_bots() -> dict[str, Channel]:
    """One channel per Telegram bot that has no webhook: polling any of a bot's channels gets all its updates."""
    bots = {}
    for channel in Channel.objects.filter(platform="telegram", status=ChannelStatus.ACTIVE):
        bot = bot_id(channel)
        if bot and not channel.details.get("webhook", False):
            bots.setdefault(bot, channel)
    webhooked = {bot_id(c) for c in Channel.objects.filter(platform="telegram", details__webhook=True)}
    return {bot: channel for bot, channel in bots.items() if bot not in webhooked}


def next_offset(bot: str) -> int | None:
    """getUpdates' offset: one past the newest update stored for the bot (which confirms it to Telegram)."""
    last = (
        PlatformUpdate.objects.filter(platform="telegram", account=bot)
        .order_by("-update_id")
        .values_list("update_id", flat=True)
        .first()
    )
    return None if last is None else last + 1


def poll_updates(channel: Channel, timeout: int = 0) -> int:
    """Fetch the channel's bot's waiting updates, store and process each. Returns how many were new; raises
    ServiceError when Telegram refuses (e.g. a webhook is set)."""
    bot = bot_id(channel)
    updates, refusal = actions.platform_call(channel, "get_updates", next_offset(bot), timeout)
    if refusal:
        if "webhook is active" in refusal.lower():
            # Telegram delivers to a webhook (set before the channel's details were replaced by a re-check,
            # or by another install): stop asking.
            _mark_webhook(bot, True)
        raise ServiceError(refusal)
    new = 0
    for payload in updates:
        try:
            update = receive_update("telegram", bot, payload)
        except ValueError:
            log.warning("bot %s: getUpdates returned an update without an id", bot)
            continue
        if update is not None:
            new += 1
            process_update(update.pk)
    return new
