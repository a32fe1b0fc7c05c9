"""Helpers shared by the community views: which comments a page shows, and how a comment is shown."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from tandem.core.errors import ServiceError
from tandem.moderation.models import Action
from tandem.moderation.packs import PACKS
from tandem.moderation.workspace_model import head_label

from ..forms import MINE, UNASSIGNED
from ..models import Comment, ModerationAction

# What a service raises when it refuses an action: shown to the user as a message, never a server error.
REFUSALS = (ServiceError, ValidationError)
VERDICT_LABELS = dict(Action.choices)

PAGE_SIZE = 50


def workspace_comments(workspace):
    """The workspace's comments with everything a list item shows of them."""
    return Comment.objects.filter(workspace=workspace).select_related(
        "author", "channel", "delivery__post", "assignee", "sent_by"
    )


def with_rule(comments, name: str):
    """Comments whose verdict names the rule ``name`` among its reasons."""
    if connection.features.supports_json_field_contains:
        return comments.filter(verdict_reasons__contains=[{"name": name}])
    # SQLite cannot look inside a JSON list; only comments with a verdict have reasons to read.
    matching = [
        pk
        for pk, reasons in comments.exclude(verdict_action="").values_list("pk", "verdict_reasons")
        if any(isinstance(reason, dict) and reason.get("name") == name for reason in reasons or ())
    ]
    return comments.filter(pk__in=matching)


def filtered_comments(request, filters: dict):
    """The audience's comments (not the team's replies) matching the inbox filters, newest first."""
    comments = workspace_comments(request.workspace).filter(from_team=False)
    for name in ("channel", "status", "state"):
        if name in filters:
            comments = comments.filter(**{name: filters[name]})
    if "verdict" in filters:
        comments = comments.filter(verdict_action=filters["verdict"])
    if "q" in filters:
        comments = comments.filter(text__icontains=filters["q"])
    if "author" in filters:
        who = filters["author"].lstrip("@")
        comments = comments.filter(
            Q(author__display_name__icontains=who)
            | Q(author__username__iexact=who)
            | Q(author__external_id=who)
        )
    if "assignee" in filters:
        assignee = filters["assignee"]
        if assignee == MINE:
            comments = comments.filter(assignee=request.user)
        elif assignee == UNASSIGNED:
            comments = comments.filter(assignee__isnull=True)
        else:
            comments = comments.filter(assignee_id=int(assignee))
    if "rule" in filters:
        comments = with_rule(comments, filters["rule"])
    return comments


def warn_rejected(request, form) -> None:
    if form.rejected:
        messages.warning(
            request,
            _("Some filters were not understood and were left out: %(names)s.")
            % {"names": ", ".join(form.rejected)},
        )


def refusal_text(error) -> str:
    return error.message if isinstance(error, ServiceError) else " ".join(error.messages)


def form_problems(form) -> str:
    return " ".join(str(problem) for problems in form.errors.values() for problem in problems)


def page_of(request, items):
    """The requested page of ``items`` and the query string of the other parameters, for the pager."""
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


@dataclass(frozen=True)
class Part:
    """A piece of a comment's text; ``matched`` when a reason of the verdict points at it."""

    text: str
    matched: bool


def spans_of(comment: Comment) -> list[tuple[int, int]]:
    """The verdict's matched spans that fit the text, merged where they overlap."""
    spans = []
    for reason in comment.verdict_reasons or ():
        span = reason.get("span") if isinstance(reason, dict) else None
        if (
            isinstance(span, list | tuple)
            and len(span) == 2
            and all(isinstance(edge, int) for edge in span)
            and 0 <= span[0] < span[1] <= len(comment.text)
        ):
            spans.append((span[0], span[1]))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def text_parts(comment: Comment) -> list[Part]:
    """The comment's text cut into plain and matched parts; the template escapes each part."""
    parts, position = [], 0
    for start, end in spans_of(comment):
        if start > position:
            parts.append(Part(comment.text[position:start], False))
        parts.append(Part(comment.text[start:end], True))
        position = end
    if position < len(comment.text):
        parts.append(Part(comment.text[position:], False))
    return parts


@dataclass(frozen=True)
class Reason:
    source: str
    name: str
    detail: str


def reason_name(source: str, name: str) -> str:
    """A reason's name in the reader's language: a pack's and a classifier head's label; a rule's own name."""
    if source == "pack" and name in PACKS:
        return str(PACKS[name].label)
    if source == "model":
        return str(head_label(name))
    return name


def reasons_of(comment: Comment) -> list[Reason]:
    sources = dict(ModerationAction.Source.choices)
    reasons = []
    for reason in comment.verdict_reasons or ():
        if not isinstance(reason, dict):
            continue
        source, name = str(reason.get("source", "")), str(reason.get("name", ""))
        reasons.append(
            Reason(str(sources.get(source, source)), reason_name(source, name), str(reason.get("detail", "")))
        )
    return reasons


def shown(comments):
    """The comments, each with ``parts`` (its text, matches marked) and ``reasons`` for the templates."""
    comments = list(comments)
    for comment in comments:
        comment.parts = text_parts(comment)
        comment.reasons = reasons_of(comment)
        comment.verdict_label = VERDICT_LABELS.get(comment.verdict_action, comment.verdict_action)
    return comments
