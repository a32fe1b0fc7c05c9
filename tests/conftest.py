"""The base setup every test shares: a workspace with one user per role, and an outsider who owns another
workspace. Fixtures are named after what they are: ``team.manager``, ``team.outsider`` …"""

import os
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from tandem.workspaces.models import Membership, Workspace
from tandem.workspaces.roles import Role

pytest_plugins = ["tests.fakes.telegram"]

PASSWORD = "correct horse battery staple"


def require_services() -> bool:
    """In CI (TANDEM_REQUIRE_SERVICES=1) a missing PostgreSQL, Redis or browser fails instead of skipping."""
    return bool(os.environ.get("TANDEM_REQUIRE_SERVICES"))


def skip_or_fail(reason: str):
    if require_services():
        pytest.fail(f"{reason} (required in CI: TANDEM_REQUIRE_SERVICES is set)")
    pytest.skip(reason)


@dataclass
class Team:
    workspace: Workspace
    owner: object
    manager: object
    administrator: object
    guest: object
    client: object
    outsider: object
    other_workspace: Workspace

    def user(self, role: str):
        return getattr(self, role)

    def membership(self, role: str) -> Membership:
        return Membership.objects.get(workspace=self.workspace, user=self.user(role))


ROLE_USERS = ["owner", "manager", "administrator", "guest", "client"]


def make_user(email: str, **fields):
    return get_user_model().objects.create_user(email, PASSWORD, **fields)


@pytest.fixture
def team(db) -> Team:
    workspace = Workspace.objects.create(name="Acme Coffee", slug="acme")
    users = {}
    for role in ROLE_USERS:
        users[role] = make_user(f"{role}@acme.test", name=role.title())
        Membership.objects.create(workspace=workspace, user=users[role], role=Role(role))
    other = Workspace.objects.create(name="Rival Tea", slug="rival")
    outsider = make_user("outsider@rival.test", name="Outsider")
    Membership.objects.create(workspace=other, user=outsider, role=Role.OWNER)
    return Team(workspace=workspace, outsider=outsider, other_workspace=other, **users)


@pytest.fixture
def client_as(client):
    """``client_as(user)`` signs the test client in as that user and returns it."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


@pytest.fixture(scope="session", autouse=True)
def end_stray_database_sessions(django_db_setup, django_db_blocker):
    """After the last test, end PostgreSQL sessions that worker threads of the code under test (connector
    thread pools, listeners) still hold, so the test database can be dropped."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
