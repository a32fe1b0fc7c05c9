import pytest
from django.core.management import CommandError, call_command

from tandem.workspaces.demo import DEMO_PASSWORD, DEMO_USERS
from tandem.workspaces.models import Membership, Workspace


def test_demo_is_idempotent_and_prints_the_logins(db, capsys):
    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    assert Workspace.objects.filter(slug="demo").count() == 1
    assert Membership.objects.filter(workspace__slug="demo").count() == len(DEMO_USERS)
    for email, *_ in DEMO_USERS:
        assert email in out
    assert DEMO_PASSWORD in out


def test_createadmin_creates_superuser_and_workspace(db, monkeypatch):
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "a long enough passphrase")
    call_command("createadmin", email="root@example.com", workspace="Main brand")
    membership = Membership.objects.get(user__email="root@example.com")
    assert membership.user.is_superuser and membership.role == "owner"
    with pytest.raises(CommandError, match="already exists"):
        call_command("createadmin", email="root@example.com")
    with pytest.raises(CommandError, match="not a valid"):
        call_command("createadmin", email="nope")
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("createadmin", email="weak@example.com")


def test_health_reports_database_and_worker(client, db):
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "worker_seen_seconds_ago": None}
