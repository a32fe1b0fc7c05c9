"""The publishing engine: claim due deliveries, send them, record what happened — exactly once.

1. ``claim_due`` moves due deliveries to ``sending`` with one conditional UPDATE (only rows still in a due
   state match, so any number of workers on SQLite or PostgreSQL never claim one delivery twice) and writes an
   in-flight attempt row, all committed *before* any platform is called.
2. ``dispatch_due`` sends a claimed batch concurrently on this thread's event loop and records each outcome
   as soon as it arrives.
3. An ambiguous failure (the request may have reached the platform) makes the delivery ``unconfirmed``: it is
   reconciled where the platform can say whether the post exists, otherwise a person decides. Nothing is ever
   re-sent blindly. ``sweep_interrupted`` does the same for sends whose worker died mid-flight.
"""

import asyncio
import logging
import math
import os
import queue
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.channels.models import ChannelStatus
from tandem.core import aio
from tandem.core.crypto import DecryptionError
from tandem.platforms.base import ConnectorError, ErrorKind, Feature, Published
from tandem.platforms.registry import connector_class

from . import history, send_slots
from .models import DUE_STATES, Delivery, DeliveryAttempt, DeliveryState
from .outgoing import prepare

log = logging.getLogger(__name__)

Outcome = DeliveryAttempt.Outcome
BATCH_SIZE = 100
MAX_TRANSIENT_FAILURES = 6


def lease() -> timedelta:
    """How long a send may take before its worker is presumed dead."""
    return timedelta(seconds=getattr(settings, "TANDEM_DELIVERY_LEASE_SECONDS", 600))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def backoff(failures: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour, ±20 % jitter so a platform outage does not end in a stampede."""
    seconds = min(30 * 2 ** (failures - 1), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


@dataclass
class Claimed:
    delivery: Delivery
    attempt: DeliveryAttempt
    token: str
    # The reserved send slot (unix time): the platform is not called before it.
    send_at: float = 0.0


def claim_due(now: datetime | None = None, limit: int = BATCH_SIZE, ahead: float = 0.0) -> list[Claimed]:
    """Claim up to ``limit`` deliveries due by ``now`` + ``ahead`` seconds whose rate-limit slots are near,
    reserving those slots. A delivery claimed ahead is still not sent before its due time."""
    now = now or timezone.now()
    token = f"{worker_name()}/{uuid.uuid4().hex[:8]}"
    due = Delivery.objects.filter(
        state__in=DUE_STATES, next_attempt_at__lte=now + timedelta(seconds=ahead)
    ).order_by("next_attempt_at", "id")
    # Most wake-ups find nothing left to do: find that out without taking the database's write lock.
    if not due.exists():
        return []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        candidates = list(due.select_related("channel")[: limit * 4])
        # Claimed ahead of time: not sent before it is due (measured from ``now``, so a test's clock works too).
        started = time.time()
        planned = send_slots.reserve(
            [
                (d, _pace_keys(d.channel), started + (d.next_attempt_at - now).total_seconds())
                for d in candidates
            ],
            now=started,
            limit=limit,
        )
        ids = [d.pk for d in candidates if d.pk in planned][:limit]
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, state__in=DUE_STATES).update(
            state=DeliveryState.SENDING, claimed_by=token, claimed_at=now, attempts=F("attempts") + 1
        )
        deliveries = list(
            Delivery.objects.filter(claimed_by=token, state=DeliveryState.SENDING)
            .select_related("post", "post__workspace", "post__author", "channel")
            .prefetch_related("post__variants", "post__media")
        )
        attempts = DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(delivery=d, number=d.attempts, worker=token, started_at=now) for d in deliveries
        )
    return [Claimed(d, a, token, planned[d.pk]) for d, a in zip(deliveries, attempts, strict=True)]


@dataclass
class Result:
    outcome: str
    published: Published | None = None
    error: ConnectorError | None = None


_ERROR_OUTCOMES = {
    ErrorKind.RATE_LIMITED: Outcome.RATE_LIMITED,
    ErrorKind.TRANSIENT: Outcome.TRANSIENT,
    ErrorKind.PERMANENT: Outcome.PERMANENT,
    ErrorKind.AMBIGUOUS: Outcome.AMBIGUOUS,
}


def _refusal_before_sending(delivery: Delivery, problems: list[str]) -> ConnectorError | None:
    """A reason not to call the platform at all: an unusable channel or content over its limits."""
    channel = delivery.channel
    if channel.status == ChannelStatus.REMOVED:
        return ConnectorError(ErrorKind.PERMANENT, _("The channel was removed."))
    if channel.status != ChannelStatus.ACTIVE:
        reason = channel.status_reason or channel.get_status_display()
        return ConnectorError(
            ErrorKind.PERMANENT, _("The channel needs attention: %(reason)s") % {"reason": reason}
        )
    if problems:
        return ConnectorError(ErrorKind.PERMANENT, " ".join(problems))
    return None


async def _send(connector, outgoing) -> Result:
    try:
        return Result(Outcome.SENT, published=await connector.publish(outgoing))
    except ConnectorError as error:
        return Result(_ERROR_OUTCOMES[error.kind], error=error)
    except Exception as error:
        log.exception("connector crashed")
        # We cannot know how far the request got, so it is treated as ambiguous.
        return Result(
            Outcome.AMBIGUOUS,
            error=ConnectorError(ErrorKind.AMBIGUOUS, _("Unexpected error."), detail=type(error).__name__),
        )


class Recorder:
    """Writes send outcomes on its own thread, many per transaction, while the event loop keeps sending.

    One transaction per outcome would make a burst wait on the database's write lock hundreds of times; the
    recorder drains whatever has arrived and commits it together, within milliseconds of the answers.
    """

    def __init__(self):
        self.pending: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="delivery-recorder", daemon=True)
        self.thread.start()

    def put(self, claimed: Claimed, result: Result) -> None:
        self.pending.put((claimed, result))

    def flush(self) -> None:
        """Return once everything put so far is committed."""
        self.pending.join()

    def _run(self) -> None:
        while True:
            items = [self.pending.get()]
            while len(items) < 500:
                try:
                    items.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(items)
            finally:
                for _item in items:
                    self.pending.task_done()

    @staticmethod
    def _write(items) -> None:
        try:
            record_many(items)
            return
        except Exception:
            log.exception("recording %d outcomes together failed; recording them one by one", len(items))
            # A dropped database connection is replaced rather than failing every later write.
            connection.close()
        for item in items:
            try:
                record_many([item])
            except Exception:
                # Left in "sending": the sweep turns it into "unconfirmed" for a person to check.
                log.exception("recording the outcome of delivery %s failed", item[0].delivery.pk)
                connection.close()


_local = threading.local()


def _recorder() -> Recorder:
    recorder = getattr(_local, "recorder", None)
    if recorder is None:
        recorder = _local.recorder = Recorder()
    return recorder


def _pace_keys(channel) -> list[tuple[str, float]]:
    """The channel's shared rate limits; none for a channel that cannot send (it fails before any call)."""
    if channel.status != ChannelStatus.ACTIVE:
        return []
    try:
        return thread_connector(channel).pace_keys()
    except (ConnectorError, DecryptionError):
        return []


def thread_connector(channel):
    """This thread's connector for ``channel``, kept between batches so SDK clients and their connection
    pools are reused; rebuilt when the channel's secrets change (a replaced token)."""
    cache = getattr(_local, "connectors", None)
    if cache is None:
        cache = _local.connectors = {}
    fingerprint = (channel.platform, channel.external_id, channel.secrets)
    cached = cache.get(channel.pk)
    if cached is None or cached[0] != fingerprint:
        # claim_due reserved slots across processes; the connector's own spacing stays on as well, so sends
        # that fell behind their slots (a busy CPU) do not leave together in a burst.
        cached = cache[channel.pk] = (fingerprint, channel.connector())
    return cached[1]


async def _send_batch(batch: list[tuple[Claimed, object]]) -> None:
    recorder = _recorder()

    async def one(claimed: Claimed, outgoing) -> None:
        await asyncio.sleep(max(0.0, claimed.send_at - time.time()))
        # Sentences the platform's errors produce are stored: write them in the post author's language.
        # (Each task has its own context, so this does not leak into the other sends.)
        translation.activate(_language_of(claimed.delivery))
        try:
            connector = thread_connector(claimed.delivery.channel)
        except ConnectorError as error:
            recorder.put(claimed, Result(_ERROR_OUTCOMES[error.kind], error=error))
            return
        except DecryptionError:
            error = ConnectorError(
                ErrorKind.PERMANENT, _("The channel's stored token cannot be read."), channel_broken=True
            )
            recorder.put(claimed, Result(Outcome.PERMANENT, error=error))
            return
        recorder.put(claimed, await _send(connector, outgoing))

    await asyncio.gather(*(one(claimed, outgoing) for claimed, outgoing in batch))


def dispatch_due(now: datetime | None = None, limit: int = BATCH_SIZE, ahead: float = 0.0) -> int:
    """Claim and send one batch of due deliveries; returns how many were claimed (0 = nothing was due).
    With ``ahead``, deliveries due within that many seconds are claimed now and sent on time."""
    claimed = claim_due(now, limit, ahead)
    batch = []
    for item in claimed:
        outgoing, problems = prepare(item.delivery)
        refusal = _refusal_before_sending(item.delivery, problems)
        if refusal is not None:
            record(item, Result(Outcome.PERMANENT, error=refusal))
        else:
            batch.append((item, outgoing))
    if batch:
        aio.run(_send_batch(batch))
        _recorder().flush()
    return len(claimed)


def helpers_wanted(ahead: float = 0.0) -> int:
    """How many more workers should join in sending what is due within ``ahead`` seconds (one per batch
    beyond the first, up to TANDEM_PUBLISH_WORKERS - 1)."""
    until = timezone.now() + timedelta(seconds=ahead)
    due = Delivery.objects.filter(state__in=DUE_STATES, next_attempt_at__lte=until).count()
    return max(0, min(settings.TANDEM_PUBLISH_WORKERS - 1, math.ceil(due / BATCH_SIZE) - 1))


def dispatch_all_due(ahead: float = 0.0, patience: float = 30.0) -> int:
    """Send batches until nothing is due (within ``ahead`` seconds); returns the total. When what is due
    waits only for rate-limit slots, keep at it for up to ``patience`` seconds instead of leaving it to the
    next minute's tick."""
    total = 0
    deadline = time.monotonic() + patience
    while True:
        sent = dispatch_due(ahead=ahead)
        total += sent
        if sent:
            continue
        waiting = Delivery.objects.filter(
            state__in=DUE_STATES, next_attempt_at__lte=timezone.now() + timedelta(seconds=ahead)
        ).exists()
        if not waiting or time.monotonic() > deadline:
            return total
        time.sleep(1)


def record(claimed: Claimed, result: Result, now: datetime | None = None) -> None:
    record_many([(claimed, result)], now)


def record_many(items: list[tuple[Claimed, Result]], now: datetime | None = None) -> None:
    """Write outcomes in one transaction. A delivery taken from this worker in the meantime (swept as
    unconfirmed) keeps its state, except that a late success is still the truth and is recorded."""
    now = now or timezone.now()
    reconcile_later = []
    with transaction.atomic():
        events = []
        # Successful attempts are closed with one statement; the others carry their own message.
        sent_attempts = [claimed.attempt.pk for claimed, result in items if result.published]
        DeliveryAttempt.objects.filter(pk__in=sent_attempts).update(outcome=Outcome.SENT, finished_at=now)
        for claimed, result in items:
            if not result.published:
                DeliveryAttempt.objects.filter(pk=claimed.attempt.pk).update(
                    outcome=result.outcome, finished_at=now, message=str(result.error) if result.error else ""
                )
            if result.published:
                if _record_success(claimed, result.published, now):
                    events.append(
                        history.event(
                            claimed.delivery.post,
                            "published",
                            channel=claimed.delivery.channel,
                            url=result.published.url,
                        )
                    )
            else:
                with translation.override(_language_of(claimed.delivery)):
                    if _record_failure(claimed, result, now) and result.outcome == Outcome.AMBIGUOUS:
                        reconcile_later.append(claimed.delivery)
        history.save_events(events)
    for delivery in reconcile_later:
        if Feature.RECONCILE in connector_class(delivery.channel.platform).features:
            from .tasks import reconcile_delivery  # tasks import this module

            reconcile_delivery(delivery.pk)


def _language_of(delivery: Delivery) -> str:
    author = delivery.post.author
    return author.language if author else settings.LANGUAGE_CODE


def _record_success(claimed: Claimed, published: Published, now: datetime) -> bool:
    values = {
        "state": DeliveryState.SENT,
        "sent_at": now,
        "external_id": published.external_id,
        "url": published.url,
        "extra": published.extra,
        "error": "",
        "error_detail": "",
        "claimed_by": "",
        "claimed_at": None,
        "updated_at": now,
    }
    pk = claimed.delivery.pk
    ours = Delivery.objects.filter(pk=pk, state=DeliveryState.SENDING, claimed_by=claimed.token).update(
        **values
    )
    return bool(ours or Delivery.objects.filter(pk=pk, state=DeliveryState.UNCONFIRMED).update(**values))


def _record_failure(claimed: Claimed, result: Result, now: datetime) -> bool:
    error = result.error
    delivery = (
        Delivery.objects.select_for_update().select_related("post", "channel").get(pk=claimed.delivery.pk)
    )
    if not (delivery.state == DeliveryState.SENDING and delivery.claimed_by == claimed.token):
        log.warning(
            "delivery %s changed while it was sent; outcome %s kept in its attempt",
            delivery.pk,
            result.outcome,
        )
        return False
    delivery.claimed_by = ""
    delivery.claimed_at = None
    if result.outcome == Outcome.RATE_LIMITED:
        wait = timedelta(seconds=(error.retry_after or 1) + random.uniform(0, 1))  # noqa: S311
        _retry_later(delivery, now + wait, error)
        send_slots.push_back(_pace_keys(delivery.channel), (now + wait).timestamp())
    elif result.outcome == Outcome.TRANSIENT:
        delivery.transient_failures += 1
        if delivery.transient_failures >= MAX_TRANSIENT_FAILURES:
            _fail(delivery, error, now, gave_up=True)
        else:
            _retry_later(delivery, now + backoff(delivery.transient_failures), error)
    elif result.outcome == Outcome.PERMANENT:
        _fail(delivery, error, now)
    else:
        _mark_unconfirmed(delivery, error, now)
    delivery.save()
    return True


def _mark_sent(delivery: Delivery, published: Published, now: datetime) -> None:
    delivery.state = DeliveryState.SENT
    delivery.sent_at = now
    delivery.external_id = published.external_id
    delivery.url = published.url
    delivery.extra = published.extra
    delivery.error = delivery.error_detail = ""
    history.record(delivery.post, "published", channel=delivery.channel, url=published.url)


def _retry_later(delivery: Delivery, when: datetime, error: ConnectorError) -> None:
    from .tasks import wake_at  # tasks import this module

    delivery.state = DeliveryState.RETRY_WAIT
    delivery.next_attempt_at = when
    transaction.on_commit(lambda: wake_at(when))
    delivery.error = error.message
    delivery.error_detail = error.detail


def _fail(delivery: Delivery, error: ConnectorError, now: datetime, gave_up: bool = False) -> None:
    from tandem.channels.services import flag_channel

    delivery.state = DeliveryState.FAILED
    delivery.error = (
        _("Gave up after %(count)d attempts: %(reason)s")
        % {"count": delivery.attempts, "reason": error.message}
        if gave_up
        else error.message
    )
    delivery.error_detail = error.detail
    if error.channel_broken:
        flag_channel(delivery.channel, error.message)
    history.record(delivery.post, "failed", channel=delivery.channel, message=delivery.error, notify=True)


def _mark_unconfirmed(delivery: Delivery, error: ConnectorError | None, now: datetime) -> None:
    delivery.state = DeliveryState.UNCONFIRMED
    delivery.error = _(
        "We could not confirm whether the post went out (%(reason)s). Check the channel, then tell Tandem."
    ) % {"reason": error.message if error else _("the worker stopped mid-send")}
    delivery.error_detail = error.detail if error else ""
    history.record(
        delivery.post, "unconfirmed", channel=delivery.channel, message=delivery.error, notify=True
    )
