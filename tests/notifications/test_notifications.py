"""A person's notifications: only their own, in this workspace; mark read; open safely."""

import pytest
from django.urls import reverse

from tandem.notifications.models import Notification

SLUG = "acme"


def url(name, *args):
    return reverse(f"notifications:{name}", args=[SLUG, *args])


def note(user, workspace, text, url=""):
    return Notification.objects.create(user=user, workspace=workspace, text=text, url=url)


def test_list_shows_only_my_notifications_in_this_workspace_newest_first(team, client_as):
    note(team.manager, team.workspace, "Older news for the manager")
    note(team.manager, team.workspace, "Newer news for the manager")
    note(team.guest, team.workspace, "Something for the guest")
    note(team.manager, team.other_workspace, "From another workspace")

    response = client_as(team.manager).get(url("list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Newer news for the manager") < page.index("Older news for the manager")
    assert "Something for the guest" not in page
    assert "From another workspace" not in page
    assert page.count('class="unread"') == 2
    assert 'data-testid="notifications-link"' in page and "Notifications (2)" in page


def test_every_role_has_notifications(team, client_as):
    note(team.client, team.workspace, "Your report is ready")
    page = client_as(team.client).get(url("list")).content.decode()
    assert "Your report is ready" in page and "Notifications (1)" in page


def test_mark_all_as_read_touches_only_mine(team, client_as):
    mine = [note(team.manager, team.workspace, f"Note {n}") for n in range(3)]
    elsewhere = note(team.manager, team.other_workspace, "Elsewhere")
    someone_else = note(team.guest, team.workspace, "The guest's")

    response = client_as(team.manager).post(url("read_all"), follow=True)
    page = response.content.decode()
    assert "3 notifications marked as read." in page
    assert "Notifications (0)" in page and 'class="unread"' not in page
    assert all(Notification.objects.get(pk=n.pk).read_at is not None for n in mine)
    assert Notification.objects.get(pk=elsewhere.pk).read_at is None
    assert Notification.objects.get(pk=someone_else.pk).read_at is None


def test_mark_all_as_read_needs_post(team, client_as):
    note(team.manager, team.workspace, "Stay unread")
    assert client_as(team.manager).get(url("read_all")).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_opening_marks_read_and_goes_to_the_page(team, client_as):
    target = reverse("workspaces:team", args=[SLUG])
    n = note(team.manager, team.workspace, "You were mentioned", url=target)
    client = client_as(team.manager)
    response = client.get(url("open", n.pk))
    assert response.status_code == 302 and response.url == target
    n.refresh_from_db()
    assert n.read_at is not None
    first_read = n.read_at
    client.get(url("open", n.pk))
    n.refresh_from_db()
    assert n.read_at == first_read  # opening again keeps the first time it was read


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)", "/\\evil.example", ""],
)
def test_opening_never_leaves_the_site(team, client_as, target):
    n = note(team.manager, team.workspace, "Suspicious", url=target)
    response = client_as(team.manager).get(url("open", n.pk))
    assert response.status_code == 302
    assert response.url == url("list")
    n.refresh_from_db()
    assert n.read_at is not None


def test_someone_elses_notification_is_not_found(team, client_as):
    theirs = note(team.guest, team.workspace, "For the guest", url="/")
    in_other_workspace = note(team.manager, team.other_workspace, "Elsewhere", url="/")
    client = client_as(team.manager)
    assert client.get(url("open", theirs.pk)).status_code == 404
    assert client.get(url("open", in_other_workspace.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # An outsider gets 404 for the whole workspace.
    assert client_as(team.outsider).get(url("list")).status_code == 404


def test_unread_count_in_the_top_bar_on_other_workspace_pages(team, client_as):
    note(team.manager, team.workspace, "One")
    note(team.manager, team.workspace, "Two", url="/")
    page = client_as(team.manager).get(reverse("workspaces:dashboard", args=[SLUG])).content.decode()
    assert "Notifications (2)" in page
    assert url("list") in page


def test_no_bell_outside_a_workspace(team, client_as):
    note(team.manager, team.workspace, "One")
    page = client_as(team.manager).get(reverse("workspaces:home") + "?all=1").content.decode()
    assert 'data-testid="notifications-link"' not in page
