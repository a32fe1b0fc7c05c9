"""Moderation rules: the condition types an administrator can combine, their validation, and compiled rules.

A rule as stored (tandem.moderation.models.Rule) is a name, "all" or "any", a list of conditions
(``[{"type": "words", "words": ["дурак"]}, {"type": "caps", "ratio": 0.8}]``), an action and a priority.
``validate_conditions`` checks and cleans the list (the editor calls it on save); ``compile_rule`` turns a rule
into a ``CompiledRule`` whose conditions are built once, so judging a message is only the matching.
``CONDITION_TYPES`` describes each type and its parameters for the editor's form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tandem.moderation import conditions as c
from tandem.moderation.conditions import Condition, Context
from tandem.moderation.messages import SEVERITY, History, Message, Reason

__all__ = [
    "CONDITION_TYPES",
    "CompiledRule",
    "ConditionType",
    "Param",
    "compile_rule",
    "validate_conditions",
]

PARAM_KINDS = ("words", "text", "int", "float", "domains", "bool")
MAX_PATTERN_LENGTH = 1000
MAX_LIST_ITEMS = 5000


@dataclass(frozen=True)
class Param:
    """One parameter of a condition type: the editor renders a field per parameter."""

    name: str
    kind: str  # one of PARAM_KINDS
    label: str | Promise
    required: bool = False
    default: Any = None
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class ConditionType:
    key: str
    label: str | Promise
    help: str | Promise
    params: tuple[Param, ...]
    build: Callable[..., Condition] = field(repr=False)
    # Conditions on the text have a matched span to show; the others (author, history, counts) do not.
    on_text: bool = False


def _type(key, label, help, params=(), build=None, on_text=False) -> ConditionType:
    return ConditionType(key, label, help, tuple(params), build, on_text)


CONDITION_TYPES: dict[str, ConditionType] = {
    t.key: t
    for t in (
        _type(
            "words",
            _("Words"),
            _(
                'Any of these words in any form: a Russian word matches all its forms ("дурак" matches '
                '"дураков"), disguised spellings included. One word per line.'
            ),
            [Param("words", "words", _("Words"), required=True)],
            c.WordsCondition,
            on_text=True,
        ),
        _type(
            "phrase",
            _("Phrases"),
            _("Any of these phrases, as whole words, in the text with disguises undone. One per line."),
            [Param("phrases", "words", _("Phrases"), required=True)],
            c.PhraseCondition,
            on_text=True,
        ),
        _type(
            "regex",
            _("Regular expression"),
            _("A regular expression searched in the text with disguises undone and in the text as written."),
            [
                Param("pattern", "text", _("Pattern"), required=True),
                Param("ignore_case", "bool", _("Ignore case"), default=True),
            ],
            c.RegexCondition,
            on_text=True,
        ),
        _type(
            "links",
            _("Links"),
            _(
                "Links: any link when no list is given; otherwise links to a denied domain, links outside the "
                "allowed domains, or links through URL shorteners. Subdomains count as their domain."
            ),
            [
                Param("deny_domains", "domains", _("Denied domains"), default=[]),
                Param("allow_domains", "domains", _("Only these domains are allowed"), default=[]),
                Param("shorteners", "bool", _("URL shorteners"), default=False),
            ],
            c.LinksCondition,
            on_text=True,
        ),
        _type(
            "invites",
            _("Invite links"),
            _("Invitations to other chats: Telegram (t.me/+…, joinchat), Discord, WhatsApp, VK."),
            [],
            c.InvitesCondition,
            on_text=True,
        ),
        _type(
            "mentions",
            _("Mentions"),
            _("At least this many @mentions."),
            [Param("min_count", "int", _("At least"), default=3, min_value=1)],
            c.MentionsCondition,
            on_text=True,
        ),
        _type(
            "caps",
            _("Capital letters"),
            _("Mostly capital letters: at least this share of the letters, in a text with enough letters."),
            [
                Param(
                    "ratio", "float", _("Share of capitals (0–1)"), default=0.7, min_value=0.01, max_value=1
                ),
                Param("min_letters", "int", _("Letters at least"), default=10, min_value=1),
            ],
            c.CapsCondition,
        ),
        _type("emoji_only", _("Emoji only"), _("Nothing but emoji."), [], c.EmojiOnlyCondition),
        _type(
            "length",
            _("Length"),
            _("The text is at least the minimum and at most the maximum number of characters long."),
            [
                Param("min", "int", _("At least (characters)"), min_value=0),
                Param("max", "int", _("At most (characters)"), min_value=0),
            ],
            c.LengthCondition,
        ),
        _type(
            "repeated_text",
            _("Repeated text"),
            _("The same text (disguises undone) from at least this many different authors within the time."),
            [
                Param("authors", "int", _("Authors at least"), default=3, min_value=2),
                Param("seconds", "int", _("Within (seconds)"), default=600, min_value=1, max_value=86400),
            ],
            c.RepeatedTextCondition,
        ),
        _type(
            "flood",
            _("Flood"),
            _("At least this many messages from the author in the chat within the time."),
            [
                Param("messages", "int", _("Messages at least"), default=5, min_value=2),
                Param("seconds", "int", _("Within (seconds)"), default=10, min_value=1, max_value=86400),
            ],
            c.FloodCondition,
        ),
        _type(
            "author_age",
            _("New author"),
            _("The author was first seen less than this many hours ago."),
            [Param("hours", "float", _("Hours"), default=24, min_value=0, max_value=24 * 366 * 10)],
            c.AuthorAgeCondition,
        ),
        _type(
            "first_message", _("First message"), _("The author's first message."), [], c.FirstMessageCondition
        ),
        _type(
            "warnings",
            _("Strikes"),
            _("The author already has at least this many strikes (warnings, hidden or deleted messages)."),
            [Param("min", "int", _("Strikes at least"), default=1, min_value=1)],
            c.WarningsCondition,
        ),
    )
}


# --- validation -------------------------------------------------------------------------------------------


class _Invalid(Exception):
    """A problem with one condition; validate_conditions adds which one."""


_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no", ""}


def _clean_list(value: Any) -> list[str]:
    # The editor may send a textarea (one item per line or comma-separated) or a JSON list.
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(",")]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Invalid(gettext("must be a list of texts"))
    items = [item.strip() for item in value if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise _Invalid(gettext("at most %(count)d items") % {"count": MAX_LIST_ITEMS})
    return list(dict.fromkeys(items))


def _clean_number(value: Any, kind: str) -> int | float:
    if isinstance(value, bool):
        raise _Invalid(gettext("must be a number"))
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise _Invalid(gettext("must be a number")) from None
    if not isinstance(value, int | float) or value != value or value in (float("inf"), float("-inf")):
        raise _Invalid(gettext("must be a number"))
    if kind == "int":
        if value != int(value):
            raise _Invalid(gettext("must be a whole number"))
        return int(value)
    return float(value)


def _clean_value(param: Param, value: Any) -> Any:
    kind = param.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _Invalid(gettext("must be true or false"))
    if kind == "text":
        if not isinstance(value, str):
            raise _Invalid(gettext("must be a text"))
        return value
    if kind in ("words", "domains"):
        items = _clean_list(value)
        if kind == "domains":
            items = [_clean_domain(item) for item in items]
        return items
    number = _clean_number(value, kind)
    if param.min_value is not None and number < param.min_value:
        raise _Invalid(gettext("must be at least %(min)s") % {"min": param.min_value})
    if param.max_value is not None and number > param.max_value:
        raise _Invalid(gettext("must be at most %(max)s") % {"max": param.max_value})
    return number


def _clean_domain(value: str) -> str:
    """ "https://www.Example.com/path" → "example.com"; anything that is not a domain is an error."""
    domain = value.strip().lower()
    domain = domain.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].rstrip(".")
    domain = domain.removeprefix("www.")
    if not c.is_domain(domain):
        raise _Invalid(gettext('"%(value)s" is not a domain') % {"value": value})
    return domain


def _check_semantics(kind: str, params: dict) -> None:
    """What the parameter kinds alone cannot say."""
    if kind == "regex":
        pattern = params["pattern"]
        if not pattern:
            raise _Invalid(gettext("the pattern is empty"))
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise _Invalid(
                gettext("the pattern is longer than %(max)d characters") % {"max": MAX_PATTERN_LENGTH}
            )
        try:
            compiled = regex.compile(pattern)
        except (regex.error, OverflowError, RecursionError, ValueError) as error:
            raise _Invalid(gettext("invalid pattern: %(error)s") % {"error": error}) from None
        if compiled.search("", timeout=c.USER_REGEX_TIMEOUT) is not None:
            raise _Invalid(gettext("the pattern matches an empty text, so it would match every message"))
    elif kind in ("words", "phrase"):
        name = "words" if kind == "words" else "phrases"
        if not params[name]:
            raise _Invalid(gettext("add at least one item"))
        for item in params[name]:
            if not any(ch.isalnum() for ch in item):
                raise _Invalid(gettext('"%(item)s" has no letters or digits') % {"item": item})
            if kind == "words" and " " in item:
                raise _Invalid(gettext('"%(word)s" is more than one word: use a phrase') % {"word": item})
    elif kind == "length":
        low, high = params.get("min"), params.get("max")
        if low is None and high is None:
            raise _Invalid(gettext("give a minimum, a maximum or both"))
        if low is not None and high is not None and low > high:
            raise _Invalid(gettext("the minimum is larger than the maximum"))


def _clean_condition(condition: Any) -> dict:
    if not isinstance(condition, dict):
        raise _Invalid(gettext('must be an object with a "type"'))
    kind = condition.get("type")
    ctype = CONDITION_TYPES.get(kind) if isinstance(kind, str) else None
    if ctype is None:
        raise _Invalid(gettext('unknown type "%(type)s"') % {"type": kind})
    known = {p.name for p in ctype.params}
    unknown = sorted(str(key) for key in condition if key != "type" and key not in known)
    if unknown:
        raise _Invalid(gettext('unknown parameter "%(name)s"') % {"name": unknown[0]})
    cleaned: dict[str, Any] = {"type": kind}
    for param in ctype.params:
        value = condition.get(param.name)
        if value is None or (value == "" and param.kind in ("int", "float")):
            if param.required:
                raise _Invalid(gettext("%(param)s is required") % {"param": param.name})
            cleaned[param.name] = param.default
            continue
        try:
            cleaned[param.name] = _clean_value(param, value)
        except _Invalid as error:
            raise _Invalid(f"{param.name} {error}") from None
    _check_semantics(kind, cleaned)
    return cleaned


def validate_conditions(conditions: Any) -> list[dict]:
    """The conditions cleaned (defaults filled in, numbers and lists in their proper types), or a
    ValidationError listing every bad condition by number and type."""
    if not isinstance(conditions, list):
        raise ValidationError(gettext("Conditions must be a list."), code="invalid")
    if not conditions:
        raise ValidationError(gettext("Add at least one condition."), code="required")
    cleaned: list[dict] = []
    errors: list[str] = []
    for number, condition in enumerate(conditions, start=1):
        try:
            cleaned.append(_clean_condition(condition))
        except _Invalid as error:
            kind = condition.get("type") if isinstance(condition, dict) else None
            if isinstance(kind, str) and kind in CONDITION_TYPES:
                errors.append(
                    gettext("Condition %(number)d (%(type)s): %(problem)s")
                    % {"number": number, "type": kind, "problem": error}
                )
            else:
                errors.append(
                    gettext("Condition %(number)d: %(problem)s") % {"number": number, "problem": error}
                )
    if errors:
        raise ValidationError(errors, code="invalid")
    return cleaned


# --- compiled rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to judge messages. ``source`` is "rule" for the workspace's own, "pack" for a pack's."""

    name: str
    match: str
    conditions: tuple[Condition, ...]
    action: str
    priority: int = 0
    mute_minutes: int | None = None
    warn_text: str = ""
    source: str = "rule"

    @property
    def severity(self) -> int:
        return SEVERITY[self.action]

    def evaluate(self, message: Message, history: History | None = None) -> Reason | None:
        """The reason this rule gives for ``message``, or None when it does not match."""
        return self.evaluate_context(Context(message, history))

    def evaluate_context(self, ctx: Context) -> Reason | None:
        """``evaluate`` on a message already prepared (the engine prepares each message once)."""
        if self.match == "any":
            for condition in self.conditions:
                hit = condition.check(ctx)
                if hit is not None:
                    return Reason(self.source, self.name, self.action, hit.detail, hit.span)
            return None
        hits = []
        for condition in self.conditions:
            hit = condition.check(ctx)
            if hit is None:
                return None
            hits.append(hit)
        span = next((hit.span for hit in hits if hit.span is not None), None)
        return Reason(self.source, self.name, self.action, "; ".join(hit.detail for hit in hits), span)


def compile_rule(
    name: str,
    match: str,
    conditions: list,
    action: str,
    priority: int = 0,
    mute_minutes: int | None = None,
    warn_text: str = "",
    source: str = "rule",
) -> CompiledRule:
    """Validate a rule and build its conditions; ValidationError when anything about it is wrong."""
    if match not in ("all", "any"):
        raise ValidationError(gettext('Match must be "all" or "any".'), code="invalid")
    if action not in SEVERITY:
        raise ValidationError(gettext('Unknown action "%(action)s".') % {"action": action}, code="invalid")
    if action == "mute" and mute_minutes is not None and mute_minutes <= 0:
        raise ValidationError(gettext("Mute for a positive number of minutes."), code="invalid")
    built = []
    for condition in validate_conditions(conditions):
        params = dict(condition)
        ctype = CONDITION_TYPES[params.pop("type")]
        built.append(ctype.build(**params))
    return CompiledRule(name, match, tuple(built), action, priority, mute_minutes, warn_text, source)
