"""Time-zone helpers shared by every app."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone the system knows, for a select box (sorted, with UTC first)."""
    names = sorted(zoneinfo.available_timezones() - {"UTC", "localtime", "Factory"})
    return [("UTC", "UTC")] + [(name, name.replace("_", " ")) for name in names if "/" in name]


def validate_time_zone(value: str) -> None:
    if value not in dict(time_zone_choices()):
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})
