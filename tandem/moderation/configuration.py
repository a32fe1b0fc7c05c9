"""The administrator's writes to a workspace's moderation setup: rules, ready packs, settings.

Each function checks the actor's capability, validates what it stores and runs in one transaction; a change
is picked up by the workspace's engine on its next use (Engine.for_workspace watches these rows).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.workspaces.capabilities import can

from .models import Action, ModerationSettings, PackSetting, Rule, WarnMode
from .rules import compile_rule, validate_conditions

CAPABILITY = "moderation.rules"
HEAD_ACTIONS = ("hold", "delete")
# The escalation ladder may only make a verdict stronger than the strikes it counts (warn, hide, delete).
LADDER_ACTIONS = (Action.WARN, Action.MUTE, Action.BAN)


def _check(actor) -> None:
    if not can(actor.role, CAPABILITY):
        raise PermissionDenied(_("Your role in this workspace does not allow this."))


def settings_of(workspace) -> ModerationSettings:
    settings, _created = ModerationSettings.objects.get_or_create(workspace=workspace)
    return settings


# Rules -------------------------------------------------------------------------------------------------


@transaction.atomic
def save_rule(
    actor,
    rule: Rule | None,
    *,
    name: str,
    match: str,
    conditions: list,
    action: str,
    priority: int,
    mute_minutes: int | None,
    warn_text: str,
    enabled: bool,
) -> Rule:
    """Create or change a rule; ValidationError (nothing saved) when a condition or the rule is invalid."""
    _check(actor)
    cleaned = validate_conditions(conditions)
    if action == Action.MUTE and not mute_minutes:
        raise ValidationError(_("Say for how many minutes the rule mutes."))
    compile_rule(name, match, cleaned, action, priority, mute_minutes, warn_text)
    if rule is None:
        rule = Rule(workspace=actor.workspace, created_by=actor.user)
    rule.name = " ".join(name.split())
    rule.match, rule.conditions, rule.action, rule.priority = match, cleaned, action, priority
    rule.mute_minutes = mute_minutes if action == Action.MUTE else None
    rule.warn_text, rule.enabled = warn_text.strip(), enabled
    rule.full_clean(exclude=["created_by"])  # null once its author is gone
    rule.save()
    return rule


@transaction.atomic
def set_rule_enabled(actor, rule: Rule, enabled: bool) -> Rule:
    _check(actor)
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


@transaction.atomic
def delete_rule(actor, rule: Rule) -> None:
    _check(actor)
    rule.delete()


# Packs -------------------------------------------------------------------------------------------------


@transaction.atomic
def set_pack(actor, pack: str, *, enabled: bool, action: str) -> PackSetting:
    """Switch a ready pack on or off and choose its action ("" = the pack's own default)."""
    from .packs import PACKS

    _check(actor)
    if pack not in PACKS:
        raise ValidationError(_("There is no such rule pack."))
    if action and action not in Action.values:
        raise ValidationError(_("Choose one of the actions offered."))
    setting, _created = PackSetting.objects.update_or_create(
        workspace=actor.workspace, pack=pack, defaults={"enabled": enabled, "action": action}
    )
    return setting


# Settings ----------------------------------------------------------------------------------------------


def clean_thresholds(thresholds: dict, heads) -> dict:
    """{head: {"hold": p, "delete": p}} with only the values given, each in [0, 1], hold below delete."""
    cleaned = {}
    for head in heads:
        given = {
            action: float(value)
            for action, value in (thresholds.get(head) or {}).items()
            if action in HEAD_ACTIONS and value is not None
        }
        for value in given.values():
            if not 0.0 <= value <= 1.0:
                raise ValidationError(_("A threshold is a probability between 0 and 1."))
        if "hold" in given and "delete" in given and given["hold"] > given["delete"]:
            raise ValidationError(
                _("For %(head)s the hold threshold is above the delete one: nothing would be held.")
                % {"head": head}
            )
        if given:
            cleaned[head] = given
    return cleaned


def clean_ladder(steps: list[dict]) -> list[dict]:
    """The escalation steps sorted by strikes, each strike count once, a mute with its minutes."""
    cleaned = []
    for step in steps:
        strikes, action, minutes = int(step["strikes"]), step["action"], step.get("minutes")
        if strikes < 1:
            raise ValidationError(_("A step needs at least one strike."))
        if action not in LADDER_ACTIONS:
            raise ValidationError(_("A step warns, mutes or bans."))
        if action == Action.MUTE and not minutes:
            raise ValidationError(
                _("Say for how many minutes the step at %(strikes)d strikes mutes.") % {"strikes": strikes}
            )
        cleaned.append(
            {
                "strikes": strikes,
                "action": action,
                **({"minutes": int(minutes)} if action == Action.MUTE else {}),
            }
        )
    counts = [step["strikes"] for step in cleaned]
    if len(set(counts)) != len(counts):
        raise ValidationError(_("Each number of strikes may have one step only."))
    return sorted(cleaned, key=lambda step: step["strikes"])


@transaction.atomic
def save_settings(
    actor,
    *,
    classifier_enabled: bool,
    thresholds: dict,
    ladder: list[dict],
    warn_text: str,
    heads,
    warn_mode: str = WarnMode.THREAD,
) -> ModerationSettings:
    """``warn_mode``: warn in the comment's thread or privately (WarnMode)."""
    _check(actor)
    if warn_mode not in WarnMode.values:
        raise ValidationError(_("Choose how to warn: in the thread or privately."))
    settings = settings_of(actor.workspace)
    settings.classifier_enabled = classifier_enabled
    settings.thresholds = clean_thresholds(thresholds, heads)
    settings.ladder = clean_ladder(ladder)
    settings.warn_text = warn_text.strip()
    settings.warn_mode = warn_mode
    settings.save()
    return settings
