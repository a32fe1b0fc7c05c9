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


DEMO_RUBRICS = [
    ("Behind the roast", "#b5562d", 40),
    ("Brewing tips", "#2d7cb5", 35),
    ("Offers", "#3f9d4a", 25),
]
DEMO_POSTS = [
    # (author's email, rubric, text, what happens to it)
    ("manager@demo.tandem", 0, "We roast every Tuesday at 6 am. Come and smell it.", "publish"),
    (
        "manager@demo.tandem",
        1,
        "Three mistakes people make with a French press — and how to fix them.",
        "schedule",
    ),
    ("admin@demo.tandem", 2, "Loyalty card: the tenth cup is on us. Draft for approval.", "submit"),
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
    if not workspace.channels.exists():
        _load_demo_content(workspace)
    return workspace


def _load_demo_content(workspace: Workspace) -> None:
    """A sandbox channel, rubrics, three posts in different states and comments under the published one, so
    every page has something to show."""
    from datetime import timedelta

    from django.utils import timezone

    from tandem.channels.services import connect_sandbox
    from tandem.content import services as content
    from tandem.content.models import Rubric

    def member(email):
        return Membership.objects.select_related("workspace", "user").get(
            workspace=workspace, user__email=email
        )

    channel = connect_sandbox(member("manager@demo.tandem"), "Demo sandbox")
    rubrics = [
        Rubric.objects.create(workspace=workspace, name=name, colour=colour, target_share=share)
        for name, colour, share in DEMO_RUBRICS
    ]
    for email, rubric, text, fate in DEMO_POSTS:
        author = member(email)
        post = content.save_post(
            author, None, text=text, rubric=rubrics[rubric], tags=[], channels=[channel], variants={}
        )
        if fate == "publish":
            content.schedule(author, post)
        elif fate == "schedule":
            content.schedule(author, post, at=timezone.now() + timedelta(days=2))
        else:
            content.submit(author, post)
    # The simulated audience's first comments (with some spam and abuse for moderation to handle), after the
    # commit: moderating them calls the sandbox connector, which works in its own connection.
    from tandem.community.audience import comment_for_demo

    transaction.on_commit(lambda: comment_for_demo(channel))
