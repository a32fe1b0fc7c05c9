"""What an SMM manager and a community administrator are responsible for, in plain words.

Shown on the team page and, without signing in, at /roles/; the "may do in Tandem" half of the guide is
rendered from the capability table, never written here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .capabilities import CAPABILITIES
from .roles import Role


@dataclass(frozen=True)
class RoleProfile:
    role: Role
    focus: str
    tasks: tuple
    skills: tuple
    success: str


PROFILES = (
    RoleProfile(
        Role.MANAGER,
        focus=_("Strategy and campaigns: reach, new clients, the brand's voice across platforms."),
        tasks=(
            _("Sets goals and KPIs, chooses the audience and the platforms."),
            _("Plans content by rubric, writes or commissions it, approves what others draft."),
            _("Runs campaigns and ad spend, reads analytics and decides what to do more of."),
            _("Works with sales, PR and product so social media serves the business."),
        ),
        skills=(
            _("Marketing strategy and copywriting"),
            _("Analytics: reach, engagement, cost per result"),
            _("Planning and budgeting"),
        ),
        success=_("Reach and new clients grow against the goals set for the quarter."),
    ),
    RoleProfile(
        Role.ADMINISTRATOR,
        focus=_("The community day to day: order, conversation, a good atmosphere."),
        tasks=(
            _("Watches comments and messages, answers people, removes what breaks the rules."),
            _("Keeps discussions going: polls, contests, questions to the audience."),
            _("Follows news and trends the community talks about."),
            _("Reports activity and the community's mood to the manager."),
        ),
        skills=(
            _("Calm, fast, friendly communication"),
            _("Judgement in moderation, knowing the rules and when to escalate"),
            _("Regular, reliable presence"),
        ),
        success=_("People get answers quickly, conflicts stay small, the community talks and comes back."),
    ),
)


def capability_matrix():
    """Rows of (area, label, [allowed for each role in Role order]) for the role table."""
    return [(cap.area, cap.label, [role in cap.roles for role in Role]) for cap in CAPABILITIES.values()]
