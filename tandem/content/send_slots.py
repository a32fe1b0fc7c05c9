"""Send slots shared by all workers: the engine keeps every platform limit (Telegram's 30 posts/s per bot,
1/s per chat) across processes and machines, so a burst is spread out instead of collecting 429s.

Slots are reserved while claiming (one write transaction), and a post whose slot is too far ahead is left
for a later claim, so one busy bot never holds a worker for long. Only limits shared by many channels (a
bot's) are kept here; a chat's own limit is kept by the connector.
"""

import time

from .models import PaceSlot

# A delivery whose next slot is further away than this is not claimed now.
HORIZON_SECONDS = 5.0


def reserve(items, now: float | None = None, horizon: float = HORIZON_SECONDS, limit: int = 0):
    """Give the (delivery, pace keys, not before) items, in order, their send times — never before their
    own "not before" (a post claimed ahead of its due time), skipping those whose slot is more than the
    horizon after that, stopping after ``limit`` (0 = no limit) — and return {delivery id: send time}.
    Only the returned ones use up slots. Call inside the claiming transaction."""
    now = time.time() if now is None else now
    limit = limit or len(items)
    # Sorted: racing workers insert and lock the same keys in the same order, so one waits for the other
    # instead of each holding a key the other needs (a deadlock).
    keys = sorted({key for _delivery, pace_keys, _not_before in items for key, _interval in pace_keys})
    free = {}
    if keys:
        # Create missing rows first, so on PostgreSQL every key is a row that the lock below can hold.
        PaceSlot.objects.bulk_create([PaceSlot(key=key) for key in keys], ignore_conflicts=True)
        locked = PaceSlot.objects.select_for_update().filter(key__in=keys).order_by("key")
        free = dict(locked.values_list("key", "next_free"))
    planned = {}
    for delivery, pace_keys, not_before in items:
        earliest = max(now, not_before)
        start = max([earliest, *(free[key] for key, _interval in pace_keys)])
        if start - earliest > horizon:
            continue
        for key, interval in pace_keys:
            free[key] = start + interval
        planned[delivery.pk] = start
        if len(planned) == limit:
            break
    if free:
        PaceSlot.objects.bulk_update(
            [PaceSlot(key=key, next_free=value) for key, value in free.items()], ["next_free"]
        )
    return planned


def push_back(pace_keys, until: float) -> None:
    """The platform said "retry after": nothing through these limits before ``until``."""
    for key, _interval in pace_keys:
        PaceSlot.objects.filter(key=key, next_free__lt=until).update(next_free=until)
