"""Time arithmetic for plans: local wall-clock times in the workspace's zone ↔ aware UTC, queue slots and
recurrences. Every function takes ``now`` so tests can pin the clock."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.utils.translation import gettext as _

from tandem.core.errors import ServiceError

# Plans outside these years are refused: they are typing mistakes, and the far ends overflow datetime.
YEARS = (1970, 2999)


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of wall-clock ``day at`` in ``zone_name``.

    A time skipped by a DST change (02:30 when clocks jump to 03:00) is refused with a sentence; a time that
    happens twice (clocks go back) means its first occurrence, as calendars usually do.
    """
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ServiceError(_("Choose a date between the years 1970 and 2999."))
    tz = zone(zone_name)
    local = datetime.combine(day, at).replace(tzinfo=tz, fold=0)
    round_trip = local.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ServiceError(
            _(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks move forward then. Pick another time."
            )
            % {"time": at.strftime("%H:%M"), "day": day.isoformat(), "zone": zone_name}
        )
    return local.astimezone(UTC)


def to_local(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(zone(zone_name))


def slot_instants(slots, zone_name: str, after: datetime, weeks: int = 8):
    """UTC instants of weekly ``slots`` ((weekday, time) pairs) after ``after``, in order, for ``weeks`` weeks.

    Slots are wall-clock times, so a 10:00 slot stays at 10:00 local across DST changes; a slot that falls
    in a skipped hour that day is left out.
    """
    tz = zone(zone_name)
    start = after.astimezone(tz).date()
    found = []
    for offset in range(weeks * 7 + 1):
        day = start + timedelta(days=offset)
        for weekday, at in slots:
            if day.weekday() != weekday:
                continue
            try:
                instant = local_to_utc(day, at, zone_name)
            except ServiceError:
                continue
            if instant > after:
                found.append(instant)
    return sorted(found)


def next_free_slot(slots, zone_name: str, after: datetime, taken: set[datetime]) -> datetime | None:
    """The first slot instant after ``after`` that no other delivery of the channel uses."""
    for instant in slot_instants(slots, zone_name, after):
        if instant not in taken:
            return instant
    return None


def next_occurrence(
    previous: datetime, recurrence: str, every_days: int, zone_name: str, wall_time: time | None = None
) -> datetime:
    """The occurrence after ``previous``: ``every_days`` (or 7) days later at the series' wall-clock time
    ``wall_time`` (default: ``previous``'s local time), DST-correct. On a day when that time is skipped by the
    clocks, it goes out an hour later that day only; the series keeps its time."""
    step = 7 if recurrence == "weekly" else every_days
    local = to_local(previous, zone_name)
    at = wall_time or local.time().replace(tzinfo=None)
    day = local.date() + timedelta(days=step)
    try:
        return local_to_utc(day, at, zone_name)
    except ServiceError:
        later = datetime.combine(day, at) + timedelta(hours=1)
        return local_to_utc(later.date(), later.time(), zone_name)


def first_occurrence_after(
    start: datetime,
    recurrence: str,
    every_days: int,
    zone_name: str,
    now: datetime,
    wall_time: time | None = None,
):
    """The first occurrence of a series that started at ``start`` which is not before ``now``.

    Used after downtime: missed occurrences are skipped, never fired in a burst.
    """
    occurrence = start
    while occurrence < now:
        occurrence = next_occurrence(occurrence, recurrence, every_days, zone_name, wall_time)
    return occurrence
