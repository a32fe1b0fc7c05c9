from huey.contrib.djhuey import db_task

from tandem.workspaces.models import Membership

from . import workspace_model


@db_task()
def retrain_in_background(membership_id: int):
    """Retrain the workspace's classifier (queued by workspace_model.request_retrain)."""
    membership = Membership.objects.select_related("workspace", "user").filter(pk=membership_id).first()
    if membership is None:  # the member left meanwhile
        return None
    model = workspace_model.run_requested(membership)
    return model.version if model else None
