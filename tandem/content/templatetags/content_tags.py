import re

from django import template

from tandem.content import planning

register = template.Library()

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NEUTRAL = "#9aa3b2"


@register.filter
def colour(value) -> str:
    """A rubric colour fit for an SVG fill attribute: #rrggbb, or a neutral grey."""
    return value if isinstance(value, str) and COLOUR.match(value) else NEUTRAL


@register.filter
def glance(post):
    return planning.glance(post)


@register.filter
def latest_deliveries(post):
    return planning.latest_deliveries(post)


@register.filter
def is_web_link(url) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))


@register.inclusion_tag("content/_chip.html")
def rubric_chip(rubric, size=12):
    return {"rubric": rubric, "size": size}
