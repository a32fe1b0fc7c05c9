"""The workspace's rules and ready packs, the rule editor and the test box."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.workspaces.access import in_workspace, workspace_view

from .. import configuration
from ..engine import AuthorFacts, Engine, InMemoryHistory, Message
from ..forms import (
    ConditionRow,
    PackForm,
    RuleForm,
    TestForm,
    conditions_of,
    rows_from_conditions,
    rows_from_post,
)
from ..models import Action, PackSetting, Rule
from ..packs import PACKS
from ..rules import CONDITION_TYPES, validate_conditions
from .common import describe_conditions, shown_reasons

CAPABILITY = "moderation.rules"
# What the test box assumes of an author who is not on their first message.
SEASONED_AUTHOR_DAYS = 30
SEASONED_AUTHOR_MESSAGES = 50


def _pack_rows(workspace):
    settings = {row.pack: row for row in PackSetting.objects.filter(workspace=workspace)}
    rows = []
    for key, pack in PACKS.items():
        setting = settings.get(key)
        rows.append(
            {
                "key": key,
                "pack": pack,
                # A pack with no setting is on with its own action, as the engine treats it.
                "enabled": setting is None or setting.enabled,
                "action": setting.action if setting else "",
                "default_action": Action(pack.default_action).label,
            }
        )
    return rows


@workspace_view(CAPABILITY)
def rules(request):
    workspace = request.workspace
    listed = [(rule, describe_conditions(rule)) for rule in Rule.objects.filter(workspace=workspace)]
    return render(
        request,
        "moderation/rules.html",
        {
            "rules": listed,
            "packs": _pack_rows(workspace),
            "actions": Action.choices,
            "test_form": TestForm(),
        },
    )


def _editor(request, rule, form, rows, errors=(), status=200):
    if not rows:
        rows = [ConditionRow(0)]
    return render(
        request,
        "moderation/rule_form.html",
        {
            "rule": rule,
            "form": form,
            "rows": rows,
            "template_row": ConditionRow("__index__"),
            "next_index": len(rows),
            "condition_types": CONDITION_TYPES,
            "errors": errors,
            "test_form": TestForm(),
        },
        status=status,
    )


def _save(request, rule):
    form = RuleForm(request.POST, instance=rule)
    rows = rows_from_post(request.POST)
    if not form.is_valid():
        return _editor(request, rule, form, rows, status=400)
    data = form.cleaned_data
    try:
        saved = configuration.save_rule(
            request.membership,
            rule,
            name=data["name"],
            match=data["match"],
            conditions=conditions_of(rows),
            action=data["action"],
            priority=data["priority"],
            mute_minutes=data["mute_minutes"],
            warn_text=data["warn_text"],
            enabled=data["enabled"],
        )
    except ValidationError as error:
        return _editor(request, rule, form, rows, _attach_errors(rows, error), status=400)
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
    return redirect("moderation:rules", request.workspace.slug)


def _attach_errors(rows, error: ValidationError) -> list[str]:
    """Put each condition's problem next to its row; return the problems that belong to no row.

    validate_conditions reports one message per bad condition, in order, so the n-th message belongs to the
    n-th row that fails on its own.
    """
    problems = list(error.messages)
    failing = []
    for row in rows:
        try:
            validate_conditions(conditions_of([row]))
        except ValidationError:
            failing.append(row)
    if len(failing) != len(problems):
        return problems
    for row, problem in zip(failing, problems, strict=True):
        row.error = problem
    return []


@workspace_view(CAPABILITY)
def new_rule(request):
    if request.method == "POST":
        return _save(request, None)
    return _editor(request, None, RuleForm(initial={"action": Action.HOLD}), [])


@workspace_view(CAPABILITY)
def edit_rule(request, rule_id):
    rule = in_workspace(Rule.objects.all(), request.membership, rule_id, CAPABILITY)
    if request.method == "POST":
        return _save(request, rule)
    return _editor(request, rule, RuleForm(instance=rule), rows_from_conditions(rule.conditions))


@workspace_view(CAPABILITY)
@require_POST
def toggle_rule(request, rule_id):
    rule = in_workspace(Rule.objects.all(), request.membership, rule_id, CAPABILITY)
    enabled = request.POST.get("enabled") == "on"
    configuration.set_rule_enabled(request.membership, rule, enabled)
    if enabled:
        messages.success(request, _("Rule “%(name)s” is on.") % {"name": rule.name})
    else:
        messages.success(request, _("Rule “%(name)s” is off.") % {"name": rule.name})
    return redirect("moderation:rules", request.workspace.slug)


@workspace_view(CAPABILITY)
@require_POST
def delete_rule(request, rule_id):
    rule = in_workspace(Rule.objects.all(), request.membership, rule_id, CAPABILITY)
    configuration.delete_rule(request.membership, rule)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("moderation:rules", request.workspace.slug)


@workspace_view(CAPABILITY)
@require_POST
def packs(request):
    form = PackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the packs and actions offered."))
        return redirect("moderation:rules", request.workspace.slug)
    data = form.cleaned_data
    try:
        configuration.set_pack(
            request.membership, data["pack"], enabled=data["enabled"], action=data["action"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        label = PACKS[data["pack"]].label
        if data["enabled"]:
            messages.success(request, _("Pack “%(name)s” is on.") % {"name": label})
        else:
            messages.success(request, _("Pack “%(name)s” is off.") % {"name": label})
    return redirect("moderation:rules", request.workspace.slug)


def _sample(data) -> Message:
    """The test box's text as a message from an author with the given facts."""
    now = timezone.now()
    first = data["first_message"]
    author = AuthorFacts(
        external_id="test-box",
        first_seen=now if first else now - timedelta(days=SEASONED_AUTHOR_DAYS),
        message_count=1 if first else SEASONED_AUTHOR_MESSAGES,
        warnings=data["strikes"] or 0,
    )
    return Message(data["text"], author=author, sent_at=now)


@workspace_view(CAPABILITY)
def test_box(request):
    """What the workspace's engine would do with a sample text, and why. The full page without htmx."""
    form = TestForm(request.POST or None)
    verdict = reasons = None
    if request.method == "POST" and form.is_valid():
        sample = _sample(form.cleaned_data)
        # A fresh history: flood and repeated-text conditions see this one message only.
        verdict = Engine.for_workspace(request.workspace).review(sample, InMemoryHistory(), record=True)
        reasons = shown_reasons(sample.text, verdict)
    context = {
        "test_form": form,
        "verdict": verdict,
        "verdict_label": Action(verdict.action).label if verdict else "",
        "reasons": reasons,
    }
    if request.htmx:
        # htmx swaps only successful answers: the form's errors come back as a 200 fragment.
        return render(request, "moderation/_test_result.html", context)
    return render(request, "moderation/test.html", context, status=400 if form.errors else 200)
