"""The sections about the people: community activity (comments, commenters, the team's answers) and the
moderation load (the engine's verdicts by rule, and the share the team reversed)."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tandem.community.models import Author, Comment, ModerationAction

from . import charts, kpis
from .models import FirstResponse, ReportSection, VerdictDay
from .periods import Period
from .scope import Scope
from .sections import Section, Table
from .sections_content import figure, section
from .top_commenters import top_commenters

TOP_COMMENTERS = 10
VERDICT_FIGURES = ["verdicts", "held", "hidden", "deleted", "banned", "reversed"]


# --- community ---------------------------------------------------------------------------------------------


def _public(scope: Scope, period: Period):
    low, high = period.bounds()
    return Comment.objects.filter(
        channel_id__in=scope.channel_ids, sent_at__gte=low, sent_at__lt=high, from_team=False
    )


def _commenters(scope: Scope, period: Period) -> kpis.Commenters:
    """Unique commenters of the period from the comments themselves, for a selection of channels that
    CommenterDay does not cover (scope.commenters); returning = they wrote a public comment in the workspace
    before it (an index probe per author on comment_author_idx, stopping at the first row), new = the others."""
    low, _high = period.bounds()
    authors = _public(scope, period).exclude(author=None).values("author_id")
    unique = authors.distinct().count()
    earlier = Comment.objects.filter(author=OuterRef("pk"), from_team=False, sent_at__lt=low)
    returning = Author.objects.filter(pk__in=authors).filter(Exists(earlier)).count()
    return kpis.Commenters(unique, unique - returning, returning)


def _answers(scope: Scope, period: Period) -> tuple[int, kpis.Rate]:
    """How many public comments of the period the team answered, and the median seconds to its first reply,
    from FirstResponse (rollups): counted, then only the one or two middle delays of those not negative are
    read (in order from first_response_idx)."""
    rows = FirstResponse.objects.filter(
        channel_id__in=scope.channel_ids, date__range=(period.start, period.end)
    ).order_by()
    counts = rows.aggregate(answered=Count("id"), timed=Count("id", filter=Q(seconds__gte=0)))
    timed = counts["timed"]
    if not timed:
        return counts["answered"], kpis.median_seconds([])
    first = (timed - 1) // 2
    middle = rows.filter(seconds__gte=0).order_by("seconds").values_list("seconds", flat=True)
    return counts["answered"], kpis.median_seconds(middle[first : timed // 2 + 1])


def community(scope: Scope) -> Section:
    now, before = scope.current, scope.before
    result = section(ReportSection.COMMUNITY)
    if scope.commenters is not None:
        people, people_before = scope.commenters
    else:
        people, people_before = _commenters(scope, scope.period), _commenters(scope, scope.previous)
    answered, response = _answers(scope, scope.period)
    answered_before, response_before = _answers(scope, scope.previous)
    result.figures = [
        figure(
            _("Public comments"),
            now["public_comments"],
            before["public_comments"],
            formula=_("comments from the public (not the team), imported history included"),
        ),
        figure(
            _("Comments per day"),
            kpis.per_day(now["public_comments"], scope.period.days),
            kpis.per_day(before["public_comments"], scope.previous.days),
            formula=kpis.FORMULAS["comments_per_day"],
        ),
        figure(
            _("Unique commenters"),
            people.unique,
            people_before.unique,
            formula=_("different people who commented in the period"),
        ),
        figure(
            _("New commenters"),
            people.new,
            people_before.new,
            formula=_("commenters whose first comment in the workspace falls in the period"),
        ),
        figure(
            _("Returning commenters"),
            people.returning,
            people_before.returning,
            formula=_("commenters who had commented before the period"),
        ),
        figure(
            _("Team replies"), now["team_replies"], before["team_replies"], formula=_("the team's replies")
        ),
        figure(
            _("Share answered"),
            kpis.share_answered(answered, now["public_comments"]),
            kpis.share_answered(answered_before, before["public_comments"]),
            unit="%",
            formula=kpis.FORMULAS["share_answered"],
        ),
        figure(
            _("Median first response"),
            response,
            response_before,
            unit="s",
            formula=kpis.FORMULAS["first_response"],
        ),
    ]
    if not now["public_comments"]:
        result.empty = str(kpis.NO_COMMENTS)
        return result
    rows = [
        [name or username or external_id, count]
        for name, username, external_id, count in top_commenters(scope, TOP_COMMENTERS)
    ]
    result.tables = [Table(_("Top commenters"), [_("Commenter"), _("Comments")], rows)]
    days = scope.period.dates()
    result.charts = [
        charts.bars(
            _("Comments per day"),
            days,
            {
                _("Public comments"): [now.by_day[d]["public_comments"] for d in days],
                _("Team replies"): [now.by_day[d]["team_replies"] for d in days],
            },
        )
    ]
    return result


# --- moderation ------------------------------------------------------------------------------------------------


def _verdict_days(scope: Scope, period: Period):
    """The engine's verdicts of the period by channel, day, source and rule, from VerdictDay (rollups), each
    row with how many the team reversed: undid them, or approved the comment held."""
    return VerdictDay.objects.filter(
        channel_id__in=scope.channel_ids, date__range=(period.start, period.end)
    ).order_by()


def _total(name: str):
    return Coalesce(Sum(name), Value(0), output_field=IntegerField())


def _false_positives(scope: Scope, period: Period) -> kpis.Rate:
    counts = _verdict_days(scope, period).aggregate(all=_total("verdicts"), reversed=_total("reversed"))
    return kpis.false_positive_rate(counts["reversed"], counts["all"])


def moderation(scope: Scope) -> Section:
    now, before = scope.current, scope.before
    result = section(ReportSection.MODERATION)
    days, previous_days = scope.period.days, scope.previous.days
    result.figures = [
        figure(
            label,
            kpis.per_day(now[name], days),
            kpis.per_day(before[name], previous_days),
            formula=_("actions that took effect ÷ days in the period (engine and team)"),
        )
        for label, name in (
            (_("Held per day"), "held"),
            (_("Hidden per day"), "hidden"),
            (_("Deleted per day"), "deleted"),
            (_("Bans per day"), "banned"),
        )
    ]
    by_rule = list(
        _verdict_days(scope, scope.period)
        .values("source", "rule_name")
        .annotate(**{name: _total(name) for name in VERDICT_FIGURES})
        .order_by("-verdicts", "rule_name")
    )
    # The period's rate from the rows by rule (the same verdicts), so only the previous period is read apart.
    result.figures.append(
        figure(
            _("False-positive rate"),
            kpis.false_positive_rate(
                sum(row["reversed"] for row in by_rule), sum(row["verdicts"] for row in by_rule)
            ),
            _false_positives(scope, scope.previous),
            unit="%",
            formula=kpis.FORMULAS["false_positive"],
        )
    )
    sources = dict(ModerationAction.Source.choices)
    rows = [
        [
            row["rule_name"] or str(sources.get(row["source"], row["source"])),
            str(sources.get(row["source"], row["source"])),
            row["verdicts"],
            row["held"],
            row["hidden"],
            row["deleted"],
            row["banned"],
            row["reversed"],
            kpis.false_positive_rate(row["reversed"], row["verdicts"]).value,
        ]
        for row in by_rule
    ]
    if not rows and not any(now[name] for name in ("held", "hidden", "deleted", "banned")):
        result.empty = _("No moderation actions in this period.")
        return result
    columns = [
        _("Rule"),
        _("Source"),
        _("Verdicts"),
        _("Held"),
        _("Hidden"),
        _("Deleted or warned"),
        _("Banned or muted"),
        _("Reversed by the team"),
        _("False-positive rate, %"),
    ]
    result.tables = [
        Table(_("The engine's verdicts by rule"), columns, rows, [str(kpis.FORMULAS["false_positive"])])
    ]
    dates = scope.period.dates()
    result.charts = [
        charts.bars(
            _("Moderation actions per day"),
            dates,
            {
                _("Held"): [now.by_day[d]["held"] for d in dates],
                _("Hidden"): [now.by_day[d]["hidden"] for d in dates],
                _("Deleted"): [now.by_day[d]["deleted"] for d in dates],
                _("Banned"): [now.by_day[d]["banned"] for d in dates],
            },
            stacked=True,
        )
    ]
    return result


BUILDERS = {ReportSection.COMMUNITY: community, ReportSection.MODERATION: moderation}
