import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.workspaces import services
from tandem.workspaces.models import Invitation, Membership, Workspace
from tandem.workspaces.roles import Role


def invite_via_page(client, team, email, role, capture):
    with capture(execute=True):
        return client.post(
            reverse("workspaces:invite", args=[team.workspace.slug]), {"email": email, "role": role}
        )


def link_from_last_mail():
    return re.search(r"https?://\S+/invite/(\S+)/", mail.outbox[-1].body).group(1)


def test_manager_invites_by_email_and_the_link_creates_an_account(
    team, client_as, client, django_capture_on_commit_callbacks
):
    response = invite_via_page(
        client_as(team.manager),
        team,
        "New.Person@Example.com",
        "administrator",
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.person@example.com"]
    assert "Acme Coffee" in mail.outbox[-1].subject
    token = link_from_last_mail()
    client.logout()

    page = client.get(reverse("workspaces:accept_invitation", args=[token]))
    assert page.status_code == 200 and b"new-account-form" in page.content
    response = client.post(
        reverse("workspaces:accept_invitation", args=[token]),
        {"name": "New Person", "password": "a long enough passphrase", "language": "ru"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.com")
    assert membership.role == Role.ADMINISTRATOR and membership.workspace == team.workspace
    assert membership.user.language == "ru"
    # The session is the new person's; the link cannot be used again.
    assert client.get(reverse("workspaces:dashboard", args=["acme"])).status_code == 200
    client.logout()
    again = client.get(reverse("workspaces:accept_invitation", args=[token]))
    assert again.status_code == 404 and "already been used" in again.content.decode()


def test_existing_user_signs_in_and_joins(team, client_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, token = services.invite(team.membership("owner"), team.outsider.email, Role.GUEST)
    client = client_as(team.outsider)
    response = client.post(reverse("workspaces:accept_invitation", args=[token]))
    assert response.status_code == 302
    assert Membership.objects.get(user=team.outsider, workspace=team.workspace).role == Role.GUEST


def test_a_weak_password_on_the_join_form_is_refused_and_nothing_is_created(team, client):
    _, token = services.invite(team.membership("owner"), "weak@example.com", Role.GUEST)
    response = client.post(
        reverse("workspaces:accept_invitation", args=[token]),
        {"name": "W", "password": "123", "language": "en"},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="weak@example.com").exists()
    assert Invitation.objects.get(email="weak@example.com").accepted_at is None


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda inv: setattr(inv, "expires_at", timezone.now() - timedelta(minutes=1)), "expired"),
        (lambda inv: setattr(inv, "revoked_at", timezone.now()), "revoked"),
        (lambda inv: setattr(inv, "accepted_at", timezone.now()), "already been used"),
    ],
)
def test_expired_revoked_or_used_links_say_why(team, client, mutate, message):
    invitation, token = services.invite(team.membership("owner"), "late@example.com", Role.GUEST)
    mutate(invitation)
    invitation.save()
    response = client.get(reverse("workspaces:accept_invitation", args=[token]))
    assert response.status_code == 404
    assert message in response.content.decode()
    post = client.post(
        reverse("workspaces:accept_invitation", args=[token]),
        {"name": "x", "password": "a long enough passphrase"},
    )
    assert post.status_code == 404
    assert not Membership.objects.filter(user__email="late@example.com").exists()


def test_a_made_up_link_is_a_clear_404(client, db):
    response = client.get(reverse("workspaces:accept_invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_link_for_someone_else_is_refused(team, client_as):
    _, token = services.invite(team.membership("owner"), "someone@example.com", Role.GUEST)
    response = client_as(team.guest).post(reverse("workspaces:accept_invitation", args=[token]), follow=True)
    assert "This invitation is for someone@example.com" in response.content.decode()
    assert Invitation.objects.get(email="someone@example.com").accepted_at is None


def test_duplicate_invitations_and_members_get_a_clear_error(
    team, client_as, django_capture_on_commit_callbacks
):
    client = client_as(team.owner)
    response = invite_via_page(client, team, "GUEST@acme.test", "guest", django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "already a member" in response.content.decode()
    invite_via_page(client, team, "twice@example.com", "guest", django_capture_on_commit_callbacks)
    response = invite_via_page(
        client, team, "twice@example.com", "client", django_capture_on_commit_callbacks
    )
    assert response.status_code == 400 and "already has a pending invitation" in response.content.decode()
    assert Invitation.objects.filter(email="twice@example.com").count() == 1


def test_bad_invitation_input_is_a_form_error(team, client_as, django_capture_on_commit_callbacks):
    client = client_as(team.owner)
    assert (
        invite_via_page(client, team, "not an email", "guest", django_capture_on_commit_callbacks).status_code
        == 400
    )
    assert (
        invite_via_page(
            client, team, "ok@example.com", "emperor", django_capture_on_commit_callbacks
        ).status_code
        == 400
    )
    assert not Invitation.objects.exists()


def test_only_an_owner_can_hand_out_the_owner_role(team, client_as, django_capture_on_commit_callbacks):
    response = invite_via_page(
        client_as(team.manager), team, "boss@example.com", "owner", django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    with pytest.raises(ServiceError):
        services.change_role(team.membership("manager"), team.membership("guest"), Role.OWNER)
    with pytest.raises(ServiceError):
        services.change_role(team.membership("manager"), team.membership("owner"), Role.GUEST)
    services.change_role(team.membership("owner"), team.membership("guest"), Role.OWNER)
    assert team.membership("guest").role == Role.OWNER


def test_manager_changes_and_revokes_roles_from_the_team_page(team, client_as):
    client = client_as(team.manager)
    guest = team.membership("guest")
    response = client.post(
        reverse("workspaces:change_role", args=["acme", guest.pk]), {"role": "administrator"}
    )
    assert response.status_code == 302
    assert team.membership("guest").role == Role.ADMINISTRATOR
    response = client.post(reverse("workspaces:remove_member", args=["acme", guest.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=guest.pk).exists()


def test_role_change_with_a_bad_value_changes_nothing(team, client_as):
    guest = team.membership("guest")
    response = client_as(team.manager).post(
        reverse("workspaces:change_role", args=["acme", guest.pk]), {"role": "x"}, follow=True
    )
    assert "Choose one of the roles" in response.content.decode()
    assert team.membership("guest").role == Role.GUEST


def test_members_of_another_workspace_cannot_be_touched_by_id(team, client_as):
    rival = Membership.objects.get(user=team.outsider)
    response = client_as(team.owner).post(reverse("workspaces:remove_member", args=["acme", rival.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=rival.pk).exists()


def test_the_last_owner_cannot_leave_or_be_demoted(team, client_as):
    with pytest.raises(ServiceError):
        services.leave(team.membership("owner"))
    with pytest.raises(ServiceError):
        services.change_role(team.membership("owner"), team.membership("owner"), Role.GUEST)
    response = client_as(team.owner).post(reverse("workspaces:leave", args=["acme"]), follow=True)
    assert "only owner" in response.content.decode()
    assert Membership.objects.filter(user=team.owner, workspace=team.workspace).exists()


def test_a_member_leaves(team, client_as):
    client = client_as(team.guest)
    assert client.post(reverse("workspaces:leave", args=["acme"])).status_code == 302
    assert client.get(reverse("workspaces:dashboard", args=["acme"])).status_code == 404


def test_removed_while_signed_in_sees_a_404_not_data(team, client_as):
    client = client_as(team.administrator)
    assert client.get(reverse("workspaces:team", args=["acme"])).status_code == 200
    services.remove_member(team.membership("owner"), team.membership("administrator"))
    response = client.get(reverse("workspaces:team", args=["acme"]))
    assert response.status_code == 404
    assert "not a member" in response.content.decode()
    assert "manager@acme.test" not in response.content.decode()


def test_revoking_an_invitation_kills_its_link(team, client_as, client):
    invitation, token = services.invite(team.membership("owner"), "gone@example.com", Role.GUEST)
    client_as(team.manager).post(reverse("workspaces:revoke_invitation", args=["acme", invitation.pk]))
    client.logout()
    assert client.get(reverse("workspaces:accept_invitation", args=[token])).status_code == 404


def test_create_workspace_makes_the_creator_owner_with_a_unique_address(team, client_as):
    client = client_as(team.guest)
    response = client.post(
        reverse("workspaces:create"), {"name": "Acme Coffee", "time_zone": "Europe/Berlin"}
    )
    workspace = Workspace.objects.exclude(pk=team.workspace.pk).get(name="Acme Coffee")
    assert workspace.slug == "acme-coffee" and response.url == f"/w/{workspace.slug}/"
    assert Membership.objects.get(workspace=workspace, user=team.guest).role == Role.OWNER
    cyrillic = services.create_workspace(team.guest, "Кофейня")
    assert cyrillic.slug


def test_create_workspace_rejects_bad_input(team, client_as):
    client = client_as(team.guest)
    assert client.post(reverse("workspaces:create"), {"name": "", "time_zone": "UTC"}).status_code == 400
    assert (
        client.post(reverse("workspaces:create"), {"name": "X", "time_zone": "Mars/Olympus"}).status_code
        == 400
    )
    assert Workspace.objects.count() == 2


def test_owner_renames_and_deletes_with_confirmation(team, client_as):
    client = client_as(team.owner)
    client.post(
        reverse("workspaces:settings", args=["acme"]), {"name": "Acme Roasters", "time_zone": "Asia/Tokyo"}
    )
    team.workspace.refresh_from_db()
    assert (team.workspace.name, team.workspace.time_zone) == ("Acme Roasters", "Asia/Tokyo")
    client.post(reverse("workspaces:delete", args=["acme"]), {"confirmation": "wrong"})
    assert Workspace.objects.filter(slug="acme").exists()
    client.post(reverse("workspaces:delete", args=["acme"]), {"confirmation": "Acme Roasters"})
    assert not Workspace.objects.filter(slug="acme").exists()


def test_navigation_shows_each_role_only_what_it_may_use(team, client_as):
    pages = {}
    for role in ["owner", "manager", "administrator", "client"]:
        html = client_as(team.user(role)).get(reverse("workspaces:dashboard", args=["acme"])).content.decode()
        nav = html.split('data-testid="workspace-nav"')[1].split("</nav>")[0]
        pages[role] = nav
    assert "/w/acme/settings/" in pages["owner"] and "/w/acme/settings/" not in pages["manager"]
    assert "/w/acme/team/" in pages["administrator"] and "/w/acme/team/" not in pages["client"]
    team_page = client_as(team.manager).get(reverse("workspaces:team", args=["acme"])).content.decode()
    assert 'data-testid="invite-form"' in team_page
    team_page = client_as(team.administrator).get(reverse("workspaces:team", args=["acme"])).content.decode()
    assert 'data-testid="invite-form"' not in team_page and 'data-testid="capability-matrix"' in team_page


def test_invitation_email_is_sent_after_commit_only(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invite(team.membership("owner"), "later@example.com", Role.GUEST)
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert mail.outbox[0].to == ["later@example.com"]
