"""The "Which specialist do I need?" questionnaire: the questions as data and the scoring that reads them.

Every answer gives 0–3 points towards the SMM manager and 0–3 towards the community administrator, so the
recommendation can always be explained by pointing at the answers that earned the points.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Outcome(StrEnum):
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"
    BOTH = "both"


@dataclass(frozen=True)
class Option:
    key: str
    label: Promise
    manager_weight: int = 0
    administrator_weight: int = 0
    # Why this answer points where it does; required whenever a weight is above zero.
    reason: Promise | None = None
    # The budget pays for one person only, so "both" cannot be the recommendation.
    single_hire: bool = False


@dataclass(frozen=True)
class Question:
    key: str
    text: Promise
    options: tuple[Option, ...]

    def option(self, key: str) -> Option:
        """The option with this key; KeyError if there is none."""
        for option in self.options:
            if option.key == key:
                return option
        raise KeyError(f"question {self.key!r} has no option {key!r}")


QUESTIONS = (
    Question(
        "focus",
        _("What do you most want from social media this year?"),
        (
            Option(
                "reach",
                _("Reach new people and win new clients"),
                manager_weight=3,
                reason=_(
                    "You want reach and new clients: strategy and campaigns are the SMM manager's core work."
                ),
            ),
            Option(
                "community",
                _("Keep the people who already follow us happy and talking"),
                administrator_weight=3,
                reason=_(
                    "You want to look after the people you already have: day-to-day community care is the "
                    "community administrator's core work."
                ),
            ),
            Option(
                "balanced",
                _("Both, equally"),
                manager_weight=2,
                administrator_weight=2,
                reason=_("You want growth and a lively community alike, and those are two different jobs."),
            ),
        ),
    ),
    Question(
        "strategy",
        _("Do you have a social media strategy: goals, target audience, chosen platforms?"),
        (
            Option(
                "none",
                _("No, we post when we have something to say"),
                manager_weight=3,
                reason=_(
                    "You have no strategy yet: setting goals, describing the audience and choosing platforms "
                    "is the SMM manager's job."
                ),
            ),
            Option(
                "revise",
                _("We have one, but it no longer works"),
                manager_weight=2,
                reason=_("Your strategy needs revising, and the SMM manager owns the strategy."),
            ),
            Option("working", _("Yes, and it works")),
        ),
    ),
    Question(
        "content",
        _("Who will create posts, photos and videos?"),
        (
            Option(
                "nobody",
                _("Nobody yet"),
                manager_weight=3,
                reason=_(
                    "Nobody creates content yet: the content plan and the posts themselves are the SMM "
                    "manager's work."
                ),
            ),
            Option(
                "raw_material",
                _("We have material, but nobody turns it into a plan and posts"),
                manager_weight=2,
                reason=_("Your material needs a content plan and editing, which the SMM manager owns."),
            ),
            Option("covered", _("Our team or an agency already makes it")),
        ),
    ),
    Question(
        "analytics",
        _("How will you judge whether social media pays off?"),
        (
            Option(
                "sales",
                _("By leads, sales and the cost of each new client"),
                manager_weight=3,
                reason=_(
                    "You judge by leads and the cost of a client: campaign analytics and ad spend belong to "
                    "the SMM manager."
                ),
            ),
            Option(
                "activity",
                _("By how active and friendly the community is"),
                administrator_weight=3,
                reason=_(
                    "You judge by community activity: the community administrator tracks it and reports it "
                    "regularly."
                ),
            ),
            Option(
                "undecided",
                _("We have not thought about it yet"),
                manager_weight=1,
                reason=_(
                    "Nobody measures results yet: choosing what to measure is part of the SMM manager's "
                    "strategy work."
                ),
            ),
        ),
    ),
    Question(
        "volume",
        _("How many comments and messages do your channels get a day?"),
        (
            Option("few", _("Fewer than 20")),
            Option(
                "dozens",
                _("From 20 to 200"),
                administrator_weight=2,
                reason=_("Dozens of comments and messages a day need someone who answers them every day."),
            ),
            Option(
                "hundreds",
                _("More than 200, with spam or rude posts"),
                administrator_weight=3,
                reason=_(
                    "Hundreds of messages a day with spam and rudeness need daily moderation: watching "
                    "posts, answering people and removing what breaks the rules."
                ),
            ),
        ),
    ),
    Question(
        "engagement",
        _("Do you want to run discussions, polls and contests?"),
        (
            Option(
                "weekly",
                _("Yes, every week"),
                administrator_weight=3,
                reason=_(
                    "You want weekly discussions, polls and contests: keeping people talking is the "
                    "community administrator's work."
                ),
            ),
            Option(
                "sometimes",
                _("Now and then"),
                administrator_weight=1,
                reason=_("Occasional polls and contests are community work, though not a full-time load."),
            ),
            Option("no", _("No")),
        ),
    ),
    Question(
        "budget",
        _("What monthly budget do you have for social media specialists?"),
        (
            Option("one_person", _("Enough for one person"), single_hire=True),
            Option("two_people", _("Enough for two people")),
            Option("undecided", _("We have not decided yet")),
        ),
    ),
)

MAX_MANAGER_SCORE = sum(max(option.manager_weight for option in question.options) for question in QUESTIONS)
MAX_ADMINISTRATOR_SCORE = sum(
    max(option.administrator_weight for option in question.options) for question in QUESTIONS
)

# "Both" needs each score at half of the 12 points a role can get or more, and the two scores at most four
# points apart: a wider gap means one job dominates and its specialist can cover the smaller one as well.
BOTH_MIN_SCORE = 6
BOTH_MAX_GAP = 4

HEADLINES = {
    Outcome.MANAGER: _("Look for an SMM manager"),
    Outcome.ADMINISTRATOR: _("Look for a community administrator"),
    Outcome.BOTH: _("Look for both: an SMM manager and a community administrator"),
}

# Shown first when the budget turns "both" into one hire: who that one person is and what gets dropped.
SINGLE_HIRE_REASONS = {
    Outcome.MANAGER: _(
        "Your answers call for both specialists, but your budget covers one person. The budget option is one "
        "generalist: an SMM manager who also looks after the community. Expect to drop daily moderation and "
        "regular discussions, polls and contests; comments will be answered in batches."
    ),
    Outcome.ADMINISTRATOR: _(
        "Your answers call for both specialists, but your budget covers one person. The budget option is one "
        "generalist: a community administrator who also keeps a simple content plan. Expect to drop paid "
        "campaigns, a written strategy and detailed campaign analytics; growth will come from the community "
        "itself."
    ),
}


@dataclass(frozen=True)
class Recommendation:
    outcome: Outcome
    manager_score: int
    administrator_score: int
    # The sentences behind the outcome, strongest first.
    reasons: tuple[Promise, ...]

    @property
    def headline(self) -> Promise:
        return HEADLINES[self.outcome]


def recommend(answers: dict[str, str]) -> Recommendation:
    """Recommend whom to hire from ``answers``, a mapping of question key to option key.

    The rule: sum each role's weights over the chosen options. If both sums are at least ``BOTH_MIN_SCORE``
    and differ by at most ``BOTH_MAX_GAP``, the outcome is both specialists, unless the budget answer pays
    for one person only. Otherwise, and in that budget case, the role with the higher sum wins; a tie goes
    to the SMM manager, because a manager can answer a modest number of comments on the side while a
    strategy cannot be written on the side.

    The reasons are the chosen options' sentences whose weight towards the recommended role is above zero
    (for both specialists: the two weights added up), strongest first and in question order among equals.
    When the budget turned "both" into one hire, the sentence saying so comes first.

    Every question must be answered with one of its options (the form guarantees it); otherwise KeyError.
    """
    chosen = [question.option(answers[question.key]) for question in QUESTIONS]
    manager_score = sum(option.manager_weight for option in chosen)
    administrator_score = sum(option.administrator_weight for option in chosen)

    stronger_role = Outcome.MANAGER if manager_score >= administrator_score else Outcome.ADMINISTRATOR
    calls_for_both = (
        min(manager_score, administrator_score) >= BOTH_MIN_SCORE
        and abs(manager_score - administrator_score) <= BOTH_MAX_GAP
    )
    single_hire_budget = any(option.single_hire for option in chosen)
    outcome = Outcome.BOTH if calls_for_both and not single_hire_budget else stronger_role

    def weight(option: Option) -> int:
        if outcome is Outcome.MANAGER:
            return option.manager_weight
        if outcome is Outcome.ADMINISTRATOR:
            return option.administrator_weight
        return option.manager_weight + option.administrator_weight

    drivers = sorted((option for option in chosen if weight(option) > 0), key=weight, reverse=True)
    reasons = [option.reason for option in drivers]
    if calls_for_both and single_hire_budget:
        reasons.insert(0, SINGLE_HIRE_REASONS[outcome])
    return Recommendation(outcome, manager_score, administrator_score, tuple(reasons))
