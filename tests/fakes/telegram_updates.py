"""One bot's updates in the fake Bot API: queued with increasing update_id, handed out by getUpdates (offset
confirms, long polls wait on a condition variable) or POSTed to the bot's webhook by a background thread.

Behaviour from the Bot API docs (core.telegram.org/bots/api#getting-updates): an update is confirmed once
getUpdates is called with an offset higher than its update_id; a negative offset keeps only the last -offset
updates; limit is 1–100; allowed_updates applies to updates created after the call, and without it every
type but chat_member, message_reaction and message_reaction_count is sent; getUpdates answers 409 while a
webhook is set, and a second concurrent getUpdates ends the first with 409; every webhook delivery is a JSON
POST carrying X-Telegram-Bot-Api-Secret-Token when a secret was set, and a non-2xx answer is retried.
Simpler than the real API: deliveries go one at a time, in order (max_connections is reported, not used),
a failed update is retried ``WEBHOOK_ATTEMPTS`` times with a short back-off and then dropped (Telegram keeps
trying for longer), and updates never expire (Telegram keeps them 24 hours).
"""

import threading
import time
from dataclasses import dataclass, field

import httpx

from tests.fakes.telegram_objects import ApiError

NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
WEBHOOK_ACTIVE = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
WEBHOOK_ATTEMPTS = 4
WEBHOOK_BACKOFF = 0.05  # seconds before the second attempt, doubling after


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of one update to the webhook, as the receiving server answered it."""

    update_id: int
    attempt: int
    status: int | None  # None: no HTTP answer (connection refused, timeout)
    secret_header: str | None
    error: str = ""


@dataclass
class Webhook:
    url: str
    secret: str
    stop: threading.Event = field(default_factory=threading.Event)


class UpdateQueue:
    """A bot's pending updates and its webhook, under one condition variable."""

    def __init__(self, first_update_id: int):
        self.condition = threading.Condition()
        self.pending: list[dict] = []
        self.next_update_id = first_update_id
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self.webhook: Webhook | None = None
        self.deliveries: list[WebhookDelivery] = []
        self.last_error: tuple[int, str] | None = None
        self.polls = 0  # getUpdates calls so far; a newer one ends an older long poll
        self._paused = False

    # --- queueing --------------------------------------------------------------------------------------

    def push(self, kind: str, payload: dict) -> int | None:
        """Queue ``{update_id, kind: payload}`` unless the bot did not ask for this kind; its update_id."""
        with self.condition:
            if kind in NOT_BY_DEFAULT if self.allowed is None else kind not in self.allowed:
                return None
            update_id = self.next_update_id
            self.next_update_id += 1
            self.pending.append({"update_id": update_id, kind: payload})
            self.condition.notify_all()
            return update_id

    def _set_allowed(self, allowed: list | None) -> None:
        if allowed is not None:
            self.allowed = frozenset(allowed) or None  # an empty list means the default set

    # --- getUpdates ------------------------------------------------------------------------------------

    def get(self, offset: int, limit: int, timeout: float, allowed: list | None) -> list[dict]:
        """getUpdates: confirm what lies before ``offset``, then wait up to ``timeout`` s for something."""
        with self.condition:
            if self.webhook is not None:
                raise ApiError(409, WEBHOOK_ACTIVE)
            self._set_allowed(allowed)
            self.polls += 1
            generation = self.polls
            self.condition.notify_all()  # an earlier long poll ends with 409
            if offset > 0:
                self.pending = [update for update in self.pending if update["update_id"] >= offset]
            elif offset < 0:
                self.pending = self.pending[offset:]
            deadline = time.monotonic() + timeout
            while not self.pending and not self._paused:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.condition.wait(remaining)
                if self.polls != generation:
                    raise ApiError(409, TERMINATED)
                if self.webhook is not None:
                    raise ApiError(409, WEBHOOK_ACTIVE)
            return [dict(update) for update in self.pending[: max(1, min(limit, 100))]]

    # --- webhook ---------------------------------------------------------------------------------------

    def set_webhook(self, url: str, secret: str, allowed: list | None, drop_pending: bool) -> None:
        with self.condition:
            self._stop_delivery()
            self._set_allowed(allowed)
            if drop_pending:
                self.pending.clear()
            self.webhook = Webhook(url, secret) if url else None
            self.last_error = None
            self._start_delivery()
            self.condition.notify_all()  # a waiting getUpdates ends with 409

    def delete_webhook(self, drop_pending: bool) -> None:
        self.set_webhook("", "", None, drop_pending)

    def info(self) -> dict:
        with self.condition:
            data = {
                "url": self.webhook.url if self.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self.pending),
            }
            if self.webhook:
                data["max_connections"] = 40
                if self.allowed is not None:
                    data["allowed_updates"] = sorted(self.allowed)
            if self.last_error:
                data["last_error_date"], data["last_error_message"] = self.last_error
            return data

    def pause(self) -> None:
        """The server stopped: end long polls and deliveries (the webhook stays set)."""
        with self.condition:
            self._paused = True
            self._stop_delivery()
            self.condition.notify_all()

    def resume(self) -> None:
        with self.condition:
            self._paused = False
            self._start_delivery()

    def _stop_delivery(self) -> None:
        if self.webhook is not None:
            self.webhook.stop.set()
            self.webhook.stop = threading.Event()  # a fresh one for a later resume

    def _start_delivery(self) -> None:
        if self.webhook is not None and not self._paused:
            threading.Thread(
                target=self._deliver, args=(self.webhook, self.webhook.stop), name="fake-telegram-webhook",
                daemon=True,
            ).start()  # fmt: skip

    def _deliver(self, webhook: Webhook, stop: threading.Event) -> None:
        """Send the oldest pending update until it is accepted or has used its attempts, then the next."""
        with httpx.Client(timeout=5) as client:
            while True:
                with self.condition:
                    while not self.pending and not stop.is_set():
                        self.condition.wait(0.5)
                    if stop.is_set():
                        return
                    update = self.pending[0]
                if self._post(client, webhook, stop, update):
                    with self.condition:
                        if self.pending and self.pending[0] is update:
                            self.pending.pop(0)
                elif stop.is_set():
                    return

    def _post(self, client: httpx.Client, webhook: Webhook, stop: threading.Event, update: dict) -> bool:
        """True when the update is done with: accepted, or given up after WEBHOOK_ATTEMPTS."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook.secret} if webhook.secret else {}
        for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
            if attempt > 1 and stop.wait(WEBHOOK_BACKOFF * 2 ** (attempt - 2)):
                return False
            status, error = None, ""
            try:
                response = client.post(webhook.url, json=update, headers=headers)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason_phrase}"
            except httpx.HTTPError as exc:
                error = f"Connection failed: {type(exc).__name__}"
            with self.condition:
                self.deliveries.append(
                    WebhookDelivery(
                        update["update_id"],
                        attempt,
                        status,
                        headers.get("X-Telegram-Bot-Api-Secret-Token"),
                        error,
                    )
                )
                if error:
                    self.last_error = (int(time.time()), error)
            if not error:
                return True
        return True
