from django import template

from tandem.workspaces.capabilities import can as role_can

register = template.Library()


@register.filter
def can(membership, capability: str) -> bool:
    """``{% if membership|can:"team.manage" %}`` — the same check the views make."""
    return membership is not None and role_can(membership.role, capability)
