"""The workspace's moderation settings: the classifier, its thresholds, the escalation ladder, the warning
and how it reaches the author."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tandem.workspaces.access import workspace_view

from .. import configuration
from ..classifier import load_default
from ..forms import LadderFormSet, SettingsForm
from ..workspace_model import load_active
from .common import model_thresholds

CAPABILITY = "moderation.rules"


def _initial(stored) -> dict:
    initial = {
        "classifier_enabled": stored.classifier_enabled,
        "warn_text": stored.warn_text,
        "warn_mode": stored.warn_mode,
    }
    for head, values in (stored.thresholds or {}).items():
        for action, value in values.items():
            initial[f"{head}_{action}"] = value
    return initial


@workspace_view(CAPABILITY)
def settings(request):
    stored = configuration.settings_of(request.workspace)
    active = load_active(request.workspace)
    classifier = active or load_default()
    defaults = model_thresholds(classifier)
    kwargs = {"heads": classifier.heads, "defaults": defaults}
    if request.method == "POST":
        form = SettingsForm(request.POST, **kwargs)
        ladder = LadderFormSet(request.POST, prefix="ladder")
        if form.is_valid() and ladder.is_valid():
            try:
                configuration.save_settings(
                    request.membership,
                    classifier_enabled=form.cleaned_data["classifier_enabled"],
                    thresholds=form.thresholds(),
                    ladder=[step for step in (row.step() for row in ladder) if step is not None],
                    warn_text=form.cleaned_data["warn_text"],
                    warn_mode=form.cleaned_data["warn_mode"],
                    heads=classifier.heads,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Moderation settings saved."))
                return redirect("moderation:settings", request.workspace.slug)
        status = 400
    else:
        form = SettingsForm(initial=_initial(stored), **kwargs)
        ladder = LadderFormSet(initial=stored.ladder, prefix="ladder")
        status = 200
    return render(
        request,
        "moderation/settings.html",
        {"form": form, "ladder": ladder, "active": active},
        status=status,
    )
