"""Forms of the moderation pages: a rule with its condition rows, packs, the test box and the settings."""

import re
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from .configuration import LADDER_ACTIONS
from .models import Action, Rule, WarnMode
from .rules import CONDITION_TYPES
from .workspace_model import head_label


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["name", "enabled", "match", "action", "priority", "mute_minutes", "warn_text"]
        widgets = {"warn_text": forms.Textarea(attrs={"rows": 2}), "match": forms.RadioSelect}

    def clean(self):
        data = super().clean()
        if data.get("action") == Action.MUTE and not data.get("mute_minutes"):
            self.add_error("mute_minutes", _("Say for how many minutes the rule mutes."))
        return data


# Condition rows ----------------------------------------------------------------------------------------
#
# Each row posts "cond-<n>-type" and, for every condition type, "cond-<n>-<type>-<param>"; only the chosen
# type's parameters are read. moderation.js shows only those and adds or removes rows; without it every
# row shows all parameter groups and a row is dropped by choosing no type.

ROW_TYPE = re.compile(r"^cond-(\d+)-type$")
LIST_KINDS = ("words", "domains")


def _as_text(kind: str, value) -> str | bool:
    """A stored parameter value as the form shows it."""
    if kind == "bool":
        return bool(value)
    if kind in LIST_KINDS:
        return "\n".join(value or [])
    return "" if value is None else str(value)


@dataclass
class ParamField:
    name: str  # the POST name
    label: str
    kind: str
    value: str | bool
    required: bool


@dataclass
class ConditionRow:
    index: int
    type: str = ""  # "" = no condition
    values: dict = field(default_factory=dict)  # type → {param: shown value}
    error: str = ""

    def groups(self):
        """(type key, type, [ParamField]) for every condition type: the row's parameter groups."""
        for key, ctype in CONDITION_TYPES.items():
            given = self.values.get(key, {})
            fields = [
                ParamField(
                    f"cond-{self.index}-{key}-{param.name}",
                    param.label,
                    param.kind,
                    given.get(param.name, _as_text(param.kind, param.default)),
                    param.required,
                )
                for param in ctype.params
            ]
            yield key, ctype, fields


def rows_from_conditions(conditions: list[dict]) -> list[ConditionRow]:
    rows = []
    for index, condition in enumerate(conditions):
        ctype = CONDITION_TYPES.get(condition.get("type"))
        if ctype is None:
            continue
        shown = {param.name: _as_text(param.kind, condition.get(param.name)) for param in ctype.params}
        rows.append(ConditionRow(index, ctype.key, {ctype.key: shown}))
    return rows


def rows_from_post(data) -> list[ConditionRow]:
    """The rows the form sent, in their order, without those left with no type."""
    indexes = sorted(int(match[1]) for key in data if (match := ROW_TYPE.match(key)))
    rows = []
    for index in indexes:
        kind = data.get(f"cond-{index}-type", "")
        ctype = CONDITION_TYPES.get(kind)
        if ctype is None:
            continue
        shown = {}
        for param in ctype.params:
            name = f"cond-{index}-{kind}-{param.name}"
            shown[param.name] = name in data if param.kind == "bool" else data.get(name, "")
        rows.append(ConditionRow(len(rows), kind, {kind: shown}))
    return rows


def conditions_of(rows: list[ConditionRow]) -> list[dict]:
    """What rules.validate_conditions is given: lists split by line, the rest as typed."""
    conditions = []
    for row in rows:
        condition = {"type": row.type}
        for param in CONDITION_TYPES[row.type].params:
            value = row.values[row.type][param.name]
            condition[param.name] = (
                [line for line in value.splitlines() if line.strip()] if param.kind in LIST_KINDS else value
            )
        conditions.append(condition)
    return conditions


# Packs, test box, settings -----------------------------------------------------------------------------


class PackForm(forms.Form):
    pack = forms.CharField(max_length=40)
    enabled = forms.BooleanField(required=False)
    action = forms.ChoiceField(choices=[("", _("the pack's default")), *Action.choices], required=False)


class TestForm(forms.Form):
    text = forms.CharField(
        label=_("Sample text"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    strikes = forms.IntegerField(
        label=_("Author's strikes"), min_value=0, max_value=1000, initial=0, required=False
    )
    first_message = forms.BooleanField(label=_("The author's first message"), required=False)


class SettingsForm(forms.Form):
    classifier_enabled = forms.BooleanField(label=_("Use the classifier"), required=False)
    warn_text = forms.CharField(
        label=_("Warning text"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    # Not required: a form without it (an older page) keeps warning in the thread.
    warn_mode = forms.ChoiceField(
        label=_("How to warn"), choices=WarnMode.choices, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args, heads, defaults, **kwargs):
        """``defaults``: {head: {"hold": p, "delete": p}}, the values used when a field is left empty."""
        super().__init__(*args, **kwargs)
        self.heads = heads
        for head in heads:
            for action in ("hold", "delete"):
                self.fields[f"{head}_{action}"] = forms.FloatField(
                    min_value=0.0,
                    max_value=1.0,
                    required=False,
                    widget=forms.NumberInput(
                        attrs={"step": "0.01", "placeholder": f"{defaults[head][action]:.2f}"}
                    ),
                )

    def clean_warn_mode(self) -> str:
        return self.cleaned_data.get("warn_mode") or WarnMode.THREAD

    def threshold_rows(self):
        return [(head_label(head), self[f"{head}_hold"], self[f"{head}_delete"]) for head in self.heads]

    def thresholds(self) -> dict:
        data = self.cleaned_data
        return {
            head: {action: data[f"{head}_{action}"] for action in ("hold", "delete")} for head in self.heads
        }


class LadderStepForm(forms.Form):
    strikes = forms.IntegerField(label=_("Strikes"), min_value=1, max_value=1000, required=False)
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("", "—")] + [(action.value, action.label) for action in LADDER_ACTIONS],
        required=False,
    )
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=525_600, required=False)

    def clean(self):
        data = super().clean()
        if data.get("strikes") is None and not data.get("action"):
            return data  # an empty row
        if data.get("strikes") is None:
            self.add_error("strikes", _("How many strikes?"))
        if not data.get("action"):
            self.add_error("action", _("Choose an action."))
        if data.get("action") == Action.MUTE and not data.get("minutes"):
            self.add_error("minutes", _("For how many minutes?"))
        return data

    def step(self) -> dict | None:
        data = self.cleaned_data
        if data.get("strikes") is None:
            return None
        return {"strikes": data["strikes"], "action": data["action"], "minutes": data.get("minutes")}


LadderFormSet = forms.formset_factory(LadderStepForm, extra=2, max_num=20, validate_max=True)
