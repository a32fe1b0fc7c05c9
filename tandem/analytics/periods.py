"""The period a dashboard or report covers: whole calendar days in the workspace's time zone."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PRESETS = {7: _("7 days"), 30: _("30 days"), 90: _("90 days"), 365: _("1 year")}
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class PeriodError(ValueError):
    """A period the user asked for that cannot be used; the message says why."""


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive
    time_zone: str = "UTC"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def previous(self) -> Period:
        """The period of the same length just before this one (the comparison period)."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.time_zone)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day to local midnight after the last."""
        return (
            datetime.combine(self.start, time.min, self.zone),
            datetime.combine(self.end + timedelta(days=1), time.min, self.zone),
        )

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    @classmethod
    def last_days(cls, days: int, time_zone: str, today: date | None = None) -> Period:
        """The ``days`` whole days up to and including today (the workspace's today)."""
        today = today or timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date()
        return cls(today - timedelta(days=days - 1), today, time_zone)

    @classmethod
    def parse(cls, params, time_zone: str, today: date | None = None) -> Period:
        """From query parameters: ``days`` (a preset) or ``start`` and ``end`` (YYYY-MM-DD, inclusive).

        Raises PeriodError with a message for the user; no parameters → the last DEFAULT_DAYS days."""
        start, end = params.get("start"), params.get("end")
        if start or end:
            try:
                first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
            except ValueError:
                raise PeriodError(_("Give the period's first and last day as YYYY-MM-DD.")) from None
            if last < first:
                raise PeriodError(_("The period's last day is before its first day."))
            if (last - first).days + 1 > MAX_DAYS:
                raise PeriodError(_("A period can be at most three years long."))
            return cls(first, last, time_zone)
        raw_days = params.get("days") or DEFAULT_DAYS
        try:
            days = int(raw_days)
        except (TypeError, ValueError):
            raise PeriodError(_("Choose one of the offered periods.")) from None
        if days not in PRESETS:
            raise PeriodError(_("Choose one of the offered periods."))
        return cls.last_days(days, time_zone, today)
