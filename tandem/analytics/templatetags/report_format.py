"""How a report shows its values in a page or a PDF: numbers grouped and rounded, percentages and durations
with their unit, an unavailable value as a dash (its reason is shown beside it)."""

from datetime import date, datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()

UNAVAILABLE = "—"


def _number(value) -> str:
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    places = 2 if abs(value) < 100 else 1 if abs(value) < 10_000 else 0
    return formats.number_format(round(value, places), decimal_pos=places, force_grouping=True)


def _duration(seconds) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    if seconds < 3600:
        return _("%(minutes)d min") % {"minutes": seconds // 60}
    return _("%(hours)d h %(minutes)d min") % {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}


@register.filter
def figure_value(value, unit=""):
    """A figure's value with its unit: ``{{ figure.value|figure_value:figure.unit }}``."""
    if value is None:
        return UNAVAILABLE
    if unit == "s":
        return _duration(value)
    if unit == "%":
        return f"{_number(value)} %"
    return _number(value)


@register.filter
def change(value):
    """A change in per cent with its sign, or a dash when there is nothing to compare with."""
    if value is None:
        return UNAVAILABLE
    return ("+" if value > 0 else "") + f"{_number(float(value))} %"


@register.filter
def cell(value):
    """One table cell: numbers formatted, dates as dates, None as a dash."""
    if value is None:
        return UNAVAILABLE
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value
