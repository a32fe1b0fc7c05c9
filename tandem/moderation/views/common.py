"""Helpers shared by the moderation views."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..engine import DEFAULT_DELETE_THRESHOLD
from ..models import Action
from ..rules import CONDITION_TYPES
from ..workspace_model import with_model_thresholds

# A long word list is summarised by its first few items.
SHOWN_ITEMS = 5


def _value_text(kind: str, value) -> str:
    if kind in ("words", "domains"):
        items = [str(item) for item in value or []]
        shown = ", ".join(items[:SHOWN_ITEMS])
        more = len(items) - SHOWN_ITEMS
        return shown + (_(" and %(count)d more") % {"count": more} if more > 0 else "")
    return str(value)


def describe_condition(condition: dict) -> str:
    """One condition in words: "Words: дурак, идиот" or "Flood: Messages at least 5, Within (seconds) 10"."""
    ctype = CONDITION_TYPES.get(condition.get("type"))
    if ctype is None:
        return _("Unknown condition")
    parts = []
    # A type with one parameter reads without its label: "Words: дурак, идиот".
    labelled = len(ctype.params) > 1
    for param in ctype.params:
        value = condition.get(param.name)
        if param.kind == "bool":
            if value:
                parts.append(str(param.label))
        elif value not in (None, "", []):
            shown = _value_text(param.kind, value)
            parts.append(f"{param.label} {shown}" if labelled else shown)
    return f"{ctype.label}: {', '.join(parts)}" if parts else str(ctype.label)


def describe_conditions(rule) -> str:
    joiner = _(" and ") if rule.match == "all" else _(" or ")
    return joiner.join(describe_condition(condition) for condition in rule.conditions)


def model_thresholds(classifier) -> dict:
    """{head: {"hold": p, "delete": p}}: what the engine uses where the settings leave a threshold empty."""
    own = with_model_thresholds({}, classifier)
    return {head: {"delete": DEFAULT_DELETE_THRESHOLD, **own[head]} for head in classifier.heads}


@dataclass
class ShownReason:
    source: str
    name: str
    action: str
    detail: str
    # The matched span of the sample in three parts, each escaped by the template.
    before: str = ""
    match: str = ""
    after: str = ""

    @property
    def action_label(self) -> str:
        return Action(self.action).label if self.action in Action.values else self.action


def shown_reasons(text: str, verdict) -> list[ShownReason]:
    shown = []
    for reason in verdict.reasons:
        item = ShownReason(reason.source, reason.name, reason.action, reason.detail)
        if reason.span is not None:
            start, end = reason.span
            item.before, item.match, item.after = text[:start], text[start:end], text[end:]
        shown.append(item)
    return shown
