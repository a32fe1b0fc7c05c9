from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .capabilities import can

# (capability, url name, label): the workspace navigation, each item shown only to roles that may use it.
NAVIGATION = [
    ("workspace.view", "workspaces:dashboard", _("Dashboard")),
    ("content.view", "content:calendar", _("Calendar")),
    ("content.view", "content:list", _("Posts")),
    ("channels.view", "channels:list", _("Channels")),
    ("inbox.answer", "community:inbox", _("Inbox")),
    ("moderation.review", "community:review", _("Review")),
    ("moderation.rules", "moderation:rules", _("Moderation")),
    ("analytics.view", "analytics:dashboard", _("Analytics")),
    ("reports.view", "analytics:reports", _("Reports")),
    ("team.view", "workspaces:team", _("Team")),
    ("workspace.settings", "workspaces:settings", _("Settings")),
]


def navigation(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    slug = membership.workspace.slug
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [
        {"url": reverse(name, args=[slug]), "label": label, "active": current == name}
        for capability, name, label in NAVIGATION
        if can(membership.role, capability)
    ]
    return {"workspace_nav": items, "membership": membership, "workspace": membership.workspace}
