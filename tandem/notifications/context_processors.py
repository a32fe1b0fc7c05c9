from .models import Notification


def unread_notifications(request):
    """How many of the signed-in user's notifications in the current workspace are unread (workspace pages
    only: ``workspace_view`` sets ``request.membership``)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    count = Notification.objects.filter(
        user=membership.user, workspace=membership.workspace, read_at__isnull=True
    ).count()
    return {"unread_notifications": count}
