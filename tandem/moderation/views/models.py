"""The workspace's classifier versions: how each did on held-out decisions, retraining, activate and rollback."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.workspaces.access import in_workspace, workspace_view

from .. import workspace_model
from ..classifier import load_default
from ..models import WorkspaceModel
from ..workspace_model import head_label

CAPABILITY = "moderation.rules"


def _head_rows(model: WorkspaceModel) -> list[dict]:
    """Per head: held-out scores of the shipped model and of this version, for the tables."""
    return [
        {"head": head, "label": head_label(head), **scores, "thresholds": model.thresholds.get(head, {})}
        for head, scores in sorted(model.metrics.get("heads", {}).items())
    ]


@workspace_view(CAPABILITY)
def models(request):
    workspace = request.workspace
    versions = list(
        WorkspaceModel.objects.filter(workspace=workspace).select_related("created_by").defer("weights")
    )
    counts = workspace_model.label_counts(workspace)
    active = next((model for model in versions if model.active), None)
    shipped = load_default()
    active_unusable = active is not None and workspace_model.load_active(workspace) is None
    return render(
        request,
        "moderation/models.html",
        {
            "versions": [(model, _head_rows(model)) for model in versions],
            "active": active,
            # an upgrade's shipped model with other features sets the active version aside (load_active)
            "active_unusable": active_unusable,
            # an upgrade's shipped model with the same features: the active version still works on top of it,
            # but its thresholds and its held-out comparison were made against the earlier one
            "active_built_on": (
                active.metrics.get("shipped_version")
                if active is not None
                and not active_unusable
                and active.metrics.get("shipped_version", shipped.version) != shipped.version
                else None
            ),
            "counts": counts,
            "training_since": workspace_model.training_since(workspace),
            "last_failure": workspace_model.last_failure(workspace),
            "shipped": shipped,
        },
    )


@workspace_view(CAPABILITY)
def model_detail(request, model_id):
    model = in_workspace(WorkspaceModel.objects.defer("weights"), request.membership, model_id, CAPABILITY)
    return render(request, "moderation/model.html", {"model": model, "heads": _head_rows(model)})


@workspace_view(CAPABILITY)
@require_POST
def retrain(request):
    try:
        workspace_model.request_retrain(request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Retraining started: the new version appears here when it is ready."))
    return redirect("moderation:models", request.workspace.slug)


@workspace_view(CAPABILITY)
@require_POST
def activate_model(request, model_id):
    model = in_workspace(WorkspaceModel.objects.defer("weights"), request.membership, model_id, CAPABILITY)
    workspace_model.activate(request.membership, model.pk)
    messages.success(request, _("Version %(version)d is now in use.") % {"version": model.version})
    return redirect("moderation:models", request.workspace.slug)


@workspace_view(CAPABILITY)
@require_POST
def use_shipped_model(request):
    workspace_model.deactivate(request.membership)
    messages.success(request, _("The classifier that ships with Tandem is in use again."))
    return redirect("moderation:models", request.workspace.slug)
