"""What to do with a recommendation: where to find each specialist, how to read a portfolio, what to ask."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .questionnaire import Outcome


@dataclass(frozen=True)
class RoleAdvice:
    role: Promise
    summary: Promise
    where_to_look: tuple[Promise, ...]
    portfolio_checks: tuple[Promise, ...]
    interview_questions: tuple[Promise, ...]


MANAGER_ADVICE = RoleAdvice(
    role=_("SMM manager"),
    summary=_(
        "Focuses on strategy and campaigns: reach and new clients. Owns the strategy (goals, audience, "
        "platform choice), the content plan, content creation, campaign analytics and ad spend, and works "
        "with your sales, PR and development people."
    ),
    where_to_look=(
        _("Professional communities of SMM specialists: their chats, meetups and conference talks."),
        _(
            "Job boards such as hh.ru and LinkedIn: search for “SMM manager” and read the cases, "
            "not only the CV."
        ),
        _("Freelance marketplaces, if you want to start with a paid trial project."),
        _("Recommendations from other brands whose social media you admire."),
    ),
    portfolio_checks=(
        _("A strategy they wrote: goals, audience, chosen platforms and how success was measured."),
        _("Campaigns with numbers from before and after: reach, leads, cost per result."),
        _("Content plans and posts they made themselves, ideally in a tone close to yours."),
        _("Advertising they ran: the budget, where it went and what it brought."),
        _("How they worked with sales, PR or developers on a launch."),
    ),
    interview_questions=(
        _(
            "How would you set goals for our social media for the first three months, "
            "and how would you measure them?"
        ),
        _("Who is our audience, and which platforms would you choose to reach it? Why those?"),
        _("Tell us about a campaign that did not work. How did you notice, and what did you change?"),
        _("How do you build a content plan, and how far ahead do you plan?"),
        _("How would you split an advertising budget between platforms, and when would you stop spending?"),
        _("What would you need from our sales team, and what would you give them in return?"),
    ),
)

ADMINISTRATOR_ADVICE = RoleAdvice(
    role=_("Community administrator"),
    summary=_(
        "Looks after the community day to day: order, conversation and a good atmosphere. Owns "
        "moderation (watching posts, answering, removing what breaks the rules), discussions, polls and "
        "contests, follows news and trends, and reports on community activity to the manager."
    ),
    where_to_look=(
        _("Chats and groups of community managers and moderators."),
        _("Job boards such as hh.ru and LinkedIn: search for “community manager” and “moderator”."),
        _("Freelance marketplaces, for part-time work or evening and weekend shifts."),
        _("Active, friendly members of your own community who already answer other people's questions."),
        _("Recommendations from other brands whose communities feel welcoming."),
    ),
    portfolio_checks=(
        _("Communities they ran: their size, the rules they wrote, and how those rules were enforced."),
        _("Their answers to angry or difficult comments, in the original threads."),
        _("Discussions, polls and contests they ran, and how many people took part."),
        _("Activity reports they prepared for a manager or a client."),
        _("Whether the communities they ran stayed friendly while they grew."),
    ),
    interview_questions=(
        _("A regular member writes something rude in a heated discussion. What do you do, step by step?"),
        _("How would you write rules for our community, and how would you explain a removal to its author?"),
        _("How do you get quiet followers to start talking?"),
        _("Tell us about a contest or poll you ran: what was it for, and how did it go?"),
        _("How do you follow news and trends in our field, and what would you pass on to the manager?"),
        _("What would your weekly activity report contain?"),
    ),
)

ADVICE = {
    Outcome.MANAGER: (MANAGER_ADVICE,),
    Outcome.ADMINISTRATOR: (ADMINISTRATOR_ADVICE,),
    Outcome.BOTH: (MANAGER_ADVICE, ADMINISTRATOR_ADVICE),
}
