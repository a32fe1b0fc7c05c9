from django.db import transaction

from .models import Notification


@transaction.atomic
def notify(users, workspace, text: str, url: str = "") -> int:
    """Leave ``text`` for each of ``users`` (None entries are skipped); returns how many were written."""
    rows = [
        Notification(user=user, workspace=workspace, text=text, url=url) for user in users if user is not None
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)
