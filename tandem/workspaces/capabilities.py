"""The one table of who may do what in a workspace.

Every workspace view names a capability from this table (see ``access.workspace_view``); the role guide
renders the same table, so what the product says a role may do is what the code enforces. The table covers
every capability of the product (PRODUCT.md) so the guide shows each role's whole job, not only the parts
already built.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .roles import Role

EVERYONE = frozenset(Role)
TEAM = frozenset({Role.OWNER, Role.MANAGER, Role.ADMINISTRATOR, Role.GUEST})
STAFF = frozenset({Role.OWNER, Role.MANAGER, Role.ADMINISTRATOR})
LEADS = frozenset({Role.OWNER, Role.MANAGER})


@dataclass(frozen=True)
class Capability:
    area: str
    label: str
    roles: frozenset


CAPABILITIES: dict[str, Capability] = {
    # Workspace and team
    "workspace.view": Capability(_("Workspace"), _("Open the workspace and its dashboard"), EVERYONE),
    "workspace.settings": Capability(
        _("Workspace"), _("Rename the workspace, set its time zone"), frozenset({Role.OWNER})
    ),
    "workspace.delete": Capability(_("Workspace"), _("Delete the workspace"), frozenset({Role.OWNER})),
    "team.view": Capability(_("Team"), _("See the team and the role guide"), TEAM),
    "team.manage": Capability(_("Team"), _("Invite people, change and revoke their roles"), LEADS),
    # Strategy and content (SMM manager)
    "strategy.manage": Capability(_("Strategy"), _("Set goals, personas, campaigns and budgets"), LEADS),
    "channels.view": Capability(_("Channels"), _("See connected channels and their status"), TEAM),
    "channels.manage": Capability(_("Channels"), _("Connect and disconnect channels"), LEADS),
    "content.view": Capability(_("Content"), _("See the content plan, calendar and posts"), TEAM),
    "content.draft": Capability(_("Content"), _("Draft posts and submit them for approval"), TEAM),
    "content.approve": Capability(_("Content"), _("Approve, schedule and publish posts"), LEADS),
    "content.comment": Capability(_("Content"), _("Comment on drafts and plans"), TEAM),
    # Community (administrator)
    "inbox.answer": Capability(
        _("Community"), _("Read the inbox, answer people, assign conversations"), STAFF
    ),
    "moderation.review": Capability(_("Community"), _("Review held comments, hide, delete, ban"), STAFF),
    "moderation.rules": Capability(_("Community"), _("Write moderation rules and switch rule packs"), STAFF),
    "engagement.run": Capability(_("Community"), _("Run polls, contests and discussion prompts"), STAFF),
    "trends.view": Capability(_("Community"), _("Follow news, trends and keyword monitors"), STAFF),
    # Analytics
    "analytics.view": Capability(_("Analytics"), _("Open dashboards and analytics"), TEAM),
    "reports.view": Capability(_("Analytics"), _("Read reports shared with the workspace"), EVERYONE),
    "reports.manage": Capability(_("Analytics"), _("Build, schedule and share reports"), STAFF),
    "history.import": Capability(
        _("Analytics"), _("Import a channel's or group's history from a Telegram export"), STAFF
    ),
}


def can(role: str | None, capability: str) -> bool:
    """Whether ``role`` has ``capability``; an unknown capability name is a programming error."""
    return role is not None and role in CAPABILITIES[capability].roles


def capabilities_of(role: str) -> set[str]:
    return {name for name, cap in CAPABILITIES.items() if role in cap.roles}
