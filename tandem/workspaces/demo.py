"""The demo workspace `make run` loads: one user per role, with logins printed and listed in README.

Everything here is idempotent so `tandem demo` can run on every start without duplicating anything.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Membership, Workspace
from .roles import Role

DEMO_PASSWORD = "tandem-demo"
DEMO_WORKSPACE = ("demo", "Demo Coffee Roasters")
DEMO_USERS = [
    ("owner@demo.tandem", "Olga Owner", Role.OWNER, "en"),
    ("manager@demo.tandem", "Maria Manager", Role.MANAGER, "en"),
    ("admin@demo.tandem", "Anton Administrator", Role.ADMINISTRATOR, "ru"),
    ("guest@demo.tandem", "Gleb Guest", Role.GUEST, "en"),
    ("client@demo.tandem", "Clara Client", Role.CLIENT, "en"),
]


@transaction.atomic
def load_demo() -> Workspace:
    slug, name = DEMO_WORKSPACE
    workspace, _ = Workspace.objects.get_or_create(
        slug=slug, defaults={"name": name, "time_zone": "Europe/Moscow"}
    )
    User = get_user_model()
    for email, full_name, role, language in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": full_name, "language": language}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    return workspace
