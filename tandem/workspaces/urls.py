from django.urls import path

from . import views

app_name = "workspaces"
urlpatterns = [
    path("", views.home, name="home"),
    path("workspaces/new/", views.create, name="create"),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("roles/", views.roles_guide, name="roles"),
    path("w/<slug:slug>/", views.dashboard, name="dashboard"),
    path("w/<slug:slug>/team/", views.team, name="team"),
    path("w/<slug:slug>/team/invite/", views.invite, name="invite"),
    path("w/<slug:slug>/team/<int:membership_id>/role/", views.change_role, name="change_role"),
    path("w/<slug:slug>/team/<int:membership_id>/remove/", views.remove_member, name="remove_member"),
    path(
        "w/<slug:slug>/team/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("w/<slug:slug>/leave/", views.leave, name="leave"),
    path("w/<slug:slug>/settings/", views.settings_view, name="settings"),
    path("w/<slug:slug>/delete/", views.delete, name="delete"),
]
